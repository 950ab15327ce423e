import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, packageVersion } from '../../shared/paths.js';
import { shebangNodeFlags } from '../../cli/node-flags.js';

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('switchyard --help lists every verb, and every verb has --help', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  const verbs = ['agent', 'controller', 'agents', 'parity', 'certs', 'token', 'demo', 'healthcheck'];
  for (const v of verbs) assert.match(r.stdout, new RegExp(`^\\s+${v}\\b`, 'm'), `--help lists ${v}`);
  for (const v of verbs) {
    const h = run([v, '--help']);
    assert.equal(h.status, 0, `${v} --help exits 0`);
    assert.match(h.stdout, new RegExp(`Usage: switchyard ${v}`));
  }
});

test('a config with a wrong type stops the agent with one stderr line naming the key', (t) => {
  const dir = tmp(t);
  const cfg = join(dir, 'agent.yaml');
  writeFileSync(cfg, 'name: s1\nlisten: { host: 127.0.0.2, port: 7701 }\ninsecure: true\nenvFiles: /etc/app.env\n');
  const r = run(['agent', '--config', cfg]);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /key envFiles: expected array/);
});

test('a database password from an environment variable that is not set stops the agent at start-up, naming the key', (t) => {
  const dir = tmp(t);
  const cfg = join(dir, 'agent.yaml');
  writeFileSync(cfg, `name: s1\nlisten: { host: 127.0.0.2, port: 7709 }\ninsecure: true\nstateFile: ${join(dir, 's.sqlite')}\ndatabase: { user: shop, password: { env: SY_TEST_NOT_SET_ANYWHERE } }\n`);
  const env = { ...process.env };
  delete env.SY_TEST_NOT_SET_ANYWHERE;
  const r = spawnSync(process.execPath, [MAIN, 'agent', '--config', cfg], { encoding: 'utf8', env, timeout: 30_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /database\.password/);
  assert.match(lines[0]!, /SY_TEST_NOT_SET_ANYWHERE/);
});

test('plaintext gRPC on a non-loopback address is refused at start-up', (t) => {
  const dir = tmp(t);
  const cfg = join(dir, 'agent.yaml');
  writeFileSync(cfg, `name: s1\nlisten: { host: 0.0.0.0, port: 7701 }\ninsecure: true\nstateFile: ${join(dir, 's.sqlite')}\n`);
  const r = run(['agent', '--config', cfg]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /0\.0\.0\.0/);
  assert.match(r.stderr, /SY_INSECURE_NON_LOOPBACK/);
});

test('token new prints a token once and a config entry holding only its hash', () => {
  const r = run(['token', 'new', '--name', 'ops', '--role', 'operator']);
  assert.equal(r.status, 0, r.stderr);
  const token = /(sy_[A-Za-z0-9_-]{20,})/.exec(r.stdout)?.[1];
  assert.ok(token, r.stdout);
  assert.match(r.stdout, /hash: "?sha256:[0-9a-f]{64}/);
  assert.equal(r.stdout.split(token).length - 1, 1, 'the token is printed exactly once');
});

test('a client verb against a controller that is not there fails with one clear line', () => {
  const r = run(['agents', '--url', 'http://127.0.0.1:9'], { SWITCHYARD_TOKEN: 'x' });
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^switchyard: cannot reach the controller at http:\/\/127\.0\.0\.1:9/);
});

test('healthcheck answers for a running mTLS agent and a controller, and fails for a stopped one', async (t) => {
  const { makePki } = await import('../helpers/pki.js');
  const { runAgent } = await import('../../agent/run.js');
  const { startController } = await import('../../controller/run.js');
  const { silentLogger } = await import('../../shared/logger.js');
  const { stringify } = await import('yaml');
  const { spawn } = await import('node:child_process');
  const dir = tmp(t);
  const pki = await makePki(t);
  const tls = await pki.issue('s1', ['IP:127.0.0.2'], 'both');
  const agentCfg = join(dir, 'agent.yaml');
  writeFileSync(agentCfg, stringify({ name: 's1', listen: { host: '127.0.0.2', port: 0 }, tls, stateFile: join(dir, 'a.sqlite') }));
  const agent = await runAgent(agentCfg, { logger: silentLogger() });
  // The healthcheck reads the port from the file, so write the one actually bound.
  writeFileSync(agentCfg, stringify({ name: 's1', listen: { host: '127.0.0.2', port: agent.server.port }, tls, stateFile: join(dir, 'a.sqlite') }));
  const controller = await startController(
    { listen: { host: '127.0.0.1', port: 0 }, stateFile: join(dir, 'c.sqlite'), logLevel: 'silent', insecure: false, agents: [], tokens: [], dnsProviders: {}, resolvers: [], agentTimeoutMs: 1000 },
    { logger: silentLogger() },
  );
  t.after(() => controller.close());
  const ctlCfg = join(dir, 'controller.yaml');
  writeFileSync(ctlCfg, stringify({ listen: { host: '127.0.0.1', port: Number(new URL(controller.url).port) } }));

  // Async spawn: the agent serves from this same process, so a blocking spawnSync would starve it.
  const runAsync = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
  const a = await runAsync(['healthcheck'], { SWITCHYARD_CONFIG: agentCfg });
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /agent s1 at 127\.0\.0\.2:\d+: SERVING/);
  const c = await runAsync(['healthcheck', '--config', ctlCfg]);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /controller at .*healthz: ok/);
  await agent.close();
  const down = await runAsync(['healthcheck', '--config', agentCfg]);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /^switchyard: agent at 127\.0\.0\.2:\d+/);
});

test('the binary run as installed (its own shebang, as systemd and the image run it) starts with the shebang\'s Node.js flags', () => {
  // The demo and the benchmarks start it as `node <flags> main.js` with the flags read from that line.
  assert.deepEqual(shebangNodeFlags(MAIN), ['--initial-old-space-size=128']);
  // Executed directly: env -S splits the line, and node refuses a flag it does not know.
  const r = spawnSync(MAIN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), packageVersion());
  const bad = spawnSync(process.execPath, ['--initial-old-space-size=x', '-e', '0'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0, 'a malformed flag is refused, so the direct run above proves the line is taken');
});

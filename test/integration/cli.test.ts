import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths.js';

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

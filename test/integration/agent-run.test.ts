import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { runAgent, type RunningAgent } from '../../agent/run.js';
import { testDirectory } from '../helpers/agent-server.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';

test('the agent keeps its state file across restarts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-agent-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'agent.yaml');
  writeFileSync(cfg, `name: s1\nlisten: { host: 127.0.0.2, port: 0 }\ninsecure: true\nstateFile: ${join(dir, 'state', 'agent.sqlite')}\n`);
  const first = await runAgent(cfg, { logger: silentLogger() });
  assert.equal(first.state.runs, 1);
  assert.ok(first.server.port > 0);
  await first.close();
  const second = await runAgent(cfg, { logger: silentLogger() });
  t.after(() => second.close());
  assert.equal(second.state.runs, 2);
  const tables = (second.state.db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as Array<{ name: string }>).map((r) => r.name);
  assert.ok(tables.includes('schema_migrations') && tables.includes('agent_runs'));
});

test("the agent's Hello reports the instance id its state file keeps: the same after a restart, on every address it is reached by; another state file is another agent", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-agent-id-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (name: string, state: string): string => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, `name: ${name}\nlisten: { host: 127.0.0.1, port: 0 }\ninsecure: true\nstateFile: ${join(dir, state)}\n`);
    return path;
  };
  const helloOf = async (agent: RunningAgent): Promise<string[]> => {
    const port = agent.server.port;
    const names = testDirectory(t, { insecure: true, agents: [{ name: 'a', address: `127.0.0.1:${port}` }, { name: 'b', address: `localhost:${port}` }] });
    return [(await names.hello('a')).instance_id, (await names.hello('b')).instance_id];
  };
  const cfg = config('s1', 's1.sqlite');
  const first = await runAgent(cfg, { logger: silentLogger() });
  const [id, again] = await helloOf(first);
  await first.close();
  assert.match(id!, /^[0-9a-f-]{36}$/, 'a UUID');
  assert.equal(again, id);
  assert.equal(first.state.instanceId, id);

  const restarted = await runAgent(cfg, { logger: silentLogger() });
  t.after(() => restarted.close());
  assert.deepEqual(await helloOf(restarted), [id, id], 'kept across a restart');
  const other = await runAgent(config('s2', 's2.sqlite'), { logger: silentLogger() });
  t.after(() => other.close());
  const [otherId] = await helloOf(other);
  assert.match(otherId!, /^[0-9a-f-]{36}$/);
  assert.notEqual(otherId, id);
});

test('an agent whose port is in use is refused naming listen.port and what to do', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-agent-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await runAgent(agentYaml(dir, 'a', 0), { logger: silentLogger() });
  t.after(() => first.close());
  const port = first.server.port;
  const logged: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void logged.push(s) } });
  await assert.rejects(runAgent(agentYaml(dir, 'b', port), { logger }), (e: unknown) => {
    assert.ok(e instanceof SwitchyardError, String(e));
    assert.equal(e.code, 'SY_CONFIG_INVALID');
    assert.equal(e.field, 'listen.port');
    assert.equal(e.message, `listen.port: cannot listen: 127.0.0.2:${port} is in use by another process (EADDRINUSE; another agent?); stop it or choose another listen.port`);
    return true;
  });
  // grpc-js's own line went to the log, not to stderr beside the one line saying why.
  assert.match(logged.join(''), /"component":"grpc-js".*No address added/);
});

function agentYaml(dir: string, name: string, port: number): string {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, `name: ${name}\nlisten: { host: 127.0.0.2, port: ${port} }\ninsecure: true\nstateFile: ${join(dir, name, 'agent.sqlite')}\n`);
  return cfg;
}

test('a second agent on the same state file refuses to start naming the holder; a holder that is gone is taken over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-agent-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shared = join(dir, 'shared', 'agent.sqlite');
  const yaml = (name: string): string => {
    const cfg = join(dir, `${name}.yaml`);
    writeFileSync(cfg, `name: staging-1\nlisten: { host: 127.0.0.2, port: 0 }\ninsecure: true\nstateFile: ${shared}\n`);
    return cfg;
  };
  const first = await runAgent(yaml('a'), { logger: silentLogger() });
  let firstClosed = false;
  t.after(async () => {
    if (!firstClosed) await first.close();
  });
  // Another port, same file: it ran beside the first, both watching the roots into one manifest.
  let second: { close(): Promise<void> } | undefined;
  t.after(async () => second?.close());
  const started = runAgent(yaml('b'), { logger: silentLogger() }).then((a) => {
    second = a;
  });
  await assert.rejects(started, (e: unknown) => {
    assert.ok(e instanceof SwitchyardError, String(e));
    assert.equal(e.code, 'SY_CONFLICT');
    assert.equal(e.field, 'stateFile');
    assert.match(e.message, new RegExp(`^stateFile ${shared} is in use by another agent: pid ${process.pid} on host .*; stop that agent first`));
    return true;
  });
  assert.equal((first.state.db.prepare('SELECT COUNT(*) AS n FROM agent_runs').get() as { n: number }).n, 1, 'the refused start recorded no run');
  await first.close();
  firstClosed = true;

  // A holder whose process is gone (killed: it never released) does not stop the next start.
  const dead = spawnSync('true').pid!;
  const db = new Database(shared);
  db.prepare('INSERT OR REPLACE INTO agent_lock (id, token, pid, host, pid_ns, proc_start, started_at) VALUES (1, ?, ?, ?, ?, NULL, ?)').run('x', dead, hostname(), readlinkSync('/proc/self/ns/pid'), new Date().toISOString());
  db.close();
  const next = await runAgent(yaml('d'), { logger: silentLogger() });
  await next.close();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from '../../agent/run.js';
import { silentLogger } from '../../shared/logger.js';

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

// The issue-2 acceptance, end to end through real processes: two MariaDB servers, two agents
// over mutual TLS, a controller, all driven over REST as a user would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoEnvironment } from '../../cli/demo/environment.js';
import type { ParityTable } from '../../shared/parity.js';

const SECRET = 'prod-only-Secret-Value-8841';

function logsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p);
    return st.isDirectory() && n !== 'data' && !n.startsWith('switchyard-mariadb-') ? logsUnder(p) : n.endsWith('.log') ? [p] : [];
  });
}

test('a production-side runtime difference shows as differs, and no secret reaches output or logs', async (t) => {
  const env = await startDemoEnvironment({
    keep: true,
    mariadbArgs: { production: ['--sql-mode=ANSI_QUOTES,STRICT_TRANS_TABLES'] },
    extraEnv: { staging: 'PAYMENT_KEY=staging-key-1234\n', production: `PAYMENT_KEY=${SECRET}\n` },
  });
  t.after(() => env.stop());
  const { rmSync } = await import('node:fs');
  t.after(() => rmSync(env.dir, { recursive: true, force: true }));

  const unauth = await fetch(`${env.controllerUrl}/v1/agents`);
  assert.equal(unauth.status, 401);
  assert.match(unauth.headers.get('content-type') ?? '', /application\/problem\+json/);

  const res = await fetch(`${env.controllerUrl}/v1/parity/runtime?staging=staging-1&production=prod-1&allowDiffer=ENV:APP_URL,ENV:DB_NAME,ENV:DB_PASSWORD`, {
    headers: { authorization: `Bearer ${env.viewerToken}` },
  });
  assert.equal(res.status, 200);
  const body = await res.text();
  const table = JSON.parse(body) as ParityTable;
  const row = (key: string) => table.rows.find((r) => r.key === key);
  assert.equal(row('mysql.sql_mode')?.status, 'differs');
  assert.equal(row('mysql.version')?.status, 'equal');
  const payment = table.rows.find((r) => r.key.endsWith(':PAYMENT_KEY'));
  assert.equal(payment?.status, 'differs');
  assert.equal(table.rows.find((r) => r.key.endsWith(':AUTH_SALT'))?.status, 'equal');
  assert.equal(table.rows.find((r) => r.key.endsWith(':APP_URL'))?.status, 'allowed');
  assert.ok(!body.includes(SECRET), 'the secret is not in the API answer');

  // Facts of one agent, as an operator script would fetch them.
  const facts = await fetch(`${env.controllerUrl}/v1/agents/prod-1/facts`, { headers: { authorization: `Bearer ${env.operatorToken}` } });
  assert.equal(facts.status, 200);
  assert.ok(!(await facts.text()).includes(SECRET));

  await env.stop();
  const logs = logsUnder(env.dir);
  assert.ok(logs.length >= 3, `agent and controller logs exist: ${logs.join(', ')}`);
  for (const f of logs) {
    const text = readFileSync(f, 'utf8');
    assert.ok(!text.includes(SECRET), `${f} does not contain the env secret`);
    assert.ok(!text.includes(env.operatorToken) && !text.includes(env.viewerToken), `${f} does not contain a bearer token`);
    assert.ok(!text.includes(env.production.db.admin.password), `${f} does not contain the database password`);
  }
});

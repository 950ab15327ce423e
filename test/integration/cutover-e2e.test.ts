// The cutover end to end through real processes: two MariaDB servers, two agents over mutual
// TLS, a real PowerDNS, the controller — then a controller crash mid-step, and a 5xx burst.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'mysql2/promise';
import { startDemoEnvironment, type DemoEnvironment } from '../../cli/demo/environment.js';
import { demoPlan } from '../../cli/demo/cutover-demo.js';
import { resolveA } from '../../cli/demo/dns-check.js';
import { waitFor } from '../../cli/devenv/process.js';

interface Cutover {
  id: string;
  state: string;
  steps: Array<{ name: string; state: string }>;
  rollback?: { automatic: boolean; reason: string; evidence: Record<string, unknown> | null } | null;
}

let env: DemoEnvironment;
before(async () => {
  env = await startDemoEnvironment();
});
after(async () => {
  await env?.stop();
});

const get = (id: string) => env.client.get<Cutover>(`/v1/cutovers/${id}`);
const until = (id: string, what: string, pred: (c: Cutover) => boolean, ms = 120_000) =>
  waitFor(what, ms, async () => {
    const c = await get(id);
    return pred(c) ? c : undefined;
  });

async function stagingWritable(): Promise<boolean> {
  const c = await createConnection({ host: env.staging.db.host, port: env.staging.db.port, user: env.staging.db.site.user, password: env.staging.db.site.password, database: env.staging.database });
  try {
    await c.query("INSERT INTO wp_orders (customer, total) VALUES ('probe', 1)");
    return true;
  } catch {
    return false;
  } finally {
    await c.end();
  }
}

test('controller killed mid-monitor comes back watching production again; rollback by REST restores DNS and unlocks staging', async () => {
  const plan = demoPlan(env) as { checks: Record<string, unknown> };
  plan.checks.monitorMinutes = 2; // long enough to be killed in
  const created = await env.client.post<Cutover>('/v1/cutovers', plan);
  await env.client.post(`/v1/cutovers/${created.id}/advance`, { until: 'fallback' });
  await until(created.id, 'monitor running', (c) => c.steps.find((s) => s.name === 'monitor')?.state === 'running' || ['failed', 'rolled_back'].includes(c.state));
  assert.equal((await get(created.id)).state, 'running', 'the cutover reached monitor');
  assert.deepEqual((await resolveA(env.dns.dnsServer, env.dnsName)).addresses, [env.production.ip]);
  assert.equal(await stagingWritable(), false, 'staging is frozen');
  type Findings = { findings: Array<{ check: string; status: string; message: string }> };
  const report = await env.client.get<{ validation: Findings; postSwitchValidation: ({ summary: { pass: number; fail: number } } & Findings) | null }>(`/v1/cutovers/${created.id}/report`);
  // Staging answered its maintenance 503 by then: its titles came from what lock recorded just
  // before the freeze.
  for (const v of [report.validation, report.postSwitchValidation]) {
    const sameSite = v?.findings.filter((f) => f.check === 'same-site') ?? [];
    assert.ok(sameSite.length > 0 && sameSite.every((f) => f.status === 'pass' && /as on staging when lock recorded it .*staging answers 503 now/.test(f.message)), JSON.stringify(sameSite));
  }
  assert.ok(report.postSwitchValidation, 'the report carries the post-switch validation');
  assert.equal(report.postSwitchValidation.summary.fail, 0);
  assert.ok(report.postSwitchValidation.summary.pass > 0);

  await env.killController();
  await env.restartController();
  // Production takes the traffic: the restarted controller watches it again by itself.
  const back = await get(created.id);
  assert.equal(back.state, 'running');
  const monitor = back.steps.find((s) => s.name === 'monitor') as { state: string; attempt: number } | undefined;
  assert.deepEqual([monitor?.state, monitor?.attempt], ['running', 2]);
  assert.equal(back.steps.find((s) => s.name === 'switch')?.state, 'succeeded');
  const events = await fetch(`${env.controllerUrl}/v1/cutovers/${created.id}/events?follow=false`, { headers: { authorization: `Bearer ${env.operatorToken}` } }).then((r) => r.text());
  assert.match(events, /the controller restarted while monitor watched production after the DNS switch/);

  // Two rollbacks at once end in one rolled-back cutover.
  const [a, b] = await Promise.all([
    fetch(`${env.controllerUrl}/v1/cutovers/${created.id}/rollback`, { method: 'POST', headers: { authorization: `Bearer ${env.operatorToken}` } }),
    fetch(`${env.controllerUrl}/v1/cutovers/${created.id}/rollback`, { method: 'POST', headers: { authorization: `Bearer ${env.operatorToken}` } }),
  ]);
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  const done = await until(created.id, 'rolled back', (c) => ['rolled_back', 'rollback_failed'].includes(c.state));
  assert.equal(done.state, 'rolled_back');
  assert.deepEqual((await resolveA(env.dns.dnsServer, env.dnsName)).addresses, [env.staging.ip]);
  assert.equal(await stagingWritable(), true, 'staging takes writes again');
});

test('a 5xx burst on production during monitor rolls back on its own, with the evidence', async () => {
  const plan = demoPlan(env) as { checks: Record<string, unknown>; productionOnlyRows?: string };
  plan.checks.monitorMinutes = 1;
  plan.productionOnlyRows = 'discard';
  const created = await env.client.post<Cutover>('/v1/cutovers', plan);
  await env.client.post(`/v1/cutovers/${created.id}/advance`, { until: 'fallback' });
  await until(created.id, 'monitor running', (c) => c.steps.find((s) => s.name === 'monitor')?.state === 'running' || ['failed', 'rolled_back'].includes(c.state));
  assert.deepEqual((await resolveA(env.dns.dnsServer, env.dnsName)).addresses, [env.production.ip]);
  env.production.site.failing = true;
  try {
    const done = await until(created.id, 'automatic rollback', (c) => ['rolled_back', 'rollback_failed', 'fallback'].includes(c.state));
    assert.equal(done.state, 'rolled_back');
    assert.equal(done.rollback?.automatic, true);
    assert.match(done.rollback?.reason ?? '', /5xx|error rate/i);
    assert.ok(done.rollback?.evidence, 'the rollback carries its evidence');
  } finally {
    env.production.site.failing = false;
  }
  assert.deepEqual((await resolveA(env.dns.dnsServer, env.dnsName)).addresses, [env.staging.ip]);
  assert.equal(await stagingWritable(), true);
});

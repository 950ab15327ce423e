// The switch and propagate executors against the Cloudflare FAKE (test/helpers/cloudflare-fake.ts):
// the record PATCH, the edge-cache purge right after, a proxied record confirmed over HTTP, and
// the dry-run preview validate carries. Other steps are FAKES.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCloudflareFake, type CloudflareFake } from '../helpers/cloudflare-fake.js';
import { FakeWorld, fakeRollback, fakeSteps, newEngine, planInput, tempStore, until } from '../helpers/cutover-fakes.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { dnsRollbackPart, propagateExecutor, switchExecutor, withSwitchPreview } from '../../controller/cutover/steps/index.js';
import { ORIGIN_HEADER } from '../../controller/dns/origin-check.js';

const FAST = { baseDelayMs: 5, maxDelayMs: 20, retries: 2, timeoutMs: 2000 };

async function setup(t: TestContext, opts: { proxied?: boolean; origin?: string } = {}): Promise<{ fake: CloudflareFake; dns: Map<string, DnsProvider>; plan: Plan; world: FakeWorld; store: ReturnType<typeof tempStore>['store'] }> {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  fake.records.push({ id: 'rec1', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.10', ttl: opts.proxied ? 1 : 3600, proxied: opts.proxied ?? false });
  const dns = new Map<string, DnsProvider>([['cf-main', new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST })]]);
  const input = planInput();
  input.cdn = { provider: 'cf-main', zone: 'example.com', purge: true };
  if (opts.origin !== undefined) (input.production as Record<string, unknown>).origin = opts.origin;
  (input.checks as Record<string, unknown>).propagationTimeoutSeconds = 1;
  const plan = parsePlan(input, { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['cf-main'] });
  const { store } = tempStore(t);
  return { fake, dns, plan, world: new FakeWorld(), store };
}

/** An engine that runs the real switch step and rolls back with the real DNS part; closed after the test. */
function switchEngine(t: TestContext, w: { dns: Map<string, DnsProvider>; world: FakeWorld; store: ReturnType<typeof tempStore>['store'] }, abortGraceMs?: number) {
  const engine = newEngine(w.store, { executors: fakeSteps(w.world, { switch: switchExecutor({ dns: w.dns }) }), rollback: { parts: [dnsRollbackPart({ dns: w.dns })] }, ...(abortGraceMs === undefined ? {} : { abortGraceMs }) });
  t.after(() => engine.close());
  return engine;
}

test('switch PATCHes the record (TTL capped at maxTtl) and then purges the edge cache; rollback PATCHes it back', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  const engine = switchEngine(t, { dns, world, store });
  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'switch', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const writes = fake.requests.filter((r) => r.method !== 'GET');
  assert.deepEqual(writes, [
    { method: 'PATCH', path: '/client/v4/zones/zone123/dns_records/rec1', authorization: `Bearer ${fake.token}`, body: { content: '203.0.113.20', ttl: 300, proxied: false } },
    { method: 'POST', path: '/client/v4/zones/zone123/purge_cache', authorization: `Bearer ${fake.token}`, body: { purge_everything: true } },
  ]);
  const step = view.steps.find((s) => s.name === 'switch')!;
  assert.match(step.summary ?? '', /www\.example\.com A → 203\.0\.113\.20 \(ttl 300\); edge cache of example\.com purged/);
  const change = (step.result as { evidence: { dnsChange: { cdnPurge: { ok: boolean; purgeId: string } } } }).evidence.dnsChange;
  assert.deepEqual(change.cdnPurge, { provider: 'cf-main', zone: 'example.com', ok: true, purgeId: 'purge-zone123-1' });

  assert.equal((await engine.rollback(co.id, 'back', 'tester').done).state, 'rolled_back');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

test('a failed purge does not undo a good switch: the step says to purge by hand', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  fake.faults.push({ method: 'POST', status: 500 });
  const engine = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns }) }) });
  t.after(() => engine.close());
  const view = await engine.advance(engine.create(plan, 'tester').id, 'switch', 'tester').done;
  assert.equal(view.state, 'paused');
  const step = view.steps.find((s) => s.name === 'switch')!;
  assert.match(step.summary ?? '', /edge cache NOT purged .*HTTP 500.*purge it by hand/);
  assert.equal(fake.records[0]!.content, '203.0.113.20');
});

/** A cutover on a proxied record whose origin answers on `port`, run up to propagate (no resolvers: the origin header decides). */
async function propagateProxied(t: TestContext, port: number) {
  const { dns, plan, world, store } = await setup(t, { proxied: true, origin: `http://127.0.0.3:${port}` });
  const config = validate(ControllerConfigSchema, { resolvers: [] }, 'test controller config');
  const engine = newEngine(store, { executors: fakeSteps(world, { propagate: propagateExecutor({ dns, config }, { postSwitchValidation: false, intervalMs: 100 }) }), rollback: fakeRollback(world) });
  t.after(() => engine.close());
  const view = await engine.advance(engine.create(plan, 'tester').id, 'propagate', 'tester').done;
  return { view };
}

/** Serves on production's address for the test, closed after it; the port. */
async function listenAsProduction(t: TestContext, server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.3', r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return (server.address() as AddressInfo).port;
}

async function originServer(t: TestContext, name: string): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { [ORIGIN_HEADER]: name });
    res.end('ok');
  });
  return listenAsProduction(t, server);
}

test('propagate: a proxied record is confirmed by the origin header over HTTP, not by DNS', async (t) => {
  const port = await originServer(t, 'prod-1');
  const { dns, plan, world, store } = await setup(t, { proxied: true, origin: `http://127.0.0.3:${port}` });
  const config = validate(ControllerConfigSchema, { resolvers: ['127.0.0.9:9'] }, 'test controller config');
  const engine = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns }), propagate: propagateExecutor({ dns, config }, { postSwitchValidation: false, intervalMs: 100 }) }) });
  t.after(() => engine.close());
  const view = await engine.advance(engine.create(plan, 'tester').id, 'propagate', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const step = view.steps.find((s) => s.name === 'propagate')!;
  const ev = (step.result as { evidence: { propagation: { mode: string; check: { ok: boolean; origin: string } } } }).evidence.propagation;
  assert.equal(ev.mode, 'http-origin');
  assert.equal(ev.check.origin, 'prod-1');
});

test('propagate: a proxied record still answered by staging fails after the timeout', async (t) => {
  const port = await originServer(t, 'staging-1');
  const { view } = await propagateProxied(t, port);
  assert.equal(view.state, 'failed');
  assert.match(view.steps.find((s) => s.name === 'propagate')!.error?.message ?? '', /did not answer from prod-1 within 1 s: X-Switchyard-Origin is 'staging-1', expected 'prod-1'/);
});

/**
 * A FAKE Cloudflare edge: "/" is a copy cached from staging (cf-cache-status HIT, query string
 * ignored as with "Cache Everything, Ignore query string"); any other path goes to the origin,
 * which is `origin` (null: the edge's own 522, origin unreachable, no origin header).
 */
async function cachingEdge(t: TestContext, origin: string | null): Promise<number> {
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/') res.writeHead(200, { [ORIGIN_HEADER]: 'staging-1', 'cf-cache-status': 'HIT', Age: '600' });
    else if (origin === null) res.writeHead(522);
    else res.writeHead(404, { [ORIGIN_HEADER]: origin, 'cf-cache-status': 'MISS' });
    res.end();
  });
  return listenAsProduction(t, server);
}

test('propagate: a page the edge still serves from a cache filled by staging does not fail a good switch', async (t) => {
  const port = await cachingEdge(t, 'prod-1');
  const { view } = await propagateProxied(t, port);
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const step = view.steps.find((s) => s.name === 'propagate')!;
  assert.match(step.summary ?? '', /the edge answers from prod-1 \(http:\/\/127\.0\.0\.3:\d+\/switchyard-probe-/);
  const ev = (step.result as { evidence: { propagation: { check: { verdict: string; origin: string } } } }).evidence.propagation;
  assert.deepEqual([ev.check.verdict, ev.check.origin], ['production', 'prod-1']);
});

test('propagate: answers that name no origin (cache, edge error) fail the step as unconfirmed, not as staging serving, and do not roll back', async (t) => {
  const port = await cachingEdge(t, null);
  const { view } = await propagateProxied(t, port);
  assert.equal(view.state, 'failed');
  const message = view.steps.find((s) => s.name === 'propagate')!.error?.message ?? '';
  assert.match(message, /could not confirm which origin the edge answers from within 1 s .*from its cache \(cf-cache-status HIT.*X-Switchyard-Origin is absent \(HTTP 522\).*nothing shows staging serving/);
  assert.doesNotMatch(message, /did not answer from prod-1/);
});

test('validate carries the planned DNS change (a dry run), and fails when the provider cannot be read', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  const validateFake = { idempotent: true, run: async () => ({ summary: 'pages fine', evidence: { validation: { findings: [] } } }) };
  const engine = newEngine(store, { executors: fakeSteps(world, { validate: withSwitchPreview(validateFake, { dns }) }) });
  t.after(() => engine.close());
  const view = await engine.advance(engine.create(plan, 'tester').id, 'validate', 'tester').done;
  assert.equal(view.state, 'paused');
  const ev = (view.steps.find((s) => s.name === 'validate')!.result as { evidence: { switchPreview: { before: { records: string[] }; after: { records: string[]; ttl: number }; changes: boolean }; validation: unknown } }).evidence;
  assert.deepEqual(ev.switchPreview.before.records, ['203.0.113.10']);
  assert.deepEqual(ev.switchPreview.after.records, ['203.0.113.20']);
  assert.equal(ev.switchPreview.after.ttl, 300);
  assert.equal(ev.switchPreview.changes, true);
  assert.deepEqual(ev.validation, { findings: [] }, 'the wrapped step keeps its own evidence');
  assert.ok(fake.requests.every((r) => r.method === 'GET'), 'a preview writes nothing');

  const broken = new Map<string, DnsProvider>([['cf-main', new CloudflareProvider({ name: 'cf-main', apiToken: 'wrong', baseUrl: fake.baseUrl, policy: FAST })]]);
  // A store of its own: on this one the first cutover, paused with staging locked, holds the plan's resources.
  const engine2 = newEngine(tempStore(t).store, { executors: fakeSteps(world, { validate: withSwitchPreview(validateFake, { dns: broken }) }), rollback: fakeRollback(world) });
  t.after(() => engine2.close());
  const v2 = await engine2.advance(engine2.create(plan, 'tester').id, 'validate', 'tester').done;
  assert.equal(v2.state, 'failed');
  assert.match(v2.steps.find((s) => s.name === 'validate')!.error?.message ?? '', /DNS provider cf-main cannot be read, so the switch would fail/);
});

test("a proxied record keeps Cloudflare's automatic TTL (1) through the switch, whatever the plan's dns.ttl", async () => {
  const { switchTtl } = await import('../../controller/cutover/steps/switch.js');
  const { fakePlan } = await import('../helpers/cutover-fakes.js');
  const base = fakePlan();
  const plan = { ...base, dns: { ...base.dns, ttl: 60 } };
  const current = { name: 'www.example.com', type: 'A', ttl: 1, records: ['203.0.113.10'], proxied: true };
  assert.equal(switchTtl(plan, current), 1);
  assert.equal(switchTtl(plan, { ...current, ttl: 300, proxied: false }), 60, 'a DNS-only record gets the plan TTL');
});

test("a DNS-only record on Cloudflare's automatic TTL (served as 300 s) is switched with maxTtl when that is lower", async () => {
  const { switchTtl } = await import('../../controller/cutover/steps/switch.js');
  const { fakePlan } = await import('../helpers/cutover-fakes.js');
  const base = fakePlan();
  const cf = new CloudflareProvider({ name: 'cf-main', apiToken: 'unused', baseUrl: 'http://127.0.0.1:9' });
  const auto = { name: 'www.example.com', type: 'A', ttl: 1, records: ['203.0.113.10'], proxied: false };
  assert.equal(switchTtl({ ...base, checks: { ...base.checks, maxTtl: 60 } }, auto, cf), 60);
  assert.equal(switchTtl({ ...base, checks: { ...base.checks, maxTtl: 300 } }, auto, cf), 1, 'automatic is within 300 s: kept');
});

test('a record with a comment: the switch step succeeds and the rollback restores it without calling it changed by hand', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  fake.records[0]!.comment = 'web origin';
  const engine = switchEngine(t, { dns, world, store });
  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'switch', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  assert.deepEqual(fake.records.map((r) => [r.content, r.comment]), [['203.0.113.20', 'web origin']]);
  const rolled = await engine.rollback(co.id, 'back', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl, r.comment]), [['203.0.113.10', 3600, 'web origin']]);
  const restored = (rolled.rollback!.parts.find((p) => p.name === 'dns')!.detail as { restored: Array<{ overwrote?: unknown }> }).restored;
  assert.equal(restored[0]!.overwrote, undefined, 'the record held what the switch wrote');
});

const refused = (message: string) => ({ status: 403, body: JSON.stringify({ success: false, errors: [{ code: 10000, message }], messages: [], result: null }) });
const values = (fake: CloudflareFake) => fake.records.filter((r) => r.name === 'www.example.com').map((r) => [r.content, r.ttl]).sort();

test('a switch the provider refuses part-way (first record changed, second refused) is undone at once from the snapshot', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  fake.records.push({ id: 'rec2', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.11', ttl: 3600, proxied: false });
  fake.faults.push({ method: 'DELETE', ...refused('DNS record deletion not allowed') });
  const engine = switchEngine(t, { dns, world, store });
  const view = await engine.advance(engine.create(plan, 'tester').id, 'switch', 'tester').done;
  assert.equal(view.state, 'failed');
  const message = view.steps.find((s) => s.name === 'switch')!.error?.message ?? '';
  assert.match(message, /DELETE .*rec2 .*HTTP 403: DNS record deletion not allowed/);
  assert.match(message, /undone: www\.example\.com A is back to its snapshot \(203\.0\.113\.10, 203\.0\.113\.11, ttl 3600\)/);
  assert.deepEqual(values(fake), [['203.0.113.10', 3600], ['203.0.113.11', 3600]], 'no visitor is left split between staging and production');
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace('/client/v4/zones/zone123/dns_records', '')} ${JSON.stringify(r.body ?? null)}`),
    ['PATCH /rec1 {"content":"203.0.113.20","ttl":300,"proxied":false}', 'DELETE /rec2 null', 'PATCH /rec1 {"content":"203.0.113.10","ttl":3600,"proxied":false}'],
  );
});

test('a part-way switch whose undo is refused too says which records are off and how to finish', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  fake.records.push({ id: 'rec2', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.11', ttl: 3600, proxied: false });
  fake.faults.push(
    { method: 'DELETE', ...refused('DNS record deletion not allowed') },
    { method: 'PATCH', match: (r) => (r.body as { content?: string } | undefined)?.content === '203.0.113.10', ...refused('Record update not allowed') },
  );
  const engine = switchEngine(t, { dns, world, store });
  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'switch', 'tester').done;
  assert.equal(view.state, 'failed');
  const message = view.steps.find((s) => s.name === 'switch')!.error?.message ?? '';
  assert.match(message, /putting the snapshot back failed too: .*HTTP 403: Record update not allowed/);
  assert.match(message, /www\.example\.com A now serves 203\.0\.113\.20 \(not in the snapshot\) and lacks 203\.0\.113\.10 \(in the snapshot\)/);
  assert.match(message, new RegExp(`POST /v1/cutovers/${co.id}/rollback`));
  assert.deepEqual(values(fake), [['203.0.113.11', 3600], ['203.0.113.20', 300]]);

  // Once the provider takes changes again, the rollback the message names finishes the job.
  const rolled = await engine.rollback(co.id, 'finish the undo', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.deepEqual(values(fake), [['203.0.113.10', 3600], ['203.0.113.11', 3600]]);
});

test('a set mixing proxied and DNS-only records is served proxied (Cloudflare proxies them all): the switch keeps it proxied, the rollback puts each back as it was', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  // rec1 (listed first) is DNS-only; rec2 beside it is proxied, so Cloudflare proxies the name.
  fake.records.push({ id: 'rec2', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.11', ttl: 1, proxied: true });
  const engine = switchEngine(t, { dns, world, store });
  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'switch', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  assert.deepEqual(
    fake.records.map((r) => [r.content, r.ttl, r.proxied]),
    [['203.0.113.20', 1, true]],
    'still proxied: a DNS-only record would take the site off the edge and show the origin address',
  );
  const rolled = await engine.rollback(co.id, 'back', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl, r.proxied]).sort(), [['203.0.113.10', 3600, false], ['203.0.113.11', 1, true]]);
});

test('a switch write that lands after a rollback was asked for (and the rollback found nothing to undo) is put back by the switch step', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  fake.faults.push({ method: 'PATCH', delayMs: 1500 });
  const engine = switchEngine(t, { dns, world, store }, 100);
  const co = engine.create(plan, 'tester');
  void engine.advance(co.id, 'switch', 'tester').done.catch(() => undefined);
  await until(() => fake.requests.some((r) => r.method === 'PATCH'));
  const patchSentAt = Date.now();
  // The rollback reads the record while the PATCH is held: still the snapshot, so it writes nothing.
  const rolled = await engine.rollback(co.id, 'abort the switch', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  await new Promise((r) => setTimeout(r, Math.max(0, patchSentAt + 1700 - Date.now())));
  await until(() => fake.records[0]!.content === '203.0.113.10', 3000);
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

test('a rollback asked for while the switch waits out a Retry-After ends the wait at once: no write is sent after it, and the rollback does not wait for the step', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  // Within the 60 s a call waits for the provider, so the switch would sleep it out.
  fake.faults.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '20' } });
  const engine = switchEngine(t, { dns, world, store }, 8000);
  const co = engine.create(plan, 'tester');
  const run = engine.advance(co.id, 'switch', 'tester').done;
  await until(() => fake.requests.some((r) => r.method === 'PATCH'));
  const askedAt = Date.now();
  const rolled = await engine.rollback(co.id, 'abort the switch', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.ok(Date.now() - askedAt < 3000, `rollback took ${Date.now() - askedAt} ms: it waited for the step`);
  await run;
  const step = (await engine.get(co.id)).steps.find((s) => s.name === 'switch')!;
  assert.notEqual(step.state, 'succeeded');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(fake.requests.filter((r) => r.method !== 'GET').map((r) => r.method), ['PATCH'], 'the refused PATCH is the only write');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

test('a rollback asked for while the edge-cache purge waits out a Retry-After ends the purge at once: the rollback does not wait for it, and the purge is not sent again', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  // Within the 60 s a call waits for the provider, so the purge would sleep it out.
  fake.faults.push({ method: 'POST', status: 429, headers: { 'Retry-After': '20' } });
  const engine = switchEngine(t, { dns, world, store }, 8000);
  const co = engine.create(plan, 'tester');
  const run = engine.advance(co.id, 'switch', 'tester').done;
  await until(() => fake.requests.some((r) => r.method === 'POST' && r.path.endsWith('/purge_cache')));
  const askedAt = Date.now();
  const rolled = await engine.rollback(co.id, 'abort during the purge', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.ok(Date.now() - askedAt < 3000, `rollback took ${Date.now() - askedAt} ms: it waited for the purge`);
  await run;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 1, 'the rate-limited purge is not sent again after the rollback');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

test('a switch whose first write is refused by a rate limit that blocks the token says nothing changed, and tries no undo into the block', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  // The reads pass; from the first PATCH on, the token is blocked for five minutes.
  fake.faults.push({
    method: 'PATCH',
    status: 429,
    headers: { 'Retry-After': '300' },
    match: () => {
      fake.rateLimitedUntil = Date.now() + 300_000;
      return true;
    },
  });
  const engine = switchEngine(t, { dns, world, store });
  const view = await engine.advance(engine.create(plan, 'tester').id, 'switch', 'tester').done;
  assert.equal(view.state, 'failed');
  const message = view.steps.find((s) => s.name === 'switch')!.error?.message ?? '';
  assert.match(message, /PATCH .*rec1 failed after 1 attempt\(s\): HTTP 429: .*try again after/);
  assert.match(message, /nothing changed: the provider took no write, so www\.example\.com A still holds 203\.0\.113\.10, ttl 3600/);
  assert.doesNotMatch(message, /putting the snapshot back failed|unknown|roll back with/);
  const patchAt = fake.requests.findIndex((r) => r.method === 'PATCH');
  assert.deepEqual(fake.requests.slice(patchAt + 1), [], 'no request after the refused write: the block would refuse it too');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

test('a first write that may have landed (a 500 on every attempt) is still checked and undone, not called unchanged', async (t) => {
  const { fake, dns, plan, world, store } = await setup(t);
  fake.faults.push(...Array.from({ length: 3 }, () => ({ method: 'PATCH', status: 500 })));
  const engine = switchEngine(t, { dns, world, store });
  const view = await engine.advance(engine.create(plan, 'tester').id, 'switch', 'tester').done;
  assert.equal(view.state, 'failed');
  const message = view.steps.find((s) => s.name === 'switch')!.error?.message ?? '';
  assert.match(message, /failed after 3 attempt\(s\): HTTP 500/);
  assert.match(message, /nothing had changed: www\.example\.com A is back to its snapshot/, 'the undo read the record before saying so');
  assert.ok(fake.requests.at(-1)!.method === 'GET', 'the undo read the record back');
});

test('a rollback asked for while the switch reads the record cuts the read at once: the rollback does not wait for the provider, and nothing is written', async (t) => {
  const { fake, world, store, plan } = await setup(t);
  // A request timeout well past the hold: without the cut the step would wait the provider out.
  const dns = new Map<string, DnsProvider>([['cf-main', new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { ...FAST, timeoutMs: 10_000 } })]]);
  fake.faults.push({ method: 'GET', delayMs: 5000 });
  const engine = switchEngine(t, { dns, world, store }, 8000);
  const co = engine.create(plan, 'tester');
  const run = engine.advance(co.id, 'switch', 'tester').done;
  await until(() => fake.requests.length === 1);
  const askedAt = Date.now();
  const rolled = await engine.rollback(co.id, 'abort the switch', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.ok(Date.now() - askedAt < 2500, `rollback took ${Date.now() - askedAt} ms: it waited for the read in flight`);
  await run;
  assert.notEqual(engine.get(co.id).steps.find((s) => s.name === 'switch')!.state, 'succeeded');
  assert.deepEqual(fake.requests.filter((r) => r.method !== 'GET'), [], 'no write');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

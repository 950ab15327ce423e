// A plan stored before the controller config changed (Cloudflare minTtl raised from 30 to 60)
// asks for a TTL the provider now refuses: prepare and preflight say which key, before anything
// is written or frozen, and start-up names the cutovers affected. The Cloudflare FAKE refuses a
// TTL below its minTtl with 400/9021, as the API does.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startCloudflareFake } from '../helpers/cloudflare-fake.js';
import { FakeWorld, PLAN_CONTEXT, fakeRollback, fakeSteps, newEngine, planInput, tempStore } from '../helpers/cutover-fakes.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import { ttlLimitsByProvider } from '../../controller/dns/ttl-limits.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { storedPlansRefused } from '../../controller/cutover/plan-ttl.js';
import { builtinPreflightChecks, dnsTtlPort, preflightExecutor, switchExecutor } from '../../controller/cutover/steps/index.js';
import type { StepDeps } from '../../controller/cutover/steps/deps.js';
import { SwitchyardError } from '../../shared/errors.js';

/** A plan as accepted while the zone's minTtl was 30 (an Enterprise zone, or a config since corrected). */
function storedPlan(ttl: number): Plan {
  const input = planInput();
  input.dns = { ...(input.dns as object), ttl };
  const earlier = ttlLimitsByProvider({ 'cf-main': { type: 'cloudflare', apiToken: 'x', baseUrl: 'https://api.cloudflare.com/client/v4', minTtl: 30 } });
  return parsePlan(input, { ...PLAN_CONTEXT, dnsTtlLimits: earlier });
}

async function setup(t: TestContext) {
  const fake = await startCloudflareFake(t);
  fake.minTtl = 60;
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  fake.records.push({ id: 'rec1', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.10', ttl: 3600, proxied: false });
  // As configured now: minTtl not set, so 60.
  const dns = new Map<string, DnsProvider>([['cf-main', new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { retries: 0 } })]]);
  const { store } = tempStore(t);
  return { fake, dns, store };
}

test('prepare of a stored plan whose dns.ttl the provider now refuses is a precondition failure naming the key, and sends no write', async (t) => {
  const { fake, dns, store } = await setup(t);
  const engine = newEngine(store, { ttl: dnsTtlPort({ dns }) });
  t.after(() => engine.close());
  const co = engine.create(storedPlan(30), 'tester');
  await assert.rejects(engine.prepare(co.id, 'tester'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_PRECONDITION');
    assert.equal(err.field, 'dns.ttl');
    assert.match(err.message, /^plan: key dns\.ttl: 30 is below 60, the lowest TTL DNS provider cf-main \(cloudflare\) accepts other than 1 \(automatic\); give 60 to 300 \(the plan was accepted under an earlier controller config\); create a new cutover .* or set dnsProviders\.cf-main\.minTtl/);
    return true;
  });
  assert.deepEqual(fake.requests.filter((r) => r.method !== 'GET'), [], 'nothing written');
  assert.equal(fake.records[0]!.ttl, 3600);
});

test('preflight fails a stored plan whose dns.ttl the provider now refuses, naming the key, before the freeze; one within the limits passes', async (t) => {
  const { dns, store } = await setup(t);
  const deps = { agents: {}, parity: {}, dns } as unknown as Pick<StepDeps, 'agents' | 'dns' | 'parity'>;
  const checks = builtinPreflightChecks(deps).filter((c) => c.name === 'dns ttl limits');
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world, { preflight: preflightExecutor(deps, { checks }) }), rollback: fakeRollback(world) });
  t.after(() => engine.close());

  const refused = await engine.advance(engine.create(storedPlan(30), 'tester').id, 'preflight', 'tester').done;
  assert.equal(refused.state, 'failed');
  assert.match(refused.steps.find((s) => s.name === 'preflight')!.error?.message ?? '', /preflight failed: dns ttl limits: plan: key dns\.ttl: 30 is below 60, .*earlier controller config/);
  assert.equal(world.stagingLocked, false);
  // As an operator would: the failed cutover is cancelled (it holds the plan's record and schemas until then).
  assert.equal((await engine.rollback(refused.id, 'plan refused', 'tester').done).state, 'rolled_back');

  const fine = await engine.advance(engine.create(storedPlan(60), 'tester').id, 'preflight', 'tester').done;
  assert.equal(fine.state, 'paused', JSON.stringify(fine.error));
});

test('start-up lists the open cutovers not yet switched whose plan the limits now refuse, with the key', async (t) => {
  const { store } = await setup(t);
  const engine = newEngine(store);
  t.after(() => engine.close());
  const bad = engine.create(storedPlan(30), 'tester');
  engine.create(storedPlan(60), 'tester');
  const switched = engine.create(storedPlan(30), 'tester');
  const at = new Date().toISOString();
  store.steps.finish(switched.id, 'switch', 'succeeded', at, null, null);
  store.cutovers.update(switched.id, { state: 'paused' }, at);

  const limits = ttlLimitsByProvider({ 'cf-main': { type: 'cloudflare', apiToken: 'x', baseUrl: 'https://api.cloudflare.com/client/v4' } });
  const found = storedPlansRefused(store, limits);
  assert.deepEqual(found.map((p) => [p.cutoverId, p.state, p.field]), [[bad.id, 'planned', 'dns.ttl']]);
  assert.match(found[0]!.message, /plan: key dns\.ttl: 30 is below 60/);
  assert.deepEqual(storedPlansRefused(store, ttlLimitsByProvider({ 'cf-main': { type: 'cloudflare', apiToken: 'x', baseUrl: 'https://api.cloudflare.com/client/v4', minTtl: 30 } })), []);
});

test('the switch re-checks the stored plan against the provider before any DNS change: refused, it fails naming the key, with nothing written', async (t) => {
  const { fake, dns, store } = await setup(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns }) }), rollback: fakeRollback(world) });
  t.after(() => engine.close());
  // Prepare and preflight passed under the earlier config; the controller restarted since with minTtl 60.
  const co = engine.create(storedPlan(30), 'tester');
  const view = await engine.advance(co.id, 'switch', 'tester').done;
  assert.equal(view.state, 'failed');
  const err = view.steps.find((s) => s.name === 'switch')!.error!;
  assert.equal(err.code, 'SY_PRECONDITION');
  assert.equal(err.field, 'dns.ttl');
  assert.match(err.message, /^plan: key dns\.ttl: 30 is below 60, the lowest TTL DNS provider cf-main \(cloudflare\) accepts .*; the switch wrote nothing to www\.example\.com A: roll back with POST \/v1\/cutovers\/co_\w+\/rollback, then create a new cutover/);
  assert.deepEqual(fake.requests.filter((r) => r.method !== 'GET'), [], 'no write sent');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
  assert.deepEqual(store.dnsSnapshots.forCutover(co.id), [], 'no snapshot: there is nothing to undo');
});

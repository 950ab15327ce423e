// The DNS half of a cutover against a REAL PowerDNS: the engine runs the real switch and
// propagate executors (every other step is a FAKE from test/helpers/cutover-fakes.ts), a real
// DNS query sees the production IP, and rollback — also two at once — puts the staging IP back.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { withPowerDns, type PowerDnsInstance } from '../helpers/powerdns.js';
import { FakeWorld, fakeRollback, fakeSteps, newEngine, tempStore } from '../helpers/cutover-fakes.js';
import { PowerDnsProvider } from '../../controller/dns/powerdns.js';
import type { DnsProvider, RecordSet } from '../../controller/dns/provider.js';
import { queryDns } from '../../controller/dns/query.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { dnsRollbackPart, propagateExecutor, switchExecutor, keepFirstSnapshot } from '../../controller/cutover/steps/index.js';
import type { RollbackExecutor } from '../../controller/cutover/executor.js';
import type { CutoverStore } from '../../controller/cutover/store/index.js';

const STAGING_IP = '127.0.0.2';
const PRODUCTION_IP = '127.0.0.3';
const NAME = 'www.example.test';

let pdns: PowerDnsInstance;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

before(async () => {
  pdns = await withPowerDns((fn) => cleanups.push(fn), {
    host: '127.0.0.4',
    zones: [
      {
        name: 'example.test',
        records: [
          { name: NAME, type: 'A', ttl: 3600, content: STAGING_IP },
          { name: 'ns1.example.test', type: 'A', ttl: 3600, content: '127.0.0.4' },
        ],
      },
    ],
  });
});

/** Each test starts from the staging IP with its long TTL, whatever the last one left. */
async function resetRecord(provider: DnsProvider): Promise<void> {
  await provider.replaceRecordSet('example.test', { name: NAME, type: 'A', ttl: 3600, records: [STAGING_IP] });
}

function setup(t: TestContext): { provider: PowerDnsProvider; dns: Map<string, DnsProvider>; plan: Plan; store: CutoverStore; world: FakeWorld } {
  const provider = new PowerDnsProvider({ name: 'pdns-test', url: pdns.apiUrl, apiKey: pdns.apiKey, authoritative: [pdns.dnsServer], policy: { retries: 1, baseDelayMs: 10 } });
  const dns = new Map<string, DnsProvider>([['pdns-test', provider]]);
  const plan = parsePlan(
    {
      site: 'example.test',
      staging: { agent: 'staging-1', origin: 'http://staging.example.test', ip: STAGING_IP },
      production: { agent: 'prod-1', origin: 'http://www.example.test', ip: PRODUCTION_IP },
      dns: { provider: 'pdns-test', zone: 'example.test', name: NAME, type: 'A' },
      checks: { pages: ['/'], maxTtl: 60, propagationTimeoutSeconds: 5 },
      fallbackHours: 1,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  const { store } = tempStore(t);
  return { provider, dns, plan, store, world: new FakeWorld() };
}

/** The real DNS part first, then the FAKE staging unlock. */
function rollbackWith(dns: Map<string, DnsProvider>, world: FakeWorld): RollbackExecutor {
  const fakeStaging = fakeRollback(world).parts.find((p) => p.name === 'staging')!;
  return { parts: [dnsRollbackPart({ dns }), fakeStaging] };
}

const ask = () => queryDns(pdns.dnsServer, NAME, 'A', { timeoutMs: 2000 });

test('switch → propagate moves the record; rollback restores exactly the snapshot', async (t) => {
  const { provider, dns, plan, store, world } = setup(t);
  await resetRecord(provider);
  const config = validate(ControllerConfigSchema, { resolvers: [pdns.dnsServer] }, 'test controller config');
  const engine = newEngine(store, {
    executors: fakeSteps(world, { switch: switchExecutor({ dns }), propagate: propagateExecutor({ dns, config }, { postSwitchValidation: false, intervalMs: 100 }) }),
    rollback: rollbackWith(dns, world),
  });
  t.after(() => engine.close());

  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'propagate', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const step = (n: string) => view.steps.find((s) => s.name === n)!;
  assert.equal(step('switch').state, 'succeeded');
  assert.equal(step('propagate').state, 'succeeded');
  assert.equal(world.count('monitor'), 0, 'the run stops at propagate');

  // A real query at the authoritative server sees the production IP, with the TTL capped at maxTtl.
  const now = await ask();
  assert.deepEqual(now.answers, [PRODUCTION_IP]);
  assert.equal(now.ttl, 60);

  const change = (step('switch').result as { evidence: { dnsChange: Record<string, unknown> } }).evidence.dnsChange;
  assert.deepEqual(change.before, { name: NAME, type: 'A', ttl: 3600, records: [STAGING_IP] });
  assert.deepEqual(change.after, { name: NAME, type: 'A', ttl: 60, records: [PRODUCTION_IP] });
  assert.equal(change.changed, true);
  const prop = (step('propagate').result as { evidence: { propagation: { ok: boolean; servers: { server: string; answer: string[]; latencyMs: number | null; ttl: number | null }[] } } }).evidence.propagation;
  assert.equal(prop.ok, true);
  assert.ok(prop.servers.length >= 2, 'authoritative server and resolver both recorded');
  for (const s of prop.servers) {
    assert.deepEqual(s.answer, [PRODUCTION_IP]);
    assert.equal(typeof s.latencyMs, 'number');
    assert.equal(s.ttl, 60);
  }
  const snaps = store.dnsSnapshots.forCutover<RecordSet>(co.id);
  assert.equal(snaps.length, 1);
  assert.notEqual(snaps[0]!.appliedAt, null);
  assert.equal(snaps[0]!.restoredAt, null);
  assert.ok(store.ttlLowered.history('example.test', NAME, 'A').some((r) => r.source === 'switch' && r.ttl === 60));

  const rolled = await engine.rollback(co.id, 'test says so', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  const back = await ask();
  assert.deepEqual(back.answers, [STAGING_IP], 'a real query sees the staging IP again');
  assert.equal(back.ttl, 3600, 'the snapshot comes back exactly, TTL included');
  assert.notEqual(store.dnsSnapshots.forCutover(co.id)[0]!.restoredAt, null);
  assert.equal(world.stagingLocked, false);
});

test('two rollbacks at once end in one rolled-back state with the record restored once', async (t) => {
  const { provider, dns, plan, store, world } = setup(t);
  await resetRecord(provider);
  const config = validate(ControllerConfigSchema, { resolvers: [pdns.dnsServer] }, 'test controller config');
  let replaces = 0;
  const realReplace = provider.replaceRecordSet.bind(provider);
  provider.replaceRecordSet = async (zone, rrset) => {
    replaces++;
    return realReplace(zone, rrset);
  };
  // A restore reads and writes in one call; it counts when it wrote.
  const realUpdate = provider.updateRecordSet.bind(provider);
  provider.updateRecordSet = async (...args) => {
    const r = await realUpdate(...args);
    if (r.after !== undefined) replaces++;
    return r;
  };
  const engine = newEngine(store, {
    executors: fakeSteps(world, { switch: switchExecutor({ dns }), propagate: propagateExecutor({ dns, config }, { postSwitchValidation: false, intervalMs: 100 }) }),
    rollback: rollbackWith(dns, world),
  });
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  assert.equal((await engine.advance(co.id, 'propagate', 'tester').done).state, 'paused');
  assert.deepEqual((await ask()).answers, [PRODUCTION_IP]);
  assert.equal(replaces, 1);

  const a = engine.rollback(co.id, 'first', 'alice');
  const b = engine.rollback(co.id, 'second', 'bob');
  const [va, vb] = await Promise.all([a.done, b.done]);
  assert.equal(va.state, 'rolled_back');
  assert.equal(vb.state, 'rolled_back');
  assert.equal(replaces, 2, 'the second rollback joined the first: one restore');
  assert.deepEqual((await ask()).answers, [STAGING_IP]);
  // And a third, afterwards, is a no-op.
  assert.equal((await engine.rollback(co.id, 'again', 'carol').done).state, 'rolled_back');
  assert.equal(replaces, 2);
  assert.deepEqual(store.rollbackParts.list(co.id).map((p) => [p.name, p.state]), [['dns', 'done'], ['staging', 'done']]);

  // The part itself is safe to run twice at the same moment (a retried rollback racing a slow one).
  await provider.replaceRecordSet('example.test', { name: NAME, type: 'A', ttl: 60, records: [PRODUCTION_IP] });
  const part = dnsRollbackPart({ dns });
  const rctx = {
    cutover: engine.get(co.id), plan, reason: 'race', automatic: false, attempt: 2, step: () => undefined, emit: () => undefined,
    store, logger: (await import('../../shared/logger.js')).silentLogger(), clock: { now: () => new Date() },
  };
  await Promise.all([part.run(rctx), part.run(rctx)]);
  const final = await ask();
  assert.deepEqual(final.answers, [STAGING_IP]);
  assert.equal(final.ttl, 3600);
});

test('a switch interrupted after the provider call is re-run safely: the first snapshot is the one restored', async (t) => {
  const { provider, dns, plan, store, world } = setup(t);
  await resetRecord(provider);
  // Wraps the provider: the change lands, then the answer never comes (the controller dies here).
  let hang = true;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  t.after(() => release());
  const realReplace = provider.replaceRecordSet.bind(provider);
  provider.replaceRecordSet = async (zone, rrset) => {
    await realReplace(zone, rrset);
    if (hang) await held;
  };
  const first = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns }) }), rollback: rollbackWith(dns, world), abortGraceMs: 100 });
  const co = first.create(plan, 'tester');
  const run = first.advance(co.id, 'switch', 'tester');
  const deadline = Date.now() + 5000;
  while ((await ask()).answers[0] !== PRODUCTION_IP) {
    assert.ok(Date.now() < deadline, 'the switch never reached the provider');
    await new Promise((r) => setTimeout(r, 50));
  }
  await first.close();
  await run.done;
  assert.equal(first.get(co.id).state, 'interrupted');
  assert.equal(store.dnsSnapshots.forCutover(co.id)[0]!.appliedAt, null, 'the crash came before the switch was marked applied');

  // A new controller on the same store: switch is idempotent, so advance re-runs it without force.
  hang = false;
  const second = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns }) }), rollback: rollbackWith(dns, world) });
  t.after(() => second.close());
  const view = await second.advance(co.id, 'switch', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const change = (view.steps.find((s) => s.name === 'switch')!.result as { evidence: { dnsChange: { changed: boolean; before: RecordSet } } }).evidence.dnsChange;
  assert.equal(change.changed, false, 'the record already held the production IP');
  assert.deepEqual(change.before.records, [STAGING_IP], 'the stored first snapshot, not the switched record read on the re-run');
  assert.equal(store.dnsSnapshots.forCutover(co.id).length, 1);

  assert.equal((await second.rollback(co.id, 'back', 'tester').done).state, 'rolled_back');
  const back = await ask();
  assert.deepEqual(back.answers, [STAGING_IP]);
  assert.equal(back.ttl, 3600);
});

test('keepFirstSnapshot is insert-or-ignore per record', (t) => {
  const { store, plan } = setup(t);
  const engine = newEngine(store);
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  const snap = (ip: string) => ({ provider: 'pdns-test', zone: 'Example.test.', name: 'WWW.example.test', type: 'a', rrset: { name: NAME, type: 'A', ttl: 300, records: [ip] }, takenAt: new Date().toISOString() });
  const a = keepFirstSnapshot(store, co.id, snap(STAGING_IP));
  const b = keepFirstSnapshot(store, co.id, snap(PRODUCTION_IP));
  assert.equal(b.id, a.id);
  assert.deepEqual(b.rrsetBefore?.records, [STAGING_IP]);
  assert.equal(a.zone, 'example.test');
  assert.equal(a.type, 'A');
  assert.equal(store.dnsSnapshots.forCutover(co.id).length, 1);
});

test('propagate: too few resolvers answering to judge (one of two never answers) rolls the cutover back automatically', async (t) => {
  const { provider, dns, plan, store, world } = setup(t);
  await resetRecord(provider);
  plan.checks.propagationTimeoutSeconds = 1;
  // Nothing listens there: every query fails.
  const config = validate(ControllerConfigSchema, { resolvers: [pdns.dnsServer, '127.0.0.9:9'] }, 'test controller config');
  const engine = newEngine(store, {
    executors: fakeSteps(world, { switch: switchExecutor({ dns }), propagate: propagateExecutor({ dns, config }, { postSwitchValidation: false, intervalMs: 100, queryTimeoutMs: 300 }) }),
    rollback: rollbackWith(dns, world),
  });
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'monitor', 'tester').done;
  assert.equal(view.state, 'rolled_back', JSON.stringify(view.error));
  const prop = view.steps.find((s) => s.name === 'propagate')!;
  assert.equal(prop.state, 'failed');
  assert.match(prop.error?.message ?? '', /automatic rollback: only 1 of 2 resolvers answered \(minResolversAgreeing 2\): no answer from 127\.0\.0\.9:9/);
  assert.equal(world.count('monitor'), 0);
  assert.deepEqual((await ask()).answers, [STAGING_IP], 'the automatic rollback put the record back');
  const rb = store.rollbacks.get(co.id)!;
  assert.equal(rb.automatic, true);
});

test('propagate: one resolver of three that never answers (blocked from here) is a warning; the cutover goes on', async (t) => {
  const { provider, dns, plan, store, world } = setup(t);
  await resetRecord(provider);
  plan.checks.propagationTimeoutSeconds = 30;
  const config = validate(ControllerConfigSchema, { resolvers: [pdns.dnsServer, pdns.dnsServer, '127.0.0.9:9'] }, 'test controller config');
  const engine = newEngine(store, {
    executors: fakeSteps(world, { switch: switchExecutor({ dns }), propagate: propagateExecutor({ dns, config }, { postSwitchValidation: false, intervalMs: 100, queryTimeoutMs: 300 }) }),
    rollback: rollbackWith(dns, world),
  });
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  const view = await engine.advance(co.id, 'propagate', 'tester').done;
  const prop = view.steps.find((s) => s.name === 'propagate')!;
  assert.equal(prop.state, 'succeeded', JSON.stringify(prop.error));
  assert.match(prop.summary ?? '', /warning: no answer from 127\.0\.0\.9:9/);
  assert.equal(store.rollbacks.get(co.id), undefined);
  assert.deepEqual((await ask()).answers, [PRODUCTION_IP]);
  await resetRecord(provider);
});

test('a record changed by hand after the switch: rollback restores the snapshot over it and records what it overwrote', async (t) => {
  const { provider, dns, plan, store, world } = setup(t);
  await resetRecord(provider);
  const engine = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns }) }), rollback: rollbackWith(dns, world) });
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  assert.equal((await engine.advance(co.id, 'switch', 'tester').done).state, 'paused');
  // Someone points the name elsewhere by hand.
  await provider.replaceRecordSet('example.test', { name: NAME, type: 'A', ttl: 60, records: ['127.0.0.9'] });
  const rolled = await engine.rollback(co.id, 'test says so', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.deepEqual((await ask()).answers, [STAGING_IP]);
  const part = rolled.rollback!.parts.find((p) => p.name === 'dns')!;
  const restored = (part.detail as { restored: Array<{ overwrote?: { records: string[] } }> }).restored;
  assert.deepEqual(restored[0]!.overwrote?.records, ['127.0.0.9']);
  // A plain rollback (the record as the switch left it) records no such thing.
  await resetRecord(provider);
  const co2 = engine.create(plan, 'tester');
  await engine.advance(co2.id, 'switch', 'tester').done;
  const plain = await engine.rollback(co2.id, 'again', 'tester').done;
  const restored2 = (plain.rollback!.parts.find((p) => p.name === 'dns')!.detail as { restored: Array<{ overwrote?: unknown }> }).restored;
  assert.equal(restored2[0]!.overwrote, undefined);
});

// A controller that died during the DNS switch, against the Cloudflare FAKE: the provider may
// have taken the change before the controller recorded it. The restarted controller reads the
// record back and records the switch as done or not done — it never changes DNS to find out.
// Other steps are FAKES.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startCloudflareFake, type CloudflareFake } from '../helpers/cloudflare-fake.js';
import { FakeWorld, fakeRollback, fakeSteps, gate, newEngine, planInput, tempStore, until } from '../helpers/cutover-fakes.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import { parsePlan } from '../../controller/cutover/plan.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { dnsRollbackPart, switchExecutor } from '../../controller/cutover/steps/index.js';
import type { ReconcileReads } from '../../controller/cutover/steps/switch.js';
import type { RetryPolicy } from '../../controller/dns/http.js';
import { SwitchyardError } from '../../shared/errors.js';

const FAST = { baseDelayMs: 5, maxDelayMs: 20, retries: 2, timeoutMs: 2000 };

interface RestartOptions {
  /** The restarted controller's provider policy, over FAST. */
  policy?: Partial<RetryPolicy>;
  /** Wraps the restarted controller's provider. */
  provider?: (real: DnsProvider) => DnsProvider;
  reads?: ReconcileReads;
  /** Just before the restart: faults for the fake. */
  beforeRestart?: (fake: CloudflareFake) => void;
  /** false: return while the reconcile is still going. */
  settle?: boolean;
}

/**
 * Runs a cutover up to `propagate` and "kills" the controller in the switch's provider call:
 * `after` — once the provider took the change (the answer never reaches the controller);
 * `before` — before the request left.
 */
async function dieInSwitch(t: TestContext, when: 'before' | 'after', restart: RestartOptions = {}) {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  fake.records.push({ id: 'rec1', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.10', ttl: 3600, proxied: false });
  const provider = () => new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST });
  const plan = parsePlan(planInput(), { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['cf-main'] });
  const { store, file } = tempStore(t);

  const never = gate();
  const real = provider();
  const dying = Object.create(real) as DnsProvider;
  dying.replaceRecordSet = async (zone, set) => {
    if (when === 'after') await real.replaceRecordSet(zone, set);
    await never.promise;
  };
  const world = new FakeWorld();
  const first = newEngine(store, { executors: fakeSteps(world, { switch: switchExecutor({ dns: new Map([['cf-main', dying]]) }) }) });
  const { id } = first.create(plan, 'alice');
  void first.advance(id, 'propagate', 'alice');
  await until(() => store.dnsSnapshots.forCutover(id).length === 1 && fake.requests.some((r) => r.method === 'PATCH') === (when === 'after'));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(store.steps.get(id, 'switch')!.state, 'running');
  assert.equal(store.dnsSnapshots.forCutover(id)[0]!.appliedAt, null, 'the change is not recorded');

  // The restarted controller, on the same state file.
  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const world2 = new FakeWorld();
  const restarted = restart.policy === undefined ? provider() : new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { ...FAST, ...restart.policy } });
  const dns = new Map<string, DnsProvider>([['cf-main', restart.provider?.(restarted) ?? restarted]]);
  const second = newEngine(store2, {
    executors: fakeSteps(world2, { switch: switchExecutor({ dns, reconcileReads: restart.reads ?? { tries: 3, firstPauseMs: 20 } }) }),
    rollback: { parts: [dnsRollbackPart({ dns }), ...fakeRollback(world2).parts.slice(1)] },
  });
  t.after(() => second.close());
  const writesBefore = fake.requests.filter((r) => r.method !== 'GET').length;
  restart.beforeRestart?.(fake);
  second.resumeAfterRestart();
  if (restart.settle !== false) await second.idle(id);
  return { id, fake, second, store2, world2, newWrites: () => fake.requests.filter((r) => r.method !== 'GET').slice(writesBefore) };
}

test('a switch the provider took before the controller died is recorded as done on restart, and the watch goes on', async (t) => {
  const { id, fake, second, store2, world2, newWrites } = await dieInSwitch(t, 'after');
  assert.deepEqual(newWrites(), [], 'no DNS change to find out');
  const view = second.get(id);
  const step = view.steps.find((s) => s.name === 'switch')!;
  assert.equal(step.state, 'succeeded', JSON.stringify(step.error));
  assert.match(step.summary ?? '', /www\.example\.com A → 203\.0\.113\.20 \(ttl 300\), found in place after a restart/);
  const change = (step.result as { evidence: { dnsChange: Record<string, unknown> } }).evidence.dnsChange;
  assert.deepEqual((change.before as { records: string[]; ttl: number }).records, ['203.0.113.10']);
  assert.equal(change.changed, true);
  const snap = store2.dnsSnapshots.forCutover(id);
  assert.equal(snap.length, 1);
  assert.notEqual(snap[0]!.appliedAt, null, 'the change is recorded, with its way back');
  assert.deepEqual((snap[0]!.rrsetAfter as { records: string[] }).records, ['203.0.113.20']);

  // DNS points at production: the run goes on to propagate, as the operator asked, by itself.
  assert.equal(world2.count('propagate'), 1);
  assert.equal(view.state, 'paused');
  assert.equal(view.steps.find((s) => s.name === 'propagate')!.state, 'succeeded');
  assert.equal(store2.audit.forCutover(id).at(-1)!.tokenName, 'system:recovery');

  // The way back is the snapshot taken before the provider call.
  assert.equal((await second.rollback(id, 'back', 'alice').done).state, 'rolled_back');
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 3600]]);
});

test('a switch the provider never got stays interrupted on restart, saying DNS was not changed', async (t) => {
  const { id, fake, second, world2, newWrites } = await dieInSwitch(t, 'before');
  assert.deepEqual(newWrites(), []);
  assert.deepEqual(fake.records.map((r) => r.content), ['203.0.113.10']);
  const view = second.get(id);
  assert.equal(view.state, 'interrupted');
  const step = view.steps.find((s) => s.name === 'switch')!;
  assert.equal(step.state, 'interrupted');
  assert.match(step.error!.message, /still held www\.example\.com A as recorded before it \(203\.0\.113\.10, ttl 3600\), so the switch did not happen: advance to run switch again/);
  assert.equal(view.error!.message, step.error!.message);
  assert.equal(world2.count('propagate'), 0);

  // Advancing now makes the switch, keeping the first snapshot as the way back.
  const done = await second.advance(id, 'switch', 'alice').done;
  assert.equal(done.state, 'paused');
  assert.deepEqual(fake.records.map((r) => r.content), ['203.0.113.20']);
});

test('a record someone else changed meanwhile is left for a person, naming all three values', async (t) => {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  fake.records.push({ id: 'rec1', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '198.51.100.7', ttl: 120, proxied: false });
  const dns = new Map<string, DnsProvider>([['cf-main', new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST })]]);
  const plan = parsePlan(planInput(), { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['cf-main'] });
  const { store, file } = tempStore(t);
  const never = gate();
  const first = newEngine(store, { executors: fakeSteps(new FakeWorld(), { switch: { idempotent: true, run: async (ctx) => {
    ctx.store.dnsSnapshots.take({ cutoverId: ctx.cutover.id, provider: 'cf-main', zone: 'example.com', name: 'www.example.com', type: 'A', rrsetBefore: { name: 'www.example.com', type: 'A', ttl: 3600, records: ['203.0.113.10'], proxied: false }, at: ctx.clock.now().toISOString() });
    await never.promise;
    return {};
  } } }) });
  const { id } = first.create(plan, 'alice');
  void first.advance(id, 'switch', 'alice');
  await until(() => store.dnsSnapshots.forCutover(id).length === 1);

  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const second = newEngine(store2, { executors: fakeSteps(new FakeWorld(), { switch: switchExecutor({ dns }) }) });
  t.after(() => second.close());
  second.resumeAfterRestart();
  await second.idle(id);
  const view = second.get(id);
  assert.equal(view.state, 'interrupted');
  assert.match(view.error!.message, /held www\.example\.com A as 198\.51\.100\.7, ttl 120, neither the switch's target \(203\.0\.113\.20, ttl 300\) nor the record before it \(203\.0\.113\.10, ttl 3600\): someone changed it/);
  assert.equal(fake.requests.filter((r) => r.method !== 'GET').length, 0);
});

test('a restart that finds the DNS provider unreachable reads again with pauses, and records the switch once it answers', async (t) => {
  let failing = 2;
  const { id, second, newWrites } = await dieInSwitch(t, 'after', {
    provider: (real) => {
      const flaky = Object.create(real) as DnsProvider;
      flaky.getRecordSet = async (...args) => {
        if (failing > 0) {
          failing--;
          throw new SwitchyardError('SY_DNS_PROVIDER', 'cloudflare cf-main: GET /client/v4/zones failed after 3 attempt(s): ECONNREFUSED');
        }
        return real.getRecordSet(...args);
      };
      return flaky;
    },
  });
  assert.equal(failing, 0);
  assert.deepEqual(newWrites(), []);
  const step = second.get(id).steps.find((s) => s.name === 'switch')!;
  assert.equal(step.state, 'succeeded', JSON.stringify(step.error));
  assert.match(step.summary ?? '', /found in place after a restart/);
});

test('a restart that cannot read the DNS provider at all leaves the switch for a person, saying how many times it tried', async (t) => {
  let reads = 0;
  const { id, second, newWrites } = await dieInSwitch(t, 'after', {
    provider: (real) => {
      const down = Object.create(real) as DnsProvider;
      down.getRecordSet = async () => {
        reads++;
        throw new SwitchyardError('SY_DNS_PROVIDER', 'cloudflare cf-main: GET /client/v4/zones failed after 3 attempt(s): ECONNREFUSED');
      };
      return down;
    },
  });
  assert.equal(reads, 3);
  assert.deepEqual(newWrites(), []);
  const view = second.get(id);
  assert.equal(view.state, 'interrupted');
  assert.match(view.error!.message, /on restart the DNS provider cf-main could not be read, tried 3 times over \d+ s \(last: .*ECONNREFUSED\), so whether the switch happened is unknown: check www\.example\.com A by hand \(the switch's target is 203\.0\.113\.20, ttl 300, the record before it 203\.0\.113\.10, ttl 3600\)/);
  const event = second.history(id).find((e) => e.type === 'progress' && e.data.phase === 'reconcile');
  assert.match(String(event?.data.message), /tried 3 times/);
});

test('a shutdown during the restart\'s read-back ends the read in flight at once, and the switch is left for the next start', async (t) => {
  // A request timeout well past the hold: without the signal the read would wait the provider out.
  const { id, fake, second, store2 } = await dieInSwitch(t, 'after', {
    policy: { timeoutMs: 10_000 },
    settle: false,
    beforeRestart: (f) => f.faults.push({ method: 'GET', delayMs: 5000 }),
  });
  const gets = fake.requests.length;
  await until(() => fake.requests.length > gets);
  const started = Date.now();
  await second.close();
  assert.ok(Date.now() - started < 2000, `shutdown took ${Date.now() - started} ms: it waited for the read`);
  assert.equal(store2.steps.get(id, 'switch')!.state, 'interrupted');
  assert.equal(store2.dnsSnapshots.forCutover(id)[0]!.appliedAt, null, 'nothing recorded from a read cut short');
});

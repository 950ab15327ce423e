import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { FakeWorld, fakePlan, fakeRollback, fakeStep, fakeSteps, newEngine, tempStore, until } from '../helpers/cutover-fakes.js';

test('concurrent rollbacks end in one rolled_back state with each part run once', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world, {}, 20) });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'monitor', 'alice').done;
  assert.equal(world.dnsValue, '203.0.113.20');

  const a = engine.rollback(id, 'first', 'alice');
  const b = engine.rollback(id, 'second', 'bob');
  await new Promise((r) => setTimeout(r, 5));
  const c = engine.rollback(id, 'third', 'carol');
  assert.equal(b.done, a.done, 'the second call returns the same in-flight rollback');
  const results = await Promise.all([a.done, b.done, c.done]);
  assert.deepEqual(results.map((v) => v.state), ['rolled_back', 'rolled_back', 'rolled_back']);
  assert.equal(world.count('rollback:dns'), 1);
  assert.equal(world.count('rollback:database'), 1);
  assert.equal(world.count('rollback:staging'), 1);
  assert.equal(world.dnsValue, '203.0.113.10', 'DNS restored from the snapshot');
  assert.equal(world.stagingLocked, false);
  const view = engine.get(id);
  assert.equal(view.rollback!.reason, 'first');
  assert.equal(view.rollback!.attempt, 1);
  assert.notEqual(store.dnsSnapshots.forCutover(id)[0]!.restoredAt, null);
  // Whoever follows the event stream (curl, `cutover watch`) learns why a part did nothing.
  const parts = store.events.after(id, 0).filter((e) => e.type === 'rollback-part' && e.data.state !== 'running').map((e) => e.data);
  assert.deepEqual(parts, [
    { part: 'dns', state: 'done' },
    { part: 'database', state: 'skipped', detail: { reason: 'no tables were swapped' } },
    { part: 'staging', state: 'done' },
  ]);

  // Once more, afterwards: a no-op that still answers with the rolled-back cutover.
  const again = await engine.rollback(id, undefined, 'dave').done;
  assert.equal(again.state, 'rolled_back');
  assert.equal(world.count('rollback:dns'), 1);
  assert.deepEqual(store.audit.forCutover(id).filter((r) => r.action === 'rollback').map((r) => r.tokenName), ['alice', 'bob', 'carol', 'dave']);
  assert.throws(() => engine.advance(id, 'fallback', 'alice'), (e: SwitchyardError) => e.httpStatus === 409 && /rolled_back/.test(e.message));
});

test('a rollback whose database part fails still unlocks staging, says what is done and what not, and a retry finishes the rest', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    executors: fakeSteps(world, {
      rewrite: fakeStep(world, 'rewrite', {
        run: (_ctx, w) => {
          w.tablesSwapped = true;
        },
      }),
    }),
    rollback: fakeRollback(world, { database: new SwitchyardError('SY_AGENT_UNREACHABLE', 'agent prod-1 is unreachable') }),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'propagate', 'alice').done;

  const failed = await engine.rollback(id, '5xx from the new origin', 'alice').done;
  assert.equal(failed.state, 'rollback_failed');
  // DNS sends visitors to staging again: staging must take their writes, whatever production's agent does.
  assert.deepEqual(failed.rollback!.parts.map((p) => [p.name, p.state]), [
    ['dns', 'done'],
    ['database', 'failed'],
    ['staging', 'done'],
  ]);
  assert.equal(failed.rollback!.parts[1]!.error!.code, 'SY_AGENT_UNREACHABLE');
  assert.equal(failed.error!.code, 'SY_AGENT_UNREACHABLE');
  assert.match(failed.error!.message, /^rollback part database failed: agent prod-1 is unreachable\. done: dns, staging\. fix the cause and POST \/v1\/cutovers\/co_\w+\/rollback again; parts already done are not repeated$/);
  assert.deepEqual(failed.error!.details, { failed: ['database'], done: ['dns', 'staging'], notRun: [], parts: { dns: 'done', database: 'failed', staging: 'done' } });
  assert.equal(world.dnsValue, '203.0.113.10');
  assert.equal(world.stagingLocked, false);
  assert.equal(world.tablesSwapped, true);
  assert.throws(() => engine.advance(id, 'fallback', 'alice'), /rollback .* stopped part-way/);

  const done = await engine.rollback(id, undefined, 'alice').done;
  assert.equal(done.state, 'rolled_back');
  assert.equal(done.error, null);
  assert.equal(done.rollback!.attempt, 2);
  assert.equal(done.rollback!.state, 'done');
  assert.deepEqual(done.rollback!.parts.map((p) => [p.name, p.state, p.attempt]), [
    ['dns', 'done', 1],
    ['database', 'done', 2],
    ['staging', 'done', 1],
  ]);
  assert.equal(world.count('rollback:dns'), 1);
  assert.equal(world.count('rollback:staging'), 1);
  assert.equal(world.tablesSwapped, false);
});

test('a rollback whose DNS part fails leaves staging locked (visitors still reach production) and says the rest waits for DNS', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    executors: fakeSteps(world),
    rollback: fakeRollback(world, { dns: new SwitchyardError('SY_DNS_PROVIDER', 'PowerDNS answered 503') }),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'monitor', 'alice').done;

  const failed = await engine.rollback(id, undefined, 'alice').done;
  assert.equal(failed.state, 'rollback_failed');
  assert.deepEqual(failed.rollback!.parts.map((p) => [p.name, p.state]), [
    ['dns', 'failed'],
    ['database', 'pending'],
    ['staging', 'pending'],
  ]);
  assert.equal(world.stagingLocked, true, 'no split writes: staging stays frozen while DNS points at production');
  assert.equal(world.count('rollback:staging'), 0);
  assert.match(failed.error!.message, /rollback part dns failed: PowerDNS answered 503\. no part is done\. not run \(they wait for dns\): database, staging\. fix the cause and POST/);

  const done = await engine.rollback(id, undefined, 'alice').done;
  assert.equal(done.state, 'rolled_back');
  assert.equal(world.dnsValue, '203.0.113.10');
  assert.equal(world.stagingLocked, false);
});

test('monitor asking for rollback rolls back automatically with its evidence recorded', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    executors: fakeSteps(world, {
      monitor: fakeStep(world, 'monitor', {
        run: () => ({
          evidence: { monitor: { windows: 3 } },
          rollback: { reason: '5xx share 0.31 over maxErrorRate 0.02', evidence: { share: 0.31, samples: 400, window: '60s' } },
        }),
      }),
    }),
    rollback: fakeRollback(world),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const end = await engine.advance(id, 'fallback', 'alice').done;

  assert.equal(end.state, 'rolled_back');
  assert.equal(end.rollback!.automatic, true);
  assert.equal(end.rollback!.requestedBy, 'system:monitor');
  assert.equal(end.rollback!.reason, '5xx share 0.31 over maxErrorRate 0.02');
  assert.deepEqual(end.rollback!.evidence, { step: 'monitor', share: 0.31, samples: 400, window: '60s' });
  const monitor = end.steps.find((s) => s.name === 'monitor')!;
  assert.equal(monitor.state, 'failed');
  assert.deepEqual(monitor.result!.evidence, { monitor: { windows: 3 } });
  assert.equal(end.steps.find((s) => s.name === 'fallback')!.state, 'pending');
  assert.equal(world.dnsValue, '203.0.113.10');
  assert.equal(world.stagingLocked, false);
  const audit = store.audit.forCutover(id).at(-1)!;
  assert.equal(audit.tokenName, 'system:monitor');
  assert.equal(audit.detail!.automatic, true);
});

test('a rollback aborts the run in flight before it undoes anything', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  let sawAbort = false;
  const engine = newEngine(store, {
    executors: fakeSteps(world, {
      sync: fakeStep(world, 'sync', {
        run: (ctx) =>
          new Promise((_resolve, reject) => {
            ctx.record.put('copied', ['wp_posts']);
            ctx.signal.addEventListener('abort', () => {
              sawAbort = true;
              reject(ctx.signal.reason);
            });
          }),
      }),
    }),
    rollback: fakeRollback(world),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const run = engine.advance(id, 'verify', 'alice');
  await until(() => store.steps.get(id, 'sync')?.state === 'running');

  const rb = engine.rollback(id, 'stop', 'alice');
  assert.equal(rb.cutover.state, 'rolling_back');
  const [runEnd, rbEnd] = await Promise.all([run.done, rb.done]);
  assert.equal(sawAbort, true);
  assert.equal(rbEnd.state, 'rolled_back');
  assert.equal(runEnd.state, 'rolled_back');
  const sync = rbEnd.steps.find((s) => s.name === 'sync')!;
  assert.equal(sync.state, 'interrupted');
  assert.match(sync.error!.message, /rollback requested/);
  assert.deepEqual(sync.result, { evidence: { copied: ['wp_posts'] } });
  assert.equal(world.count('verify'), 0);
  assert.ok(world.calls.indexOf('rollback:staging') > world.calls.indexOf('sync'));
  assert.equal(world.stagingLocked, false);
});

test('a step that ignores the abort is given up on after the grace period', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    abortGraceMs: 30,
    executors: fakeSteps(world, { sync: fakeStep(world, 'sync', { run: () => new Promise(() => undefined) }) }),
    rollback: fakeRollback(world),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  void engine.advance(id, 'verify', 'alice');
  await until(() => store.steps.get(id, 'sync')?.state === 'running');
  const done = await engine.rollback(id, 'stop', 'alice').done;
  assert.equal(done.state, 'rolled_back');
  assert.equal(done.steps.find((s) => s.name === 'sync')!.state, 'interrupted');
});

test('before the freeze a rollback only cancels; without a rollback executor after it, the rollback fails loudly', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world) });
  const a = engine.create(fakePlan(), 'alice');
  const cancelled = await engine.rollback(a.id, 'not today', 'alice').done;
  assert.equal(cancelled.state, 'rolled_back');
  assert.equal(cancelled.rollback!.cancelled, true);
  assert.deepEqual(cancelled.rollback!.parts, []);
  assert.deepEqual(world.calls, []);

  const bare = newEngine(store, { executors: fakeSteps(world) });
  const b = bare.create(fakePlan(), 'alice');
  await bare.advance(b.id, 'lock', 'alice').done;
  const failed = await bare.rollback(b.id, 'x', 'alice').done;
  assert.equal(failed.state, 'rollback_failed');
  assert.match(failed.rollback!.error!.message, /rollback is not available in this build/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { FakeClock, FakeWorld, fakePlan, fakeRollback, fakeStep, fakeSteps, gate, newEngine, tempStore, until } from '../helpers/cutover-fakes.js';

const conflict = (re: RegExp) => (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_CONFLICT' && re.test(err.message);

test('a full run with fake executors ends in the fallback window, and release completes it', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world), clock });

  const created = engine.create(fakePlan(), 'alice');
  assert.equal(created.state, 'planned');
  assert.match(created.id, /^co_[0-9a-f]{16}$/);
  assert.equal(created.nextStep, 'preflight');

  const started = engine.advance(created.id, 'fallback', 'alice');
  assert.equal(started.cutover.state, 'running');
  assert.equal(started.cutover.running, true);
  const done = await started.done;

  assert.equal(done.state, 'fallback');
  assert.equal(done.running, false);
  assert.equal(done.fallbackUntil, '2030-01-02T00:00:00.000Z');
  assert.deepEqual(done.steps.map((s) => s.state), Array(11).fill('succeeded'));
  assert.deepEqual(world.calls, ['preflight', 'presync', 'lock', 'sync', 'verify', 'rewrite', 'validate', 'switch', 'propagate', 'monitor']);
  assert.equal(world.stagingLocked, true);
  assert.equal(world.dnsValue, '203.0.113.20');
  const lock = done.steps.find((s) => s.name === 'lock')!;
  assert.deepEqual(lock.result, { summary: 'lock ok', evidence: { prior: { readOnly: false, maintenance: false }, fake: 'lock' } });
  assert.equal(lock.attempt, 1);
  assert.equal(lock.durationMs, 0);
  assert.match(done.steps.at(-1)!.summary ?? '', /read-only and ready until 2030-01-02/);

  assert.throws(() => engine.advance(created.id, 'fallback', 'alice'), conflict(/release it/));
  const released = engine.release(created.id, 'alice');
  assert.equal(released.state, 'completed');
  assert.equal(engine.release(created.id, 'alice').state, 'completed', 'a second release answers the cutover as it is');
  assert.throws(() => engine.rollback(created.id, 'late', 'alice'), conflict(/released/));
});

test('advance stops after the named step and the next advance continues from there', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world) });
  const { id } = engine.create(fakePlan(), 'alice');

  const paused = await engine.advance(id, 'verify', 'alice').done;
  assert.equal(paused.state, 'paused');
  assert.equal(paused.currentStep, 'verify');
  assert.equal(paused.nextStep, 'rewrite');
  assert.deepEqual(world.calls, ['preflight', 'presync', 'lock', 'sync', 'verify']);
  assert.equal(paused.steps.find((s) => s.name === 'rewrite')!.state, 'pending');

  assert.throws(() => engine.advance(id, 'verify', 'alice'), conflict(/already past verify; its next step is rewrite/));
  assert.throws(() => engine.advance(id, 'nonsense', 'alice'), (e: SwitchyardError) => e.code === 'SY_VALIDATION' && e.field === 'until');

  const next = await engine.advance(id, 'validate', 'alice').done;
  assert.equal(next.state, 'paused');
  assert.deepEqual(world.calls.slice(5), ['rewrite', 'validate']);
});

test('a second advance while a run is in flight is refused with 409', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const hold = gate();
  const engine = newEngine(store, {
    executors: fakeSteps(world, { preflight: fakeStep(world, 'preflight', { run: () => hold.promise }) }),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const first = engine.advance(id, 'presync', 'alice');
  assert.throws(() => engine.advance(id, 'presync', 'bob'), (e: SwitchyardError) => e.httpStatus === 409 && /in flight/.test(e.message));
  assert.equal(engine.get(id).running, true);
  assert.equal(engine.get(id).state, 'running');
  hold.open();
  assert.equal((await first.done).state, 'paused');
  assert.equal(world.count('preflight'), 1);
});

test('a failure stops the cutover with the error, staging still locked, and only rollback goes on', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    executors: fakeSteps(world, {
      verify: fakeStep(world, 'verify', {
        run: () => {
          throw new SwitchyardError('SY_PRECONDITION', 'chunk 7 of wp_posts differs', { details: { table: 'wp_posts', chunk: 7 } });
        },
      }),
    }),
    rollback: fakeRollback(world),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const failed = await engine.advance(id, 'fallback', 'alice').done;

  assert.equal(failed.state, 'failed');
  assert.deepEqual(failed.error, { code: 'SY_PRECONDITION', message: 'chunk 7 of wp_posts differs', details: { table: 'wp_posts', chunk: 7 }, step: 'verify' });
  const verify = failed.steps.find((s) => s.name === 'verify')!;
  assert.equal(verify.state, 'failed');
  assert.equal(verify.error!.message, 'chunk 7 of wp_posts differs');
  assert.equal(world.count('rewrite'), 0);
  assert.equal(world.stagingLocked, true, 'staging stays locked, ready for rollback');

  assert.throws(() => engine.advance(id, 'fallback', 'alice'), conflict(/failed at verify.*roll back/));
  const back = await engine.rollback(id, undefined, 'alice').done;
  assert.equal(back.state, 'rolled_back');
  assert.equal(world.stagingLocked, false);
  assert.equal(back.rollback!.reason, 'requested by alice');
  assert.deepEqual(back.error?.step, 'verify', 'the failure that led here stays visible');
});

test('a step with no executor fails loudly instead of passing', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const executors = fakeSteps(world);
  delete executors.sync;
  const engine = newEngine(store, { executors });
  const { id } = engine.create(fakePlan(), 'alice');
  const done = await engine.advance(id, 'verify', 'alice').done;
  assert.equal(done.state, 'failed');
  const sync = done.steps.find((s) => s.name === 'sync')!;
  assert.equal(sync.state, 'failed');
  assert.match(sync.error!.message, /step sync is not available in this build/);
  assert.equal(world.count('verify'), 0);
});

test('a preflight that fails with evidence can be re-run after fixing the cause; skipped steps are recorded', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  let ttlLow = false;
  const engine = newEngine(store, {
    executors: fakeSteps(world, {
      preflight: fakeStep(world, 'preflight', {
        run: () =>
          ttlLow
            ? { summary: 'all checks pass', evidence: { checks: [{ name: 'ttl', status: 'pass' }] } }
            : { outcome: 'failed', error: 'TTL 3600 > maxTtl 300', evidence: { checks: [{ name: 'ttl', status: 'fail' }] } },
      }),
      presync: fakeStep(world, 'presync', { run: () => ({ outcome: 'skipped', summary: 'no database or assets in the plan' }) }),
    }),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const failed = await engine.advance(id, 'presync', 'alice').done;
  assert.equal(failed.state, 'failed');
  const pf = failed.steps[0]!;
  assert.equal(pf.error!.message, 'TTL 3600 > maxTtl 300');
  assert.deepEqual(pf.result!.evidence, { checks: [{ name: 'ttl', status: 'fail' }] });

  ttlLow = true;
  const ok = await engine.advance(id, 'presync', 'alice').done;
  assert.equal(ok.state, 'paused');
  assert.equal(ok.steps[0]!.attempt, 2);
  assert.equal(ok.steps[0]!.error, null);
  assert.equal(ok.steps[1]!.state, 'skipped');
  assert.equal(ok.steps[1]!.summary, 'no database or assets in the plan');
});

test('every mutating call is audited with the token name, refusals too', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world) });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'lock', 'bob').done;
  assert.throws(() => engine.advance(id, 'presync', 'carol'));
  await engine.rollback(id, 'changed my mind', 'dave').done;
  const rows = store.audit.forCutover(id).map((a) => [a.tokenName, a.action, a.detail?.refused === undefined ? 'ok' : 'refused']);
  assert.deepEqual(rows, [
    ['alice', 'create', 'ok'],
    ['bob', 'advance', 'ok'],
    ['carol', 'advance', 'refused'],
    ['dave', 'rollback', 'ok'],
  ]);
  assert.equal(store.audit.forCutover(id)[1]!.detail!.until, 'lock');
  assert.equal(store.audit.forCutover(id)[3]!.detail!.reason, 'changed my mind');
});

test('prepare lowers the TTL through the port and records since when it is low', async (t) => {
  const { store } = tempStore(t);
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const calls: Array<[string, number]> = [];
  const engine = newEngine(store, {
    clock,
    ttl: {
      async lower(dns, ttl) {
        calls.push([dns.name, ttl]);
        return { previousTtl: 3600, ttl, changed: true };
      },
    },
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const r = await engine.prepare(id, 'alice');
  assert.deepEqual(calls, [['www.example.com', 300]]);
  assert.deepEqual(r, { previousTtl: 3600, ttl: 300, changed: true, lowSince: '2030-01-01T00:00:00.000Z', switchNotBefore: '2030-01-03T00:00:00.000Z' });
  assert.equal(store.ttlLowered.lowSince('example.com', 'www.example.com', 'A', 300), '2030-01-01T00:00:00.000Z');
  assert.equal(store.audit.forCutover(id).at(-1)!.action, 'prepare');

  const bare = newEngine(store);
  await assert.rejects(bare.prepare(id, 'alice'), (e: SwitchyardError) => e.code === 'SY_PRECONDITION' && /not available in this build/.test(e.message));
});

test('report lifts evidence, timings and DNS snapshots out of the steps', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    executors: fakeSteps(world, {
      verify: fakeStep(world, 'verify', { run: () => ({ evidence: { databaseParity: { tables: 12, equal: 12 }, assetsParity: { files: 40, equal: 40 } } }) }),
    }),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'switch', 'alice').done;
  const report = engine.report(id);
  assert.deepEqual(report.parity.database, { tables: 12, equal: 12 });
  assert.deepEqual(report.parity.assets, { files: 40, equal: 40 });
  assert.equal(report.dns.snapshots.length, 1);
  assert.deepEqual(report.dns.snapshots[0]!.rrsetBefore, { records: ['203.0.113.10'], ttl: 300 });
  assert.equal(report.timings.steps.length, 11);
  assert.equal(report.timings.steps.find((s) => s.name === 'switch')!.state, 'succeeded');
  assert.equal(report.audit.length, 2);
  assert.equal(report.propagation, null);
});

test('an unknown cutover is 404', (t) => {
  const { store } = tempStore(t);
  const engine = newEngine(store);
  assert.throws(() => engine.get('co_nope'), (e: SwitchyardError) => e.httpStatus === 404);
  assert.throws(() => engine.advance('co_nope', 'lock', 'a'), (e: SwitchyardError) => e.httpStatus === 404);
});

test('until() helper sanity: polling gives up', async () => {
  await assert.rejects(until(() => false, 20), /not reached/);
});

test('the fallback window the cutover keeps is the one its step told, not one taken when the step was recorded', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  // Time moves between the step's own reading and the engine's record of its end, as it does live
  // (the demo's step said …53.466Z while status, report and release kept …53.521Z).
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const ticking = { now: () => { clock.advance(55); return clock.now(); } };
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world), clock: ticking });
  const { id } = engine.create(fakePlan(), 'alice');
  const done = await engine.advance(id, 'fallback', 'alice').done;
  const step = done.steps.find((s) => s.name === 'fallback')!;
  const told = (step.result as { evidence: { fallbackUntil: string } }).evidence.fallbackUntil;
  assert.equal(done.fallbackUntil, told);
  assert.ok(step.summary?.includes(`until ${done.fallbackUntil};`), step.summary ?? '');
  assert.equal(engine.report(id).fallback.until, told);
});

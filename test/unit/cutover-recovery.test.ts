// A controller killed mid-step: simulated by leaving an engine's run hanging forever and
// opening the same state file in a new store and engine, as a restarted process would.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { FakeWorld, fakePlan, fakeRollback, fakeStep, fakeSteps, gate, newEngine, tempStore, until } from '../helpers/cutover-fakes.js';

/** Runs a cutover until `step` hangs in flight, then "restarts" on the same file. */
async function killDuring(t: TestContext, step: 'sync' | 'verify') {
  const { store, file } = tempStore(t);
  const world = new FakeWorld();
  const never = gate(); // never opened: the old process dies with the step in flight
  const first = newEngine(store, {
    executors: fakeSteps(world, { [step]: fakeStep(world, step, { run: () => never.promise }) }),
  });
  const { id } = first.create(fakePlan(), 'alice');
  void first.advance(id, 'validate', 'alice');
  await until(() => store.steps.get(id, step)?.state === 'running');
  assert.equal(store.cutovers.get(id)!.runOwner, first.instanceId);

  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const world2 = new FakeWorld();
  world2.stagingLocked = world.stagingLocked;
  const second = newEngine(store2, { executors: fakeSteps(world2), rollback: fakeRollback(world2) });
  return { id, second, world2, store2 };
}

test('after a restart the step that was running is interrupted and a non-idempotent one is not re-run', async (t) => {
  const { id, second, world2, store2 } = await killDuring(t, 'sync');
  const view = second.get(id);
  assert.equal(view.state, 'interrupted');
  assert.equal(view.currentStep, 'sync');
  assert.equal(view.running, false);
  const sync = view.steps.find((s) => s.name === 'sync')!;
  assert.equal(sync.state, 'interrupted');
  assert.match(sync.error!.message, /controller stopped while step sync ran/);
  assert.equal(store2.cutovers.get(id)!.runOwner, null, 'the dead process\'s run lock is cleared');

  assert.throws(
    () => second.advance(id, 'validate', 'alice'),
    (e: SwitchyardError) => e.httpStatus === 409 && /sync was interrupted and is not idempotent.*rollback/.test(e.message),
  );
  assert.equal(world2.count('sync'), 0, 'never re-run by itself');

  const back = await second.rollback(id, 'controller died', 'alice').done;
  assert.equal(back.state, 'rolled_back');
  assert.equal(world2.stagingLocked, false);
  assert.deepEqual(back.rollback!.parts.map((p) => [p.name, p.state]), [
    ['dns', 'skipped'],
    ['database', 'skipped'],
    ['staging', 'done'],
  ]);
});

test('force re-runs an interrupted non-idempotent step once the operator checked it', async (t) => {
  const { id, second, world2 } = await killDuring(t, 'sync');
  const done = await second.advance(id, 'verify', 'alice', { force: true }).done;
  assert.equal(done.state, 'paused');
  assert.equal(world2.count('sync'), 1);
  assert.equal(done.steps.find((s) => s.name === 'sync')!.attempt, 2);
  assert.equal(second.report(id).audit.find((a) => a.action === 'advance' && a.detail?.force === true)?.tokenName, 'alice');
});

test('an interrupted idempotent step is re-run on advance', async (t) => {
  const { id, second, world2 } = await killDuring(t, 'verify');
  assert.equal(second.get(id).state, 'interrupted');
  const done = await second.advance(id, 'verify', 'alice').done;
  assert.equal(done.state, 'paused');
  assert.deepEqual(world2.calls, ['verify']);
});

test('a controller stopped during a rollback comes back rollback_failed, and rollback again finishes', async (t) => {
  const { store, file } = tempStore(t);
  const world = new FakeWorld();
  const never = gate();
  const first = newEngine(store, {
    executors: fakeSteps(world),
    rollback: { parts: [...fakeRollback(world).parts.slice(0, 1), { name: 'database', run: () => never.promise }, fakeRollback(world).parts[2]!] },
  });
  const { id } = first.create(fakePlan(), 'alice');
  await first.advance(id, 'switch', 'alice').done;
  void first.rollback(id, 'bad', 'alice');
  await until(() => store.rollbackParts.list(id).find((p) => p.name === 'database')?.state === 'running');

  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const world2 = new FakeWorld();
  world2.stagingLocked = true;
  const second = newEngine(store2, { executors: fakeSteps(world2), rollback: fakeRollback(world2) });
  const view = second.get(id);
  assert.equal(view.state, 'rollback_failed');
  assert.deepEqual(view.rollback!.parts.map((p) => p.state), ['done', 'interrupted', 'pending']);

  const done = await second.rollback(id, undefined, 'bob').done;
  assert.equal(done.state, 'rolled_back');
  assert.deepEqual(world2.calls, ['rollback:database', 'rollback:staging'], 'the DNS part already done is not repeated');
  assert.equal(done.rollback!.attempt, 2);
  assert.equal(done.rollback!.reason, 'bad');
});

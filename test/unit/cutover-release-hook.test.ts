import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWorld, fakePlan, fakeSteps, gate, newEngine, tempStore } from '../helpers/cutover-fakes.js';
import type { ReleaseHook } from '../../controller/cutover/machine.js';

test('release runs the clean-up hook after committing, and idle() waits for it', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const calls: Array<{ id: string; state: string; site: string }> = [];
  const letGo = gate();
  const onRelease: ReleaseHook = async ({ cutover, plan }) => {
    calls.push({ id: cutover.id, state: cutover.state, site: plan.site });
    await letGo.promise;
    return { keptAsideDropped: true };
  };
  const engine = newEngine(store, { executors: fakeSteps(world), onRelease });
  t.after(() => engine.close());
  const c = engine.create(fakePlan(), 'op');
  assert.equal((await engine.advance(c.id, 'fallback', 'op').done).state, 'fallback');

  const released = engine.release(c.id, 'op');
  assert.equal(released.state, 'completed', 'the release itself does not wait for the clean-up');
  let idle = false;
  const waiting = engine.idle(c.id).then(() => (idle = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(idle, false, 'idle() waits for the clean-up in flight');
  letGo.open();
  await waiting;
  assert.deepEqual(calls, [{ id: c.id, state: 'completed', site: 'example.com' }]);
  const ev = engine.history(c.id).find((e) => e.type === 'progress' && e.data.phase === 'release');
  assert.equal(ev?.data.keptAsideDropped, true);
  assert.equal(ev?.data.message, 'release clean-up done');
});

test('a failing clean-up is recorded as an event and leaves the cutover completed', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    executors: fakeSteps(world),
    onRelease: async () => {
      throw new Error('agent prod-1 unreachable');
    },
  });
  t.after(() => engine.close());
  const c = engine.create(fakePlan(), 'op');
  await engine.advance(c.id, 'fallback', 'op').done;
  engine.release(c.id, 'op');
  await engine.idle(c.id);
  assert.equal(engine.get(c.id).state, 'completed');
  const ev = engine.history(c.id).find((e) => e.type === 'progress' && e.data.phase === 'release');
  assert.match(String(ev?.data.message), /release clean-up failed: agent prod-1 unreachable/);
});

test('without a hook, release is just the state change', async (t) => {
  const { store } = tempStore(t);
  const engine = newEngine(store, { executors: fakeSteps(new FakeWorld()) });
  t.after(() => engine.close());
  const c = engine.create(fakePlan(), 'op');
  await engine.advance(c.id, 'fallback', 'op').done;
  assert.equal(engine.release(c.id, 'op').state, 'completed');
  await engine.idle(c.id);
  assert.equal(engine.history(c.id).filter((e) => e.type === 'progress' && e.data.phase === 'release').length, 0);
});

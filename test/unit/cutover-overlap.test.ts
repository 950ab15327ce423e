import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { parsePlan } from '../../controller/cutover/plan.js';
import { overlapOf } from '../../controller/cutover/overlap.js';
import { FakeWorld, PLAN_CONTEXT, fakePlan, fakeRollback, fakeSteps, newEngine, planInput, tempStore } from '../helpers/cutover-fakes.js';

const CONTEXT = { agentNames: ['staging-1', 'prod-1', 'staging-2', 'prod-2'], dnsProviders: ['cf-main'] };

function planWith(change: (p: Record<string, any>) => void) {
  const input = planInput() as Record<string, any>;
  change(input);
  return parsePlan(input, CONTEXT);
}

test('a second cutover on the same staging is refused past preflight while the first holds its freeze, so its rollback cannot unfreeze staging under the first', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world) });

  const first = engine.create(fakePlan(), 'alice');
  await engine.advance(first.id, 'lock', 'alice').done;
  assert.equal(world.stagingLocked, true);

  const second = engine.create(fakePlan(), 'bob');
  // Preflight only reads: it may run.
  const pre = await engine.advance(second.id, 'preflight', 'bob').done;
  assert.equal(pre.state, 'paused');
  assert.throws(
    () => engine.advance(second.id, 'lock', 'bob'),
    (err: unknown) =>
      err instanceof SwitchyardError && err.httpStatus === 409 && err.message.includes(`cutover ${first.id}`) && /holds agent staging-1/.test(err.message) && /roll it back/.test(err.message),
  );
  assert.equal(world.count('presync'), 1, 'the second cutover copied nothing');

  // Once the first is rolled back, the second may go on.
  await engine.rollback(first.id, 'done with it', 'alice').done;
  const after = await engine.advance(second.id, 'lock', 'bob').done;
  assert.equal(after.state, 'paused');
  assert.equal(world.stagingLocked, true);
});

test('a cutover in its fallback window keeps its production database and DNS record from another cutover until released', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world) });
  const plan = parsePlan(planInput(), PLAN_CONTEXT);
  const first = engine.create(plan, 'alice');
  assert.equal((await engine.advance(first.id, 'fallback', 'alice').done).state, 'fallback');

  const second = engine.create(plan, 'bob');
  assert.throws(() => engine.advance(second.id, 'presync', 'bob'), (err: unknown) => err instanceof SwitchyardError && /release it/.test(err.message));
  engine.release(first.id, 'alice');
  assert.equal((await engine.advance(second.id, 'presync', 'bob').done).state, 'paused');
});

test('what two plans share: the staging agent either way round, production database or asset root, the DNS record; other sites on one production host do not clash', () => {
  const a = parsePlan(planInput(), CONTEXT);
  assert.match(overlapOf(a, a) ?? '', /agent staging-1/);
  // Another staging, another database, root and record on the same production host: no clash.
  const other = planWith((p) => {
    p.staging.agent = 'staging-2';
    p.database.production = 'shop_db';
    p.assets = [{ staging: 'uploads', production: 'shop_uploads' }];
    p.dns.name = 'shop.example.com';
  });
  assert.equal(overlapOf(other, a), undefined);
  assert.equal(overlapOf(a, other), undefined);
  assert.match(overlapOf(planWith((p) => { p.staging.agent = 'staging-2'; p.assets = []; p.dns.name = 'shop.example.com'; }), a) ?? '', /database production_db on agent prod-1/);
  assert.match(overlapOf(planWith((p) => { p.staging.agent = 'staging-2'; p.database.production = 'x'; p.dns.name = 'shop.example.com'; }), a) ?? '', /asset root uploads/);
  assert.match(overlapOf(planWith((p) => { p.staging.agent = 'staging-2'; p.production.agent = 'prod-2'; p.dns.name = 'WWW.example.com.'; }), a) ?? '', /DNS record www\.example\.com A/);
  // The held cutover's production agent is this one's staging (a chain of moves): it is being written to.
  assert.match(overlapOf(planWith((p) => { p.staging.agent = 'prod-1'; p.production.agent = 'prod-2'; p.dns.name = 'shop.example.com'; }), a) ?? '', /agent prod-1/);
  assert.match(overlapOf(planWith((p) => { p.staging.agent = 'staging-2'; p.production.agent = 'staging-1'; p.dns.name = 'shop.example.com'; }), a) ?? '', /its staging/);
});

// A controller killed mid-step: simulated by leaving an engine's run hanging forever and
// opening the same state file in a new store and engine, as a restarted process would.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { FakeWorld, fakePlan, fakeRollback, fakeStep, fakeSteps, gate, newEngine, tempStore, until } from '../helpers/cutover-fakes.js';
import type { StepContext } from '../../controller/cutover/executor.js';

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

test('a controller stopped during a rollback finishes it by itself on restart, without repeating the parts done', async (t) => {
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
  world2.tablesSwapped = true;
  const second = newEngine(store2, { executors: fakeSteps(world2), rollback: fakeRollback(world2) });
  t.after(() => second.close());
  assert.equal(second.get(id).state, 'rollback_failed', 'a process that has not taken over (not listening yet) leaves it alone');
  second.resumeAfterRestart();
  // Straight after the restart the rollback is under way again; nobody had to ask.
  assert.equal(second.get(id).state, 'rolling_back');
  assert.equal(second.get(id).running, true);
  await second.idle(id);

  const done = second.get(id);
  assert.equal(done.state, 'rolled_back');
  assert.equal(done.error, null);
  assert.deepEqual(world2.calls, ['rollback:database', 'rollback:staging'], 'the DNS part already done is not repeated');
  assert.deepEqual(done.rollback!.parts.map((p) => [p.name, p.state, p.attempt]), [
    ['dns', 'done', 1],
    ['database', 'done', 2],
    ['staging', 'done', 1],
  ]);
  assert.deepEqual([world2.tablesSwapped, world2.stagingLocked], [false, false]);
  assert.equal(done.rollback!.attempt, 2);
  assert.equal(done.rollback!.reason, 'bad', 'the rollback keeps its reason and who asked');
  assert.equal(done.rollback!.requestedBy, 'alice');
  const cut = store2.events.after(id, 0).find((e) => e.type === 'rollback-finished' && e.data.state === 'failed');
  assert.match(String((cut?.data.error as { message: string }).message), /controller stopped during the rollback; it goes on by itself on restart/);
  assert.equal(store2.audit.forCutover(id).filter((a) => a.action === 'rollback').at(-1)!.tokenName, 'system:recovery');
});

/** Runs a cutover (until `runUntil`) until monitor watches, then "restarts" on the same file. */
async function killDuringMonitor(t: TestContext, runUntil: 'monitor' | 'fallback', monitor2: Parameters<typeof fakeStep>[2], opts: { graceful?: boolean } = {}) {
  const { store, file } = tempStore(t);
  const world = new FakeWorld();
  const never = gate();
  const first = newEngine(store, {
    executors: fakeSteps(world, {
      monitor: fakeStep(world, 'monitor', {
        run: (ctx) => {
          ctx.record.put('monitor', { watchedSeconds: 42 });
          return opts.graceful === true ? new Promise((r) => ctx.signal.addEventListener('abort', () => r({}))) : never.promise;
        },
      }),
    }),
  });
  const { id } = first.create(fakePlan(), 'alice');
  void first.advance(id, runUntil, 'alice');
  await until(() => store.steps.get(id, 'monitor')?.result !== null && store.steps.get(id, 'monitor')?.state === 'running');
  if (opts.graceful === true) {
    await first.close();
    assert.equal(store.cutovers.get(id)!.state, 'interrupted', 'a shutdown leaves the watch interrupted');
  }
  assert.equal(world.dnsValue, '203.0.113.20', 'DNS was switched to production');

  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const world2 = new FakeWorld();
  world2.stagingLocked = world.stagingLocked;
  world2.dnsValue = world.dnsValue;
  const second = newEngine(store2, { executors: fakeSteps(world2, { monitor: fakeStep(world2, 'monitor', monitor2) }), rollback: fakeRollback(world2) });
  t.after(() => second.close());
  assert.equal(second.get(id).state, 'interrupted', 'a process that has not taken over (not listening yet) leaves it alone');
  assert.equal(world2.count('monitor'), 0);
  second.resumeAfterRestart();
  return { id, second, world2, store2 };
}

test('a controller restarted while monitor watched production resumes the watch by itself, up to where the run was going', async (t) => {
  let previous: StepContext['previousAttempt'];
  const { id, second, store2 } = await killDuringMonitor(t, 'fallback', {
    run: (ctx) => {
      previous = ctx.previousAttempt;
      return { summary: 'watched the rest' };
    },
  });
  // Straight after the restart, before anyone asks: production is watched again.
  const view = second.get(id);
  assert.equal(view.state, 'running');
  assert.equal(view.running, true);
  const monitor = view.steps.find((s) => s.name === 'monitor')!;
  assert.equal(monitor.state, 'running');
  assert.equal(monitor.attempt, 2);
  const audit = store2.audit.forCutover(id).at(-1)!;
  assert.equal(audit.tokenName, 'system:recovery');
  assert.deepEqual([audit.action, audit.detail!.until, audit.detail!.from, audit.detail!.resumed], ['advance', 'fallback', 'monitor', true]);
  const note = store2.events.after(id, 0).find((e) => e.type === 'progress' && e.data.phase === 'resume');
  assert.match(String(note?.data.message), /restarted while monitor watched production after the DNS switch/);
  const interrupted = store2.events.after(id, 0).find((e) => e.type === 'step-finished' && e.data.state === 'interrupted');
  assert.match(String((interrupted?.data.error as { message: string }).message), /watch resumes on restart, or roll back with POST \/v1\/cutovers\/co_\w+\/rollback/);

  await second.idle(id);
  const done = second.get(id);
  assert.equal(done.state, 'fallback', 'the resumed run went on to the until the operator gave');
  assert.equal(previous?.state, 'interrupted');
  assert.deepEqual((previous?.result as { evidence: unknown }).evidence, { monitor: { watchedSeconds: 42 } }, 'the new attempt sees how much was watched');
});

test('a watch interrupted by a clean shutdown resumes too, and a rollback during it restores DNS and unlocks staging', async (t) => {
  const { id, second, world2 } = await killDuringMonitor(
    t,
    'monitor',
    { run: (ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r({}))) },
    { graceful: true },
  );
  await until(() => second.get(id).steps.find((s) => s.name === 'monitor')!.state === 'running' && world2.count('monitor') === 1);
  assert.equal(second.get(id).state, 'running');

  const back = await second.rollback(id, 'rolling back by hand during the resumed watch', 'alice').done;
  assert.equal(back.state, 'rolled_back');
  assert.equal(world2.dnsValue, '203.0.113.10', 'DNS back to the snapshot');
  assert.equal(world2.stagingLocked, false);
  assert.equal(back.steps.find((s) => s.name === 'monitor')!.state, 'interrupted');
});

test('a monitor resumed after a restart that finds 5xx rolls back automatically', async (t) => {
  const { id, second, world2 } = await killDuringMonitor(t, 'fallback', {
    run: () => ({ rollback: { reason: '5xx share 40% over maxErrorRate 2%' } }),
  });
  await second.idle(id);
  const done = second.get(id);
  assert.equal(done.state, 'rolled_back');
  assert.equal(done.rollback!.automatic, true);
  assert.equal(done.rollback!.requestedBy, 'system:monitor');
  assert.equal(world2.dnsValue, '203.0.113.10');
});

test('a second controller started by mistake on the same state file and port changes nothing of the running one', async (t) => {
  const { createServer } = await import('node:net');
  const { startController } = await import('../../controller/run.js');
  const { silentLogger } = await import('../../shared/logger.js');
  const { store, file } = tempStore(t);
  const world = new FakeWorld();
  const never = gate();
  const first = newEngine(store, { executors: fakeSteps(world, { sync: fakeStep(world, 'sync', { run: () => never.promise }) }) });
  const { id } = first.create(fakePlan(), 'alice');
  void first.advance(id, 'validate', 'alice');
  await until(() => store.steps.get(id, 'sync')?.state === 'running');

  // The port the first controller holds.
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const config = { listen: { host: '127.0.0.1', port }, stateFile: file, logLevel: 'silent' as const, insecure: false, agents: [], tokens: [], dnsProviders: {}, resolvers: [], agentTimeoutMs: 1000 };
  await assert.rejects(startController(config, { logger: silentLogger() }), /EADDRINUSE/);

  assert.equal(store.steps.get(id, 'sync')!.state, 'running', 'the running step is not marked interrupted');
  assert.equal(store.cutovers.get(id)!.runOwner, first.instanceId, 'the run lock stays with the running process');
  assert.equal(store.cutovers.get(id)!.state, 'running');
});

// The lock step and the rollback's unlock-staging part, through the engine, against a real staging
// agent (gRPC on 127.0.0.1; no database, so the freeze is its maintenance flag) that holds another
// freeze's record: each refusal names the owner and leaves that record as it was, and a record an
// agent older than owners made (it names no cutover) is kept, taken over or refused by whose lock
// this controller recorded. The other steps are fakes.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteFreezeStore, type FreezeState } from '../../agent/db/freeze.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { CutoverEngine } from '../../controller/cutover/machine.js';
import { parsePlan } from '../../controller/cutover/plan.js';
import { lockExecutor } from '../../controller/cutover/steps/lock.js';
import { unlockStagingPart } from '../../controller/cutover/steps/data-rollback.js';
import type { RollbackContext, StepContext } from '../../controller/cutover/executor.js';
import type { CutoverView } from '../../controller/cutover/view.js';
import { stagingLeftFrozen } from '../../shared/staging-left-frozen.js';
import { silentLogger } from '../../shared/logger.js';
import { FakeWorld, PLAN_CONTEXT, fakeSteps, planInput, stepContextFor, tempDir } from '../helpers/cutover-fakes.js';
import { startFlagFreezeAgent, testDirectory } from '../helpers/agent-server.js';

const FLAG = 'MAINT';

/** A staging agent with a maintenance flag and a state file the test reads (its freeze record), and engines for controllers of it. */
async function stagingAgent(t: TestContext) {
  const dir = tempDir(t, 'sy-take-over-');
  const flagFile = join(dir, '.maintenance');
  const { server, state } = await startFlagFreezeAgent(t, dir, { flagFile, content: FLAG });
  const agents = testDirectory(t, { insecure: true, agents: [{ name: 'staging-1', address: server.address }, { name: 'prod-1', address: server.address }] });
  const deps = { agents, logger: silentLogger() };
  // Staging's pages are recorded before the freeze: port 1 refuses at once instead of waiting out a timeout.
  const plan = parsePlan({ ...planInput(), staging: { agent: 'staging-1', origin: 'http://staging.example.test:1', ip: '127.0.0.1' } }, PLAN_CONTEXT);
  /** A controller of its own (state file) running the real lock and unlock-staging against this agent. */
  const controller = (name: string) => {
    const store = CutoverStore.open(join(dir, `${name}.sqlite`));
    const engine = new CutoverEngine({
      store,
      executors: { ...fakeSteps(new FakeWorld()), lock: lockExecutor(deps) },
      rollback: { parts: [unlockStagingPart(deps)] },
      logger: silentLogger(),
      progressIntervalMs: 0,
    });
    t.after(async () => {
      await engine.close();
      store.close();
    });
    return {
      store,
      engine,
      create: () => engine.create(plan, 'tester').id,
      advance: (id: string, until: string) => engine.advance(id, until, 'tester').done,
      rollback: (id: string) => engine.rollback(id, 'test rollback', 'tester').done,
      /**
       * The lock step on its own, past the engine's own checks (it holds a cutover back while
       * another of its cutovers holds staging's freeze): its last attempt is what the store holds.
       */
      lockStep: (id: string) => {
        const before = store.steps.get(id, 'lock')!;
        return lockExecutor(deps).run({ ...stepContextFor(plan, 'lock'), cutover: { id } as CutoverView, store, ...(before.attempt > 0 ? { previousAttempt: before } : {}) } as StepContext);
      },
      /** The rollback's unlock-staging part on its own, for a cutover whose lock step ran and failed. */
      unlockStep: async (id: string) =>
        (await unlockStagingPart(deps).run({
          cutover: { id } as CutoverView,
          plan,
          reason: 'test rollback',
          automatic: false,
          attempt: 1,
          step: (name) => (name === 'lock' ? { ...store.steps.get(id, 'lock')!, state: 'failed' } : store.steps.get(id, name)),
          emit: () => undefined,
          store,
          logger: silentLogger(),
          clock: { now: () => new Date() },
        } as RollbackContext))?.detail ?? {},
    };
  };
  const freeze = new SqliteFreezeStore(state.db);
  return {
    flagFile,
    freeze,
    record: (): FreezeState | undefined => freeze.get(),
    flag: (): string | undefined => (existsSync(flagFile) ? readFileSync(flagFile, 'utf8') : undefined),
    /** The record as an agent older than owners wrote it: no owner. */
    asOlderAgentMadeIt() {
      const { owner: _owner, ...older } = freeze.get()!;
      freeze.set(older);
    },
    controller,
  };
}

function step(view: CutoverView, name: string) {
  const s = view.steps.find((x) => x.name === name);
  assert.ok(s, `step ${name}`);
  return s;
}

/** A staging agent whose freeze cutover A, of the controller `ctl`, has taken in its lock. */
async function lockedByA(t: TestContext) {
  const staging = await stagingAgent(t);
  const ctl = staging.controller('controller');
  const a = ctl.create();
  assert.equal(step(await ctl.advance(a, 'lock'), 'lock').state, 'succeeded');
  return { staging, ctl, a };
}

/** As lockedByA, then the agent upgraded with A's freeze standing: `held` is its record as an agent older than owners made it. */
async function lockedByAOnOlderAgent(t: TestContext) {
  const locked = await lockedByA(t);
  locked.staging.asOlderAgentMadeIt();
  return { ...locked, held: locked.staging.record() };
}

/** A lock's refusal of another's freeze: a conflict naming its owner and when it was taken, said as `message`. */
const lockConflict = (owner: string, lockedAt: string, message: RegExp) => (err: { code?: string; message?: string; details?: unknown } | null | undefined) => {
  assert.equal(err?.code, 'SY_CONFLICT');
  assert.deepEqual(err?.details, { owner, lockedAt });
  assert.match(String(err?.message), message);
  return true;
};

/** Runs cutover `id` to its lock, which must fail with the error `refused` checks. */
async function assertLockFails(ctl: ReturnType<Awaited<ReturnType<typeof stagingAgent>>['controller']>, id: string, refused: ReturnType<typeof lockConflict>): Promise<void> {
  const lock = step(await ctl.advance(id, 'lock'), 'lock');
  assert.equal(lock.state, 'failed', JSON.stringify(lock));
  refused(lock.error);
}

function unlockPart(view: CutoverView): Record<string, unknown> {
  const part = view.rollback?.parts.find((p) => p.name === 'unlock-staging');
  assert.ok(part, JSON.stringify(view.rollback));
  assert.equal(part.state, 'done', JSON.stringify(part));
  return part.detail as Record<string, unknown>;
}

test("the lock of a cutover that finds staging frozen by another of this controller's cutovers, not over, is refused naming it, the agent's record untouched; the unlock of the refused one leaves it", async (t) => {
  const { staging, ctl, a } = await lockedByA(t);
  const held = staging.record();
  assert.equal(held?.owner, a);

  const b = ctl.create();
  await assert.rejects(ctl.lockStep(b), lockConflict(a, held!.lockedAt, new RegExp(`frozen by cutover ${a}.*cutover ${a} is \\w+, not over: roll it back or release it first`)));
  assert.deepEqual(staging.record(), held, "A's record is untouched");
  assert.equal(staging.flag(), FLAG);
  assert.equal((await ctl.unlockStep(b)).heldBy, a);
  assert.equal(staging.flag(), FLAG, "B's unlock leaves A's freeze");
  assert.deepEqual(staging.record(), held);

  // A's own rollback finds its record as it made it: staging had no flag.
  assert.equal((await ctl.rollback(a)).state, 'rolled_back');
  assert.equal(staging.flag(), undefined);
  assert.equal(staging.record(), undefined);
});

test("a finished cutover's id on a freeze its lock did not record (another controller's cutover of the same id) is not taken over: refused naming it, the record untouched", async (t) => {
  const staging = await stagingAgent(t);
  const ctl = staging.controller('controller');
  const a = ctl.create();
  assert.equal((await ctl.advance(a, 'fallback')).state, 'fallback');
  assert.equal(ctl.engine.release(a, 'tester').state, 'completed');
  await ctl.engine.idle(a);
  // The agent's record names A but another freeze: taken at another time than A's lock recorded.
  const recorded = staging.record()!.lockedAt;
  const other = '2030-06-01T00:00:00.000Z';
  staging.freeze.set({ ...staging.record()!, lockedAt: other });
  const held = staging.record();

  const b = ctl.create();
  await assertLockFails(ctl, b, lockConflict(a, other, new RegExp(`frozen by cutover ${a}.*cutover ${a}'s lock recorded a freeze taken at ${recorded}, and the agent's was taken at ${other}: another controller's cutover of the same id\\?`)));
  assert.deepEqual(staging.record(), held, 'the record is untouched');
  assert.equal(staging.flag(), FLAG);
});

test('a freeze recorded by an agent older than owners: another cutover is refused naming the one whose lock it was, and once that cutover is released the next one takes it over', async (t) => {
  const { staging, ctl, a, held } = await lockedByAOnOlderAgent(t);
  assert.equal(held?.owner, undefined);

  // B, while A is not over: refused naming A; before, B kept A's record as its own, and its
  // rollback put staging back as A found it (the flag down) under A's feet.
  const b = ctl.create();
  await assert.rejects(ctl.lockStep(b), lockConflict(a, held!.lockedAt, new RegExp(`names no cutover.*cutover ${a} recorded that lock: cutover ${a} is \\w+, not over`)));
  assert.deepEqual(staging.record(), held, 'the record is untouched');
  const bUnlock = await ctl.unlockStep(b);
  assert.deepEqual([bUnlock.wasLocked, bUnlock.heldBy, bUnlock.heldLockedAt], [false, a, held!.lockedAt], JSON.stringify(bUnlock));
  assert.equal(staging.flag(), FLAG, "B's unlock leaves A's freeze");
  assert.deepEqual(staging.record(), held);

  // A goes on to its fallback window and is released; C takes the standing freeze over.
  assert.equal((await ctl.advance(a, 'fallback')).state, 'fallback');
  assert.equal(ctl.engine.release(a, 'tester').state, 'completed');
  await ctl.engine.idle(a);
  const c = ctl.create();
  const cLock = step(await ctl.advance(c, 'lock'), 'lock');
  assert.equal(cLock.state, 'succeeded', JSON.stringify(cLock));
  assert.equal((cLock.result?.evidence as Record<string, unknown>).tookOverFrom, a);
  assert.match(String(cLock.summary), new RegExp(`still frozen by cutover ${a}, which is over`));
  assert.deepEqual([staging.record()?.owner, staging.record()?.frozenSince], [c, held!.lockedAt]);
  assert.equal((await ctl.rollback(c)).state, 'rolled_back');
  assert.equal(staging.flag(), FLAG, "C's rollback leaves staging frozen, as it found it");
});

test('a freeze recorded by an agent older than owners: the lock of the cutover that took it, run again, keeps it as that cutover\'s', async (t) => {
  const { staging, ctl, a, held } = await lockedByAOnOlderAgent(t);

  // As a forced re-run: its last attempt recorded that very freeze.
  const again = await ctl.lockStep(a);
  assert.match(String(again.summary), /already locked and kept its first record/);
  assert.equal((again.evidence as Record<string, unknown>).tookOverFrom, undefined);
  assert.deepEqual(staging.record(), { ...held, owner: a });
  assert.equal((await ctl.rollback(a)).state, 'rolled_back');
  assert.equal(staging.flag(), undefined, 'its rollback puts staging back as its lock found it');
});

test("a freeze recorded by an agent older than owners: the cutover mid-freeze rolls back as before; another controller's cutover is refused and its rollback leaves the freeze", async (t) => {
  const { staging, ctl, a, held } = await lockedByAOnOlderAgent(t);

  const other = staging.controller('second-controller');
  const c = other.create();
  await assertLockFails(other, c, lockConflict('', held!.lockedAt, new RegExp(`no cutover of this controller recorded a lock taken at ${held!.lockedAt} on agent staging-1: it is another controller's`)));
  assert.deepEqual(staging.record(), held, 'the record is untouched');
  const cRolled = await other.rollback(c);
  assert.equal(cRolled.state, 'rolled_back', JSON.stringify(cRolled.error));
  const cUnlock = unlockPart(cRolled);
  assert.deepEqual([cUnlock.heldBy, cUnlock.heldLockedAt], [undefined, held!.lockedAt], JSON.stringify(cUnlock));
  assert.match(String(stagingLeftFrozen(cRolled.rollback?.parts)), new RegExp(`staging left frozen: the freeze is a lock taken at ${held!.lockedAt}, not this cutover's`));
  assert.equal(staging.flag(), FLAG, "another controller's rollback leaves the freeze");
  assert.deepEqual(staging.record(), held);

  // A's rollback: its controller's copy names that freeze, so staging is put back as A found it.
  const aRolled = await ctl.rollback(a);
  assert.equal(aRolled.state, 'rolled_back', JSON.stringify(aRolled.error));
  assert.equal(unlockPart(aRolled).wasLocked, true);
  assert.equal(staging.flag(), undefined);
  assert.equal(staging.record(), undefined);
});

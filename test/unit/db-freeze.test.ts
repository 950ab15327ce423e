// The freeze of an agent without a database (an assets-only site): its maintenance flag alone,
// recorded and restored exactly; a recorded database freeze is never silently dropped.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockWrites, MemoryFreezeStore, unlockWrites } from '../../agent/db/freeze.js';

/** A temp dir for the maintenance flag, removed after the test. */
function flagDir(t: TestContext): { dir: string; flagFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sy-freeze-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, flagFile: join(dir, '.maintenance') };
}

test('without a database, lock sets the flag (keeping what was there) and unlock puts it back', async (t) => {
  const { dir, flagFile } = flagDir(t);
  const store = new MemoryFreezeStore();
  // No flag before: the lock writes it, a second lock keeps the first record, unlock removes it.
  const first = await lockWrites(undefined, { flagFile, content: 'down' }, store);
  assert.deepEqual([first.alreadyLocked, first.prior.noDatabase, first.prior.flagFileExisted], [false, true, false]);
  assert.equal(readFileSync(flagFile, 'utf8'), 'down');
  assert.equal((await lockWrites(undefined, { flagFile, content: 'down' }, store)).alreadyLocked, true);
  const undone = await unlockWrites(undefined, store);
  assert.equal(undone.wasLocked, true);
  assert.equal(existsSync(flagFile), false);
  assert.equal((await unlockWrites(undefined, store)).wasLocked, false, 'a second unlock has nothing to undo');
  // A flag the site already had comes back byte for byte.
  writeFileSync(flagFile, 'site own', { mode: 0o600 });
  chmodSync(flagFile, 0o600);
  await lockWrites(undefined, { flagFile, content: 'down' }, store);
  await unlockWrites(undefined, store);
  assert.equal(readFileSync(flagFile, 'utf8'), 'site own');
  assert.equal(statSync(flagFile).mode & 0o777, 0o600, 'and its mode');
});

test('a recorded freeze that set read_only is not dropped by an agent that has no database now', async () => {
  const store = new MemoryFreezeStore();
  store.set({ readOnly: false, superReadOnly: '', flagFile: '', flagFileExisted: false, flagFileContent: Buffer.alloc(0), lockedAt: '2026-11-26T00:00:00Z' });
  await assert.rejects(unlockWrites(undefined, store), (err: Error & { code?: string }) => err.code === 'SY_PRECONDITION' && /read_only .*database/.test(err.message));
  assert.notEqual(store.get(), undefined, 'the record stays for a later unlock');
});

test('a freeze recorded without a database is not extended to one configured since', async () => {
  const store = new MemoryFreezeStore();
  await lockWrites(undefined, undefined, store);
  // No server is reached: the refusal comes first.
  await assert.rejects(lockWrites({ host: '127.0.0.9', port: 1, user: 'x' }, undefined, store), (err: Error & { code?: string }) => err.code === 'SY_PRECONDITION' && /unlock first/.test(err.message));
  assert.equal((await unlockWrites(undefined, store)).wasLocked, true);
});

test('a lock for the flag alone does not take over a recorded database freeze', async (t) => {
  const { dir, flagFile } = flagDir(t);
  const store = new MemoryFreezeStore();
  const recorded = { readOnly: false, superReadOnly: '', flagFile, flagFileExisted: false, flagFileContent: Buffer.alloc(0), lockedAt: '2026-11-26T00:00:00Z' };
  store.set(recorded);
  // No server is reached: the refusal comes first, before the flag is written.
  await assert.rejects(lockWrites({ host: '127.0.0.9', port: 1, user: 'x' }, { flagFile, content: 'down' }, store, { flagOnly: true }), (err: Error & { code?: string }) => err.code === 'SY_PRECONDITION' && /read_only .*flag alone/.test(err.message));
  assert.equal(existsSync(flagFile), false);
  assert.deepEqual(store.get(), recorded);
});

test('a lock for the flag alone on an agent with a database records no database, and unlock never reaches the server', async (t) => {
  const { dir, flagFile } = flagDir(t);
  const store = new MemoryFreezeStore();
  // 127.0.0.9:1 answers nothing: any attempt to reach the server would fail these calls.
  const target = { host: '127.0.0.9', port: 1, user: 'x' };
  const locked = await lockWrites(target, { flagFile, content: 'down' }, store, { flagOnly: true });
  assert.equal(locked.prior.noDatabase, true);
  assert.equal(readFileSync(flagFile, 'utf8'), 'down');
  const undone = await unlockWrites(target, store);
  assert.equal(undone.wasLocked, true);
  assert.equal(existsSync(flagFile), false);
});

test('without a database, a cutover after a finished one records the flag as up and its unlock leaves it up; an unvouched one is refused', async (t) => {
  const { dir, flagFile } = flagDir(t);
  const m = { flagFile, content: 'down' };
  const store = new MemoryFreezeStore();
  const a = await lockWrites(undefined, m, store, { cutoverId: 'co_A' });
  assert.equal(a.prior.flagFileExisted, false);
  // A failed take-over (its flag cannot be written: the directory is gone) leaves A's record.
  await assert.rejects(lockWrites(undefined, { flagFile: join(dir, 'gone', '.maintenance'), content: 'down' }, store, { cutoverId: 'co_B', finishedLock: a.prior.lockedAt }), (err: Error & { code?: string }) => err.code === 'SY_CONFIG_INVALID');
  assert.deepEqual([store.get()?.owner, store.get()?.lockedAt], ['co_A', a.prior.lockedAt]);
  await assert.rejects(lockWrites(undefined, m, store, { cutoverId: 'co_B' }), (err: Error & { code?: string; details?: Record<string, unknown> }) => err.code === 'SY_PRECONDITION' && err.details?.owner === 'co_A');
  const b = await lockWrites(undefined, m, store, { cutoverId: 'co_B', finishedLock: a.prior.lockedAt });
  assert.deepEqual([b.tookOverFrom, b.prior.noDatabase, b.prior.flagFileExisted, b.prior.flagFileContent.toString()], ['co_A', true, true, 'down']);
  assert.equal((await unlockWrites(undefined, store, a.prior, 'co_A')).heldBy, 'co_B', "A's unlock no longer owns it");
  assert.equal(existsSync(flagFile), true);
  assert.equal((await unlockWrites(undefined, store, b.prior, 'co_B')).wasLocked, true);
  assert.equal(readFileSync(flagFile, 'utf8'), 'down', 'the flag stays up, as B found it');
});

test('a lock taking over a finished cutover\'s standing freeze keeps when staging was frozen (frozenSince), not the take-over time; one that finds the flag down starts anew', async (t) => {
  const { dir, flagFile } = flagDir(t);
  const m = { flagFile, content: 'down' };
  const store = new MemoryFreezeStore();
  const later = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
  const a = await lockWrites(undefined, m, store, { cutoverId: 'co_A' });
  assert.equal(store.get()?.frozenSince, undefined, 'a freeze of its own: lockedAt says when');
  await later();
  const b = await lockWrites(undefined, m, store, { cutoverId: 'co_B', finishedLock: a.prior.lockedAt });
  assert.equal(b.tookOverFrom, 'co_A');
  assert.notEqual(b.prior.lockedAt, a.prior.lockedAt, 'lockedAt still names this record');
  assert.equal(store.get()?.frozenSince, a.prior.lockedAt, 'staging has been frozen since A locked it');
  // A take-over of a take-over goes back to the first freeze.
  await later();
  const c = await lockWrites(undefined, m, store, { cutoverId: 'co_C', finishedLock: b.prior.lockedAt });
  assert.equal(c.tookOverFrom, 'co_B');
  assert.equal(store.get()?.frozenSince, a.prior.lockedAt);
  // The flag taken down meanwhile: the freeze begins with this lock.
  rmSync(flagFile);
  await later();
  const d = await lockWrites(undefined, m, store, { cutoverId: 'co_D', finishedLock: c.prior.lockedAt });
  assert.equal(d.tookOverFrom, 'co_C');
  assert.equal(store.get()?.frozenSince, undefined);
  assert.equal(store.get()?.lockedAt, d.prior.lockedAt);
});

test('a record that names no cutover (an agent older than owners made it) is kept only by the lock that vouches for it, taken over only when vouched over, and restored only by an unlock whose copy names it', async (t) => {
  const { flagFile } = flagDir(t);
  const m = { flagFile, content: 'down' };
  const store = new MemoryFreezeStore();
  // As the agent left it before the upgrade: the lock of a cutover it did not name.
  const older = await lockWrites(undefined, m, store);
  assert.equal(store.get()?.owner, undefined);
  const before = store.get();
  const refusal = (err: Error & { code?: string; field?: string; details?: Record<string, unknown> }) =>
    err.code === 'SY_PRECONDITION' && err.field === 'cutover_id' && err.details?.owner === '' && err.details?.lockedAt === older.prior.lockedAt && /names no cutover/.test(err.message);
  await assert.rejects(lockWrites(undefined, m, store, { cutoverId: 'co_B' }), refusal);
  await assert.rejects(lockWrites(undefined, m, store, { cutoverId: 'co_B', ownLock: '2000-01-01T00:00:00.000Z' }), refusal, 'vouched for another freeze');
  assert.deepEqual(store.get(), before, 'the record is untouched');

  // An unlock from a cutover with no copy of that freeze (its lock was refused) restores nothing.
  const refused = await unlockWrites(undefined, store, undefined, 'co_B');
  assert.deepEqual([refused.wasLocked, refused.heldBy, refused.heldLockedAt, refused.restored], [false, undefined, older.prior.lockedAt, undefined]);
  assert.equal(readFileSync(flagFile, 'utf8'), 'down');
  assert.deepEqual(store.get(), before);

  // The cutover whose lock it was (its controller's copy names that lockedAt) keeps it as its own.
  const own = await lockWrites(undefined, m, store, { cutoverId: 'co_A', ownLock: older.prior.lockedAt });
  assert.deepEqual([own.alreadyLocked, own.prior.lockedAt, own.tookOverFrom, store.get()?.owner], [true, older.prior.lockedAt, undefined, 'co_A']);
  assert.equal((await unlockWrites(undefined, store, undefined, 'co_B')).heldBy, 'co_A', 'owned now: named as such');

  // Taken over once vouched over: staging as found (flag up), and that cutover's unlock leaves it so.
  store.set(before!);
  const taken = await lockWrites(undefined, m, store, { cutoverId: 'co_C', finishedLock: older.prior.lockedAt });
  assert.deepEqual([taken.tookOverFrom, taken.prior.flagFileExisted, store.get()?.owner, store.get()?.frozenSince], ['', true, 'co_C', older.prior.lockedAt]);
  assert.equal((await unlockWrites(undefined, store, taken.prior, 'co_C')).wasLocked, true);
  assert.equal(readFileSync(flagFile, 'utf8'), 'down', 'the flag stays up, as C found it');

  // A cutover mid-freeze when the agent was upgraded rolls back with its controller's copy.
  rmSync(flagFile);
  const mid = await lockWrites(undefined, m, store);
  const undone = await unlockWrites(undefined, store, mid.prior, 'co_D');
  assert.deepEqual([undone.wasLocked, undone.heldLockedAt], [true, undefined]);
  assert.equal(existsSync(flagFile), false, 'the flag it put up comes down');

  // A controller older than cutover_id is served as before, whoever's record it is.
  await lockWrites(undefined, m, store, { cutoverId: 'co_E' });
  assert.equal((await lockWrites(undefined, m, store)).alreadyLocked, true);
  assert.equal((await unlockWrites(undefined, store)).wasLocked, true);
  assert.equal(existsSync(flagFile), false);
});

// The write freeze against a real server when something goes wrong: a lock that cannot set
// read_only leaves staging as it was (no maintenance page left up, nothing recorded), two locks
// at once record what staging had before either, and a flag file that cannot be written is named.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMariaDb } from '../helpers/mariadb.js';
import { lockWrites, MemoryFreezeStore, unlockWrites } from '../../agent/db/freeze.js';
import type { DbTarget } from '../../agent/db/connect.js';

/** A staging MariaDB on 127.0.0.2, a temp dir for the maintenance flag, and a reader of read_only. */
async function freezeStaging(t: TestContext, prefix: string) {
  const db = await withMariaDb(t, { host: '127.0.0.2', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flagFile = join(dir, '.maintenance');
  const readOnly = async () => Number(((await root.query('SELECT @@GLOBAL.read_only AS v')) as unknown as [[{ v: number }]])[0][0].v);
  const admin: DbTarget = { host: db.host, port: db.port, user: db.admin.user, password: db.admin.password };
  return { db, root, dir, flagFile, readOnly, admin };
}

test('write freeze: a lock that fails undoes itself, concurrent locks keep the true prior state, a bad flag path is named', async (t) => {
  const { db, root, dir, flagFile, readOnly, admin } = await freezeStaging(t, 'sy-freeze-');

  // An agent user without READ_ONLY ADMIN: the lock fails, and leaves no flag and no record.
  await root.query("CREATE USER 'weak'@'%' IDENTIFIED BY 'weakpw'");
  await root.query("GRANT SELECT, PROCESS, RELOAD ON *.* TO 'weak'@'%'");
  const weak: DbTarget = { host: db.host, port: db.port, user: 'weak', password: 'weakpw' };
  const store = new MemoryFreezeStore();
  await assert.rejects(lockWrites(weak, { flagFile, content: 'MAINT' }, store), (err: Error & { code?: string }) => err.code === 'SY_DB' && /READ_ONLY ADMIN|SUPER|denied/i.test(err.message));
  assert.equal(existsSync(flagFile), false, 'no maintenance page left up');
  assert.equal(store.get(), undefined, 'no freeze recorded');
  assert.equal(await readOnly(), 0);
  assert.equal((await unlockWrites(weak, store)).wasLocked, false);

  // Unlock sets only what differs: with read_only already as it was, a user without the
  // privilege still takes the maintenance flag down.
  await lockWrites(admin, { flagFile, content: 'MAINT' }, store);
  await root.query('SET GLOBAL read_only = OFF');
  assert.equal((await unlockWrites(weak, store)).wasLocked, true);
  assert.equal(existsSync(flagFile), false);

  // Two locks at once: the second must not record the first one's flag as staging's own.
  for (let i = 0; i < 5; i++) {
    await Promise.all([lockWrites(admin, { flagFile, content: 'MAINT' }, store), lockWrites(admin, { flagFile, content: 'MAINT' }, store)]);
    assert.equal(store.get()!.flagFileExisted, false);
    await unlockWrites(admin, store);
    assert.equal(existsSync(flagFile), false, 'unlock took the flag down');
    assert.equal(await readOnly(), 0);
  }

  // A repeated unlock carrying the controller's copy of a freeze already undone changes nothing,
  // not even what was set by hand since; an agent that lost its record still uses that copy.
  const { prior } = await lockWrites(admin, { flagFile, content: 'MAINT' }, store);
  assert.equal((await unlockWrites(admin, store, prior)).wasLocked, true);
  await root.query('SET GLOBAL read_only = ON');
  writeFileSync(flagFile, 'by hand');
  assert.equal((await unlockWrites(admin, store, prior)).wasLocked, false);
  assert.equal(await readOnly(), 1, 'read_only set by hand stays');
  assert.equal(readFileSync(flagFile, 'utf8'), 'by hand');
  const lost = new MemoryFreezeStore();
  assert.equal((await unlockWrites(admin, lost, prior)).wasLocked, true, "an agent without its record restores the controller's copy");
  assert.equal(await readOnly(), 0);
  assert.equal(existsSync(flagFile), false);

  // A flag file in a directory that does not exist: named, and nothing left locked.
  const missing = join(dir, 'no-such-dir', '.maintenance');
  await assert.rejects(lockWrites(admin, { flagFile: missing, content: 'MAINT' }, store), (err: Error & { code?: string; field?: string }) => err.code === 'SY_CONFIG_INVALID' && err.field === 'maintenance.flagFile' && err.message.includes(missing));
  assert.equal(store.get(), undefined);
  assert.equal(await readOnly(), 0);
});

test("write freeze ownership: a cutover locking a staging a finished one left frozen records it frozen, its unlock leaves it so, and another cutover's unlock restores nothing", async (t) => {
  const { root, flagFile, readOnly, admin } = await freezeStaging(t, 'sy-freeze-owner-');
  const m = { flagFile, content: 'MAINT' };
  const store = new MemoryFreezeStore();

  // Cutover A locks a live staging and is released: staging stays frozen, A's record (OFF) stays.
  const a = await lockWrites(admin, m, store, { cutoverId: 'co_A' });
  assert.equal(a.prior.readOnly, false);
  assert.equal(a.prior.flagFileExisted, false);
  assert.equal((await lockWrites(admin, m, store, { cutoverId: 'co_A' })).alreadyLocked, true, "A's forced re-run keeps its first record");

  // B, unvouched: refused, naming A; nothing changes.
  await assert.rejects(lockWrites(admin, m, store, { cutoverId: 'co_B' }), (err: Error & { code?: string; details?: Record<string, unknown> }) =>
    err.code === 'SY_PRECONDITION' && err.details?.owner === 'co_A' && err.details?.lockedAt === a.prior.lockedAt && /frozen by cutover co_A/.test(err.message));
  assert.equal(store.get()!.owner, 'co_A');
  // Vouched with another freeze's lockedAt (not the one held): refused all the same.
  await assert.rejects(lockWrites(admin, m, store, { cutoverId: 'co_B', finishedLock: '2000-01-01T00:00:00.000Z' }), /frozen by cutover co_A/);

  // B vouched: staging as B found it is frozen.
  const b = await lockWrites(admin, m, store, { cutoverId: 'co_B', finishedLock: a.prior.lockedAt });
  assert.equal(b.alreadyLocked, false);
  assert.equal(b.tookOverFrom, 'co_A');
  assert.equal(b.prior.readOnly, true, 'B found read_only ON');
  assert.equal(b.prior.flagFileExisted, true, 'B found the maintenance flag up');
  // Frozen since A's lock, not since B's take-over (what a snapshot's frozen_since reports).
  assert.deepEqual([store.get()!.lockedAt, store.get()!.frozenSince], [b.prior.lockedAt, a.prior.lockedAt]);

  // An unlock by a cutover that does not own the freeze (A, or another controller's C) restores
  // nothing, not even with its own copy of its record.
  const other = await unlockWrites(admin, store, a.prior, 'co_C');
  assert.deepEqual([other.wasLocked, other.heldBy, other.restored], [false, 'co_B', undefined]);
  assert.equal(await readOnly(), 1);
  assert.equal(existsSync(flagFile), true);

  // B's rollback: staging exactly as B's lock found it — frozen and flagged.
  const undone = await unlockWrites(admin, store, b.prior, 'co_B');
  assert.equal(undone.wasLocked, true);
  assert.equal(await readOnly(), 1, 'staging stays read_only as B found it');
  assert.equal(readFileSync(flagFile, 'utf8'), 'MAINT', 'the maintenance flag stays up');
  assert.equal(store.get(), undefined);

  // A caller without a cutover id (an older controller) is served as before: the held record is
  // kept and restored whoever made it.
  await root.query('SET GLOBAL read_only = OFF');
  rmSync(flagFile);
  await lockWrites(admin, m, store, { cutoverId: 'co_D' });
  assert.equal((await lockWrites(admin, m, store)).alreadyLocked, true);
  assert.equal((await unlockWrites(admin, store)).wasLocked, true);
  assert.equal(await readOnly(), 0);
  assert.equal(existsSync(flagFile), false);
});

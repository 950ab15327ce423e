// Sync locks the tables it will most likely repair while staging's sums stream in (repair-lock.ts):
// on a real server, the lock keeps other writers out, its transaction — and so the repair's
// UPDATE_TIME stamp — begins with the lock, and the triggers it dropped come back when it is let
// go unused.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { withMariaDb } from '../helpers/mariadb.js';
import { connect, rows, type DbTarget } from '../../agent/db/connect.js';
import { inspectSchema } from '../../agent/db/inspect.js';
import { EarlyLocks, lockForRepair, REPAIR_LOCK_WAIT_SECONDS, repairSession, unlockRepair } from '../../agent/db/repair-lock.js';
import { readStamps, serverSecond, waitPast } from '../../agent/db/update-guard.js';
import { createLogger } from '../../shared/logger.js';

const logger = createLogger({ level: 'silent' });

async function triggersOn(c: Connection, table: string): Promise<string[]> {
  return (await rows<{ n: string }>(c, "SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = 'shop' AND EVENT_OBJECT_TABLE = ? ORDER BY n", [table])).map((r) => String(r.n));
}

/** A production server of its own with a `shop` schema, its admin target, and one admin connection closed after the test. */
async function shopServer(t: TestContext): Promise<{ target: DbTarget; conn: Connection }> {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const target = { host: db.host, port: db.port, user: db.admin.user, password: db.admin.password };
  const conn = await connect(target);
  t.after(() => conn.end());
  return { target, conn };
}

test('an early repair lock keeps writers out, starts the transaction the repair is stamped with, and puts back the triggers it dropped', async (t) => {
  const { target, conn: other } = await shopServer(t);
  await other.query('CREATE TABLE shop.o (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB');
  await other.query('CREATE TABLE shop.o_log (id INT AUTO_INCREMENT PRIMARY KEY, o_id INT) ENGINE=InnoDB');
  await other.query('CREATE TRIGGER shop.o_ins AFTER INSERT ON shop.o FOR EACH ROW INSERT INTO shop.o_log (o_id) VALUES (NEW.id)');
  await other.query("INSERT INTO shop.o VALUES (1, 'a'), (2, 'b')");
  const info = await inspectSchema(other, 'shop');
  const triggers = info.objects.filter((o) => o.kind === 'TRIGGER');
  const before = await rows<Record<string, unknown>>(other, 'SHOW CREATE TRIGGER shop.o_ins');

  // Let go unused: the trigger is back as it was, and writes go through again and fire it.
  const unused = EarlyLocks.start(target, 'shop', ['o'], triggers, logger);
  assert.ok((await unused.get('o')) !== undefined, 'locked');
  assert.deepEqual(await triggersOn(other, 'o'), [], 'its trigger dropped while the lock is held');
  assert.deepEqual(unused.droppedTriggers('o'), ['o_ins']);
  await other.query('SET SESSION lock_wait_timeout = 1');
  await assert.rejects(other.query("INSERT INTO shop.o VALUES (3, 'c')"), /Lock wait timeout/, 'another writer waits for the lock');
  await unused.release();
  assert.deepEqual(await triggersOn(other, 'o'), ['o_ins']);
  const after = await rows<Record<string, unknown>>(other, 'SHOW CREATE TRIGGER shop.o_ins');
  assert.equal(after[0]!['SQL Original Statement'], before[0]!['SQL Original Statement']);
  assert.equal(after[0]!.sql_mode, before[0]!.sql_mode);
  await other.query("INSERT INTO shop.o VALUES (3, 'c')");
  assert.equal((await rows<{ n: string }>(other, 'SELECT COUNT(*) AS n FROM shop.o_log WHERE o_id = 3'))[0]!.n, '1', 'the trigger fires again');

  // Taken for a repair: the rows written a second or more later carry the lock's second.
  const early = EarlyLocks.start(target, 'shop', ['o'], triggers, logger);
  const c = await early.take('o');
  assert.ok(c !== undefined);
  const lockedIn = await serverSecond(other);
  await waitPast(other, lockedIn);
  await c.query('DELETE FROM shop.o WHERE id = 2');
  await c.query("INSERT INTO shop.o VALUES (2, 'B')");
  await c.query('COMMIT');
  const repairedIn = await serverSecond(other);
  const stamp = (await readStamps(other, 'shop')).get('o')!.update;
  assert.ok(stamp !== null && stamp <= lockedIn && stamp < repairedIn, `stamped ${stamp}: the lock's second ${lockedIn}, not the repair's ${repairedIn}`);
  assert.equal((await rows<{ n: string }>(other, 'SELECT COUNT(*) AS n FROM shop.o_log WHERE o_id = 2'))[0]!.n, '1', 'the repair did not fire the dropped trigger');
  await unlockRepair(c);
  await c.end();
  await early.release();
  assert.deepEqual(await triggersOn(other, 'o'), [], 'taken: the caller puts the triggers back, not the release');
});

test("a repair's lock attempt waits briefly and no longer than lockWaitSeconds, and the connection goes on under lockWaitSeconds", async (t) => {
  const { target: base, conn: holder } = await shopServer(t);
  await holder.query('CREATE TABLE shop.o (id INT PRIMARY KEY) ENGINE=InnoDB');
  // A backup tool's read lock on production: no writer gets the table while it holds.
  await holder.query('LOCK TABLES shop.o READ');
  const timeout = async (c: Connection) => Number((await rows<{ w: string }>(c, 'SELECT @@SESSION.lock_wait_timeout AS w'))[0]!.w);

  for (const lockWaitSeconds of [30, 2]) {
    const target = { ...base, lockWaitSeconds };
    const c = await repairSession(target, 'shop');
    try {
      const started = Date.now();
      assert.equal(await lockForRepair(c, target, 'shop', 'o', logger), false, 'the table is held: the repair goes on unlocked');
      const waited = (Date.now() - started) / 1000;
      const expect = Math.min(REPAIR_LOCK_WAIT_SECONDS, lockWaitSeconds);
      assert.ok(waited >= expect - 0.5 && waited < expect + 2.5, `gave up after ${waited.toFixed(1)} s, expected about ${expect} s`);
      // What runs next on this connection (an unlocked repair's DELETE, a trigger put back, the
      // next table) waits as long as the operator configured, not the attempt's few seconds.
      assert.equal(await timeout(c), lockWaitSeconds);
    } finally {
      await c.end();
    }
  }

  // Locked: the same, and the lock is really held.
  await holder.query('UNLOCK TABLES');
  const target = { ...base, lockWaitSeconds: 40 };
  const c = await repairSession(target, 'shop');
  t.after(() => c.end());
  assert.equal(await lockForRepair(c, target, 'shop', 'o', logger), true);
  assert.equal(await timeout(c), 40);
  await holder.query('SET SESSION lock_wait_timeout = 1');
  await assert.rejects(holder.query('INSERT INTO shop.o VALUES (1)'), /Lock wait timeout/);
  await unlockRepair(c);
  await holder.query('INSERT INTO shop.o VALUES (1)');
});

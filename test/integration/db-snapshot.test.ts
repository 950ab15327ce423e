// The staging snapshot's parallel readers share one view (snapshot.ts), lined up while staging is
// live: on a real server, that must not hold up the site's writes behind a long-running statement,
// and every reader must still see the same rows while the site keeps writing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Connection } from 'mysql2/promise';
import { withMariaDb } from '../helpers/mariadb.js';
import { openSnapshot } from '../../agent/db/snapshot.js';
import { connect } from '../../agent/db/connect.js';
import { inspectSchema } from '../../agent/db/inspect.js';
import { createLogger } from '../../shared/logger.js';

const logger = createLogger({ level: 'silent' });

type Db = Awaited<ReturnType<typeof withMariaDb>>;

/** The site's own user, as the shop writes with it. */
const siteConnection = (db: Db) => createConnection({ host: db.host, port: db.port, user: db.site.user, password: db.site.password, database: 'shop' });

/** The shop taking orders one after another until stopped; stop() gives each INSERT's milliseconds. */
function takeOrders(shop: Connection, pauseMs: number): { stop(): Promise<number[]> } {
  let open = true;
  const latencies: number[] = [];
  const loop = (async () => {
    while (open) {
      const t0 = Date.now();
      await shop.query('INSERT INTO orders (total) VALUES (1)');
      latencies.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop() {
      open = false;
      await loop;
      return latencies;
    },
  };
}

const countOrders = async (c: Connection): Promise<number> => Number(((await c.query({ sql: 'SELECT COUNT(*) FROM shop.orders', rowsAsArray: true }))[0] as unknown[][])[0]![0]);

/** Staging's server with the shop's orders table, and a root connection for set-up and checks. */
async function shopServer(t: TestContext): Promise<{ db: Db; root: Connection }> {
  const db = await withMariaDb(t, { host: '127.0.0.2', databases: ['shop'] });
  const root = await db.rootConnection('shop');
  t.after(() => root.end());
  await root.query('CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, total INT) ENGINE=InnoDB');
  return { db, root };
}

/** The staging agent's own user. */
const adminTarget = (db: Db) => ({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password });

/** A cron job's slow statement that writes, still running when the presync starts; resolves when it ends. */
async function slowCronUpdate(t: TestContext, db: Db, seconds: number): Promise<{ started: number; done: Promise<unknown> }> {
  const cron = await siteConnection(db);
  t.after(() => cron.end());
  await cron.query('CREATE TABLE report (id INT PRIMARY KEY, n INT) ENGINE=InnoDB');
  await cron.query('INSERT INTO report VALUES (1, 0)');
  return { started: Date.now(), done: cron.query(`UPDATE report SET n = n + 1 WHERE SLEEP(${seconds}) = 0`) };
}

/** Every reader sees the same orders, though more were committed before and after the view opened. */
async function assertOneView(snap: Awaited<ReturnType<typeof openSnapshot>>, root: Connection): Promise<void> {
  const readers = await Promise.all([snap.acquire(), snap.acquire(), snap.acquire()]);
  const counts = await Promise.all(readers.map(countOrders));
  for (const c of readers) snap.release(c);
  const seen = counts[0]!;
  assert.deepEqual(counts, [seen, seen, seen], 'one view across the readers');
  const [[now]] = (await root.query('SELECT COUNT(*) AS n FROM orders')) as unknown as [[{ n: number }]];
  assert.ok(seen > 0 && Number(now.n) > seen, `orders committed before the view (${seen}) and after it (${now.n} now)`);
}

test("a snapshot's readers line up beside a long-running write without holding up the site's writes, and all see one view", async (t) => {
  const { db, root } = await shopServer(t);
  const { started, done: slow } = await slowCronUpdate(t, db, 6);

  // The shop keeps taking orders all along.
  const shop = await siteConnection(db);
  t.after(() => shop.end());
  const orders = takeOrders(shop, 5);

  await new Promise((r) => setTimeout(r, 300));
  const target = adminTarget(db);
  const snap = await openSnapshot(target, 'shop', 3, 'token', logger);
  t.after(() => snap.close());
  const openedAfter = Date.now() - started;
  await new Promise((r) => setTimeout(r, 300));
  const latencies = await orders.stop();
  await slow;

  assert.equal(snap.sharedView, true, 'the readers share one view');
  assert.equal(snap.parallelism, 3);
  // FLUSH TABLES WITH READ LOCK waited for the 6 s UPDATE, and the shop's INSERTs behind it.
  assert.ok(openedAfter < 3000, `the snapshot opened ${openedAfter} ms after the slow UPDATE began, not after it ended`);
  assert.ok(Math.max(...latencies) < 2000, `the shop's INSERTs took at most ${Math.max(...latencies)} ms (${latencies.length} of them)`);

  await assertOneView(snap, root);
});

test("with a few hundred tables, the definitions are read while the site's commits still flow; commits wait only for the readers' start", async (t) => {
  const { db, root } = await shopServer(t);
  // A multisite's worth of tables: reading their definitions takes a while.
  for (let i = 0; i < 800; i++) await root.query(`CREATE TABLE wp_${i}_posts (ID BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, post_title TEXT, post_status VARCHAR(20), KEY (post_status)) ENGINE=InnoDB`);
  const target = adminTarget(db);
  const probe = await connect(target);
  await inspectSchema(probe, 'shop');
  const t0 = Date.now();
  await inspectSchema(probe, 'shop');
  const inspecting = Date.now() - t0;
  await probe.end();
  assert.ok(inspecting >= 80, `reading 801 definitions took ${inspecting} ms: too quick for this test to tell anything`);

  const shop = await siteConnection(db);
  t.after(() => shop.end());
  const orders = takeOrders(shop, 2);
  await new Promise((r) => setTimeout(r, 100));
  const snap = await openSnapshot(target, 'shop', 3, 'token', logger);
  t.after(() => snap.close());
  await new Promise((r) => setTimeout(r, 100));
  const latencies = await orders.stop();

  assert.equal(snap.sharedView, true);
  assert.equal(snap.info.tables.length, 801);
  // Held while the definitions were read, a commit would have waited about that long.
  const worst = Math.max(...latencies);
  assert.ok(worst < inspecting / 2, `the shop's slowest INSERT took ${worst} ms of ${latencies.length}; reading the definitions takes ${inspecting} ms`);
});

test('without RELOAD the snapshot has one reader, and nothing of the refused line-up is left held', async (t) => {
  const { db, root } = await shopServer(t);
  await root.query('INSERT INTO orders (total) VALUES (1), (2)');
  await root.query("CREATE USER 'reader'@'%' IDENTIFIED BY 'pw-reader'");
  await root.query("GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, PROCESS ON *.* TO 'reader'@'%'");
  const snap = await openSnapshot({ host: db.host, port: db.port, user: 'reader', password: 'pw-reader' }, 'shop', 3, 'token', logger);
  t.after(() => snap.close());
  assert.equal(snap.sharedView, false);
  assert.equal(snap.parallelism, 1);
  assert.equal(await snap.withReader(countOrders), 2);
  // Writes and a backup of the operator's own go through at once: no stage or read lock lingers.
  await root.query('SET SESSION lock_wait_timeout = 2');
  await root.query('INSERT INTO orders (total) VALUES (3)');
  await root.query('BACKUP STAGE START');
  await root.query('BACKUP STAGE END');
});

test("while another session holds a backup stage, the snapshot goes on with one reader instead of queueing the site's writes behind a read lock", async (t) => {
  const { db, root } = await shopServer(t);
  // A nightly mariadb-backup in its first stage: the site's writes go on meanwhile.
  const backup = await db.rootConnection('shop');
  t.after(() => backup.end());
  await backup.query('BACKUP STAGE START');
  const shop = await siteConnection(db);
  t.after(() => shop.end());
  const orders = takeOrders(shop, 20);
  const target = adminTarget(db);
  const snap = await openSnapshot(target, 'shop', 3, 'token', logger);
  t.after(() => snap.close());
  const latencies = await orders.stop();
  await backup.query('BACKUP STAGE END');

  assert.equal(snap.sharedView, false, 'one reader: no stage to be had, and no read lock to stall the site with');
  assert.equal(snap.parallelism, 1);
  assert.ok(Math.max(...latencies) < 2000, `the shop's INSERTs took at most ${Math.max(...latencies)} ms while the snapshot waited`);
  assert.ok((await snap.withReader(countOrders)) > 0);
});

// Servers without BACKUP STAGE (MySQL, MariaDB before 10.4) line the readers up under FLUSH
// TABLES WITH READ LOCK; ours has the stage, so these ask for that way by name.
test('on a server without BACKUP STAGE, a read lock lines the readers up: one view, and the lock is gone once they have started', async (t) => {
  const { db, root } = await shopServer(t);
  const shop = await siteConnection(db);
  t.after(() => shop.end());
  const orders = takeOrders(shop, 5);
  await new Promise((r) => setTimeout(r, 200));
  const snap = await openSnapshot(adminTarget(db), 'shop', 3, 'token', logger, undefined, 'ftwrl');
  t.after(() => snap.close());
  await new Promise((r) => setTimeout(r, 200));
  const latencies = await orders.stop();

  assert.equal(snap.sharedView, true, 'the readers share one view');
  assert.equal(snap.parallelism, 3);
  await assertOneView(snap, root);
  assert.ok(latencies.length > 10, `the shop went on taking orders (${latencies.length})`);
  // Nothing held: a write, and a read lock of the operator's own, go through at once.
  await root.query('SET SESSION lock_wait_timeout = 2');
  await root.query('INSERT INTO orders (total) VALUES (3)');
  await root.query('FLUSH TABLES WITH READ LOCK');
  await root.query('UNLOCK TABLES');
});

test("beside a long-running write, the read lock is given up after 5 s for one reader, so the site's writes queue no longer than that", async (t) => {
  const { db } = await shopServer(t);
  const { started, done: slow } = await slowCronUpdate(t, db, 9);
  const shop = await siteConnection(db);
  t.after(() => shop.end());
  await new Promise((r) => setTimeout(r, 300));
  const orders = takeOrders(shop, 20);
  const snap = await openSnapshot(adminTarget(db), 'shop', 3, 'token', logger, undefined, 'ftwrl');
  t.after(() => snap.close());
  const openedAfter = Date.now() - started;
  const latencies = await orders.stop();
  await slow;

  assert.equal(snap.sharedView, false, 'the read lock was not waited for to the end of the UPDATE');
  assert.equal(snap.parallelism, 1);
  assert.ok(openedAfter >= 4500 && openedAfter < 8000, `opened ${openedAfter} ms after the 9 s UPDATE began: the read lock's wait is 5 s`);
  // The pending read lock held the shop's INSERTs, for at most the wait.
  const worst = Math.max(...latencies);
  assert.ok(worst < 6500, `the shop's slowest INSERT took ${worst} ms`);
  assert.ok((await snap.withReader(countOrders)) > 0);
});

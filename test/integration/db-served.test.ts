// The served copies a rollback keeps after the DNS switch (`<db>__sy_served[N]`): a rollback stopped
// part-way leaves no schema behind for good, a retry whose answer was lost is told what the copy
// holds, and the agent's record of them follows what the server holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import { fromGrpcError } from '../../shared/errors.js';
import { DB_MIGRATIONS } from '../../agent/db/freeze.js';
import { ServedStore } from '../../agent/db/served-store.js';

async function shop({ s, p }: { s: Connection; p: Connection }): Promise<void> {
  for (const c of [s, p]) {
    await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  }
}

type Rollback = { served_schema: string; served_tables: Array<{ table: string; rows: string }> };

const schemasOf = async (p: Connection) => ((await p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop\\_\\_sy\\_served%' ORDER BY 1")) as unknown as [Array<{ s: string }>])[0].map((r) => r.s);
const tablesOf = async (p: Connection, schema: string) => ((await p.query('SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1', [schema])) as unknown as [Array<{ n: string }>])[0].map((r) => r.n);
const recordsOf = (state: ReturnType<typeof openDatabase>) => (state.prepare('SELECT served_schema AS s, attempt AS a FROM db_served ORDER BY id').all() as Array<{ s: string; a: string }>).map((r) => `${r.s} ${r.a}`);

test('a rollback stopped between creating its served schema and moving the live copy there: the retry takes that schema again, one served copy, not an empty one beside another; schemas it did not make, or holding tables, stay', async (t) => {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const { p, prodAgent, peer } = await twoAgents(t, shop, { productionState: state });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.orders VALUES (13, 'after the switch')");
  // As the stopped rollback left it: its record, then the schema with its record of objects, no table.
  const store = new ServedStore(state);
  store.kept('shop', 'shop__sy_served', 'co_1');
  await p.query('CREATE DATABASE shop__sy_served');
  await p.query('CREATE TABLE shop__sy_served.__sy_kept (seq INT PRIMARY KEY)');
  // An operator's empty schema of the next name, which the agent has no record of.
  await p.query('CREATE DATABASE shop__sy_served2');
  // A schema the agent recorded and never saw the move into, but holding a table: never taken.
  store.kept('shop', 'shop__sy_served3', 'co_0');
  await p.query('CREATE DATABASE shop__sy_served3');
  await p.query('CREATE TABLE shop__sy_served3.orders (id INT PRIMARY KEY)');

  const res = await unaryCall<object, Rollback>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_1' });
  assert.equal(res.served_schema, 'shop__sy_served', 'the stopped rollback\'s own empty schema is taken again');
  assert.deepEqual(await schemasOf(p), ['shop__sy_served', 'shop__sy_served2', 'shop__sy_served3'], 'no new served schema beside the empty one');
  assert.deepEqual((await p.query('SELECT id FROM shop__sy_served.orders ORDER BY id'))[0], [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 13 }], 'the live copy is in it');
  assert.deepEqual(await tablesOf(p, 'shop__sy_served2'), [], 'the operator\'s schema is as it was');
  assert.deepEqual(await tablesOf(p, 'shop__sy_served3'), ['orders'], 'a schema holding a table is never dropped');
  assert.equal(store.find('shop', 'co_1')?.served, 'shop__sy_served');
  assert.equal(store.unmoved('shop', 'shop__sy_served'), false, 'the move is recorded');

  // A copy the move reached is never taken again, even emptied by an operator reconciling it.
  await p.query('DROP TABLE shop__sy_served.orders');
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const again = await unaryCall<object, Rollback>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_2' });
  assert.equal(again.served_schema, 'shop__sy_served4');
  assert.deepEqual(await tablesOf(p, 'shop__sy_served'), ['__sy_kept']);
});

test('a rollback retried after its answer was lost is told the rows each table of the served copy holds, the first tables by name within the bounded details, and how many more there are', async (t) => {
  // Twenty tables of long names: all of them would not fit the 2 KiB an error's details carry.
  const long = (i: number) => `t${String(i).padStart(2, '0')}_${'x'.repeat(56)}`;
  const { p, prodAgent, peer } = await twoAgents(t, async (servers) => {
    await shop(servers);
    for (const c of [servers.s, servers.p]) for (let i = 0; i < 20; i++) await c.query(`CREATE TABLE shop.${long(i)} (id INT PRIMARY KEY) ENGINE=InnoDB`);
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.orders VALUES (13, 'after the switch')");
  await p.query(`INSERT INTO shop.${long(0)} VALUES (1), (2)`);
  const first = await unaryCall<object, Rollback>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_1' });
  assert.equal(first.served_tables.length, 21, 'the answer itself lists every table');

  const err = await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_1' }).then(
    () => assert.fail('nothing is kept aside any more'),
    (e: unknown) => fromGrpcError(e),
  );
  assert.equal(err.code, 'SY_PRECONDITION');
  const d = err.details ?? {};
  assert.equal(d.servedSchema, 'shop__sy_served', JSON.stringify(d));
  const tables = d.servedTables as Array<{ table: string; rows: number }>;
  assert.ok(Array.isArray(tables) && tables.length > 0, `the details carry the row counts: ${JSON.stringify(d)}`);
  assert.deepEqual(tables.slice(0, 2), [{ table: 'orders', rows: 4 }, { table: long(0), rows: 2 }], 'by name, as counted now');
  assert.equal(tables.length + Number(d.servedTablesLeftOff), 21, 'the tables left off are counted');
  assert.ok(Number(d.servedTablesLeftOff) > 0, 'a long list is cut');
  assert.match(err.message, /keeping the live copy in shop__sy_served \(orders 4 rows, t00_x+ 2 rows, .*and \d+ more tables\)/);
});

test('records of served copies an operator has dropped are forgotten when the agent next rolls back; those of copies still there are kept', async (t) => {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const { p, prodAgent, peer } = await twoAgents(t, shop, { productionState: state });
  for (const attempt of ['co_1', 'co_2']) {
    await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
    await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt });
  }
  assert.deepEqual(recordsOf(state), ['shop__sy_served co_1', 'shop__sy_served2 co_2']);
  // The operator reconciled the first copy and dropped it.
  await p.query('DROP DATABASE shop__sy_served');
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const res = await unaryCall<object, Rollback>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_3' });
  assert.equal(res.served_schema, 'shop__sy_served', 'the first free name again');
  assert.deepEqual(recordsOf(state), ['shop__sy_served2 co_2', 'shop__sy_served co_3'], 'the dropped copy\'s record is gone, the live one kept');
  // A rollback that finds nothing to do prunes too.
  await p.query('DROP DATABASE shop__sy_served2');
  await assert.rejects(unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_4' }), /nothing kept aside/);
  assert.deepEqual(recordsOf(state), ['shop__sy_served co_3']);
});

test("a rollback stopped after it put production's tables back but before it dropped <db>__sy_prev: the retry leaves them in place (not swapped out and dropped with the copy) and finishes", async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async ({ s, p: prod }) => {
    await s.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.orders VALUES (1, 'staging')");
    await prod.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await prod.query("INSERT INTO shop.orders VALUES (1, 'production'), (2, 'production')");
    await prod.query('CREATE VIEW shop.recent AS SELECT id FROM shop.orders');
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // The kept-aside schema's record as the swap-in wrote it: what the stopped rollback left behind.
  await p.query('CREATE DATABASE keep_copy');
  await p.query('CREATE TABLE keep_copy.k LIKE shop__sy_prev.__sy_kept');
  await p.query('INSERT INTO keep_copy.k SELECT * FROM shop__sy_prev.__sy_kept');
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: false, attempt: 'co_1' });
  const production = [{ id: 1, v: 'production' }, { id: 2, v: 'production' }];
  assert.deepEqual((await p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], production);
  for (const keepLive of [false, true]) {
    // Stopped after RENAME TABLE put production's tables back, before the objects came back and
    // <db>__sy_prev (holding only its record now) was dropped.
    await p.query('DROP VIEW shop.recent');
    await p.query('CREATE DATABASE shop__sy_prev');
    await p.query('CREATE TABLE shop__sy_prev.__sy_kept LIKE keep_copy.k');
    await p.query('INSERT INTO shop__sy_prev.__sy_kept SELECT * FROM keep_copy.k');
    await assert.rejects(unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: keepLive, attempt: 'co_1' }), /production.s tables are live already/);
    assert.deepEqual((await p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], production, `keep_live_copy ${keepLive}: production's tables stay live`);
    assert.deepEqual(await schemasOf(p), [], 'no served copy of production\'s own tables');
    assert.deepEqual(await tablesOf(p, 'shop__sy_prev'), [], 'the leftover kept-aside schema is gone');
    assert.deepEqual((await p.query('SELECT id FROM shop.recent ORDER BY id'))[0], [{ id: 1 }, { id: 2 }], 'its objects are back');
  }
});

test('an empty served schema a failed or stopped rollback left is dropped by the next rollback that keeps no live copy, or by release; one it did not make, or holding a table, stays', async (t) => {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const { p, production, prodAgent, peer } = await twoAgents(t, shop, { productionState: state, productionDatabase: { lockWaitSeconds: 1 } });
  const store = new ServedStore(state);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // A rollback keeping the live copy whose RENAME gives up on a held table, and whose drop of the
  // served schema it had created gives up too (a session reading its record of objects).
  const [x, y] = [await production.rootConnection(), await production.rootConnection()];
  t.after(async () => {
    await x.end();
    await y.end();
  });
  await x.query('START TRANSACTION');
  await x.query('SELECT COUNT(*) FROM shop.orders');
  const failed = unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true, attempt: 'co_1' });
  failed.catch(() => undefined);
  for (let i = 0; ; i++) {
    const [w] = await p.query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'RENAME TABLE%' AND STATE LIKE 'Waiting for table metadata lock%'");
    if ((w as unknown[]).length > 0) break;
    assert.ok(i < 1200, 'the rollback never waited for the lock');
    await new Promise((r) => setTimeout(r, 25));
  }
  await y.query('START TRANSACTION');
  await y.query('SELECT COUNT(*) FROM shop__sy_served.__sy_kept');
  await assert.rejects(failed, /gave up waiting for a lock/);
  await y.query('ROLLBACK');
  await x.query('ROLLBACK');
  assert.deepEqual(await schemasOf(p), ['shop__sy_served'], 'the drop gave up: the empty schema is still there');
  assert.equal(store.unmoved('shop', 'shop__sy_served'), true, 'and still known for the agent\'s own, never moved into');

  const res = await unaryCall<object, Rollback>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: false, attempt: 'co_1' });
  assert.equal(res.served_schema, '');
  assert.deepEqual(await schemasOf(p), [], 'a rollback keeping no live copy drops the empty one');
  assert.deepEqual(recordsOf(state), []);

  // Stopped after recording and creating its served schema, before the move: then released.
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  store.kept('shop', 'shop__sy_served', 'co_2');
  await p.query('CREATE DATABASE shop__sy_served');
  await p.query('CREATE TABLE shop__sy_served.__sy_kept (seq INT PRIMARY KEY)');
  store.kept('shop', 'shop__sy_served2', 'co_0');
  await p.query('CREATE DATABASE shop__sy_served2');
  await p.query('CREATE TABLE shop__sy_served2.orders (id INT PRIMARY KEY)');
  await p.query('CREATE DATABASE shop__sy_served3');
  const released = await unaryCall<object, { dropped: boolean }>(prodAgent.client, 'ReleaseDatabase', { target_schema: 'shop' });
  assert.equal(released.dropped, true);
  assert.deepEqual(await schemasOf(p), ['shop__sy_served2', 'shop__sy_served3'], 'release drops the empty one it made; one holding a table, and the operator\'s, stay');
  assert.deepEqual(recordsOf(state), ['shop__sy_served2 co_0']);
});

test('a rollback whose drop of an empty served schema an earlier rollback left gives up (a session reading it) still rolls back; that schema stays recorded for the next one', async (t) => {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const { p, production, prodAgent, peer } = await twoAgents(t, shop, { productionState: state, productionDatabase: { lockWaitSeconds: 1 } });
  const store = new ServedStore(state);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.orders VALUES (13, 'on the copy')");
  // As a rollback stopped before its move left it: recorded, created, holding only its record of objects.
  store.kept('shop', 'shop__sy_served', 'co_1');
  await p.query('CREATE DATABASE shop__sy_served');
  await p.query('CREATE TABLE shop__sy_served.__sy_kept (seq INT PRIMARY KEY)');
  // An operator's client browsing it, in an open transaction: DROP DATABASE waits on it.
  const y = await production.rootConnection();
  t.after(async () => {
    await y.query('ROLLBACK').catch(() => undefined);
    await y.end();
  });
  await y.query('START TRANSACTION');
  await y.query('SELECT COUNT(*) FROM shop__sy_served.__sy_kept');

  const res = await unaryCall<object, Rollback>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: false, attempt: 'co_2' });
  assert.equal(res.served_schema, '');
  assert.deepEqual((await p.query('SELECT id FROM shop.orders ORDER BY id'))[0], [{ id: 1 }, { id: 2 }, { id: 3 }], 'production\'s own tables are back');
  assert.deepEqual(await schemasOf(p), ['shop__sy_served'], 'the schema it could not drop is still there');
  assert.equal(store.unmoved('shop', 'shop__sy_served'), true, 'and still known for the agent\'s own');

  await y.query('ROLLBACK');
  const released = await unaryCall<object, { dropped: boolean }>(prodAgent.client, 'ReleaseDatabase', { target_schema: 'shop' });
  assert.equal(released.dropped, false);
  assert.deepEqual(await schemasOf(p), [], 'release drops it once no one holds it');
  assert.deepEqual(recordsOf(state), []);
});

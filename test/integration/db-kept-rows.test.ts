// Production-only rows across retried cutovers: preflight run again, presync run again, a DB
// rollback between attempts. Whatever an earlier copy moved aside stays recorded and merged, and
// what cannot be merged is said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { agentConfig, streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';
import type { PreflightReport__Output } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { PreflightReport } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { MergeReport__Output } from '../../shared/proto-gen/switchyard/v1/MergeReport.js';
import { preflightDatabase, mergeProductionOnly, ProductionOnlyStore } from '../../agent/db/preflight.js';
import { GrpcSourcePeer } from '../../agent/db/peer.js';
import { closeConn, connect, dbTargetFromConfig } from '../../agent/db/connect.js';
import { createLogger } from '../../shared/logger.js';
import { fromGrpcError, type SwitchyardError } from '../../shared/errors.js';
import { productionOnlyCheck } from '../../controller/cutover/steps/preflight/database.js';
import { rollbackSwap } from '../../agent/db/swap.js';
import type { LiveRecord } from '../../agent/db/last-rows.js';

/** The same small shop on both sides. */
async function shop({ s, p }: { s: Connection; p: Connection }): Promise<void> {
  for (const c of [s, p]) {
    await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  }
}

const ordersOf = async (p: Connection, ids: number[]) => (await p.query(`SELECT id, v FROM shop.orders WHERE id IN (${ids.join(', ')}) ORDER BY id`))[0];

test('preflight run again after a copy keeps the record of the rows that copy moved aside: keep merges them with the ones found later, over three attempts', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });

  await p.query("INSERT INTO shop.orders VALUES (10, 'before any copy')");
  assert.equal(Number((await preflight()).production_only_rows), 1);
  await copy();
  // The first attempt failed before rewrite; a webhook reaches the new host; the next attempt starts with preflight.
  await p.query("INSERT INTO shop.orders VALUES (11, 'after copy 1')");
  const second = await preflight();
  assert.equal(Number(second.production_only_rows), 2, 'the row kept aside in __sy_prev is told again with the new one');
  assert.match(second.notes.join('\n'), /orders: 1 rows only production had, recorded by an earlier preflight, are kept aside in shop__sy_prev/);
  assert.equal(productionOnlyCheck(second, undefined).status, 'fail', 'the kept-aside rows still need a decision');
  await copy();
  // A third attempt: another row in the same table, whose earlier rows __sy_last already holds.
  await p.query("INSERT INTO shop.orders VALUES (12, 'after copy 2')");
  assert.equal(Number((await preflight()).production_only_rows), 3);
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual(await ordersOf(p, [10, 11, 12]), [
    { id: 10, v: 'before any copy' },
    { id: 11, v: 'after copy 1' },
    { id: 12, v: 'after copy 2' },
  ]);
});

test('a DB rollback keeps the recorded rows of the copy it swaps out (in __sy_last, and from the live copy): the next attempt merges them', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const rollback = () => unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });

  await copy();
  await p.query("INSERT INTO shop.orders VALUES (11, 'kept in last')");
  assert.equal(Number((await preflight()).production_only_rows), 1);
  await copy(); // row 11 now in shop__sy_last
  // Recorded, still in the live copy when the rollback comes.
  await p.query("INSERT INTO shop.orders VALUES (12, 'live at rollback')");
  assert.equal(Number((await preflight()).production_only_rows), 2);
  await rollback();
  assert.deepEqual(await ordersOf(p, [11, 12]), [], "production's own tables are back");

  // The next attempt: preflight finds nothing in production's own tables, but tells the kept rows.
  const again = await preflight();
  assert.equal(Number(again.production_only_rows), 2);
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual(await ordersOf(p, [11, 12]), [
    { id: 11, v: 'kept in last' },
    { id: 12, v: 'live at rollback' },
  ]);
});

test('a DB rollback that keeps the live copy (after the DNS switch) keeps all of it in __sy_served, and the recorded rows in __sy_last for the next attempt to merge', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  // Recorded by preflight, still in the live copy: __sy_last has no orders table yet.
  await p.query("INSERT INTO shop.orders VALUES (12, 'recorded')");
  assert.equal(Number((await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer })).production_only_rows), 1);
  await p.query("INSERT INTO shop.orders VALUES (13, 'served')");
  const res = await unaryCall<object, { tables: string[]; served_schema: string; served_tables: Array<{ table: string; rows: string }> }>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true });
  assert.equal(res.served_schema, 'shop__sy_served');
  assert.deepEqual(res.served_tables.map((x) => [x.table, Number(x.rows)]), [['orders', 5]]);
  assert.deepEqual((await p.query('SELECT id FROM shop__sy_served.orders ORDER BY id'))[0], [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 12 }, { id: 13 }], 'the whole live copy is kept');
  assert.deepEqual((await p.query('SELECT id, v FROM shop__sy_last.orders'))[0], [{ id: 12, v: 'recorded' }], 'the recorded row is where keep looks');
  assert.deepEqual(await ordersOf(p, [12, 13]), [], "production's own tables are back");
  assert.equal(Number((await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer })).production_only_rows), 1);
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual(await ordersOf(p, [12]), [{ id: 12, v: 'recorded' }]);
});

test('a DB rollback between two copies leaves __sy_last, and the rows recorded there, for the retried copy to merge from', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook')");
  assert.equal(Number((await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer })).production_only_rows), 1);
  await copy(); // row 11 now in shop__sy_last
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await p.query('SELECT v FROM shop__sy_last.orders WHERE id = 11'))[0], [{ v: 'webhook' }], 'the rollback left it');
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual(await ordersOf(p, [11]), [{ id: 11, v: 'webhook' }]);
});

test('rows recorded in a table __sy_last holds with other columns (staging changed it): the rerun copy stops before any change, naming the table', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, shop);
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (11, 'first webhook')");
  await preflight();
  await copy(); // row 11 in shop__sy_last.orders, with the old columns
  await s.query("ALTER TABLE shop.orders ADD COLUMN note VARCHAR(10) NOT NULL DEFAULT ''");
  await copy();
  await p.query("INSERT INTO shop.orders (id, v) VALUES (12, 'second webhook')");
  assert.equal(Number((await preflight()).production_only_rows), 2);
  await assert.rejects(copy(), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /orders: production-only rows recorded since the last copy cannot join those kept in shop__sy_last\.orders, whose columns differ/);
    return true;
  });
  assert.deepEqual(await ordersOf(p, [11, 12]), [{ id: 12, v: 'second webhook' }], 'the live tables untouched');
  assert.deepEqual((await p.query('SELECT id, v FROM shop__sy_last.orders WHERE id IN (11, 12)'))[0], [{ id: 11, v: 'first webhook' }]);
});

test('a recorded row taking a unique value a row kept in __sy_last holds: the rerun copy fails SY_CONFLICT naming the table, the unique key and the value, and no kept table of any record changed', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.carts (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.carts VALUES (1, 'a')");
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY uq_email (email)) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a@example.com'), (2, 'b@example.com')");
    }
  });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  await copy();
  await p.query("INSERT INTO shop.carts VALUES (21, 'first cart')");
  await p.query("INSERT INTO shop.orders VALUES (11, 'x@example.com')");
  await preflight();
  await copy(); // carts 21 and orders 11 in shop__sy_last
  // Since: another cart, and an order under another key with the same email.
  await p.query("INSERT INTO shop.carts VALUES (22, 'second cart')");
  await p.query("INSERT INTO shop.orders VALUES (12, 'x@example.com')");
  assert.equal(Number((await preflight()).production_only_rows), 4);
  const keptBefore = (await p.query('SELECT id FROM shop__sy_last.carts ORDER BY id'))[0];
  await assert.rejects(copy(), (err: unknown) => {
    const e = fromGrpcError(err);
    assert.equal(e.code, 'SY_CONFLICT', e.message);
    assert.match(e.message, /^orders: a production-only row recorded since the last copy takes unique key uq_email \(email\) = 'x@example\.com', which another row kept in shop__sy_last\.orders holds.*; nothing was changed/);
    assert.doesNotMatch(e.message, /Duplicate entry|ER_DUP/, 'not the server\'s words');
    assert.deepEqual(e.details, { table: 'orders', schema: 'shop__sy_last', uniqueKey: 'uq_email', columns: ['email'], values: 'x@example.com' });
    return true;
  });
  assert.deepEqual((await p.query('SELECT id FROM shop__sy_last.carts ORDER BY id'))[0], keptBefore, 'the cart joined before the conflict is undone with it');
  assert.deepEqual((await p.query('SELECT id, email FROM shop__sy_last.orders WHERE id IN (11, 12)'))[0], [{ id: 11, email: 'x@example.com' }]);
  assert.deepEqual((await p.query('SELECT id FROM shop.carts WHERE id > 20'))[0], [{ id: 22 }], 'the live tables untouched');
  assert.deepEqual((await p.query('SELECT id FROM shop.orders WHERE id > 10'))[0], [{ id: 12 }]);
});

test('keep says how many recorded rows were not where they were kept, and which, instead of merging 0 of them silently', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  await p.query("INSERT INTO shop.orders VALUES (10, 'kept'), (20, 'gone')");
  assert.equal(Number((await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer })).production_only_rows), 2);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // Gone from where the copy kept it (deleted by hand, say).
  await p.query('DELETE FROM shop__sy_prev.orders WHERE id = 20');
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.equal(Number(merged.rows_not_found), 1);
  assert.deepEqual(merged.not_found, ['orders: 1 row not in shop__sy_prev (20)']);
  assert.deepEqual(await ordersOf(p, [10, 20]), [{ id: 10, v: 'kept' }]);
});

test('a keyed table with more production-only rows than can be recorded: the count is told, the keys are not all held, keep refuses, discard goes', async (t) => {
  const { production, p, prodAgent, peer } = await twoAgents(t, shop);
  await p.query("INSERT INTO shop.orders VALUES (10, 'x'), (11, 'x'), (12, 'x'), (13, 'x'), (20, 'x')");
  const target = dbTargetFromConfig(agentConfig('prod-1', production).database);
  const store = new ProductionOnlyStore();
  const source = new GrpcSourcePeer({ ...peer, peer_server_name: '' } as never, { insecure: true });
  let report: PreflightReport;
  try {
    report = await preflightDatabase({ target, peer: source, targetSchema: 'shop', store, logger: createLogger({ level: 'silent' }), maxKeys: 3 });
  } finally {
    source.close();
  }
  assert.deepEqual(report.production_only!.map((x) => [x.table, Number(x.rows), x.too_many_to_keep]), [['orders', 5, true]]);
  assert.match(report.notes!.join('\n'), /orders: 5 rows only production has, more than 3 — too many to record, so keep cannot merge them back/);
  assert.ok(store.records('shop').every((r) => r.keys.length <= 3), 'at most the limit held');
  const wire = JSON.parse(JSON.stringify({ notes: [], auto_increment: [], ...report, production_only: report.production_only!.map((x) => ({ ranges: [], key_columns: [], ...x, rows: String(x.rows) })), production_only_rows: String(report.production_only_rows) })) as PreflightReport__Output;
  const check = productionOnlyCheck(wire, 'keep');
  assert.equal(check.status, 'fail');
  assert.match(check.message, /orders \(5 rows\).*too many different rows to record.*productionOnlyRows: discard/);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await assert.rejects(mergeProductionOnly(target, 'shop', 'keep', store), (err: SwitchyardError) => {
    assert.equal(err.code, 'SY_PRECONDITION');
    assert.match(err.message, /orders: preflight found 5 rows .*too many to record: keep cannot merge them back/);
    return true;
  });
  assert.equal((await mergeProductionOnly(target, 'shop', 'discard', store)).rowsMerged, 0);
});

test('a table only production has, moved aside by sync, comes back with its triggers on a DB rollback', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // A plugin activated on production after the copy: its tables and a trigger.
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query('CREATE TABLE shop.webhook_log (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(40)) ENGINE=InnoDB');
  await p.query("CREATE TRIGGER shop.webhooks_log AFTER INSERT ON shop.webhooks FOR EACH ROW INSERT INTO webhook_log (msg) VALUES (CONCAT('hook ', NEW.id))");
  await p.query("INSERT INTO shop.webhooks VALUES (1, 'paid')");
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.match(sync.tables.find((x) => x.table === 'webhooks')?.note ?? '', /moved aside to shop__sy_prev/);
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  const [trg] = await p.query("SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'");
  assert.deepEqual(trg, [{ n: 'webhooks_log', t: 'webhooks' }]);
  await p.query("INSERT INTO shop.webhooks VALUES (2, 'refunded')");
  assert.deepEqual((await p.query('SELECT msg FROM shop.webhook_log ORDER BY id'))[0], [{ msg: 'hook 1' }, { msg: 'hook 2' }], 'the trigger fires again');
});

test('a key recorded in __sy_prev and again in __sy_last: the newer row is merged, the older one is told, no false conflict', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.orders VALUES (10, 'before any copy')");
  await preflight();
  await copy();
  // The copy's counter hands out id 10 again: a new order under the key kept aside in __sy_prev.
  await p.query("INSERT INTO shop.orders VALUES (10, 'after copy 1')");
  await preflight();
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual(await ordersOf(p, [10]), [{ id: 10, v: 'after copy 1' }], 'the newer row wins');
  assert.deepEqual(merged.superseded, ['orders: 1 row in shop__sy_prev under a key a newer kept row took, not merged (10)']);
  assert.deepEqual((await p.query('SELECT v FROM shop__sy_prev.orders WHERE id = 10'))[0], [{ v: 'before any copy' }], 'the older row stays kept aside until release');
});

test('a key recorded in __sy_last before a rollback and in production’s own table after it: the row production held last wins; the same row in both is merged once', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (11, 'on the copy'), (12, 'same on both')");
  await preflight();
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true });
  // The operator reconciles the served copy by hand: 12 as it was, 11 corrected.
  await p.query("INSERT INTO shop.orders VALUES (11, 'reconciled'), (12, 'same on both')");
  assert.equal(Number((await preflight()).production_only_rows), 4, 'both records are told');
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual(await ordersOf(p, [11, 12]), [
    { id: 11, v: 'reconciled' },
    { id: 12, v: 'same on both' },
  ]);
  assert.deepEqual(merged.superseded, ['orders: 1 row in shop__sy_last under a key a newer kept row took, not merged (11)']);
});

test('triggers production added after presync on tables both sides have: sync drops them (staging defines the objects) but keeps their definitions, says so, and a DB rollback re-creates those it can', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async (pair) => {
    await shop(pair);
    // A table only staging has: production's own tables, put back by a rollback, lack it.
    await pair.s.query('CREATE TABLE shop.reviews (id INT PRIMARY KEY, stars INT NOT NULL) ENGINE=InnoDB');
    await pair.s.query("CREATE TRIGGER shop.orders_stamp BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.v = CONCAT(NEW.v, '!')");
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // Staging's own trigger, dropped there since the copy: not production's, never re-created on it.
  await s.query('DROP TRIGGER shop.orders_stamp');
  await p.query("CREATE TRIGGER shop.orders_upper BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.v = UPPER(NEW.v)");
  await p.query('CREATE TRIGGER shop.reviews_cap BEFORE INSERT ON shop.reviews FOR EACH ROW SET NEW.stars = LEAST(NEW.stars, 5)');
  // Staging changes a table's definition: sync re-copies it and re-creates every object from staging's.
  await s.query('ALTER TABLE shop.orders ADD COLUMN note VARCHAR(10) NULL');
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  const [left] = await p.query("SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'");
  assert.deepEqual(left, [], "staging's objects only");
  assert.deepEqual([...sync.objects_differing].sort(), [
    'TRIGGER orders_stamp: extra',
    'TRIGGER orders_upper: extra — only production had it: dropped, its definition kept in shop__sy_prev (a DB rollback re-creates it)',
    'TRIGGER reviews_cap: extra — only production had it: dropped, its definition kept in shop__sy_prev (a DB rollback re-creates it)',
  ]);
  const [kept] = await p.query("SELECT name, create_sql FROM shop__sy_prev.__sy_kept WHERE kind = 'TRIGGER' ORDER BY name");
  assert.deepEqual((kept as Array<{ name: string; create_sql: string }>).map((k) => [k.name, /UPPER\(NEW\.v\)|LEAST/.test(k.create_sql)]), [['orders_upper', true], ['reviews_cap', true]]);

  // reviews is not among production's own tables: its trigger cannot come back, and does not stop the rollback.
  const res = await unaryCall<object, { notes: string[] }>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  const [back] = await p.query("SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'");
  assert.deepEqual(back, [{ n: 'orders_upper' }]);
  // The answer says so, with the server's reason, and where its definition is (shop__sy_prev is gone).
  assert.equal(res.notes.length, 1, res.notes.join('\n'));
  assert.match(res.notes[0]!, /^TRIGGER reviews_cap: production's trigger could not be re-created in shop .*\(create trigger reviews_cap: .*reviews.* doesn't exist.*\): not re-created; its definition is kept in shop__sy_last\.__sy_kept until release/);
  const [saved] = await p.query("SELECT kind, name, create_sql FROM shop__sy_last.__sy_kept");
  assert.deepEqual((saved as Array<{ kind: string; name: string; create_sql: string }>).map((k) => [k.kind, k.name, /LEAST\(NEW\.stars, 5\)/.test(k.create_sql)]), [['TRIGGER', 'reviews_cap', true]]);
  await p.query("INSERT INTO shop.orders VALUES (20, 'shout')");
  assert.deepEqual(await ordersOf(p, [20]), [{ id: 20, v: 'SHOUT' }], 'the trigger fires again');
});

test('objects production added after release, which sync drops (nothing kept aside for a rollback): their definitions are kept in __sy_last.__sy_kept and the report line says so, not only the log', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  assert.equal((await unaryCall<object, { dropped: boolean }>(prodAgent.client, 'ReleaseDatabase', { target_schema: 'shop' })).dropped, true);
  await p.query('CREATE TRIGGER shop.orders_upper BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.v = UPPER(NEW.v)');
  await p.query("CREATE VIEW shop.big_orders AS SELECT id FROM shop.orders WHERE v = 'big'");
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.deepEqual([...sync.objects_differing].sort(), [
    'TRIGGER orders_upper: extra — only production had it: dropped, its definition kept in shop__sy_last.__sy_kept until release, to re-create by hand (nothing is kept aside for a DB rollback)',
    'VIEW big_orders: extra — only production had it: dropped, its definition kept in shop__sy_last.__sy_kept until release, to re-create by hand (nothing is kept aside for a DB rollback)',
  ]);
  const [left] = await p.query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' UNION ALL SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop'");
  assert.deepEqual(left, [], "staging's objects only");
  const [saved] = await p.query('SELECT kind, name, create_sql FROM shop__sy_last.__sy_kept ORDER BY seq');
  assert.deepEqual((saved as Array<{ kind: string; name: string; create_sql: string }>).map((k) => [k.kind, k.name, /UPPER\(NEW\.v\)|'big'/.test(k.create_sql)]).sort(), [['TRIGGER', 'orders_upper', true], ['VIEW', 'big_orders', true]]);
  assert.deepEqual((await p.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop__sy_prev'"))[0], [], 'no copy kept aside appears');
});

test('a trigger production added after the first copy, on a table both sides have: a rerun copy keeps its definition, and a DB rollback re-creates it', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  await p.query('CREATE TRIGGER shop.orders_upper BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.v = UPPER(NEW.v)');
  await copy();
  const [left] = await p.query("SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'");
  assert.deepEqual(left, [], "staging's objects only");
  const [kept] = await p.query("SELECT name FROM shop__sy_prev.__sy_kept WHERE kind = 'TRIGGER'");
  assert.deepEqual(kept, [{ name: 'orders_upper' }]);
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  await p.query("INSERT INTO shop.orders VALUES (20, 'shout')");
  assert.deepEqual(await ordersOf(p, [20]), [{ id: 20, v: 'SHOUT' }], 'the trigger is back and fires');
});

test('the triggers of tables only production has, moved to __sy_last (by sync, or by a rerun copy), are recorded beside them there until release', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async (pair) => {
    await shop(pair);
    await pair.p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy(); // production's webhooks in shop__sy_prev
  // Created again on production: sync finds __sy_prev holding the name and moves it to __sy_last.
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query('CREATE TRIGGER shop.webhooks_upper BEFORE INSERT ON shop.webhooks FOR EACH ROW SET NEW.payload = UPPER(NEW.payload)');
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.match(sync.tables.find((x) => x.table === 'webhooks')?.note ?? '', /moved aside to shop__sy_last/);
  // Another table a plugin adds, then a rerun copy: it goes to __sy_last too.
  await p.query('CREATE TABLE shop.hooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query('CREATE TRIGGER shop.hooks_upper BEFORE INSERT ON shop.hooks FOR EACH ROW SET NEW.payload = UPPER(NEW.payload)');
  await copy();
  const [inLast] = await p.query("SELECT name, create_sql FROM shop__sy_last.__sy_kept WHERE kind = 'TRIGGER' ORDER BY name");
  assert.deepEqual((inLast as Array<{ name: string; create_sql: string }>).map((k) => [k.name, /UPPER\(NEW\.payload\)/.test(k.create_sql)]), [['hooks_upper', true], ['webhooks_upper', true]]);
  const [inPrev] = await p.query("SELECT name FROM shop__sy_prev.__sy_kept WHERE name IN ('hooks_upper', 'webhooks_upper')");
  assert.deepEqual(inPrev, [], 'not for a rollback to re-create: their tables do not come back');
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await p.query("SELECT COUNT(*) AS n FROM shop__sy_last.__sy_kept WHERE kind = 'TRIGGER'"))[0], [{ n: 2 }], 'kept past a rollback, until release');
});

test('a DB rollback before the DNS switch keeps the tables production created on the copy (beside its own tables, or in __sy_last where they have the name) and says so; the copy’s tables, synced ones too, go', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    await shop({ s, p });
    // Production's own table, which staging lacks: the copy keeps it in __sy_prev.
    await p.query('CREATE TABLE shop.audit (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
    await p.query("INSERT INTO shop.audit VALUES (1, 'before the copy')");
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // Staging adds a table after presync: sync copies it (a copy's table, not production's).
  await s.query('CREATE TABLE shop.coupons (id INT PRIMARY KEY) ENGINE=InnoDB');
  await s.query('INSERT INTO shop.coupons VALUES (1)');
  await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 });
  assert.deepEqual((await p.query('SELECT id FROM shop.coupons'))[0], [{ id: 1 }]);
  // Production, before the switch, on the copy: a payment plugin's webhook table with a trigger,
  // and its audit table created again.
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20), seen INT NOT NULL DEFAULT 0) ENGINE=InnoDB');
  await p.query('CREATE TRIGGER shop.webhooks_seen BEFORE INSERT ON shop.webhooks FOR EACH ROW SET NEW.seen = 1');
  await p.query("INSERT INTO shop.webhooks (id, payload) VALUES (1, 'test order paid')");
  await p.query('CREATE TABLE shop.audit (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.audit VALUES (2, 'on the copy')");

  const res = await unaryCall<object, { tables: string[]; notes: string[] }>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await p.query('SELECT id, payload FROM shop.webhooks'))[0], [{ id: 1, payload: 'test order paid' }], 'the webhook is not dropped with the copy');
  assert.deepEqual((await p.query('SELECT msg FROM shop.audit'))[0], [{ msg: 'before the copy' }], "production's own table is back");
  assert.deepEqual((await p.query('SELECT msg FROM shop__sy_last.audit'))[0], [{ msg: 'on the copy' }], 'the one of the same name created on the copy is kept aside');
  await p.query("INSERT INTO shop.webhooks (id, payload) VALUES (2, 'refund')");
  assert.deepEqual((await p.query('SELECT seen FROM shop.webhooks WHERE id = 2'))[0], [{ seen: 1 }], 'its trigger is back with it');
  const [left] = await p.query("SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_NAME = 'coupons'");
  assert.deepEqual(left, [], "the table sync copied from staging goes with the copy");
  assert.equal(res.notes.length, 2, res.notes.join('\n'));
  assert.match(res.notes.join('\n'), /webhooks: only production has this table .*left in shop beside production's own tables/);
  assert.match(res.notes.join('\n'), /audit: only production has this table .*kept in shop__sy_last\.audit until release/);
});

test('a key re-entered on production after a rollback that kept the live copy wins over the row kept before the rollback, though a later copy added other rows to that kept record', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, shop);
  const preflight = () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (11, 'on the copy')");
  await preflight();
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true });
  // The operator reconciles the served copy: 11 re-entered, corrected, in production's own table.
  await p.query("INSERT INTO shop.orders VALUES (11, 'reconciled')");
  await preflight();
  await copy();
  // A new order on this copy, recorded, and the copy run again: it joins the record kept before the rollback.
  await p.query("INSERT INTO shop.orders VALUES (20, 'after the copy')");
  await preflight();
  await copy();
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual(await ordersOf(p, [11, 20]), [
    { id: 11, v: 'reconciled' },
    { id: 20, v: 'after the copy' },
  ]);
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual(merged.superseded, ['orders: 1 row in shop__sy_last under a key a newer kept row took, not merged (11)']);
});

test('recorded rows that cannot join __sy_last (a rollback keeping the live copy): the __sy_last it created for them goes again, one there before stays', async (t) => {
  const { p, production, prodAgent, peer } = await twoAgents(t, shop);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const agentConn = await connect(dbTargetFromConfig(agentConfig('prod-1', production).database));
  t.after(() => closeConn(agentConn));
  // A record the join refuses (its keys have two parts, the table's key one), as a unique conflict would be.
  const bad: LiveRecord = { table: 'orders', keys: [[Buffer.from('1'), Buffer.from('2')]], rowHash: '' };
  const schemata = async () => ((await p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop%' ORDER BY 1"))[0] as Array<{ s: string }>).map((r) => r.s);
  await assert.rejects(rollbackSwap(agentConn, 'shop', undefined, [bad], { keepLive: true }), /recorded key has 2 parts/);
  assert.deepEqual(await schemata(), ['shop', 'shop__sy_prev'], 'no empty shop__sy_last left behind');
  // One that was there before, even empty, is not this rollback's to drop.
  await p.query('CREATE DATABASE shop__sy_last');
  await assert.rejects(rollbackSwap(agentConn, 'shop', undefined, [bad], { keepLive: true }), /recorded key has 2 parts/);
  assert.deepEqual(await schemata(), ['shop', 'shop__sy_last', 'shop__sy_prev']);
  assert.deepEqual((await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_last'"))[0], [], 'the table created for the join is dropped again');
  // Nothing else changed: the rollback still works.
  const r = await rollbackSwap(agentConn, 'shop', undefined, [], { keepLive: true });
  assert.equal(r.served?.schema, 'shop__sy_served');
});

test('a DB rollback of a copy an older agent made (no record of the tables it brought): tables not on presync\'s list are kept as production\'s, every table when there is no list, and said', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    await shop({ s, p });
    await s.query('CREATE TABLE shop.reviews (id INT PRIMARY KEY, stars INT NOT NULL) ENGINE=InnoDB');
    await s.query('INSERT INTO shop.reviews VALUES (1, 5)');
    await p.query('CREATE TABLE shop.audit (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
    await p.query("INSERT INTO shop.audit VALUES (1, 'before the copy')");
  });
  // As an agent before the record of copied tables left it.
  const olderAgentsCopy = async () => {
    await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
    await p.query("DELETE FROM shop__sy_prev.__sy_kept WHERE kind = 'COPIED' AND name LIKE 'TABLE %'");
  };
  const tablesOf = async (schema: string) => ((await p.query('SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1', [schema]))[0] as Array<{ n: string }>).map((r) => r.n);
  const rollback = (copied?: string[]) => unaryCall<object, { notes: string[] }>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', ...(copied === undefined ? {} : { copied_tables: copied }) });

  await olderAgentsCopy();
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.webhooks VALUES (1, 'test order paid')");
  await p.query('CREATE TABLE shop.audit (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.audit VALUES (2, 'on the copy')");
  // Presync's list (the controller sends it): the tables on it go with the copy, the others stay.
  const first = await rollback(['orders', 'reviews']);
  assert.deepEqual(await tablesOf('shop'), ['audit', 'orders', 'webhooks']);
  assert.deepEqual((await p.query('SELECT payload FROM shop.webhooks'))[0], [{ payload: 'test order paid' }], 'not dropped with the copy');
  assert.deepEqual((await p.query('SELECT msg FROM shop.audit'))[0], [{ msg: 'before the copy' }], "production's own table is back");
  assert.deepEqual((await p.query('SELECT msg FROM shop__sy_last.audit'))[0], [{ msg: 'on the copy' }]);
  assert.equal(first.notes.length, 2, first.notes.join('\n'));
  assert.match(first.notes.join('\n'), /webhooks: not provably staging's: .*presync's list of them lacks it.*: left in shop beside production's own tables/);
  assert.match(first.notes.join('\n'), /audit: not provably staging's: .*kept in shop__sy_last\.audit until release/);

  // No list at all: nothing of the copy is dropped.
  await olderAgentsCopy();
  const second = await rollback();
  assert.deepEqual(await tablesOf('shop'), ['audit', 'orders', 'reviews', 'webhooks']);
  assert.deepEqual((await p.query('SELECT stars FROM shop.reviews'))[0], [{ stars: 5 }], 'a table staging had and production lacks stays, said');
  assert.deepEqual((await p.query('SELECT COUNT(*) AS n FROM shop__sy_last.orders'))[0], [{ n: 3 }], "the copy's orders kept beside production's");
  assert.equal(second.notes.length, 2, second.notes.join('\n'));
  assert.match(second.notes.join('\n'), /reviews: .*no list of them was given.*left in shop .*drop it by hand if it is a copy of staging/);
  assert.match(second.notes.join('\n'), /orders: .*kept in shop__sy_last\.orders until release/);
});

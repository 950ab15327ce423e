import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { agentConfig, loadFixture, streamCall, unaryCall } from '../helpers/db-fixture.js';
import { authorizeTransfer, twoAgents, type TwoAgents } from '../helpers/db-pair.js';
import type { PreflightReport__Output } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { PreflightReport } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import { preflightDatabase, mergeProductionOnly, ProductionOnlyStore } from '../../agent/db/preflight.js';
import { GrpcSourcePeer } from '../../agent/db/peer.js';
import { dbTargetFromConfig } from '../../agent/db/connect.js';
import { createLogger } from '../../shared/logger.js';
import type { SwitchyardError } from '../../shared/errors.js';
import { productionOnlyCheck } from '../../controller/cutover/steps/preflight/database.js';

/** A report as the agent returns it, as the controller reads it off the wire. */
const toOutput = (r: PreflightReport): PreflightReport__Output => JSON.parse(JSON.stringify({ notes: [], auto_increment: [], ...r, production_only: (r.production_only ?? []).map((x) => ({ ranges: [], key_columns: [], too_many_to_keep: false, ...x, rows: String(x.rows) })), production_only_rows: String(r.production_only_rows) })) as PreflightReport__Output;

test('preflight finds production-only rows and auto-increment risk; keep merges them back, a key collision fails naming the key', async (t) => {
  const { s, p, prodAgent, peer, setup: { ids, sAi } } = await twoAgents(t, async ({ s, p }) => {
    await loadFixture(s, 'shop');
    await loadFixture(p, 'shop');
    // Orders and an option that reached the new host only.
    await p.query("INSERT INTO shop.orders (customer, total, created) VALUES ('webhook', 1, '2024-05-01'), ('test', 2, '2024-05-01'), ('test2', 3, '2024-05-01')");
    await p.query("INSERT INTO shop.wp_options (option_name, option_value) VALUES ('prod_only', 'x')");
    // InnoDB hands out AUTO_INCREMENT in blocks for INSERT ... SELECT, so read the ids it chose.
    const [[ids]] = (await p.query("SELECT MIN(id) AS lo, MAX(id) AS hi FROM shop.orders WHERE customer IN ('webhook', 'test', 'test2')")) as unknown as [[{ lo: number; hi: number }]];
    const [[sAi]] = (await s.query("SELECT AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders'")) as unknown as [[{ ai: number }]];
    return { ids, sAi };
  });

  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const orders = pre.production_only.find((x) => x.table === 'orders')!;
  assert.equal(Number(orders.rows), 3);
  assert.equal(ids.hi - ids.lo, 2);
  assert.deepEqual(orders.ranges.map((r) => r.text), [`${ids.lo}..${ids.hi}`]);
  assert.equal(Number(pre.production_only.find((x) => x.table === 'wp_options')!.rows), 1);
  assert.equal(Number(pre.production_only.find((x) => x.table === 'audit')!.rows), 3, 'the trigger wrote audit rows on production only');
  assert.equal(Number(pre.production_only_rows), 7);
  const ai = pre.auto_increment.find((x) => x.table === 'orders')!;
  assert.deepEqual([ai.staging, ai.production, ai.risk], [String(sAi.ai), String(ids.hi + 1), true]);
  assert.equal(pre.staging_auto_increment_increment, 1);

  // Staging takes the webhook's id for a different order while presync runs: keep must refuse and name the key.
  await s.query("INSERT INTO shop.orders (customer, total, created) VALUES ('staging-new', 9, '2024-06-01')");
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const [[copied]] = (await p.query("SELECT COUNT(*) AS n FROM shop.orders WHERE customer IN ('webhook', 'test', 'test2')")) as unknown as [[{ n: number }]];
  assert.equal(copied.n, 0, 'the copy alone drops the production-only rows');
  await assert.rejects(unaryCall(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.match(err.message, new RegExp(`orders:${ids.lo}\\b`));
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT']);
    return true;
  });
  const [[untouched]] = (await p.query("SELECT COUNT(*) AS n FROM shop.orders WHERE customer IN ('webhook', 'test', 'test2')")) as unknown as [[{ n: number }]];
  assert.equal(untouched.n, 0, 'a refused merge merges nothing');
  const discarded = await unaryCall<object, { rows_merged: string }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'discard' });
  assert.equal(Number(discarded.rows_merged), 0);

  // A clean keep: two more orders land on production only; preflight, copy again, merge back.
  await p.query("INSERT INTO shop.orders (customer, total, created) VALUES ('late-webhook', 5, '2024-07-01'), ('late-test', 6, '2024-07-01')");
  const pre2 = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(pre2.production_only.find((x) => x.table === 'orders')!.rows), 2);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const merged = await unaryCall<object, { rows_merged: string; tables: string[] }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), Number(pre2.production_only_rows));
  const [[after]] = (await p.query("SELECT COUNT(*) AS n FROM shop.orders WHERE customer IN ('late-webhook', 'late-test', 'staging-new')")) as unknown as [[{ n: number }]];
  assert.equal(after.n, 3, 'staging rows and the kept rows side by side');
});

test("a staging schema that does not exist: the production agent's error names the staging agent (by name when the controller sent it), not itself", async (t) => {
  const { stagingAgent, prodAgent } = await twoAgents(t);
  const missing = { ...(await authorizeTransfer(stagingAgent, 'wp_nope')), target_schema: 'shop' };
  await assert.rejects(unaryCall(prodAgent.client, 'PreflightDatabase', { peer: missing }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.match(err.message, new RegExp(`staging agent at ${stagingAgent.address.replace(/[.]/g, '\\.')}: schema wp_nope does not exist`));
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_NOT_FOUND']);
    return true;
  });
  // The controller sends the name people know the staging agent by (the plan's staging.agent).
  const named = { ...(await authorizeTransfer(stagingAgent, 'wp_nope')), target_schema: 'shop', peer_name: 'staging-1' };
  await assert.rejects(unaryCall(prodAgent.client, 'PreflightDatabase', { peer: named }), (err: Error) => {
    assert.match(err.message, new RegExp(`staging agent staging-1 \\(${stagingAgent.address.replace(/[.]/g, '\\.')}\\): schema wp_nope does not exist`));
    return true;
  });
});

test('keep merges rows back without firing their triggers again (what the triggers wrote is merged too); the triggers are back and fire afterwards', async (t) => {
  const { p, prodAgent, peer, setup: { auditOf, before } } = await twoAgents(t, async ({ s, p }) => {
    await loadFixture(s, 'shop');
    await loadFixture(p, 'shop');
    // Two orders reach production only; its trigger writes an audit row for each.
    await p.query("INSERT INTO shop.orders (customer, total, created) VALUES ('webhook', 1, '2024-05-01'), ('test', 2, '2024-05-01')");
    const auditOf = async () => (await p.query('SELECT id, msg FROM shop.audit ORDER BY id'))[0] as Array<{ id: number; msg: string }>;
    const before = await auditOf();
    assert.equal(before.length, 2);
    return { auditOf, before };
  });
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(pre.production_only_rows), 4, 'two orders and their two audit rows');
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const merged = await unaryCall<object, { rows_merged: string }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 4);
  assert.deepEqual(await auditOf(), before, 'the audit rows as production had them, none written twice');

  // The trigger is back, exactly as it was, and fires for the next order.
  const [[trg]] = (await p.query("SELECT ACTION_STATEMENT AS a FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' AND TRIGGER_NAME = 'orders_audit'")) as unknown as [[{ a: string }]];
  assert.match(trg.a, /INSERT INTO audit/);
  await p.query("INSERT INTO shop.orders (customer, total, created) VALUES ('after', 3, '2024-05-02')");
  assert.equal((await auditOf()).length, 3);
});

test('keep after presync ran twice (a retried step) still merges the rows preflight found: they are in the first copy\'s kept-aside tables', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    await loadFixture(s, 'shop');
    await loadFixture(p, 'shop');
    await p.query("INSERT INTO shop.wp_options (option_name, option_value) VALUES ('prod_only', 'kept')");
  });
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(pre.production_only.find((x) => x.table === 'wp_options')!.rows), 1);
  // presync, then presync again: the rerun keeps the first copy in __sy_last, production's own tables stay in __sy_prev.
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const merged = await unaryCall<object, { rows_merged: string; tables: string[] }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), Number(pre.production_only_rows));
  const [back] = await p.query("SELECT option_value FROM shop.wp_options WHERE option_name = 'prod_only'");
  assert.deepEqual(back, [{ option_value: 'kept' }]);
});

test('keep merges production-only rows that reference each other across tables: parents before children, whatever the names', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB');
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB');
      // Named before its parent, as WooCommerce's wc_download_log.
      await c.query('CREATE TABLE shop.items (id INT PRIMARY KEY, order_id INT NOT NULL, customer_id INT NOT NULL, CONSTRAINT fk_item_order FOREIGN KEY (order_id) REFERENCES orders (id), CONSTRAINT fk_item_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.customers VALUES (1, 'ann')");
      await c.query('INSERT INTO shop.orders VALUES (1, 1)');
      await c.query('INSERT INTO shop.items VALUES (10, 1, 1)');
    }
    // A webhook's order and its item reached production only; the customer is on both sides.
    await p.query('INSERT INTO shop.orders VALUES (2, 1)');
    await p.query('INSERT INTO shop.items VALUES (11, 2, 1)');
  });
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(pre.production_only_rows), 2);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const merged = await unaryCall<object, { rows_merged: string; tables: string[] }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual((await p.query('SELECT id, customer_id FROM shop.orders ORDER BY id'))[0], [{ id: 1, customer_id: 1 }, { id: 2, customer_id: 1 }]);
  assert.deepEqual((await p.query('SELECT id, order_id FROM shop.items ORDER BY id'))[0], [{ id: 10, order_id: 1 }, { id: 11, order_id: 2 }]);
  // The constraints are still checked: nothing was merged around them.
  await assert.rejects(p.query('INSERT INTO shop.items VALUES (12, 99, 1)'), /foreign key constraint fails/);
});

test('a table keyed by a BIT column: preflight finds its production-only rows, sync and verify chunk it on staging, keep merges the rows back', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    // No primary key: chunked on the unique BIT key, whose boundaries presync does not record.
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.flags (b BIT(16) NOT NULL, v INT, UNIQUE KEY b (b)) ENGINE=InnoDB');
      await c.query('INSERT INTO shop.flags SELECT seq, seq FROM shop.seq_0_to_5000');
    }
    await p.query("INSERT INTO shop.flags VALUES (b'1111111111111111', -1)");
  });
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.deepEqual(pre.production_only.map((x) => [x.table, Number(x.rows), x.ranges.map((r) => r.text)]), [['flags', 1, ['65535']]]);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await s.query('UPDATE shop.flags SET v = 0 WHERE v = 4000');
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2, target_ms: 1 })).find((e) => e.parity)!.parity!;
  const flags = sync.tables.find((x) => x.table === 'flags')!;
  assert.ok(flags.chunks > 1 && flags.differing_chunks === 1, JSON.stringify(flags));
  const v = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true, target_ms: 1 })).find((e) => e.parity)!.parity!;
  assert.equal(v.equal, true, JSON.stringify(v.tables.filter((x) => !x.equal)));
  const merged = await unaryCall<object, { rows_merged: string }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual((await p.query('SELECT v FROM shop.flags WHERE b = 65535'))[0], [{ v: -1 }]);
});

test('keep reports a collision where staging\'s row under a production-only key differs only in a FLOAT\'s digits past the sixth', async (t) => {
  const { s, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.prices (id INT PRIMARY KEY, amount FLOAT NOT NULL) ENGINE=InnoDB');
      await c.query('INSERT INTO shop.prices VALUES (1, 10)');
    }
    await p.query('INSERT INTO shop.prices VALUES (2, 1234567)');
  });
  await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  // Staging takes key 2 for another row; as text both amounts are 1234570.
  await s.query('INSERT INTO shop.prices VALUES (2, 1234568)');
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await assert.rejects(unaryCall(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.match(err.message, /prices:2\b/);
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT']);
    return true;
  });
});

test('a table without a key: the row copies only production has are found, counted, and kept ones merged back (as many copies as production had more)', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.hits (a INT, b VARCHAR(10), f FLOAT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
      await c.query("INSERT INTO shop.hits VALUES (1, 'x', 1.5), (1, 'x', 1.5), (2, NULL, NULL)");
    }
    // A third copy of a duplicate, two copies of a new row, and a FLOAT whose text equals another's.
    await p.query("INSERT INTO shop.hits VALUES (1, 'x', 1.5), (3, 'z', NULL), (3, 'z', NULL), (4, 'f', 1234567)");
    await s.query("INSERT INTO shop.hits VALUES (4, 'f', 1234568)");
  });
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  const hits = pre.production_only.find((x) => x.table === 'hits');
  assert.ok(hits !== undefined, `hits not reported: ${JSON.stringify(pre)}`);
  assert.equal(Number(hits.rows), 4);
  assert.deepEqual(hits.key_columns, []);
  assert.equal(Number(pre.production_only_rows), 4);
  // Staging writes a row of its own before the copy: it stays, beside the kept ones.
  await s.query("INSERT INTO shop.hits VALUES (5, 'staging', NULL)");
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const merged = await unaryCall<object, { rows_merged: string; tables: string[] }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 4);
  assert.deepEqual(merged.tables, ['hits']);
  const [got] = await p.query('SELECT a, b, f + 0e0 AS f, COUNT(*) AS n FROM shop.hits GROUP BY a, b, f ORDER BY a, f');
  assert.deepEqual(got, [
    { a: 1, b: 'x', f: 1.5, n: 3 },
    { a: 2, b: null, f: null, n: 1 },
    { a: 3, b: 'z', f: null, n: 2 },
    { a: 4, b: 'f', f: 1234567, n: 1 },
    { a: 4, b: 'f', f: 1234568, n: 1 },
    { a: 5, b: 'staging', f: null, n: 1 },
  ]);
});

test('a table without a key: past the limit of rows to record, the count is still told, keep refuses (preflight check and merge), discard goes; staging\'s UNIQUE key catches a kept copy', async (t) => {
  const { production, s, p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.log (a INT, b VARCHAR(10)) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.log VALUES (1, 'x')");
    }
    await p.query("INSERT INTO shop.log VALUES (2, 'a'), (3, 'b'), (3, 'b'), (4, 'c')");
  });
  const target = dbTargetFromConfig(agentConfig('prod-1', production).database);
  const logger = createLogger({ level: 'silent' });
  const store = new ProductionOnlyStore();
  const pre = (max: number) => {
    const source = new GrpcSourcePeer({ ...peer, peer_server_name: '' } as never, { insecure: true });
    return preflightDatabase({ target, peer: source, targetSchema: 'shop', store, logger, maxRowHashes: max }).finally(() => source.close());
  };
  const over = await pre(2);
  assert.deepEqual(over.production_only!.map((x) => [x.table, Number(x.rows), x.too_many_to_keep]), [['log', 4, true]]);
  assert.match(over.notes!.join('\n'), /log: .*more than 2 different .*keep cannot merge them back/);
  const refused = productionOnlyCheck(toOutput(over), 'keep');
  assert.equal(refused.status, 'fail');
  assert.match(refused.message, /log \(4 rows\).*productionOnlyRows: discard/);
  assert.equal(productionOnlyCheck(toOutput(over), 'discard').status, 'warn');
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await assert.rejects(mergeProductionOnly(target, 'shop', 'keep', store), (err: SwitchyardError) => {
    assert.equal(err.code, 'SY_PRECONDITION');
    assert.match(err.message, /log: .*too many to record/);
    return true;
  });
  assert.deepEqual(await mergeProductionOnly(target, 'shop', 'discard', store), { rowsMerged: 0, tables: [], rowsNotFound: 0, notFound: [], superseded: [], keptWithTable: [], mergedGoneLive: [] });

  // Within the limit, and staging has put a UNIQUE key on the table since: the rows are compared
  // whole all the same, and a kept copy that takes a unique value staging holds is named.
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  await s.query('ALTER TABLE shop.log ADD UNIQUE KEY a (a)');
  await s.query("INSERT INTO shop.log VALUES (4, 'staging')");
  const found = await pre(10);
  assert.deepEqual(found.production_only!.map((x) => [x.table, Number(x.rows), x.too_many_to_keep]), [['log', 4, false]]);
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await assert.rejects(mergeProductionOnly(target, 'shop', 'keep', store), (err: SwitchyardError) => {
    assert.equal(err.code, 'SY_CONFLICT');
    assert.match(err.message, /log: row hash \d+ takes a '4' from a staging row/);
    assert.match(err.message, /log: row hash \d+ takes a '3' from another copy of the same row, merged with it \(production had it more than once; the unique key allows one\)/, 'the second copy of (3, b) collides with the first, not with a staging row');
    return true;
  });
  assert.deepEqual((await p.query('SELECT a, b FROM shop.log ORDER BY a'))[0], [{ a: 1, b: 'x' }, { a: 4, b: 'staging' }], 'nothing merged');
});

test('keep: a production-only row that takes a unique value staging gave another row fails SY_CONFLICT naming table, key and value; nothing merged, triggers back', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    await loadFixture(s, 'shop');
    await loadFixture(p, 'shop');
    // A cron on production wrote a transient; staging wrote one of the same name, under another id.
    await p.query("INSERT INTO shop.orders (customer, total, created) VALUES ('webhook', 1, '2024-05-01')");
    await p.query("INSERT INTO shop.wp_options (option_id, option_name, option_value) VALUES (500, '_transient_doing_cron', 'prod')");
  });
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(pre.production_only.find((x) => x.table === 'wp_options')!.rows), 1);
  await s.query("INSERT INTO shop.wp_options (option_id, option_name, option_value) VALUES (400, '_transient_doing_cron', 'staging')");
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await assert.rejects(unaryCall(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /wp_options/);
    assert.match(err.message, /option_name/);
    assert.match(err.message, /_transient_doing_cron/);
    assert.match(err.message, /\b500\b/, 'the production-only row named by its key');
    assert.match(err.message, /wp_options: option_id 500 takes option_name '_transient_doing_cron' from the staging row option_id 400/, 'and the row that holds the value, by its key');
    return true;
  });
  const [[merged]] = (await p.query("SELECT (SELECT COUNT(*) FROM shop.orders WHERE customer = 'webhook') + (SELECT COUNT(*) FROM shop.wp_options WHERE option_id = 500) AS n")) as unknown as [[{ n: number }]];
  assert.equal(Number(merged.n), 0, 'nothing merged, in any table');
  const [trg] = await p.query("SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'");
  assert.deepEqual(trg, [{ n: 'orders_audit' }], 'the triggers are back');
  // And the rows are still there to merge once the conflict is resolved.
  await p.query("DELETE FROM shop.wp_options WHERE option_name = '_transient_doing_cron'");
  const ok = await unaryCall<object, { rows_merged: string }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(ok.rows_merged), Number(pre.production_only_rows));
});

/** Row a webhook writes on production only, after the first copy. */
const WEBHOOK_ROW = "INSERT INTO shop.wp_options (option_id, option_name, option_value) VALUES (700, 'webhook_seen', 'yes')";

/** The fixture on both sides and a first copy; then a webhook reaches the new host and preflight (again) finds its row. */
async function webhookAfterFirstCopy(t: TestContext) {
  const env = await twoAgents(t, async ({ s, p }) => {
    await loadFixture(s, 'shop');
    await loadFixture(p, 'shop');
  });
  const { p, prodAgent, peer } = env;
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query(WEBHOOK_ROW);
  const pre = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(pre.production_only_rows), 1);
  return env;
}

/** Two more copies, then keep: the webhook's row is merged back. */
async function twoCopiesThenKeep({ p, prodAgent, peer }: TwoAgents<void>) {
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const merged = await unaryCall<object, { rows_merged: string }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual((await p.query('SELECT option_value FROM shop.wp_options WHERE option_id = 700'))[0], [{ option_value: 'yes' }]);
}

test('keep after preflight ran between copies and presync ran twice more: the recorded rows survive the third copy', async (t) => {
  await twoCopiesThenKeep(await webhookAfterFirstCopy(t));
});

test('keep after preflight ran between copies, then a rollback and two more copies: the rows are found where the first new copy put them', async (t) => {
  const env = await webhookAfterFirstCopy(t);
  // Rolled back: production's own tables are live again and the row went with the copy it was
  // written into; the webhook's retry writes it again. The next copy is a first one: __sy_prev.
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  await env.p.query(WEBHOOK_ROW);
  await twoCopiesThenKeep(env);
});

// A rerun copy that stopped after its RENAME TABLE, before the agent's records of production-only
// rows were told where those rows went: the records still name rows of tables that are no longer
// live. A retried copy, a preflight or a DB rollback must not take them for rows of the new live
// tables (staging's copy): the rows already kept in <db>__sy_last stay as production wrote them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';
import type { PreflightReport__Output } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { MergeReport__Output } from '../../shared/proto-gen/switchyard/v1/MergeReport.js';

/** The same small shop on both sides. */
async function shop({ s, p }: { s: Connection; p: Connection }): Promise<void> {
  for (const c of [s, p]) {
    await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  }
}

type Env = Awaited<ReturnType<typeof twoAgents>>;

function calls({ prodAgent, peer }: Pick<Env, 'prodAgent' | 'peer'>) {
  return {
    preflight: () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer }),
    copy: () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 }),
    keep: () => unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' }),
    rollback: () => unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }),
  };
}

/**
 * A view on staging that production cannot create (it reads a schema only staging has): the copy
 * fails after its RENAME TABLE swapped the tables in, before the agent's records were updated —
 * as an agent stopped there leaves them. `fixed` drops it again, for the retry.
 */
async function breakObjects(s: Connection): Promise<{ fixed: () => Promise<void> }> {
  await s.query('CREATE DATABASE elsewhere');
  await s.query('CREATE TABLE elsewhere.t (x INT)');
  await s.query('CREATE VIEW shop.reads_elsewhere AS SELECT x FROM elsewhere.t');
  return { fixed: async () => void (await s.query('DROP VIEW shop.reads_elsewhere')) };
}

const keptOrders = async (p: Connection) => (await p.query('SELECT id, v FROM shop__sy_last.orders WHERE id >= 10 ORDER BY id'))[0];
const liveOrders = async (p: Connection, ids: number[]) => (await p.query(`SELECT id, v FROM shop.orders WHERE id IN (${ids.join(', ')}) ORDER BY id`))[0];

/** Row 10 kept in shop__sy_last by a rerun copy; rows 11 and 12 written on production since, and recorded. */
async function keptAndRecorded(env: Env): Promise<void> {
  const { p } = env;
  const { preflight, copy } = calls(env);
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (10, 'kept earlier')");
  await preflight();
  await copy(); // orders, with row 10, now in shop__sy_last
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook'), (12, 'order')");
  assert.equal(Number((await preflight()).production_only_rows), 3, 'the kept row told with the two new ones');
}

const KEPT = [
  { id: 10, v: 'kept earlier' },
  { id: 11, v: 'webhook' },
  { id: 12, v: 'order' },
];

test('a rerun copy stopped after its RENAME TABLE, then retried: the rows it took into __sy_last stay as production wrote them, not replaced by staging’s row of the key or deleted', async (t) => {
  const env = await twoAgents(t, shop);
  const { s, p } = env;
  const { copy } = calls(env);
  await keptAndRecorded(env);
  // Staging takes key 11 for a row of its own since preflight (a colliding auto-increment); it lacks 12.
  await s.query("INSERT INTO shop.orders VALUES (11, 'staging eleven')");
  const broken = await breakObjects(s);
  await assert.rejects(copy(), /reads_elsewhere/);
  assert.deepEqual(await liveOrders(p, [11]), [{ id: 11, v: 'staging eleven' }], "the tables were swapped: staging's copy is live");
  assert.deepEqual(await keptOrders(p), KEPT, 'the stopped copy took rows 11 and 12 into __sy_last');

  await broken.fixed();
  await copy();
  assert.deepEqual(await keptOrders(p), KEPT, 'the retry did not join the recorded keys from the new live table');
  assert.deepEqual((await p.query("SELECT kind FROM shop__sy_prev.__sy_kept WHERE kind IN ('LANDING', 'LANDED')"))[0], [], 'the notes went once the agent was told');
});

test('a rerun copy stopped right after its RENAME TABLE, before it noted so: the marker moved with the tables tells the retry, which keeps the rows', async (t) => {
  const env = await twoAgents(t, shop);
  const { s, p } = env;
  const { copy } = calls(env);
  await keptAndRecorded(env);
  const broken = await breakObjects(s);
  await assert.rejects(copy(), /reads_elsewhere/);
  // What an agent stopped between the RENAME TABLE and its next statement leaves: the entries
  // written before it, and the marker table the RENAME moved into __sy_prev.
  await p.query("UPDATE shop__sy_prev.__sy_kept SET kind = 'LANDING' WHERE kind = 'LANDED'");
  await p.query('CREATE TABLE shop__sy_prev.__sy_landed (landed TINYINT)');
  await broken.fixed();
  await copy();
  assert.deepEqual(await keptOrders(p), KEPT);
  assert.deepEqual((await p.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_prev' AND TABLE_NAME = '__sy_landed'"))[0], [], 'the marker went');
  assert.deepEqual((await p.query("SELECT kind FROM shop__sy_prev.__sy_kept WHERE kind IN ('LANDING', 'LANDED')"))[0], []);
  const merged = await calls(env).keep();
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual(await liveOrders(p, [10, 11, 12]), KEPT);
});

test('preflight run after a rerun copy stopped past its RENAME TABLE keeps the records of the rows that copy took into __sy_last: keep merges them after the retry', async (t) => {
  const env = await twoAgents(t, shop);
  const { s, p } = env;
  const { preflight, copy, keep } = calls(env);
  await keptAndRecorded(env);
  const broken = await breakObjects(s);
  await assert.rejects(copy(), /reads_elsewhere/);
  const again = await preflight();
  assert.equal(Number(again.production_only_rows), 3, 'told again as kept aside, not forgotten');
  assert.match(again.notes.join('\n'), /orders: 3 rows only production had, recorded by an earlier preflight, are kept aside in shop__sy_last/);
  await broken.fixed();
  await copy();
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 3);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual(await liveOrders(p, [10, 11, 12]), KEPT);
});

test('a DB rollback after a rerun copy stopped past its RENAME TABLE: the rows that copy took into __sy_last stay as production wrote them', async (t) => {
  const env = await twoAgents(t, shop);
  const { s, p } = env;
  const { copy, rollback, keep } = calls(env);
  await keptAndRecorded(env);
  await s.query("INSERT INTO shop.orders VALUES (11, 'staging eleven')");
  const broken = await breakObjects(s);
  await assert.rejects(copy(), /reads_elsewhere/);
  await rollback();
  assert.deepEqual(await keptOrders(p), KEPT, 'not replaced by the rows of the copy the rollback swapped out');
  assert.deepEqual(await liveOrders(p, [10, 11, 12]), [], "production's own tables are back");
  await broken.fixed();
  await s.query('DELETE FROM shop.orders WHERE id = 11');
  await copy();
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual(await liveOrders(p, [10, 11, 12]), KEPT);
});

test('a rerun copy stopped past its RENAME TABLE, then retried: the replaced tables __sy_last lacked (recorded rows, a table only production has) are kept there, not dropped with the trash', async (t) => {
  const env = await twoAgents(t, shop);
  const { s, p } = env;
  const { preflight, copy, keep } = calls(env);
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook'), (12, 'order')");
  await p.query('CREATE TABLE shop.plugin_log (id INT PRIMARY KEY, msg VARCHAR(20) NOT NULL) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.plugin_log VALUES (1, 'only here')");
  assert.equal(Number((await preflight()).production_only_rows), 2 + 1);
  const broken = await breakObjects(s);
  await assert.rejects(copy(), /reads_elsewhere/);
  await broken.fixed();
  await copy();
  assert.deepEqual(await keptOrders(p), KEPT.slice(1), 'the table holding the recorded rows');
  assert.deepEqual((await p.query('SELECT id, msg FROM shop__sy_last.plugin_log'))[0], [{ id: 1, msg: 'only here' }], 'the table only production had');
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual(await liveOrders(p, [11, 12]), KEPT.slice(1));
});

/**
 * A DB rollback that stops past its own RENAME TABLE, before the agent's records were told where
 * the recorded rows went: a client reading `__sy_prev`'s ledger holds up the rollback's DROP of
 * `__sy_prev`, which comes after the RENAME, until it gives up.
 */
async function rollbackStoppedPastRename(env: Env): Promise<void> {
  const x = await env.production.rootConnection();
  try {
    await x.query('START TRANSACTION');
    await x.query('SELECT COUNT(*) FROM shop__sy_prev.__sy_kept');
    await assert.rejects(calls(env).rollback(), /gave up waiting for a lock/);
  } finally {
    await x.query('ROLLBACK');
    await x.end();
  }
  assert.deepEqual(await liveOrders(env.p, [1, 2, 3, 10, 11, 12]), [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }], "the RENAME ran: production's own tables are live");
  assert.deepEqual(await keptOrders(env.p), KEPT, 'the stopped rollback took rows 11 and 12 into __sy_last');
}

const rollbackNotes = async (p: Connection) =>
  (await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_last' AND TABLE_NAME LIKE '\\_\\_sy\\_%'"))[0];

test('a DB rollback stopped past its RENAME TABLE, before the agent was told: preflight keeps the records of the rows it took into __sy_last, and keep merges them after the next copy', async (t) => {
  const env = await twoAgents(t, shop, { productionDatabase: { lockWaitSeconds: 1 } });
  const { p } = env;
  const { preflight, copy, keep } = calls(env);
  await keptAndRecorded(env);
  await rollbackStoppedPastRename(env);
  const again = await preflight();
  assert.equal(Number(again.production_only_rows), 3, 'told again as kept aside, not forgotten');
  assert.match(again.notes.join('\n'), /orders: 3 rows only production had, recorded by an earlier preflight, are kept aside in shop__sy_last/);
  assert.deepEqual(await rollbackNotes(p), [], "the rollback's notes and marker went once the agent was told");
  await copy();
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 3);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual(await liveOrders(p, [10, 11, 12]), KEPT);
});

test('a DB rollback stopped past its RENAME TABLE, retried, then a copy without preflight: the rows it took into __sy_last are not taken for rows of production’s own tables, and keep merges them', async (t) => {
  const env = await twoAgents(t, shop, { productionDatabase: { lockWaitSeconds: 1 } });
  const { p } = env;
  const { copy, keep, rollback } = calls(env);
  await keptAndRecorded(env);
  await rollbackStoppedPastRename(env);
  // Stopped right after the RENAME instead, before it noted so: the entries written before it, and
  // the marker the RENAME renamed.
  await p.query("UPDATE shop__sy_last.__sy_kept SET kind = 'LANDING' WHERE kind = 'LANDED'");
  await p.query('CREATE TABLE shop__sy_last.__sy_rolled (rolled TINYINT)');
  await assert.rejects(rollback(), /production's tables are live already/);
  await copy();
  assert.deepEqual(await rollbackNotes(p), []);
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 3);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual(await liveOrders(p, [10, 11, 12]), KEPT);
});

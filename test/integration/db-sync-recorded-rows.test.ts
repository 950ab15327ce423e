// Production-only rows a preflight recorded in the live copy ('last'), with no copy since to take
// them aside — another cutover of the site ran preflight while this one waited to sync. Sync's
// repair replaces the chunks holding them with staging's: they must be kept aside first, where
// keep merges them from, not lost with the repair.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';
import type { PreflightReport__Output } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { MergeReport__Output } from '../../shared/proto-gen/switchyard/v1/MergeReport.js';
import type { Connection } from 'mysql2/promise';
import { openDatabase } from '../../shared/state/sqlite.js';
import { DB_MIGRATIONS } from '../../agent/db/freeze.js';
import { ProductionOnlyStore } from '../../agent/db/preflight.js';
import { compareDatabases } from '../../agent/db/compare.js';
import { GrpcSourcePeer, type SourcePeer } from '../../agent/db/peer.js';
import { silentLogger } from '../../shared/logger.js';

test('sync after a preflight of the live copy: the production-only rows it recorded are kept in __sy_last before the repair replaces their chunks, and keep merges them back', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s: stag, p: prod }) => {
    for (const c of [stag, prod]) {
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      await c.query('CREATE TABLE shop.hits (page VARCHAR(20) NOT NULL, n INT NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.hits VALUES ('/', 1)");
    }
  });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  // Written on production since the copy (webhooks), then found by a preflight.
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook'), (12, 'order')");
  await p.query("INSERT INTO shop.hits VALUES ('/shop/', 7)");
  const report = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(report.production_only_rows), 3);
  // Staging changes meanwhile: the chunks holding the recorded rows differ either way.
  await s.query("UPDATE shop.orders SET v = 'A' WHERE id = 1");
  await s.query("INSERT INTO shop.hits VALUES ('/about/', 2)");

  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.ok(sync.tables.some((x) => Number(x.differing_chunks) > 0 || Number(x.rows_copied) > 0), 'the repair ran');
  assert.deepEqual((await p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }], "the live table is staging's");
  assert.deepEqual((await p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }], 'the recorded rows were kept aside first');
  assert.deepEqual((await p.query('SELECT page, n FROM shop__sy_last.hits'))[0], [{ page: '/shop/', n: 7 }]);
  assert.deepEqual((await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_last' AND TABLE_NAME LIKE '\\_\\_sy\\_%'"))[0], [], 'the notes went once the agent was told');

  // Run again: nothing joins twice (a row without a key would be kept twice).
  await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 });
  assert.deepEqual((await p.query('SELECT page, n FROM shop__sy_last.hits'))[0], [{ page: '/shop/', n: 7 }]);

  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual((await p.query("SELECT page, n FROM shop.hits WHERE page = '/shop/'"))[0], [{ page: '/shop/', n: 7 }]);
});

/**
 * The setup of the test above, the agent's state shared with the test: a copy, production-only
 * rows written on it (keyed orders 11 and 12, one row of the keyless hits), a preflight that
 * records them in the live tables ('last'), and staging changed in the chunks that hold them.
 */
async function recordedAfterCopy(t: Parameters<typeof twoAgents>[0]) {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const store = new ProductionOnlyStore(state);
  const env = await twoAgents(t, async ({ s: stag, p: prod }) => {
    for (const c of [stag, prod]) {
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      await c.query('CREATE TABLE shop.hits (page VARCHAR(20) NOT NULL, n INT NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.hits VALUES ('/', 1)");
    }
  }, { productionState: state });
  const { s, p, prodAgent, peer, production } = env;
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook'), (12, 'order')");
  await p.query("INSERT INTO shop.hits VALUES ('/shop/', 7)");
  const report = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(report.production_only_rows), 3);
  assert.deepEqual(store.records('shop').map((r) => [r.table, r.keptIn]), [['hits', 'last'], ['orders', 'last']]);
  await s.query("UPDATE shop.orders SET v = 'A' WHERE id = 1");
  await s.query("INSERT INTO shop.hits VALUES ('/about/', 2)");
  const target = { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password, lockWaitSeconds: 1 };
  const source = new GrpcSourcePeer({ ...peer, peer_server_name: '', peer_name: '' }, { insecure: true });
  t.after(() => source.close());
  return { ...env, store, target, source };
}

/** A sync whose repair fails (staging stops streaming rows) after the recorded rows were kept aside. */
async function syncStoppedAfterKeepingAside(env: Awaited<ReturnType<typeof recordedAfterCopy>>): Promise<void> {
  const failing: SourcePeer = Object.assign(Object.create(env.source) as SourcePeer, {
    streamTable: async function* (): AsyncIterable<Buffer> {
      throw new Error('staging went away');
    },
  });
  await assert.rejects(
    compareDatabases({ target: env.target, peer: failing, sourceSchema: 'shop', targetSchema: 'shop', repair: true, parallelism: 2, targetMs: 500, logger: silentLogger(), productionOnly: env.store }),
    /staging went away/,
  );
  // Nothing repaired: the rows are live still, and in __sy_last too.
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual((await env.p.query("SELECT page, n FROM shop.hits WHERE page = '/shop/'"))[0], [{ page: '/shop/', n: 7 }]);
  assert.deepEqual((await env.p.query('SELECT id FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11 }, { id: 12 }]);
  assert.deepEqual((await env.p.query('SELECT page FROM shop__sy_last.hits'))[0], [{ page: '/shop/' }]);
}

/**
 * A sync that stops after it kept the recorded rows aside and before its repair begins: staging
 * goes away while the chunks are compared. Nothing but production writes the live tables since.
 */
async function syncStoppedBeforeRepair(env: Awaited<ReturnType<typeof recordedAfterCopy>>): Promise<void> {
  const failing: SourcePeer = Object.assign(Object.create(env.source) as SourcePeer, {
    checksumChunks: async function* (): AsyncIterable<never> {
      throw new Error('staging went away');
    },
  });
  await assert.rejects(
    compareDatabases({ target: env.target, peer: failing, sourceSchema: 'shop', targetSchema: 'shop', repair: true, parallelism: 2, targetMs: 500, logger: silentLogger(), productionOnly: env.store }),
    /staging went away/,
  );
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual((await env.p.query('SELECT id FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11 }, { id: 12 }], 'kept aside, and live still');
}

const hitsRows = async (p: Connection) => (await p.query('SELECT page, n FROM shop.hits ORDER BY page, n'))[0];

test('a sync that fails after it kept the recorded rows aside, and no sync after it: keep leaves them once in the live tables, neither doubled nor lost', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/shop/', n: 7 }], 'the keyless row once, not twice');
});

test('a sync that fails after it kept the recorded rows aside, then a preflight again: keep still merges each row once', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  // The rows are live still: this preflight finds them again, beside the record of them in __sy_last.
  await unaryCall<object, PreflightReport__Output>(env.prodAgent.client, 'PreflightDatabase', { peer: env.peer });
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/shop/', n: 7 }], 'the keyless row once, not twice');
});

test('a sync that fails after it kept the recorded rows aside, then the sync run again: the repair completes and keep merges each row once', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }], "the live table is staging's");
  assert.deepEqual((await env.p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_last' AND TABLE_NAME LIKE '\\_\\_sy\\_%'"))[0], [], 'the note went with the repair');
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }]);
});

test('a sync that fails after it kept the recorded rows aside, then a DB rollback: the rows are in __sy_last once, and keep after the next copy merges each once', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await env.p.query('SELECT id FROM shop.orders ORDER BY id'))[0], [{ id: 1 }, { id: 2 }, { id: 3 }], "production's own tables are live");
  assert.deepEqual((await env.p.query('SELECT id FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11 }, { id: 12 }]);
  assert.deepEqual((await env.p.query('SELECT page FROM shop__sy_last.hits'))[0], [{ page: '/shop/' }], 'kept once: the rollback did not join them again');
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }]);
});

/**
 * Production-only rows recorded by a preflight in orders and in notes (a table of staging's alone,
 * with one row of its own when `stagingRow`), then staging drops notes before the sync.
 */
async function recordedThenDropped(t: TestContext, stagingRow: boolean) {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const store = new ProductionOnlyStore(state);
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s: stag, p: prod }) => {
    for (const c of [stag, prod]) {
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a')");
    }
    // Staging's alone: the copy brings it, and production's own tables (in __sy_prev) lack it.
    await stag.query('CREATE TABLE shop.notes (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    if (stagingRow) await stag.query("INSERT INTO shop.notes VALUES (1, 'n')");
  }, { productionState: state });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook')");
  await p.query("INSERT INTO shop.notes VALUES (5, 'production')");
  await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.deepEqual(store.records('shop').map((r) => [r.table, r.keptIn]), [['notes', 'last'], ['orders', 'last']]);
  await s.query('DROP TABLE shop.notes');
  return { state, store, p, prodAgent, peer };
}

test('rows recorded in a table staging drops before sync: the record follows the table sync moves aside whole, and keep merges the rest and tells those kept with it, instead of failing', async (t) => {
  const { store, p, prodAgent, peer } = await recordedThenDropped(t, true);

  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.match(sync.tables.find((x) => x.table === 'notes')!.note, /moved aside to shop__sy_prev/);
  assert.deepEqual((await p.query('SELECT id, v FROM shop__sy_prev.notes ORDER BY id'))[0], [{ id: 1, v: 'n' }, { id: 5, v: 'production' }], 'the table went whole, rows and all');
  assert.deepEqual(store.records('shop').map((r) => [r.table, r.keptIn]), [['notes', 'prev'], ['orders', 'last-kept']], 'each record says where its rows are');

  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual(merged.kept_with_table, ['notes: 1 row kept in shop__sy_prev.notes, moved aside whole (staging no longer has the table): not merged']);
  assert.deepEqual((await p.query('SELECT id FROM shop.orders ORDER BY id'))[0], [{ id: 1 }, { id: 11 }]);
  assert.deepEqual((await p.query('SELECT id FROM shop__sy_prev.notes ORDER BY id'))[0], [{ id: 1 }, { id: 5 }], 'still kept aside, until release');
});

test('keep after a stop between the sync moving a table aside whole and the record being told: keep finds the table where it went', async (t) => {
  const { state, store, prodAgent, peer } = await recordedThenDropped(t, false);
  await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 });
  // As if the agent stopped right after the RENAME: the record still says the live tables.
  const notes = store.records('shop').find((r) => r.table === 'notes')!;
  state.prepare("UPDATE db_production_only SET kept_in = 'last' WHERE table_name = 'notes'").run();
  assert.equal(store.records('shop').find((r) => r.table === 'notes')!.keptIn, 'last');
  assert.equal(notes.keys.length, 1);
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1);
  assert.deepEqual(merged.kept_with_table, ['notes: 1 row kept in shop__sy_prev.notes, moved aside whole (staging no longer has the table): not merged']);
});

test("a sync that stops before its repair, after it kept the recorded rows aside, then production changes one of them: keep leaves production's newer live row and tells the kept one, instead of refusing it as a staging row", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  // The order is paid on production: its live row changes; the one kept aside is the older.
  await env.p.query("UPDATE shop.orders SET v = 'paid' WHERE id = 11");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual(merged.superseded, ['orders: 1 row in shop__sy_last under a key whose live row production changed after sync kept it aside (the live row is the newer), not merged (11)']);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'paid' }, { id: 12, v: 'order' }], "production's change stands");
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/shop/', n: 7 }], 'the keyless row once, not twice');
  assert.deepEqual((await env.p.query('SELECT v FROM shop__sy_last.orders WHERE id = 11'))[0], [{ v: 'webhook' }], 'the older row stays kept aside until release');
});

test("a sync that stops in its repair, after it kept the recorded rows aside, then production changes one of them: keep refuses it saying the live row is production's change or the stopped repair's staging row, not a staging row", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query("UPDATE shop.orders SET v = 'paid' WHERE id = 11");
  await assert.rejects(unaryCall(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /production-only rows a sync kept aside in shop__sy_last while they stayed live differ from the live row under the same key, which production changed since or that sync's repair \(stopped part-way\) replaced with staging's: orders:11 — compare each live row with the one kept in shop__sy_last under its key/);
    assert.doesNotMatch(err.message, /collide with staging rows/);
    return true;
  });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'paid' }, { id: 12, v: 'order' }], 'nothing merged');
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/shop/', n: 7 }]);
});

test("a sync that fails after it kept the recorded rows aside, then a DB rollback, and staging writes a row alike to a kept one: keep after the next copy merges production's copy beside staging's", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  // The rolled-back copy's tables held the kept row live; the next copy's hold staging's alike one.
  await env.s.query("INSERT INTO shop.hits VALUES ('/shop/', 7)");
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }, { page: '/shop/', n: 7 }], "staging's row and production's, not production's taken for live still");
});

test("a sync that fails after it kept the recorded rows aside, then a rerun copy, and staging writes a row alike to a kept one: keep merges production's copy beside staging's", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.s.query("INSERT INTO shop.hits VALUES ('/shop/', 7)");
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }, { page: '/shop/', n: 7 }]);
});

test("a sync that stops before its repair, after it kept the recorded rows aside, then production changes one of them, then the sync run again: the newer live row is kept aside in place of the older, and keep merges it", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  // The order is paid on production; no preflight runs before the sync is retried.
  await env.p.query("UPDATE shop.orders SET v = 'paid' WHERE id = 11");
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }], "the live table is staging's");
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'paid' }, { id: 12, v: 'order' }], "production's change was kept aside before the repair replaced it");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'paid' }, { id: 12, v: 'order' }], "production's change, not the older row kept aside");
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }]);
});

test("a sync that stops in its repair, after it kept the recorded rows aside, then production changes one of them, then the sync run again: it refuses naming the row and what to do, changes nothing, and once the operator keeps the live row aside it completes and keep merges that row", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query("UPDATE shop.orders SET v = 'paid' WHERE id = 11");
  await assert.rejects(streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /production-only rows an earlier sync kept aside in shop__sy_last while they stayed live differ from the live row under the same key, which production changed since or that sync's repair \(stopped part-way\) replaced with staging's: orders:11;/);
    assert.match(err.message, /nothing was changed — compare each live row with the one kept in shop__sy_last under its key: if the live row is production's \(newer\), copy it over the kept one \(REPLACE INTO shop__sy_last\.<table> SELECT \* FROM shop\.<table> WHERE <key>\)/);
    return true;
  });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'paid' }, { id: 12, v: 'order' }], 'nothing repaired');
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }], 'the kept rows as they were');
  // The operator: the live row is production's (the order was paid).
  await env.p.query('REPLACE INTO shop__sy_last.orders SELECT * FROM shop.orders WHERE id = 11');
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }], "the live table is staging's");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'paid' }, { id: 12, v: 'order' }]);
});

test("a sync that stops before its repair, after it kept the recorded rows aside, then production changes one and deletes another, then a DB rollback: the changed row replaces the older kept copy, the deleted one's copy goes, and keep after the next copy merges production's last word", async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  // The order is paid, the other cancelled, on production; then the cutover is rolled back.
  await env.p.query("UPDATE shop.orders SET v = 'paid' WHERE id = 11");
  await env.p.query('DELETE FROM shop.orders WHERE id = 12');
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await env.p.query('SELECT id FROM shop.orders ORDER BY id'))[0], [{ id: 1 }, { id: 2 }, { id: 3 }], "production's own tables are live");
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'paid' }], "production's change kept aside in place of the older copy; the deleted row's copy gone");
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'paid' }], "production's change, and its delete, stand");
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }]);
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual(merged.not_found, ['orders: 1 row not in shop__sy_last (12)'], 'told as a recorded row production deleted');
});

test('a sync that stops in its repair, after it kept the recorded rows aside, then production changes one of them, then a DB rollback: it refuses naming the row and what to do, and changes nothing', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query("UPDATE shop.orders SET v = 'paid' WHERE id = 11");
  await assert.rejects(unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /differ from the live row under the same key, which production changed since or that sync's repair \(stopped part-way\) replaced with staging's: orders:11;/);
    assert.match(err.message, /this rollback would drop the live row with the copy, and keep would merge the one kept aside, so nothing was changed/);
    return true;
  });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'paid' }, { id: 12, v: 'order' }], 'the copy is live still');
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }], 'the kept rows as they were');
  // The operator: the live row is production's. The rollback then goes through and keeps it.
  await env.p.query('REPLACE INTO shop__sy_last.orders SELECT * FROM shop.orders WHERE id = 11');
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'paid' }, { id: 12, v: 'order' }]);
});

test('a sync that stops before its repair, after it kept the recorded rows aside, then production deletes one of them: keep does not merge the kept copy back, and tells it superseded by the delete', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  await env.p.query('DELETE FROM shop.orders WHERE id = 12');
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'webhook' }], "production's delete stands");
  assert.deepEqual(merged.superseded, ['orders: 1 row in shop__sy_last under a key whose live row production deleted after sync kept it aside (the delete is the newer), not merged (12)']);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await env.p.query('SELECT v FROM shop__sy_last.orders WHERE id = 12'))[0], [{ v: 'order' }], 'the older row stays kept aside until release');
});

test('a sync that stops in its repair, after it kept the recorded rows aside, then one of them is gone from the live table: keep merges the kept copy back, as before, and says the delete may have been production\'s', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query('DELETE FROM shop.orders WHERE id = 12');
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }], 'merged back: the repair may have deleted it');
  assert.deepEqual(merged.merged_gone_live, ["orders: 1 row merged from shop__sy_last under a key whose live row is gone since sync kept it aside, after that sync's repair began on the table: production may have deleted it, or the repair did — delete it again if production did (12)"]);
});

test('a sync that stops before its repair, after it kept the recorded rows aside, then production deletes one of them, then the sync run again: the kept copy goes, and keep does not merge it back', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  await env.p.query('DELETE FROM shop.orders WHERE id = 12');
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'webhook' }], "the deleted row's copy went before the repair");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }, { id: 11, v: 'webhook' }], "production's delete stands");
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual(merged.not_found, ['orders: 1 row not in shop__sy_last (12)'], 'told as a recorded row production deleted');
});

// The keyless row (hits '/shop/', 7) the same ways: rows without a key are told apart by content
// (row hash), and a copy the live table lost before any repair began is production's newer word.

test('a sync that stops before its repair, after it kept the recorded rows aside, then production deletes the row without a key: keep does not merge it back, and tells it superseded by the delete', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  await env.p.query("DELETE FROM shop.hits WHERE page = '/shop/'");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }], "production's delete stands");
  assert.equal(merged.superseded.length, 1, merged.superseded.join('; '));
  assert.match(merged.superseded[0]!, /^hits: 1 row without a key in shop__sy_last, whose live copies production deleted or changed after sync kept them aside \(the delete is the newer\), not merged \(row hash \d+\)$/);
  assert.deepEqual(merged.merged_gone_live, []);
});

test('a sync that stops before its repair, after it kept the recorded rows aside, then production deletes the row without a key, then the sync run again: the kept copy goes, and keep does not merge it back', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  await env.p.query("DELETE FROM shop.hits WHERE page = '/shop/'");
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }], "the live table is staging's");
  assert.deepEqual((await env.p.query('SELECT page FROM shop__sy_last.hits'))[0], [], "the deleted row's copy went before the repair");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }], "production's delete stands");
  assert.equal(Number(merged.rows_merged), 2, 'the two orders');
  assert.equal(merged.not_found.length, 1, merged.not_found.join('; '));
  assert.match(merged.not_found[0]!, /^hits: 1 row not in shop__sy_last \(row hash \d+\)$/, 'told as a recorded row production deleted');
});

test('a sync that stops before its repair, after it kept the recorded rows aside, then production changes the row without a key, then a DB rollback: the older kept copy goes, and keep after the next copy does not bring it back', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedBeforeRepair(env);
  // Without a key, a change is another row: the kept one is no longer production's.
  await env.p.query("UPDATE shop.hits SET n = 8 WHERE page = '/shop/'");
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await env.p.query('SELECT page FROM shop__sy_last.hits'))[0], [], 'the older copy went with the rollback');
  assert.deepEqual((await env.p.query('SELECT id FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11 }, { id: 12 }], 'the keyed rows stay kept');
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }], 'the older row is not merged back');
  assert.equal(Number(merged.rows_merged), 2);
});

test('a sync that stops in its repair, after it kept the recorded rows aside, then the row without a key is gone from the live table: keep merges the kept copy back, and says the delete may have been production\'s', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query("DELETE FROM shop.hits WHERE page = '/shop/'");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/shop/', n: 7 }], 'merged back: the repair may have deleted it');
  assert.deepEqual(merged.superseded, []);
  assert.equal(merged.merged_gone_live.length, 1, merged.merged_gone_live.join('; '));
  assert.match(merged.merged_gone_live[0]!, /^hits: 1 row without a key merged from shop__sy_last, whose live copies are gone since sync kept them aside, after that sync's repair began on the table: production may have deleted them, or the repair did — delete them again if production did \(row hash \d+\)$/);
});

/** A sync stopped in its repair after it kept the recorded rows aside, then order 12 and the /shop/ hit gone from the live tables. */
async function keptRowsGoneLive(t: TestContext) {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query('DELETE FROM shop.orders WHERE id = 12');
  await env.p.query("DELETE FROM shop.hits WHERE page = '/shop/'");
  return env;
}

/** Keep merges both gone rows back and tells each in merged_gone_live once: `ledger`'s GONE_LIVE notes go with the merge. */
async function assertKeepMergesGoneLiveBack(env: Awaited<ReturnType<typeof recordedAfterCopy>>, ledger: 'shop__sy_prev' | 'shop__sy_last'): Promise<void> {
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }], 'merged back: the stopped repair may have deleted it');
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }, { page: '/shop/', n: 7 }]);
  assert.equal(merged.merged_gone_live.length, 2, merged.merged_gone_live.join('; '));
  assert.match(merged.merged_gone_live.find((x) => x.startsWith('orders:')) ?? '', /^orders: 1 row merged from shop__sy_last under a key whose live row is gone since sync kept it aside, after that sync's repair began on the table: .*\(12\)$/);
  assert.match(merged.merged_gone_live.find((x) => x.startsWith('hits:')) ?? '', /^hits: 1 row without a key merged from shop__sy_last, .*\(row hash \d+\)$/);
  assert.deepEqual((await env.p.query(`SELECT name FROM ${ledger}.__sy_kept WHERE kind = 'GONE_LIVE'`))[0], [], 'told once: the notes went with the merge');
}

test('a sync that stops in its repair, after it kept the recorded rows aside, then kept rows are gone from the live tables, then the sync run again: keep merges them back and still tells them in merged_gone_live', async (t) => {
  const env = await keptRowsGoneLive(t);
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual(await hitsRows(env.p), [{ page: '/', n: 1 }, { page: '/about/', n: 2 }], "the repair completed: the live table is staging's");
  await assertKeepMergesGoneLiveBack(env, 'shop__sy_prev');
});

test('a sync that stops in its repair, after it kept the recorded rows aside, then kept rows are gone from the live tables, then a DB rollback: keep after the next copy merges them back and still tells them in merged_gone_live', async (t) => {
  const env = await keptRowsGoneLive(t);
  await unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual((await env.p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop__sy_prev'"))[0], [], 'the rollback dropped __sy_prev, and its ledger with it');
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  await assertKeepMergesGoneLiveBack(env, 'shop__sy_last');
});

test('keep discards after a sync run again noted a kept row gone from the live table, then production writes that row again and the next sync keeps it aside: the next keep merges it without telling it in merged_gone_live', async (t) => {
  const env = await recordedAfterCopy(t);
  await syncStoppedAfterKeepingAside(env);
  await env.p.query('DELETE FROM shop.orders WHERE id = 12');
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'discard' });
  // Another cutover's run: order 12 written again on the live copy, recorded, kept aside by sync, repaired away.
  await env.p.query("INSERT INTO shop.orders VALUES (12, 'again')");
  const report = await unaryCall<object, PreflightReport__Output>(env.prodAgent.client, 'PreflightDatabase', { peer: env.peer });
  assert.equal(Number(report.production_only_rows), 1);
  await streamCall(env.prodAgent.client, 'SyncDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual((await env.p.query('SELECT id FROM shop.orders WHERE id > 10'))[0], [], "the live table is staging's");
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await env.p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 12, v: 'again' }]);
  assert.deepEqual(merged.merged_gone_live, [], 'the note was of the discarded run: this row stayed live until the repair that completed');
});

test("a sync that stops before its repair, after it kept the recorded rows aside, then production changes only the case of the key (case-insensitive collation) and a preflight records it again: keep leaves production's live row and tells the kept one superseded, instead of refusing it as a staging row", async (t) => {
  const state = openDatabase(':memory:', DB_MIGRATIONS);
  const store = new ProductionOnlyStore(state);
  const env = await twoAgents(t, async ({ s: stag, p: prod }) => {
    for (const c of [stag, prod]) {
      await c.query('CREATE TABLE shop.tags (name VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.tags VALUES ('base', 'staging')");
    }
  }, { productionState: state });
  const { s, p, prodAgent, peer, production } = env;
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await p.query("INSERT INTO shop.tags VALUES ('abc', 'webhook')");
  assert.equal(Number((await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer })).production_only_rows), 1);
  await s.query("UPDATE shop.tags SET v = 'changed' WHERE name = 'base'");
  const target = { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password, lockWaitSeconds: 1 };
  const source = new GrpcSourcePeer({ ...peer, peer_server_name: '', peer_name: '' }, { insecure: true });
  t.after(() => source.close());
  const failing: SourcePeer = Object.assign(Object.create(source) as SourcePeer, {
    checksumChunks: async function* (): AsyncIterable<never> {
      throw new Error('staging went away');
    },
  });
  await assert.rejects(compareDatabases({ target, peer: failing, sourceSchema: 'shop', targetSchema: 'shop', repair: true, parallelism: 2, targetMs: 500, logger: silentLogger(), productionOnly: store }), /staging went away/);
  assert.deepEqual((await p.query('SELECT name, v FROM shop__sy_last.tags'))[0], [{ name: 'abc', v: 'webhook' }], 'kept aside, and live still');
  // The same row to this column: production renamed it in another case, and a preflight found it so.
  await p.query("UPDATE shop.tags SET name = 'ABC', v = 'renamed' WHERE name = 'abc'");
  await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.deepEqual(store.records('shop').map((r) => [r.keptIn, r.keys.map((k) => k[0]!.toString())]), [['last', ['ABC']], ['last-kept', ['abc']]], 'recorded in its new case beside the record of the kept row');
  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.deepEqual((await p.query("SELECT name, v FROM shop.tags WHERE name <> 'base'"))[0], [{ name: 'ABC', v: 'renamed' }], "production's change stands");
  assert.equal(Number(merged.rows_merged), 0);
  assert.deepEqual(merged.superseded, ['tags: 1 row in shop__sy_last under a key whose live row production changed after sync kept it aside (the live row is the newer), not merged (ABC)']);
});

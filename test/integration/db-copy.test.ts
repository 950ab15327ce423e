import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { agentConfig, checksumTables, dump, loadFixture, startDbAgent, startDbAgentProcess, streamCall, unaryCall } from '../helpers/db-fixture.js';
import { authorizeTransfer, twoAgents, twoServers } from '../helpers/db-pair.js';
import { GrpcSourcePeer } from '../../agent/db/peer.js';
import { pullDatabase } from '../../agent/db/pull.js';
import { compareDatabases } from '../../agent/db/compare.js';
import { silentLogger } from '../../shared/logger.js';
import { fromGrpcError } from '../../shared/errors.js';
import type { Connection } from 'mysql2/promise';
import { ChunkCache } from '../../agent/db/chunk-cache.js';
import { capturingLogger } from '../helpers/facts.js';

async function prepare(t: TestContext) {
  const { staging, production, s, p } = await twoServers(t);
  await loadFixture(s, 'shop');
  // Production already holds something: it must be kept aside, never lost.
  await p.query('CREATE TABLE shop.legacy (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO shop.legacy VALUES (1, "old")');
  await p.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, note TEXT); INSERT INTO shop.orders VALUES (1, "prod order")');
  await p.query('CREATE TRIGGER shop.legacy_trg BEFORE INSERT ON shop.legacy FOR EACH ROW SET NEW.v = UPPER(NEW.v)');
  const stagingAgent = await startDbAgent(t, agentConfig('staging-1', staging));
  const peer = await authorizeTransfer(stagingAgent);
  return { staging, production, s, p, stagingAgent, peer };
}

test('presync copies every hard case agent to agent; production is identical by CHECKSUM TABLE and mariadb-dump; old tables kept aside', async (t) => {
  const { staging, production, s, p, peer } = await prepare(t);
  const prodAgent = await startDbAgent(t, agentConfig('prod-1', production));
  // Small checksum chunks (their boundaries are picked during the copy), so verify has several.
  const events = await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 3, chunk_bytes: 2048 });
  const copy = events.find((e) => e.copy)?.copy;
  assert.ok(copy, 'a copy result arrives');
  assert.ok(events.some((e) => e.progress && Number(e.progress.bytes) > 0), 'progress events flow');
  // The byte total starts as information_schema's guess (pages on disk, stale right after a load)
  // and is never below the bytes sent: `cutover watch` showed 955.5 KiB/48.0 KiB at 100 %.
  const progress = events.flatMap((e) => (e.progress ? [e.progress] : []));
  for (const pr of progress) assert.ok(Number(pr.total_bytes_estimate) >= Number(pr.bytes), `total ${pr.total_bytes_estimate} below bytes ${pr.bytes}`);
  const lastProgress = progress.at(-1)!;
  assert.equal(Number(lastProgress.total_bytes_estimate), Number(lastProgress.bytes), 'the total is exact once every table is copied');
  assert.equal(copy.kept_aside_schema, 'shop__sy_prev');
  // Every table's row packets written into execute packets, short rows and long.
  assert.deepEqual([...copy.load_methods].sort(), ['prepared']);
  assert.ok(Number(copy.rows) > 23000);

  assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'));
  assert.equal(dump(production, 'shop'), dump(staging, 'shop'));

  // The replaced production tables (and their trigger's record) wait in the kept-aside schema.
  const [legacy] = await p.query('SELECT v FROM shop__sy_prev.legacy');
  assert.deepEqual(legacy, [{ v: 'old' }]);
  const [shadow] = await p.query("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop__sy_shadow'");
  assert.equal((shadow as Array<{ n: number }>)[0]!.n, 0);

  // The agent's own two-sided chunk checksums agree.
  const verify = await streamCall(prodAgent.client, 'VerifyDatabase', { peer, target_ms: 50 });
  const parity = verify.find((e) => e.parity)!.parity!;
  assert.equal(parity.equal, true, JSON.stringify(parity.tables.filter((x) => !x.equal)));
  assert.ok(parity.tables.find((x) => x.table === 'orders')!.chunks > 1, 'orders is checked in several chunks');
  assert.equal(parity.mode, 'guarded');
  // Presync recorded both sides' sums, each read on its own server; a full pass agrees with them.
  const full = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, target_ms: 50, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(full.mode, 'full');
  assert.equal(full.equal, true);
  assert.equal(full.staging_chunks_checked, full.tables.reduce((n, x) => n + x.chunks, 0), 'a full verify checks every chunk');
  assert.equal(full.production_chunks_checked, full.staging_chunks_checked);

  // Objects work on production: trigger fires, view, routine.
  await p.query("INSERT INTO shop.orders (customer, total, created) VALUES ('new', 1, NOW())");
  const [[audit]] = (await p.query("SELECT COUNT(*) AS n FROM shop.audit WHERE msg LIKE 'order %'")) as unknown as [[{ n: number }]];
  assert.equal(audit.n, 1);
  const [[dbl]] = (await p.query('SELECT shop.f_double(21) AS v')) as unknown as [[{ v: number }]];
  assert.equal(dbl.v, 42);

  // Instant rollback puts production's own tables back, with their trigger.
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  const [tables] = await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1");
  assert.deepEqual((tables as Array<{ n: string }>).map((r) => r.n), ['legacy', 'orders']);
  await p.query("INSERT INTO shop.legacy VALUES (2, 'abc')");
  const [[up]] = (await p.query('SELECT v FROM shop.legacy WHERE id = 2')) as unknown as [[{ v: string }]];
  assert.equal(up.v, 'ABC');
});

test('a rollback held up by an open transaction on production gives up after lockWaitSeconds naming it, changes nothing, and works once it ends', async (t) => {
  const { production, p, peer } = await prepare(t);
  const cfg = agentConfig('prod-1', production);
  const prodAgent = await startDbAgent(t, { ...cfg, database: { ...cfg.database!, lockWaitSeconds: 2 } });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const tables = async () => ((await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1")) as unknown as [Array<{ n: string }>])[0].map((r) => r.n);
  const copied = await tables();
  assert.ok(copied.length > 2);

  // A client left with a transaction open on a copied table.
  const x = await production.rootConnection();
  t.after(() => x.end());
  const [[me]] = (await x.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
  await x.query('START TRANSACTION');
  await x.query('SELECT COUNT(*) FROM shop.orders');
  await assert.rejects(unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }), (err: Error) => {
    assert.match(err.message, /roll back shop on production: gave up waiting for a lock another session holds \(tables: database\.lockWaitSeconds = 2 s, rows: the server's innodb_lock_wait_timeout = \d+ s\)/);
    assert.match(err.message, new RegExp(`session ${me.id} root@\\S+ \\(transaction open \\d+ s, idle\\)`));
    return true;
  });
  assert.deepEqual(await tables(), copied, 'the RENAME moved nothing');

  await x.query('COMMIT');
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual(await tables(), ['legacy', 'orders']);
});

test('a rollback keeping the live copy, held up by an open transaction, leaves no empty served schema behind and the live triggers and views in place: the retry keeps the copy under the first name', async (t) => {
  const { production, p, peer } = await prepare(t);
  const cfg = agentConfig('prod-1', production);
  const prodAgent = await startDbAgent(t, { ...cfg, database: { ...cfg.database!, lockWaitSeconds: 1 } });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const served = async () => ((await p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop\\_\\_sy\\_served%'")) as unknown as [Array<{ s: string }>])[0].map((r) => r.s);
  const x = await production.rootConnection();
  t.after(() => x.end());
  const objects = async () => ((await p.query("SELECT CONCAT(TRIGGER_NAME) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' UNION ALL SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop' ORDER BY 1")) as unknown as [Array<{ n: string }>])[0].map((r) => r.n);
  const before = await objects();
  assert.ok(before.includes('orders_audit') && before.includes('v_big_orders'), before.join());
  // Held: a table without triggers, so the triggers and views are dropped before the RENAME waits.
  await x.query('START TRANSACTION');
  await x.query('SELECT COUNT(*) FROM shop.audit');
  await assert.rejects(unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true }), /gave up waiting for a lock/);
  assert.deepEqual(await served(), [], 'nothing moved, so no served schema is left');
  assert.deepEqual(await objects(), before, 'the live schema keeps its triggers and views');
  await x.query('COMMIT');
  const res = await unaryCall<object, { served_schema: string }>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true });
  assert.equal(res.served_schema, 'shop__sy_served');
  assert.deepEqual(await served(), ['shop__sy_served']);
});

/**
 * A first copy whose RENAME waits out a lock: a session holds `accounts` (which sorts first, so
 * the RENAME waits there holding nothing else), and once it waits a second session takes
 * `orders`, whose trigger the swap dropped: the trigger cannot come back either.
 */
async function swapHeldUp(t: TestContext, moreTriggers = 0) {
  const { production, p, peer } = await prepare(t);
  await p.query('CREATE TABLE shop.accounts (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO shop.accounts VALUES (1, "acme")');
  await p.query('CREATE TRIGGER shop.orders_upper BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.note = UPPER(NEW.note)');
  for (let i = 1; i <= moreTriggers; i++) await p.query(`CREATE TRIGGER shop.orders_t${i} BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.note = TRIM(NEW.note)`);
  await p.query('CREATE VIEW shop.v_accounts AS SELECT id, name FROM shop.accounts');
  const cfg = agentConfig('prod-1', production);
  const { logger, lines } = capturingLogger();
  const prodAgent = await startDbAgent(t, { ...cfg, database: { ...cfg.database!, lockWaitSeconds: 2 } }, { logger });
  const [x, y] = [await production.rootConnection(), await production.rootConnection()];
  t.after(async () => {
    await x.end();
    await y.end();
  });
  await x.query('START TRANSACTION');
  await x.query('SELECT COUNT(*) FROM shop.accounts');
  const copy = streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  copy.catch(() => undefined);
  for (let i = 0; ; i++) {
    const [w] = await p.query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'RENAME TABLE%' AND STATE LIKE 'Waiting for table metadata lock%'");
    if ((w as unknown[]).length > 0) break;
    assert.ok(i < 1200, 'the swap never waited for the lock');
    await new Promise((r) => setTimeout(r, 25));
  }
  await y.query('START TRANSACTION');
  await y.query('SELECT COUNT(*) FROM shop.orders');
  const held = Date.now();
  const err = await copy.then(() => undefined, (e: unknown) => e as Error & { details?: Record<string, unknown> });
  const seconds = (Date.now() - held) / 1000;
  await x.query('ROLLBACK');
  await y.query('ROLLBACK');
  return { p, prodAgent, peer, err, seconds, lines };
}

const objectsOf = async (p: Connection, schema: string) =>
  ((await p.query('SELECT CONCAT(\'TRIGGER \', TRIGGER_NAME) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? UNION ALL SELECT CONCAT(\'VIEW \', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1', [schema, schema])) as unknown as [Array<{ n: string }>])[0].map((r) => r.n);

test('a swap that fails with a trigger it dropped that cannot be put back: the error names it, with the reason, and where its definition is kept', async (t) => {
  const { p, err, lines } = await swapHeldUp(t);
  assert.ok(err !== undefined, 'the copy fails');
  // The agent's log says why by the reason: a lock wait, not a definition that no longer fits.
  const given = lines.map((l) => JSON.parse(l) as { msg: string; name?: string }).filter((l) => l.name === 'orders_upper' && /kept object/.test(l.msg));
  assert.ok(given.length > 0, 'the trigger not put back is logged');
  for (const l of given) assert.match(l.msg, /gave up waiting for a lock another session holds/);
  for (const l of given) assert.doesNotMatch(l.msg, /does not fit/);
  assert.match(err.message, /gave up waiting for a lock another session holds/);
  assert.match(err.message, /a view or trigger dropped for the swap could not be put back: TRIGGER orders_upper \(create trigger orders_upper: Lock wait timeout exceeded; try restarting transaction \(ER_LOCK_WAIT_TIMEOUT\)\); its definition is kept in shop__sy_last\.__sy_kept until release, to re-create by hand/);
  assert.doesNotMatch(err.message, /v_accounts|legacy_trg/, 'the view and the trigger of a table no one held came back: not named');
  const details = fromGrpcError(err, 'PullDatabase').details;
  assert.deepEqual(details?.notRestored, ['TRIGGER orders_upper']);
  assert.equal(details?.definitionsKeptIn, 'shop__sy_last.__sy_kept until release');
  assert.deepEqual(await objectsOf(p, 'shop'), ['TRIGGER legacy_trg', 'VIEW v_accounts']);
  const [saved] = await p.query('SELECT kind, name, create_sql FROM shop__sy_last.__sy_kept');
  assert.deepEqual((saved as Array<{ kind: string; name: string; create_sql: string }>).map((k) => [k.kind, k.name, /UPPER\(NEW\.note\)/.test(k.create_sql)]), [['TRIGGER', 'orders_upper', true]]);
  const [tables] = await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1");
  assert.deepEqual((tables as Array<{ n: string }>).map((r) => r.n), ['accounts', 'legacy', 'orders'], "production's tables did not move");
});

test('a first copy whose swap failed is retried as a first copy: a DB rollback after the retry puts production\'s own tables back', async (t) => {
  const { p, prodAgent, peer, err } = await swapHeldUp(t);
  assert.ok(err !== undefined, 'the first attempt fails');
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const [prev] = await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_prev' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1");
  assert.deepEqual((prev as Array<{ n: string }>).map((r) => r.n).sort(), ['__sy_kept', 'accounts', 'legacy', 'orders'], "production's own tables are what the retry kept aside");
  const res = await unaryCall<object, { tables: string[] }>(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual([...res.tables].sort(), ['accounts', 'legacy', 'orders']);
  assert.deepEqual((await p.query('SELECT id, name FROM shop.accounts'))[0], [{ id: 1, name: 'acme' }]);
  assert.deepEqual((await p.query('SELECT id, note FROM shop.orders'))[0], [{ id: 1, note: 'prod order' }]);
  assert.deepEqual(await objectsOf(p, 'shop'), ['TRIGGER legacy_trg', 'VIEW v_accounts'], 'the objects production had at the retry are back');
});

test('binary-protocol INSERTs copy the same bytes when LOAD DATA LOCAL is off', async (t) => {
  const { staging, production, s, p, peer } = await prepare(t);
  const prodAgent = await startDbAgent(t, agentConfig('prod-1', production, { database: { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password, localInfile: false } }));
  const events = await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  assert.deepEqual(events.find((e) => e.copy)!.copy!.load_methods, ['prepared']);
  assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'));
  assert.equal(dump(production, 'shop'), dump(staging, 'shop'));
});

test('a restore killed midway leaves production exactly as it was, and a rerun succeeds', async (t) => {
  const { staging, production, s, p, peer } = await prepare(t);
  // Enough rows that the copy is still streaming when the first progress event arrives.
  await s.query("SET SESSION max_recursive_iterations = 10000000");
  await s.query("CREATE TABLE shop.bulk (id INT PRIMARY KEY, pad VARCHAR(255)) SELECT n AS id, REPEAT(MD5(n), 7) AS pad FROM (WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 150000) SELECT n FROM q) x");
  const before = { sums: await checksumTables(p, 'shop'), dump: dump(production, 'shop') };
  const { address, child } = await startDbAgentProcess(t, agentConfig('prod-1', production));
  const { dbClient } = await import('../helpers/db-fixture.js');
  const client = dbClient(address);
  let killed = false;
  await assert.rejects(
    streamCall(client, 'PullDatabase', { peer, parallelism: 2 }, (e) => {
      if (!killed && e.progress && Number(e.progress.bytes) > 0) {
        killed = true;
        child.kill('SIGKILL');
      }
    }),
  );
  client.close();
  assert.equal(killed, true, 'the agent was killed during the copy');
  assert.deepEqual(await checksumTables(p, 'shop'), before.sums);
  assert.equal(dump(production, 'shop'), before.dump);

  const rerun = await startDbAgent(t, agentConfig('prod-1b', production));
  const events = await streamCall(rerun.client, 'PullDatabase', { peer, parallelism: 2 });
  assert.ok(events.find((e) => e.copy));
  assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'));
  assert.equal(dump(production, 'shop'), dump(staging, 'shop'));
});

test('every way in copies every table exactly: row packets as execute packets, or through mysql2, or as LOAD DATA text; text from staging; with and without LOCAL INFILE', async (t) => {
  const { staging, production, s, p, peer } = await prepare(t);
  const prodTarget = { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password };
  const ways = [
    // Short rows as LOAD DATA text made here where the raw packet cannot be used.
    { rowFormat: 'rows', rawExecute: false, localInfile: true, methods: ['load-data', 'prepared'], formats: ['rows'] },
    { rowFormat: 'rows', rawExecute: true, localInfile: true, methods: ['prepared'], formats: ['rows'] },
    { rowFormat: 'rows', rawExecute: false, localInfile: false, methods: ['prepared'], formats: ['rows'] },
    // An older staging agent's text: short rows by LOAD DATA, long ones prepared.
    { rowFormat: 'tsv', rawExecute: true, localInfile: true, methods: ['load-data', 'prepared'], formats: ['tsv'] },
  ] as const;
  for (const w of ways) {
    const source = new GrpcSourcePeer({ ...peer, peer_server_name: '', peer_name: '' }, { insecure: true });
    t.after(() => source.close());
    const r = await pullDatabase({ target: { ...prodTarget, localInfile: w.localInfile }, peer: source, sourceSchema: 'shop', targetSchema: 'shop', parallelism: 2, logger: silentLogger(), rowFormat: w.rowFormat, rawExecute: w.rawExecute });
    const what = JSON.stringify(w);
    assert.deepEqual([...r.loadMethods].sort(), w.methods, what);
    assert.deepEqual(r.rowFormats, w.formats, what);
    assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'), what);
    assert.equal(dump(production, 'shop'), dump(staging, 'shop'), what);
  }
});

test('sync repairs chunks from staging\'s row packets where it can, and from text where it cannot: both exact on the hard cases', async (t) => {
  const { staging, production, s, p, peer } = await prepare(t);
  const prodTarget = { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password };
  const source = new GrpcSourcePeer({ ...peer, peer_server_name: '', peer_name: '' }, { insecure: true });
  t.after(() => source.close());
  const cache = new ChunkCache();
  await pullDatabase({ target: prodTarget, peer: source, sourceSchema: 'shop', targetSchema: 'shop', parallelism: 2, logger: silentLogger(), cache });
  const ways = [
    { rawExecute: true, formats: ['rows'] },
    { rawExecute: false, formats: ['tsv'] },
  ] as const;
  for (const [i, w] of ways.entries()) {
    // Binary with NUL and 0xFF, NULLs, 4-byte text in JSON, microseconds, a keyless table, generated columns, a delete.
    await s.query(`UPDATE shop.files SET data = UNHEX('00FF5C0A${i}0'), bin = NULL WHERE id = 1`);
    await s.query(`INSERT INTO shop.docs VALUES (${100 + i}, '{"emoji": "😀", "n": [${i}, null]}', NULL)`);
    await s.query(`UPDATE shop.dates SET dt = '2026-12-06 01:02:0${i}.456789' WHERE id = 2`);
    await s.query(`INSERT INTO shop.nopk VALUES (${i}, NULL)`);
    await s.query(`INSERT INTO shop.gen (id, price, qty) VALUES (${100 + i}, 1.25, ${i + 2})`);
    await s.query(`DELETE FROM shop.compound ORDER BY a, b LIMIT 1`);
    const r = await compareDatabases({ target: prodTarget, peer: source, sourceSchema: 'shop', targetSchema: 'shop', repair: true, parallelism: 2, targetMs: 50, logger: silentLogger(), cache, rawExecute: w.rawExecute });
    const what = JSON.stringify(w);
    const repaired = r.tables.filter((x) => x.rowsCopied > 0);
    assert.deepEqual(repaired.map((x) => x.table).sort(), ['compound', 'dates', 'docs', 'files', 'gen', 'nopk'], what);
    for (const x of repaired) assert.deepEqual(x.rowFormats, w.formats, `${what} ${x.table}`);
    // Sync reports what it found; a full verify proves what is there now.
    const v = await compareDatabases({ target: prodTarget, peer: source, sourceSchema: 'shop', targetSchema: 'shop', repair: false, full: true, parallelism: 2, targetMs: 50, logger: silentLogger(), cache });
    assert.equal(v.equal, true, `${what} ${JSON.stringify(v.tables.filter((x) => !x.equal))}`);
    assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'), what);
    assert.equal(dump(production, 'shop'), dump(staging, 'shop'), what);
  }
});

test('presync copies tables tied by foreign keys whatever their names\' order (a child named before its parent)', async (t) => {
  const { staging, production, p, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    // As WooCommerce's wc_download_log names woocommerce_downloadable_product_permissions.
    await s.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB');
    await s.query('CREATE TABLE shop.items (id INT PRIMARY KEY, order_id INT NOT NULL, CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.orders VALUES (1, 'x'), (2, 'y')");
    await s.query('INSERT INTO shop.items VALUES (10, 1), (11, 2)');
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  assert.equal(dump(production, 'shop'), dump(staging, 'shop'));
  const v = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(v.equal, true, JSON.stringify(v.tables.filter((x) => !x.equal)));
  // The constraint names production's own orders and works.
  await p.query('DELETE FROM shop.orders WHERE id = 1');
  assert.deepEqual((await p.query('SELECT id FROM shop.items'))[0], [{ id: 11 }]);
  await assert.rejects(p.query('INSERT INTO shop.items VALUES (12, 99)'), /foreign key constraint fails/);
});

test("a first copy whose RENAME TABLE gave up, or that stopped after it recorded production's tables in <db>__sy_prev and before its RENAME TABLE: the rerun keeps production's own tables aside as a first copy does, and a rollback brings them back", async (t) => {
  const { p, production, prodAgent, peer } = await twoAgents(t, async ({ s, p: prod }) => {
    await s.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.orders VALUES (1, 'staging')");
    await prod.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await prod.query("INSERT INTO shop.orders VALUES (1, 'production'), (2, 'production')");
    await prod.query('CREATE TABLE shop.legacy (id INT PRIMARY KEY) ENGINE=InnoDB');
    await prod.query('INSERT INTO shop.legacy VALUES (7)');
    await prod.query('CREATE VIEW shop.recent AS SELECT id FROM shop.orders');
  }, { productionDatabase: { lockWaitSeconds: 1 } });
  const productionRows = [{ id: 1, v: 'production' }, { id: 2, v: 'production' }];
  const orders = async () => (await p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0];
  const tablesOf = async (schema: string) => ((await p.query('SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ', [schema])) as unknown as [Array<{ n: string }>])[0].map((r) => r.n).sort();
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const schemas = async () => ((await p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop\\_\\_sy\\_%'")) as unknown as [Array<{ s: string }>])[0].map((r) => r.s);
  // A first copy whose RENAME TABLE gives up on a lock takes its record of production's tables away with it.
  const x = await production.rootConnection();
  t.after(() => x.end());
  await x.query('START TRANSACTION');
  await x.query('SELECT COUNT(*) FROM shop.legacy');
  await assert.rejects(copy(), /gave up waiting for a lock/);
  await x.query('ROLLBACK');
  assert.deepEqual(await schemas(), [], 'no shop__sy_prev holding only a record');
  assert.deepEqual(await orders(), productionRows);
  // The record a first copy writes, taken from a real one; then production as it was.
  await copy();
  await p.query('CREATE DATABASE keep_copy');
  await p.query('CREATE TABLE keep_copy.k LIKE shop__sy_prev.__sy_kept');
  await p.query("INSERT INTO keep_copy.k SELECT * FROM shop__sy_prev.__sy_kept WHERE kind <> 'COPIED'");
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual(await orders(), productionRows);
  // Stopped after writing the record and dropping the view (views go before the RENAME), before the RENAME.
  await p.query('CREATE DATABASE shop__sy_prev');
  await p.query('CREATE TABLE shop__sy_prev.__sy_kept LIKE keep_copy.k');
  await p.query('INSERT INTO shop__sy_prev.__sy_kept SELECT * FROM keep_copy.k');
  await p.query('DROP VIEW shop.recent');
  // A production-only row preflight finds then is one of production's own tables' (kept in __sy_prev), not a copy's.
  const report = await unaryCall<object, { production_only_rows: string; notes: string[] }>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(report.production_only_rows), 2, 'orders 2, and legacy (only production has it)');
  assert.match(report.notes.join('\n'), /legacy: exists only on production .*moves it aside to shop__sy_prev/);

  const events = await copy();
  assert.match(events.find((e) => e.copy)!.copy!.notes.join('\n'), /shop__sy_prev held the record of production's tables but none of them .*kept aside in shop__sy_prev now as on a first copy/);
  assert.deepEqual(await orders(), [{ id: 1, v: 'staging' }]);
  assert.deepEqual(await tablesOf('shop__sy_prev'), ['__sy_kept', 'legacy', 'orders'], "production's own tables are kept aside for a rollback");
  assert.deepEqual(await tablesOf('shop__sy_last'), [], 'none of them taken for a copy');
  const merged = await unaryCall<object, { rows_merged: string }>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 1, 'the production-only row is merged from __sy_prev');
  assert.deepEqual(await orders(), [{ id: 1, v: 'staging' }, { id: 2, v: 'production' }]);

  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual(await orders(), productionRows, "the rollback brings production's own tables back");
  assert.deepEqual((await p.query('SELECT id FROM shop.legacy'))[0], [{ id: 7 }]);
  assert.deepEqual((await p.query('SELECT id FROM shop.recent ORDER BY id'))[0], [{ id: 1 }, { id: 2 }], 'with the view the stopped copy had dropped');
});

test('a rerun copy whose swap gives up on a lock leaves no <db>__sy_trash schema behind and production as it was; nor does a rollback held up the same way', async (t) => {
  const { production, p, peer } = await prepare(t);
  const cfg = agentConfig('prod-1', production);
  const prodAgent = await startDbAgent(t, { ...cfg, database: { ...cfg.database!, lockWaitSeconds: 1 } });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const schemas = async () => ((await p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop\\_\\_sy\\_%' ORDER BY 1")) as unknown as [Array<{ s: string }>])[0].map((r) => r.s);
  const live = async () => checksumTables(p, 'shop');
  const before = { schemas: await schemas(), tables: await live(), objects: await objectsOf(p, 'shop') };
  assert.deepEqual(before.schemas, ['shop__sy_prev']);
  // A client left with a transaction open on a copied table without triggers: the RENAME waits there.
  const x = await production.rootConnection();
  t.after(() => x.end());
  await x.query('START TRANSACTION');
  await x.query('SELECT COUNT(*) FROM shop.audit');
  await assert.rejects(streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 }), /gave up waiting for a lock/);
  assert.deepEqual(await schemas(), before.schemas, 'no empty shop__sy_trash (nor anything else) left by the rerun');
  assert.deepEqual(await live(), before.tables, "the live tables are the first copy's, unchanged");
  assert.deepEqual(await objectsOf(p, 'shop'), before.objects);
  await assert.rejects(unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }), /gave up waiting for a lock/);
  assert.deepEqual(await schemas(), before.schemas, 'no empty shop__sy_trash left by the rollback');
  assert.deepEqual(await live(), before.tables);
  await x.query('ROLLBACK');
  await unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' });
  assert.deepEqual(await schemas(), []);
  assert.deepEqual((await p.query('SELECT id, note FROM shop.orders'))[0], [{ id: 1, note: 'prod order' }]);
});

test('a swap failing with many triggers it dropped behind one held table gives up on them in about database.lockWaitSeconds in all, not that for each of three tries of each; every one is named and its definition kept', async (t) => {
  // lockWaitSeconds 2: the RENAME waits 2 s, then the triggers' re-creation 2 s in all plus at most
  // a second each (before: 2 s for the first try of all, then 2 s per trigger in each of two passes).
  const { p, err, seconds } = await swapHeldUp(t, 5);
  assert.ok(err !== undefined, 'the copy fails');
  const names = ['orders_t1', 'orders_t2', 'orders_t3', 'orders_t4', 'orders_t5', 'orders_upper'];
  assert.deepEqual([...(fromGrpcError(err, 'PullDatabase').details?.notRestored as string[])].sort(), names.map((n) => `TRIGGER ${n}`));
  assert.match(err.message, /6 views and triggers dropped for the swap could not be put back: .*their definitions are kept in shop__sy_last\.__sy_kept until release/);
  const [saved] = await p.query("SELECT name FROM shop__sy_last.__sy_kept WHERE kind = 'TRIGGER' ORDER BY name");
  assert.deepEqual((saved as Array<{ name: string }>).map((k) => k.name), names);
  // Old: 2 + 2 + 6 × 2 × 2 = 28 s; now 2 + 2 + 6 × 1 = 10 s at most.
  assert.ok(seconds < 18, `the swap failed after ${seconds} s`);
  assert.deepEqual(await objectsOf(p, 'shop'), ['TRIGGER legacy_trg', 'VIEW v_accounts'], 'the objects of tables no one held came back');
});

test("a copy whose RENAME TABLE gives up puts production's default character set and collation back, on a first copy and on a rerun", async (t) => {
  const { s, p, production, prodAgent, peer } = await twoAgents(t, async ({ s: stag, p: prod }) => {
    await stag.query('ALTER DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await prod.query('ALTER DATABASE shop CHARACTER SET latin1 COLLATE latin1_swedish_ci');
    for (const c of [stag, prod]) {
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) CHARACTER SET utf8mb4 ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a')");
    }
  }, { productionDatabase: { lockWaitSeconds: 1 } });
  const defaults = async () => (await p.query("SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop'"))[0];
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  const x = await production.rootConnection();
  t.after(() => x.end());
  const heldUp = async () => {
    await x.query('START TRANSACTION');
    await x.query('SELECT COUNT(*) FROM shop.orders');
    try {
      await assert.rejects(copy(), /gave up waiting for a lock/);
    } finally {
      await x.query('ROLLBACK');
    }
  };
  await heldUp();
  assert.deepEqual(await defaults(), [{ cs: 'latin1', co: 'latin1_swedish_ci' }], "production's own default, not staging's");
  await copy();
  assert.deepEqual(await defaults(), [{ cs: 'utf8mb4', co: 'utf8mb4_unicode_ci' }], "a copy swapped in takes staging's");
  await s.query('ALTER DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci');
  await heldUp();
  assert.deepEqual(await defaults(), [{ cs: 'utf8mb4', co: 'utf8mb4_unicode_ci' }], "the rerun that gave up left the live copy's default");
  await copy();
  assert.deepEqual(await defaults(), [{ cs: 'utf8mb4', co: 'utf8mb4_general_ci' }]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { withTwoMariaDbs } from '../helpers/mariadb.js';
import { agentConfig, checksumTables, dump, loadFixture, startDbAgent, streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';

test('writes during presync, then lock, then the delta: every committed row arrives and parity is proven', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-maint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flagFile = join(dir, '.maintenance');
  const { staging, production, s, p, stagingAgent, prodAgent, peer } = await twoAgents(t, ({ s }) => loadFixture(s, 'shop'), {
    stagingConfig: { maintenance: { flagFile, content: '<?php $upgrading = 1; ?>' } },
  });

  // The site keeps writing through its ordinary user: inserts, updates, deletes, a new option.
  const site = await createConnection({ host: staging.host, port: staging.port, user: staging.site.user, password: staging.site.password, database: 'shop' });
  t.after(() => site.end());
  const committed = new Set<number>();
  const deleted = new Set<number>();
  let writerError: unknown;
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        const [r] = await site.query("INSERT INTO orders (customer, total, created) VALUES (?, ?, NOW())", [`live${i}`, i]);
        committed.add((r as { insertId: number }).insertId);
        await site.query('UPDATE orders SET total = total + 1 WHERE id = ?', [1 + ((i * 37) % 500)]);
        if (i % 5 === 0) {
          await site.query('DELETE FROM orders WHERE id = ?', [19000 - i]);
          deleted.add(19000 - i);
        }
        if (i % 50 === 0) await site.query('INSERT INTO wp_options (option_name, option_value) VALUES (?, ?)', [`live_opt_${i}`, 'a:1:{i:0;s:1:"x";}']);
      } catch (err) {
        writerError = err;
        return;
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  // Small chunks, so that the delta moves some chunks of a table and not others.
  const pull = await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2, chunk_bytes: 2048 });
  assert.ok(pull.find((e) => e.copy));
  await new Promise((r) => setTimeout(r, 300));

  // lock while the site is still writing: its next write fails with read-only.
  const locked = await unaryCall<object, { prior: { read_only: boolean; flag_file_existed: boolean }; already_locked: boolean }>(stagingAgent.client, 'LockWrites', {});
  assert.equal(locked.prior.read_only, false);
  assert.equal(locked.prior.flag_file_existed, false);
  await writer;
  stop = true;
  assert.match(String((writerError as Error | undefined)?.message), /read-only|read_only/i, 'the site user was stopped by read_only');
  assert.ok(committed.size > 5, `the writer committed rows during presync (${committed.size})`);
  await assert.rejects(site.query("INSERT INTO orders (customer, total, created) VALUES ('late', 1, NOW())"), /read-only|read_only/i);
  assert.equal(readFileSync(flagFile, 'utf8'), '<?php $upgrading = 1; ?>');
  const again = await unaryCall<object, { already_locked: boolean; prior: { read_only: boolean } }>(stagingAgent.client, 'LockWrites', {});
  assert.equal(again.already_locked, true);
  assert.equal(again.prior.read_only, false, 'a second lock keeps the first prior state');

  // Staging changed its schema after presync, too: that table is re-copied whole.
  await s.query('SET GLOBAL read_only = OFF');
  await s.query('ALTER TABLE shop.docs ADD COLUMN extra INT DEFAULT 7');
  await s.query('SET GLOBAL read_only = ON');

  const sync = await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2, target_ms: 50 });
  const syncReport = sync.find((e) => e.parity)!.parity!;
  const orders = syncReport.tables.find((x) => x.table === 'orders')!;
  assert.ok(orders.differing_chunks > 0 && orders.differing_chunks < orders.chunks, `only some chunks of orders moved (${orders.differing_chunks}/${orders.chunks})`);
  assert.equal(syncReport.tables.find((x) => x.table === 'docs')!.note, 'schema differs');

  const verify = await streamCall(prodAgent.client, 'VerifyDatabase', { peer, target_ms: 50 });
  const parity = verify.find((e) => e.parity)!.parity!;
  assert.equal(parity.equal, true, JSON.stringify(parity.tables.filter((x) => !x.equal)));
  // Staging is frozen since sync read it: verify reads on staging only the table sync re-copied
  // whole (its sums went with it), and on production the same. A full pass agrees.
  const totalChunks = parity.tables.reduce((n, x) => n + x.chunks, 0);
  assert.equal(parity.mode, 'guarded');
  assert.ok(parity.staging_chunks_checked > 0 && parity.staging_chunks_checked < totalChunks, `verify re-checked ${parity.staging_chunks_checked} of ${totalChunks} chunks`);
  const vOrders = parity.tables.find((x) => x.table === 'orders')!;
  assert.match(vOrders.staging_check, /^reused: unchanged since sync \(UPDATE_TIME\)$/);
  assert.equal(vOrders.staging_chunks_checked, 0);
  // sync repaired orders under LOCK TABLES and read the repaired chunks again: proven since.
  assert.equal(vOrders.production_check, 'reused: unchanged since sync (UPDATE_TIME)');
  assert.equal(vOrders.production_chunks_checked, 0);
  const full = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, target_ms: 50, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(full.mode, 'full');
  assert.equal(full.equal, true);
  assert.equal(full.staging_chunks_checked, full.tables.reduce((n, x) => n + x.chunks, 0));

  const [rows] = await p.query('SELECT id FROM shop.orders');
  const ids = new Set((rows as Array<{ id: number }>).map((r) => r.id));
  for (const id of committed) assert.ok(ids.has(id), `committed order ${id} arrived`);
  for (const id of deleted) assert.ok(!ids.has(id), `deleted order ${id} is gone`);
  assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'));
  assert.equal(dump(production, 'shop'), dump(staging, 'shop'));

  // unlock restores exactly the prior state: read_only OFF, no flag file; the site writes again.
  const unlocked = await unaryCall<object, { was_locked: boolean }>(stagingAgent.client, 'UnlockWrites', {});
  assert.equal(unlocked.was_locked, true);
  assert.equal(existsSync(flagFile), false);
  const [[ro]] = (await s.query('SELECT @@GLOBAL.read_only AS v')) as unknown as [[{ v: number }]];
  assert.equal(ro.v, 0);
  await site.query("INSERT INTO orders (customer, total, created) VALUES ('after', 1, NOW())");
});

test('unlock restores a prior read_only=ON and an existing flag file byte for byte', async (t) => {
  const { staging } = await withTwoMariaDbs(t, { staging: ['shop'], production: [] });
  const s = await staging.rootConnection();
  const dir = mkdtempSync(join(tmpdir(), 'sy-maint-'));
  t.after(async () => {
    await s.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const flagFile = join(dir, '.maintenance');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(flagFile, Buffer.from([0xff, 0x00, 0x41]));
  await s.query('SET GLOBAL read_only = ON');
  const agent = await startDbAgent(t, agentConfig('staging-1', staging, { maintenance: { flagFile, content: 'down' } }));
  await unaryCall(agent.client, 'LockWrites', {});
  assert.equal(readFileSync(flagFile, 'utf8'), 'down');
  await unaryCall(agent.client, 'UnlockWrites', {});
  assert.deepEqual(readFileSync(flagFile), Buffer.from([0xff, 0x00, 0x41]));
  const [[ro]] = (await s.query('SELECT @@GLOBAL.read_only AS v')) as unknown as [[{ v: number }]];
  assert.equal(ro.v, 1, 'read_only was ON before the lock and stays ON');
  const second = await unaryCall<object, { was_locked: boolean }>(agent.client, 'UnlockWrites', {});
  assert.equal(second.was_locked, false, 'unlock is idempotent');
});

test('two rows changed the same way in one chunk do not cancel out (a BIT_XOR of CRC32 would miss them)', async (t) => {
  const { s, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    await s.query("CREATE TABLE shop.pairs (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL, n DECIMAL(6,2) NOT NULL) ENGINE=InnoDB");
    await s.query("INSERT INTO shop.pairs VALUES (1, 'aaaa', 10.00), (2, 'bbbb', 20.00), (3, 'cc', 3.00)");
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });

  const linear = async () => {
    const [[r]] = (await s.query("SELECT BIT_XOR(CRC32(CONCAT_WS('#', id, v, n))) AS x FROM shop.pairs")) as unknown as [[{ x: string }]];
    return String(r.x);
  };
  const before = await linear();
  // Same length, same bytes changed at the same place: CRC is affine, so the XOR is unchanged.
  await s.query('UPDATE shop.pairs SET n = n + 5 WHERE id IN (1, 2)');
  assert.equal(await linear(), before, 'the linear hash is fooled');

  const parity = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  const pairs = parity.tables.find((x) => x.table === 'pairs')!;
  assert.equal(pairs.equal, false, 'the change is seen');
  assert.equal(pairs.differing_chunks, 1);
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.equal(Number(sync.tables.find((x) => x.table === 'pairs')!.rows_copied), 3);
  const after = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(after.equal, true);
});

test('sync repairs two chunks of a long-row table on one connection (prepared statements, not handed out closed)', async (t) => {
  const { staging, production, s, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    // Rows of ~2 KB: loaded by prepared INSERTs, in the repair as in presync.
    await s.query('CREATE TABLE shop.articles (id INT PRIMARY KEY, body TEXT NOT NULL) ENGINE=InnoDB');
    for (let i = 1; i <= 200; i++) await s.query('INSERT INTO shop.articles VALUES (?, ?)', [i, `${i}:` + 'x'.repeat(2000)]);
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 1, chunk_bytes: 20_000 });

  // Two posts edited far apart: two chunks of the same table differ.
  await s.query("UPDATE shop.articles SET body = CONCAT(body, ' edited') WHERE id IN (5, 150)");
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 1, target_ms: 50 })).find((e) => e.parity)!.parity!;
  const articles = sync.tables.find((x) => x.table === 'articles')!;
  assert.equal(articles.differing_chunks, 2, JSON.stringify(articles));
  const after = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(after.equal, true);
  assert.equal(dump(production, 'shop'), dump(staging, 'shop'));
});

test('a table without a key: duplicate rows changed alike on staging are seen and moved (two equal rows cancel in a BIT_XOR)', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    // A log-like table: no key, the same row twice.
    await s.query('CREATE TABLE shop.tags (post INT, tag VARCHAR(20)) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.tags VALUES (1, 'draft'), (1, 'draft'), (2, 'b')");
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });

  // Both copies change the same way: same count, and each pair's hashes would XOR to 0.
  await s.query("UPDATE shop.tags SET tag = 'published' WHERE post = 1");
  const before = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(before.tables.find((x) => x.table === 'tags')!.equal, false, 'the change is seen');
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.equal(Number(sync.tables.find((x) => x.table === 'tags')!.rows_copied), 3);
  const rowsOf = async (c: typeof s) => (await c.query('SELECT post, tag FROM shop.tags ORDER BY post, tag'))[0];
  assert.deepEqual(await rowsOf(p), await rowsOf(s));
  const after = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(after.equal, true);
});

test('FLOAT values arrive exactly and a change the server\'s 6-digit text hides is seen and moved', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    await s.query('CREATE TABLE shop.geo (id INT PRIMARY KEY, f FLOAT, fu FLOAT UNSIGNED NOT NULL, fd FLOAT(9,4), d DOUBLE) ENGINE=InnoDB');
    // As text the server writes these 1234570, 52.52, 1, 1: each would load as another value.
    await s.query('INSERT INTO shop.geo VALUES (1, 1234567, 16777215, 12345.6789, 0.1), (2, 52.520008, 1.0000001, -0.0001, 1e-320), (3, NULL, 0, NULL, NULL)');
  });
  const exact = 'SELECT id, CAST(f AS DOUBLE) AS f, CAST(fu AS DOUBLE) AS fu, CAST(fd AS DOUBLE) AS fd, d FROM shop.geo ORDER BY id';
  const valuesOf = async (c: typeof s) => (await c.query(exact))[0];
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  assert.deepEqual(await valuesOf(p), await valuesOf(s), 'presync copies every FLOAT exactly');
  assert.deepEqual(await checksumTables(p, 'shop'), await checksumTables(s, 'shop'));

  // 1234567 -> 1234568 and 1.0000001 -> 1.0000002: the same 6-digit text before and after.
  await s.query('UPDATE shop.geo SET f = 1234568 WHERE id = 1');
  await s.query('UPDATE shop.geo SET fu = 1.0000002 WHERE id = 2');
  const seen = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(seen.tables.find((x) => x.table === 'geo')!.equal, false, 'the change is seen');
  await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 });
  assert.deepEqual(await valuesOf(p), await valuesOf(s), 'sync moves the changed FLOATs exactly');
  const after = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(after.equal, true);
});

test('a unique value that moved on staging to a row of an earlier chunk is repaired (the chunks go together), locked ahead or not', async (t) => {
  const { staging, production, s, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    await s.query('CREATE TABLE shop.users (id INT PRIMARY KEY, email VARCHAR(64) NOT NULL, pad VARCHAR(200), UNIQUE KEY email (email)) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.users SELECT seq, CONCAT('u', seq, '@x'), REPEAT('p', 150) FROM shop.seq_1_to_2000");
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2, chunk_bytes: 4096 });

  // User 1900 gives up an address and user 5 takes it; then two users swap theirs.
  await s.query("UPDATE shop.users SET email = 'gone@x' WHERE id = 1900");
  await s.query("UPDATE shop.users SET email = 'u1900@x' WHERE id = 5");
  const swap = async (a: number, b: number) => {
    await s.query(`UPDATE shop.users SET email = 'swapping' WHERE id = ${b}`);
    await s.query(`UPDATE shop.users SET email = 'u${b}@x' WHERE id = ${a}`);
    await s.query(`UPDATE shop.users SET email = 'u${a}@x' WHERE id = ${b}`);
  };
  await swap(10, 1800);
  // First the table locked ahead of its repair (one transaction), then a full pass (a transaction per chunk).
  for (const full of [false, true]) {
    const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2, target_ms: 20, full })).find((e) => e.parity)!.parity!;
    const users = sync.tables.find((x) => x.table === 'users')!;
    assert.ok(users.differing_chunks >= 2 && users.differing_chunks < users.chunks, JSON.stringify(users));
    const v = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
    assert.equal(v.equal, true, JSON.stringify(v.tables.filter((x) => !x.equal)));
    assert.equal(dump(production, 'shop'), dump(staging, 'shop'));
    await swap(20, 1700);
  }
});

test('a table re-copied for a schema change takes the tables tied to it by foreign keys along: their constraints name the new tables', async (t) => {
  const { staging, production, s, p, prodAgent, peer } = await twoAgents(t, async ({ s }) => {
    // a_orders <- b_items <- c_notes, and an unrelated table.
    await s.query('CREATE TABLE shop.a_orders (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB');
    await s.query('CREATE TABLE shop.b_items (id INT PRIMARY KEY, order_id INT NOT NULL, CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES a_orders (id) ON DELETE CASCADE) ENGINE=InnoDB');
    await s.query('CREATE TABLE shop.c_notes (id INT PRIMARY KEY, item_id INT NOT NULL, CONSTRAINT fk_item FOREIGN KEY (item_id) REFERENCES b_items (id) ON DELETE CASCADE) ENGINE=InnoDB');
    await s.query('CREATE TABLE shop.d_other (id INT PRIMARY KEY) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.a_orders VALUES (1, 'x'), (2, 'y')");
    await s.query('INSERT INTO shop.b_items VALUES (10, 1), (11, 2)');
    await s.query('INSERT INTO shop.c_notes VALUES (100, 10), (101, 11)');
    await s.query('INSERT INTO shop.d_other VALUES (1)');
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });

  const schemas = async () => ((await p.query("SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop%' ORDER BY 1"))[0] as Array<{ n: string }>).map((r) => r.n);
  const refs = async () => (await p.query("SELECT TABLE_NAME AS t, UNIQUE_CONSTRAINT_SCHEMA AS s, REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'shop' ORDER BY 1"))[0];
  // First the parent's definition changes, then the middle table's.
  for (const alter of ['ALTER TABLE shop.a_orders ADD COLUMN w INT DEFAULT 1', 'ALTER TABLE shop.b_items ADD COLUMN qty INT DEFAULT 2']) {
    await s.query(alter);
    const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
    const notes = Object.fromEntries(sync.tables.map((x) => [x.table, x.note]));
    assert.equal(notes.d_other, '', 'an unrelated table stays');
    assert.equal(Object.values(notes).filter((n) => n === 'schema differs').length, 1, JSON.stringify(notes));
    const v = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
    assert.equal(v.equal, true, `${alter}: ${JSON.stringify(v.tables.filter((x) => !x.equal))}`);
    assert.equal(dump(production, 'shop'), dump(staging, 'shop'));
    assert.deepEqual(await refs(), [
      { t: 'b_items', s: 'shop', r: 'a_orders' },
      { t: 'c_notes', s: 'shop', r: 'b_items' },
    ]);
    assert.deepEqual(await schemas(), ['shop', 'shop__sy_prev'], 'no trash or shadow schema left');
  }
  // The constraints work on the new tables.
  await p.query('DELETE FROM shop.a_orders WHERE id = 1');
  assert.deepEqual((await p.query('SELECT id FROM shop.c_notes'))[0], [{ id: 101 }]);
});

test('a table created on production after presync is not dropped by sync: it is moved aside beside the tables presync kept, and the report names it', async (t) => {
  const { p, prodAgent, peer } = await twoAgents(t, async ({ s, p }) => {
    await s.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.orders VALUES (1, 'x')");
    // Production had a table of that name before the copy too: presync keeps it in __sy_prev.
    await p.query('CREATE TABLE shop.plugin_log (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
    await p.query("INSERT INTO shop.plugin_log VALUES (1, 'before presync')");
  });
  await streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  // A plugin activated on production after the copy creates its tables and writes to them.
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.webhooks VALUES (1, 'paid'), (2, 'refunded')");
  await p.query('CREATE TABLE shop.plugin_log (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.plugin_log VALUES (1, 'after presync')");
  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  const [found] = await p.query("SELECT TABLE_SCHEMA AS s FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'shop%' AND TABLE_NAME = 'webhooks'");
  assert.equal((found as unknown[]).length, 1, 'the table production created is still somewhere');
  const notes = Object.fromEntries(sync.tables.map((x) => [x.table, x.note]));
  assert.match(notes.webhooks ?? '', /moved aside to shop__sy_\w+/, JSON.stringify(notes));
  assert.match(notes.plugin_log ?? '', /moved aside to shop__sy_\w+/, JSON.stringify(notes));
  const where = (note: string) => /moved aside to (shop__sy_\w+)/.exec(note)![1]!;
  assert.deepEqual((await p.query(`SELECT id, payload FROM \`${where(notes.webhooks!)}\`.webhooks ORDER BY id`))[0], [{ id: 1, payload: 'paid' }, { id: 2, payload: 'refunded' }]);
  assert.deepEqual((await p.query(`SELECT msg FROM \`${where(notes.plugin_log!)}\`.plugin_log`))[0], [{ msg: 'after presync' }]);
  assert.deepEqual((await p.query('SELECT msg FROM shop__sy_prev.plugin_log'))[0], [{ msg: 'before presync' }], 'what presync kept stays as it was');
  const [left] = await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1");
  assert.deepEqual(left, [{ n: 'orders' }]);
  const v = (await streamCall(prodAgent.client, 'VerifyDatabase', { peer, full: true })).find((e) => e.parity)!.parity!;
  assert.equal(v.equal, true, JSON.stringify(v.tables.filter((x) => !x.equal)));
  // Created a third time: both kept-aside schemas hold that name, so sync stops and moves nothing.
  await p.query('CREATE TABLE shop.plugin_log (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.plugin_log VALUES (1, 'third')");
  await assert.rejects(streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 }), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /shop\.plugin_log exists only on production/);
    return true;
  });
  assert.deepEqual((await p.query('SELECT msg FROM shop.plugin_log'))[0], [{ msg: 'third' }]);
});

// The keep merge and the rerun copy's join into `<db>__sy_last` at scale and at the edges: a few
// statements per table however many keys were recorded, keys judged by the server's collation,
// rows without a key kept in two places merged once, and a table only production has never
// dropped because an earlier copy kept one of its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';
import type { PreflightReport__Output } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { MergeReport__Output } from '../../shared/proto-gen/switchyard/v1/MergeReport.js';

type Agents = Awaited<ReturnType<typeof twoAgents>>;

function calls({ prodAgent, peer }: Pick<Agents, 'prodAgent' | 'peer'>) {
  return {
    preflight: () => unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer }),
    copy: () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 }),
    keep: () => unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' }),
    rollbackKeepingLive: () => unaryCall(prodAgent.client, 'RollbackDatabase', { target_schema: 'shop', keep_live_copy: true }),
  };
}

/** The server's count of `names` statements run so far, by every client. */
async function statements(p: Connection, names: string[]): Promise<number> {
  const [r] = await p.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map((n) => `'${n}'`).join(', ')})`);
  return (r as Array<{ Value: string }>).reduce((n, x) => n + Number(x.Value), 0);
}

test('thousands of recorded keys: the rerun copy joins them into __sy_last and keep merges them in a few statements, not one or two per key', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b')");
    }
  });
  const { p } = env;
  const { preflight, copy, keep } = calls(env);
  const N = 3000;
  await copy();
  await p.query("INSERT INTO shop.orders VALUES (10, 'first webhook')");
  await preflight();
  await copy(); // orders, with row 10, now in shop__sy_last
  // Row 10 again (production wrote it anew) and thousands more: the next copy joins them there.
  await p.query("INSERT INTO shop.orders VALUES (10, 'rewritten')");
  await p.query(`INSERT INTO shop.orders SELECT seq, CONCAT('w', seq) FROM shop.seq_1001_to_${1000 + N}`);
  assert.equal(Number((await preflight()).production_only_rows), N + 1 + 1, 'the new rows, and the one kept earlier, told again');
  const deletes = await statements(p, ['Com_delete', 'Com_delete_multi']);
  await copy();
  assert.ok((await statements(p, ['Com_delete', 'Com_delete_multi'])) - deletes < 20, 'the join into __sy_last deletes by one statement, not one per key');
  assert.deepEqual((await p.query('SELECT COUNT(*) AS n FROM shop__sy_last.orders WHERE id >= 10'))[0], [{ n: N + 1 }]);
  assert.deepEqual((await p.query('SELECT v FROM shop__sy_last.orders WHERE id = 10'))[0], [{ v: 'rewritten' }], 'the recorded row replaced the one under its key');

  const selects = await statements(p, ['Com_select']);
  const inserts = await statements(p, ['Com_insert', 'Com_insert_select']);
  const merged = await keep();
  assert.ok((await statements(p, ['Com_select'])) - selects < 200, `keep reads the keys by joins (${(await statements(p, ['Com_select'])) - selects} SELECTs)`);
  assert.ok((await statements(p, ['Com_insert', 'Com_insert_select'])) - inserts < 50, 'keep writes the rows by joins');
  assert.equal(Number(merged.rows_merged), N + 1);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await p.query(`SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi FROM shop.orders WHERE id > 1000`))[0], [{ n: N, lo: 1001, hi: 1000 + N }]);
  assert.deepEqual((await p.query('SELECT v FROM shop.orders WHERE id IN (10, 2000) ORDER BY id'))[0], [{ v: 'rewritten' }, { v: 'w2000' }]);
});

test('a table only production has, created again after an earlier copy kept one of its name in __sy_last: the rerun copy keeps both, and says so', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
  });
  const { p } = env;
  const { copy } = calls(env);
  await copy();
  // A plugin on production adds a table; the rerun copy moves it to shop__sy_last.
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.webhooks VALUES (1, 'first')");
  await copy();
  // The plugin creates it again and takes more webhooks; a third copy must not drop them.
  await p.query('CREATE TABLE shop.webhooks (id INT PRIMARY KEY, payload VARCHAR(20)) ENGINE=InnoDB');
  await p.query("INSERT INTO shop.webhooks VALUES (1, 'second'), (2, 'third')");
  const events = await copy();
  const result = events.find((e) => e.copy)!.copy!;
  assert.deepEqual((await p.query('SELECT id, payload FROM shop__sy_last.webhooks ORDER BY id'))[0], [{ id: 1, payload: 'first' }], 'the earlier one stays');
  assert.deepEqual((await p.query('SELECT id, payload FROM shop__sy_last.webhooks__sy_2 ORDER BY id'))[0], [{ id: 1, payload: 'second' }, { id: 2, payload: 'third' }], 'the new one is kept beside it');
  assert.deepEqual(result.notes, ['webhooks: only production has this table and shop__sy_last already holds one of that name (kept by an earlier copy): kept beside it as shop__sy_last.webhooks__sy_2 until release, nothing dropped']);
});

test('a row of a table without a key recorded in __sy_last before a rollback and again in production’s own table after it: merged once', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.log (msg VARCHAR(40) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.log VALUES ('boot')");
    }
  });
  const { p } = env;
  const { preflight, copy, keep, rollbackKeepingLive } = calls(env);
  await copy();
  await p.query("INSERT INTO shop.log VALUES ('order 7 paid'), ('order 8 paid')");
  await preflight();
  await rollbackKeepingLive(); // the recorded copies now in shop__sy_last
  // The operator reconciles the served copy by hand: order 7's line entered again, order 8's not.
  await p.query("INSERT INTO shop.log VALUES ('order 7 paid')");
  assert.equal(Number((await preflight()).production_only_rows), 3, 'both records are told');
  await copy();
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 2);
  assert.deepEqual((await p.query('SELECT msg, COUNT(*) AS n FROM shop.log GROUP BY msg ORDER BY msg'))[0], [
    { msg: 'boot', n: 1 },
    { msg: 'order 7 paid', n: 1 },
    { msg: 'order 8 paid', n: 1 },
  ]);
  assert.deepEqual(merged.superseded, []);
});

test('keys kept in two places are matched as the server matches them: one key under a case-insensitive collation, two where the text of the parts only looks alike', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.tags (name VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query('CREATE TABLE shop.pairs (a VARCHAR(20) NOT NULL, b VARCHAR(20) NOT NULL, v VARCHAR(20) NOT NULL, PRIMARY KEY (a, b)) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.tags VALUES ('base', 'staging')");
    }
  });
  const { p } = env;
  const { preflight, copy, keep, rollbackKeepingLive } = calls(env);
  await copy();
  await p.query("INSERT INTO shop.tags VALUES ('abc', 'on the copy')");
  await p.query("INSERT INTO shop.pairs VALUES ('x,y', 'z', 'on the copy')");
  await preflight();
  await rollbackKeepingLive(); // both rows now in shop__sy_last
  // Reconciled by hand: the tag entered again in other case ('ABC' is 'abc' to this column), and
  // another pair whose parts, joined with a comma, read the same as the first's.
  await p.query("INSERT INTO shop.tags VALUES ('ABC', 'reconciled')");
  await p.query("INSERT INTO shop.pairs VALUES ('x', 'y,z', 'reconciled')");
  assert.equal(Number((await preflight()).production_only_rows), 4);
  await copy();
  const merged = await keep();
  assert.equal(Number(merged.rows_merged), 3);
  assert.deepEqual((await p.query("SELECT name, v FROM shop.tags WHERE name <> 'base'"))[0], [{ name: 'ABC', v: 'reconciled' }], 'the newer row under the one key');
  assert.deepEqual((await p.query('SELECT a, b, v FROM shop.pairs ORDER BY a'))[0], [
    { a: 'x', b: 'y,z', v: 'reconciled' },
    { a: 'x,y', b: 'z', v: 'on the copy' },
  ], 'two keys, two rows');
  assert.deepEqual(merged.superseded, ['tags: 1 row in shop__sy_last under a key a newer kept row took, not merged (abc)']);
});

test('a kept key staging now holds in other case, under a case-insensitive collation: SY_CONFLICT naming the key, nothing merged', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) await c.query('CREATE TABLE shop.tags (name VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await p.query("INSERT INTO shop.tags VALUES ('abc', 'production'), ('other', 'production')");
  });
  const { s, p } = env;
  const { preflight, copy, keep } = calls(env);
  assert.equal(Number((await preflight()).production_only_rows), 2);
  await s.query("INSERT INTO shop.tags VALUES ('ABC', 'staging')");
  await copy();
  await assert.rejects(keep(), (err: Error & { metadata?: { get(k: string): unknown[] } }) => {
    assert.deepEqual(err.metadata?.get('switchyard-error-code'), ['SY_CONFLICT'], err.message);
    assert.match(err.message, /tags:abc\b/);
    return true;
  });
  assert.deepEqual((await p.query('SELECT name, v FROM shop.tags'))[0], [{ name: 'ABC', v: 'staging' }]);
});

test('recorded copies of rows without a key join __sy_last as many times as recorded, duplicates and all: into a table created for them, and into one kept there before', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.log (msg VARCHAR(40) NOT NULL, n INT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.log VALUES ('boot', NULL)");
    }
  });
  const { p } = env;
  const { preflight, copy, rollbackKeepingLive } = calls(env);
  const kept = async () => (await p.query('SELECT msg, n, COUNT(*) AS c FROM shop__sy_last.log GROUP BY msg, n ORDER BY msg, n'))[0];
  await copy();
  // A second 'boot' (staging has one: one copy is production's), three identical lines, and a NULL apart from a value.
  await p.query("INSERT INTO shop.log VALUES ('boot', NULL), ('paid', 7), ('paid', 7), ('paid', 7), ('paid', NULL)");
  assert.equal(Number((await preflight()).production_only_rows), 5);
  await rollbackKeepingLive();
  assert.deepEqual(await kept(), [
    { msg: 'boot', n: null, c: 1 },
    { msg: 'paid', n: null, c: 1 },
    { msg: 'paid', n: 7, c: 3 },
  ]);
  // The next attempt: a first copy again, then a rerun whose live rows join the table kept above.
  await copy();
  await p.query("INSERT INTO shop.log VALUES ('paid', 8), ('paid', 8), ('paid', 7)");
  assert.equal(Number((await preflight()).production_only_rows), 8, 'the kept rows are told with the new ones');
  await copy();
  assert.deepEqual(await kept(), [
    { msg: 'boot', n: null, c: 1 },
    { msg: 'paid', n: null, c: 1 },
    { msg: 'paid', n: 7, c: 4 },
    { msg: 'paid', n: 8, c: 2 },
  ]);
});

test('hundreds of recorded rows without a key join __sy_last reading the live table once, not once per recorded row', async (t) => {
  const env = await twoAgents(t, async ({ s, p }) => {
    for (const c of [s, p]) {
      await c.query('CREATE TABLE shop.log (msg VARCHAR(40) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.log VALUES ('boot')");
    }
  });
  const { p } = env;
  const { preflight, copy, rollbackKeepingLive } = calls(env);
  await copy();
  await p.query(`INSERT INTO shop.log VALUES ${Array.from({ length: 400 }, (_, i) => `('line ${i}')`).join(', ')}`);
  assert.equal(Number((await preflight()).production_only_rows), 400);
  const before = await statements(p, ['Handler_read_rnd_next']);
  await rollbackKeepingLive();
  const scanned = (await statements(p, ['Handler_read_rnd_next'])) - before;
  assert.deepEqual((await p.query('SELECT COUNT(*) AS n FROM shop__sy_last.log'))[0], [{ n: 400 }]);
  // A scan per recorded row read about 80,000 (each stops at its first match); one is about 900 with the rest.
  assert.ok(scanned < 10_000, `${scanned} rows read by scans`);
});

test('recorded rows without a key joined __sy_last, then the RENAME TABLE gave up on a lock: the retried rollback or rerun copy does not join them again', async (t) => {
  const env = await twoAgents(
    t,
    async ({ s, p }) => {
      for (const c of [s, p]) {
        await c.query('CREATE TABLE shop.log (msg VARCHAR(40) NOT NULL) ENGINE=InnoDB');
        await c.query("INSERT INTO shop.log VALUES ('boot')");
      }
    },
    { productionDatabase: { lockWaitSeconds: 1 } },
  );
  const { p, production } = env;
  const { preflight, copy, rollbackKeepingLive } = calls(env);
  const kept = async () => (await p.query('SELECT msg, COUNT(*) AS c FROM shop__sy_last.log GROUP BY msg ORDER BY msg'))[0];
  // A client with a transaction open on the live table: the join reads it, the RENAME cannot move it.
  const held = async (step: () => Promise<unknown>) => {
    const x = await production.rootConnection();
    try {
      await x.query('START TRANSACTION');
      await x.query('SELECT COUNT(*) FROM shop.log');
      await assert.rejects(step(), /gave up waiting for a lock/);
    } finally {
      await x.query('ROLLBACK');
      await x.end();
    }
  };

  await copy();
  await p.query("INSERT INTO shop.log VALUES ('paid'), ('paid'), ('refund')");
  assert.equal(Number((await preflight()).production_only_rows), 3);
  await held(rollbackKeepingLive);
  assert.deepEqual(await kept(), [{ msg: 'paid', c: 2 }, { msg: 'refund', c: 1 }], 'joined before the RENAME gave up');
  await rollbackKeepingLive();
  assert.deepEqual(await kept(), [{ msg: 'paid', c: 2 }, { msg: 'refund', c: 1 }], 'the retry joined nothing again');
  assert.deepEqual((await p.query('SELECT msg, COUNT(*) AS c FROM shop__sy_served.log GROUP BY msg ORDER BY msg'))[0], [{ msg: 'boot', c: 1 }, { msg: 'paid', c: 2 }, { msg: 'refund', c: 1 }], 'the live copy is served');

  // A rerun copy, whose live rows join the table kept above, stopped the same way.
  await copy();
  await p.query("INSERT INTO shop.log VALUES ('paid'), ('late')");
  await preflight();
  await copy();
  await p.query("INSERT INTO shop.log VALUES ('paid'), ('paid'), ('late')");
  assert.equal(Number((await preflight()).production_only_rows), 3 + 2 + 3, 'kept rows told with the new ones');
  await held(copy);
  assert.deepEqual(await kept(), [{ msg: 'late', c: 2 }, { msg: 'paid', c: 5 }, { msg: 'refund', c: 1 }], 'joined before the RENAME gave up');
  // Preflight run again before the retry finds the same rows, and one more written since.
  await p.query("INSERT INTO shop.log VALUES ('paid')");
  assert.equal(Number((await preflight()).production_only_rows), 3 + 2 + 4);
  await copy();
  assert.deepEqual(await kept(), [{ msg: 'late', c: 2 }, { msg: 'paid', c: 6 }, { msg: 'refund', c: 1 }], 'only the row written since joined');
  const merged = await unaryCall<object, MergeReport__Output>(env.prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 9);
  assert.deepEqual((await p.query('SELECT msg, COUNT(*) AS c FROM shop.log GROUP BY msg ORDER BY msg'))[0], [{ msg: 'boot', c: 1 }, { msg: 'late', c: 2 }, { msg: 'paid', c: 6 }, { msg: 'refund', c: 1 }]);
});

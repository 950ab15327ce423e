// The binary-protocol load on a real server: exact bytes for every kind of value, rows too large
// for a packet sent another way in between (in order), batches of every size, and a value the
// server would have to change fails the load instead of passing for a copy.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { withMariaDb } from '../helpers/mariadb.js';
import { connect } from '../../agent/db/connect.js';
import { inspectSchema } from '../../agent/db/inspect.js';
import { loadViaLoadData, loadViaPrepared, loadRows } from '../../agent/db/load-rows.js';
import { TsvEncoder } from '../../agent/db/tsv.js';
import { ExecuteRows, executeRaw, rawExecuteUsable } from '../../agent/db/raw-execute.js';
import { rowPayload } from '../helpers/row-packet.js';

const ROWS = 2500;
const BIG = 4096;

function rowsFor(n: number): Array<Array<Buffer | null>> {
  return Array.from({ length: n }, (_, i) => {
    const id = i + 1;
    // Every 97th row is larger than the test's packet limit; some values hold bytes to escape.
    const v = id % 97 === 0 ? randomBytes(BIG * 3) : id % 5 === 0 ? null : Buffer.concat([Buffer.from(`r${id}\t\n\\`), randomBytes(id % 300)]);
    return [Buffer.from(String(id)), v, Buffer.from(String(id % 32)), Buffer.from([0x41, 0xe9, 0xff])];
  });
}

function tsv(rows: Array<Array<Buffer | null>>): Buffer[] {
  const chunks: Buffer[] = [];
  // Small chunks: rows, the big ones most of all, span several.
  const enc = new TsvEncoder(1000, (c) => chunks.push(c));
  for (const r of rows) enc.writeRow(r);
  enc.flush();
  return chunks;
}

async function setUp(t: TestContext) {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const root = await db.rootConnection('shop');
  t.after(() => root.end());
  await root.query('CREATE TABLE t (id INT PRIMARY KEY, v LONGBLOB, b BIT(5), s VARCHAR(8) CHARACTER SET latin1) ENGINE=InnoDB');
  const conn = await connect({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password });
  t.after(() => conn.end());
  const table = (await inspectSchema(conn, 'shop', { objects: false })).tables.find((x) => x.name === 't')!;
  return { db, root, conn, table };
}

async function stored(root: Awaited<ReturnType<typeof setUp>>['root']): Promise<string[]> {
  const [rows] = await root.query('SELECT id, IF(v IS NULL, "null", SHA2(v, 256)) AS v, b + 0 AS b, HEX(s) AS s FROM t ORDER BY id');
  return (rows as Array<{ id: number; v: string; b: number; s: string }>).map((r) => `${r.id} ${r.v} ${r.b} ${r.s}`);
}

const expected = (rows: Array<Array<Buffer | null>>) => rows.map((r) => `${r[0]!.toString()} ${r[1] === null ? 'null' : createHash('sha256').update(r[1]!).digest('hex')} ${r[2]!.toString()} 41E9FF`);

test('prepared INSERTs store exact bytes; rows too large for a packet go by LOAD DATA between them, in order', async (t) => {
  const { root, conn, table } = await setUp(t);
  const rows = rowsFor(ROWS);
  const chunks = tsv(rows);
  await conn.query('START TRANSACTION');
  const r = await loadViaPrepared(conn, 'shop', table, async function* () {
    yield* chunks;
  }, { maxRowBytes: BIG });
  await conn.query('COMMIT');
  assert.equal(r.rows, ROWS);
  assert.deepEqual(r.methods, ['prepared', 'load-data']);
  assert.deepEqual(await stored(root), expected(rows));
});

test('without LOAD DATA, a row too large for a packet goes as a hex INSERT', async (t) => {
  const { root, conn, table } = await setUp(t);
  const rows = rowsFor(300);
  const chunks = tsv(rows);
  const r = await loadViaPrepared(conn, 'shop', table, async function* () {
    yield* chunks;
  }, { maxRowBytes: BIG, allowLoadData: false });
  assert.equal(r.rows, 300);
  assert.deepEqual(r.methods, ['prepared', 'insert']);
  assert.deepEqual(await stored(root), expected(rows));
});

test('the way in is chosen from the rows: short ones by LOAD DATA, long ones prepared', async (t) => {
  const { root, conn, table } = await setUp(t);
  const short = [[Buffer.from('1'), Buffer.from('x'), Buffer.from('1'), Buffer.from([0x41, 0xe9, 0xff])]];
  const long = [[Buffer.from('2'), randomBytes(2000), Buffer.from('2'), Buffer.from([0x41, 0xe9, 0xff])]];
  assert.deepEqual((await loadRows(conn, 'shop', table, async function* () { yield* tsv(short); })).methods, ['load-data']);
  assert.deepEqual((await loadRows(conn, 'shop', table, async function* () { yield* tsv(long); })).methods, ['prepared']);
  assert.deepEqual(await stored(root), expected([...short, ...long]));
});

test('LOAD DATA stores every byte value as sent: NUL, CR, CR LF and Ctrl-Z go unescaped, \\t \\n \\\\ and "\\N" escaped', async (t) => {
  const { root, conn, table } = await setUp(t);
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const values = [every, Buffer.from('a\r\nb\r'), Buffer.from([0x00]), Buffer.from([0x1a, 0x0d]), Buffer.from('\\N'), Buffer.from('\\'), Buffer.alloc(0), null, Buffer.concat([every, Buffer.from(every).reverse()])];
  const rows = values.map((v, i) => [Buffer.from(String(i + 1)), v, Buffer.from('1'), Buffer.from([0x41, 0xe9, 0xff])]);
  const r = await loadViaLoadData(conn, 'shop', table, async function* () {
    yield* tsv(rows);
  });
  assert.deepEqual(r, { refused: false, rows: values.length });
  assert.deepEqual(await stored(root), expected(rows));
});

test('a value the column cannot hold as sent fails the load, naming the warning', async (t) => {
  const { conn, table } = await setUp(t);
  const rows = [[Buffer.from('1'), randomBytes(600), Buffer.from('1'), Buffer.from('much too long for eight')]];
  await assert.rejects(
    loadViaPrepared(conn, 'shop', table, async function* () {
      yield* tsv(rows);
    }),
    /warning\(s\), the copy would not be exact: 1265 Data truncated for column 's'/,
  );
});

test('with a small max_allowed_packet, statements stay within it and larger rows go by LOAD DATA', async (t) => {
  const { db, root, table } = await setUp(t);
  // Read by a session when it connects: a connection of its own, opened after the change.
  await root.query('SET GLOBAL max_allowed_packet = 65536');
  const conn = await connect({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password });
  t.after(() => conn.end());
  // 400 rows of ~1.5 KB (many statements' worth of a 32 KB half-packet) and two of 40 KB.
  const rows = Array.from({ length: 400 }, (_, i) => [Buffer.from(String(i + 1)), randomBytes(i % 200 === 7 ? 40_000 : 1_500), Buffer.from('3'), Buffer.from([0x41, 0xe9, 0xff])]);
  const r = await loadViaPrepared(conn, 'shop', table, async function* () {
    yield* tsv(rows);
  });
  assert.equal(r.rows, 400);
  assert.deepEqual(r.methods, ['prepared', 'load-data']);
  assert.deepEqual(await stored(root), expected(rows));
});

/** The "rows" format: each row as a 4-byte length and the server's text-protocol row payload. */
function frames(rows: Array<Array<Buffer | null>>): Buffer[] {
  const parts: Buffer[] = [];
  for (const r of rows) {
    const payload = rowPayload(r);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(payload.length);
    parts.push(len, payload);
  }
  const all = Buffer.concat(parts);
  // Small chunks: frames, the big ones most of all, span several.
  return Array.from({ length: Math.ceil(all.length / 1000) }, (_, i) => all.subarray(i * 1000, (i + 1) * 1000));
}

test('row packets go into execute packets as they are: exact bytes, NULLs, big rows by LOAD DATA in order, as mysql2 would store them', async (t) => {
  const { root, conn, table } = await setUp(t);
  assert.equal(rawExecuteUsable(conn), true, 'MariaDB expects no query attributes: the raw packet is usable');
  const rows = rowsFor(ROWS);
  for (const raw of [true, false]) {
    await root.query('TRUNCATE t');
    await conn.query('START TRANSACTION');
    const r = await loadViaPrepared(conn, 'shop', table, async function* () {
      yield* frames(rows);
    }, { maxRowBytes: BIG, format: () => 'rows', raw });
    await conn.query('COMMIT');
    assert.equal(r.rows, ROWS, `raw ${raw}`);
    assert.deepEqual(r.methods, ['prepared', 'load-data'], `raw ${raw}`);
    assert.deepEqual(await stored(root), expected(rows), `raw ${raw}`);
  }
});

test('a raw execute packet runs on the real server, and a warning it raises fails the load', async (t) => {
  const { root, conn, table } = await setUp(t);
  const sql = 'INSERT INTO shop.t (id, v, b, s) VALUES (?,?,CAST(? AS UNSIGNED),?),(?,?,CAST(? AS UNSIGNED),?)';
  const st = await conn.prepare(sql);
  const rows = [
    [Buffer.from('1'), null, Buffer.from('31'), Buffer.from([0x41, 0xe9, 0xff])],
    [Buffer.from('2'), randomBytes(300), Buffer.from('0'), Buffer.from([0x41, 0xe9, 0xff])],
  ];
  const x = new ExecuteRows(4);
  const f = Buffer.concat(frames(rows));
  for (let pos = 0; pos < f.length; pos += 4 + f.readUInt32LE(pos)) x.add(f, pos + 4, pos + 4 + f.readUInt32LE(pos));
  const res = await executeRaw(st, (id) => x.packet(id, 0, 2));
  assert.equal(res.affectedRows, 2);
  assert.equal(res.warningStatus, 0);
  conn.unprepare(sql);
  assert.deepEqual(await stored(root), expected(rows));
  await assert.rejects(
    loadViaPrepared(conn, 'shop', table, async function* () {
      yield* frames([[Buffer.from('3'), randomBytes(600), Buffer.from('1'), Buffer.from('much too long for eight')]]);
    }, { format: () => 'rows' }),
    /warning\(s\), the copy would not be exact: 1265 Data truncated for column 's'/,
  );
});

test("two loads of one table on one connection both go in, as sync's repair of two chunks does (a closed statement is not handed out again)", async (t) => {
  const { root, conn, table } = await setUp(t);
  const long = (from: number) => Array.from({ length: 20 }, (_, i) => [Buffer.from(String(from + i)), randomBytes(2000), Buffer.from('1'), Buffer.from([0x41, 0xe9, 0xff])]);
  const a = long(1);
  const b = long(101);
  // Long rows: the prepared way, the same statements both times.
  assert.deepEqual((await loadRows(conn, 'shop', table, async function* () { yield* tsv(a); })).methods, ['prepared']);
  assert.deepEqual((await loadRows(conn, 'shop', table, async function* () { yield* tsv(b); })).methods, ['prepared']);
  assert.deepEqual(await stored(root), expected([...a, ...b]));
});

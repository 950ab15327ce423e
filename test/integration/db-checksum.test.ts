// The chunk checksum's two SQL forms on a real server: the single-pass form (row image kept in a
// user variable) must give exactly the derived-table form's value for every fixture table — NULLs,
// binary, emoji, JSON, no primary key — or sums from one side would not match the other's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import type { Connection } from 'mysql2/promise';
import { withMariaDb } from '../helpers/mariadb.js';
import { loadFixture } from '../helpers/db-fixture.js';
import { bestAlgo, checksumChunk, checksumSql, singlePassWorks, supportedAlgos } from '../../agent/db/checksum.js';
import { inspectSchema, type Table } from '../../agent/db/inspect.js';
import { isNumericType, qi, qt } from '../../agent/db/sql.js';
import { connect } from '../../agent/db/connect.js';

async function sum(conn: Connection, sql: string): Promise<string> {
  const [res] = await conn.query({ sql, rowsAsArray: true });
  const [cnt, crc] = (res as unknown[][])[0]!;
  return `${String(cnt)}:${String(crc)}`;
}

test('the single-pass row hash equals the derived-table form on every fixture table, whole and by key range', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.2', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  await loadFixture(root, 'shop');
  const conn = await connect({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password });
  t.after(() => conn.end());
  assert.equal(await singlePassWorks(conn), true, 'MariaDB 10.11 evaluates the product left to right');
  const info = await inspectSchema(conn, 'shop');
  assert.ok(info.tables.length >= 5, 'the fixture has several tables');
  let compared = 0;
  let nonEmpty = 0;
  for (const table of info.tables) {
    // A stale variable from an earlier statement must not leak into the first row's hash.
    await conn.query("SET @sy_h = 'left over'");
    const whole = await sum(conn, checksumSql('shop', table, undefined, 'crcmul', true));
    assert.equal(whole, await sum(conn, checksumSql('shop', table, undefined, 'crcmul', false)), `table ${table.name}`);
    if (whole.split(':')[0] !== '0') nonEmpty++;
    const viaChunk = await checksumChunk(conn, 'shop', table, table.keyColumns.length > 0 ? {} : undefined, 'crcmul');
    assert.equal(`${viaChunk.rows}:${viaChunk.checksum.split(':')[1]}`, whole, `checksumChunk on ${table.name}`);
    compared++;
  }
  assert.equal(compared, info.tables.length);
  assert.ok(nonEmpty >= 5, `rows compared in ${nonEmpty} tables`);
  // Snapshot readers use raw connections (every value a Buffer): the probe must pass there too.
  const raw = await connect({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password }, { raw: true });
  t.after(() => raw.end());
  assert.equal(await singlePassWorks(raw), true);
  // A changed row changes the single-pass sum (it hashes the rows, not a constant).
  const table = info.tables.find((x) => x.name === 'wp_options')!;
  const before = await sum(conn, checksumSql('shop', table, undefined, 'crcmul', true));
  await root.query("UPDATE shop.wp_options SET option_value = CONCAT(option_value, 'x') ORDER BY option_id LIMIT 1");
  assert.notEqual(await sum(conn, checksumSql('shop', table, undefined, 'crcmul', true)), before);
});

// CRC-32C (Castagnoli), reflected, table-driven: the reference the server's CRC32C must match.
const C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});
function crc32c(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = C_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * crcchain as documented, computed here from the rows' bytes: CRC32 over '#' v '#' v ... (a FLOAT
 * as its DOUBLE text), CRC32C over the same followed by '#' and the NULL flags of nullable columns
 * and lengths of non-NULL string columns, comma-separated; XORed per chunk, or added up for a
 * table without a key.
 */
async function referenceChain(raw: Connection, schema: string, t: Table): Promise<string> {
  // A FLOAT's own text keeps 6 digits; its DOUBLE text is exact.
  const [res] = await raw.query({ sql: `SELECT ${t.columns.map((c) => (c.dataType === 'float' ? `CAST(${qi(c.name)} AS DOUBLE)` : qi(c.name))).join(', ')} FROM ${qt(schema, t.name)}`, rowsAsArray: true });
  let x = 0n;
  let n = 0;
  for (const row of res as Array<Array<Buffer | null>>) {
    const parts: Buffer[] = [];
    for (const v of row) parts.push(Buffer.from('#'), v ?? Buffer.alloc(0));
    const values = Buffer.concat(parts);
    const flags = t.columns.flatMap((c, i) => (c.nullable ? [row[i] === null ? '1' : '0'] : []));
    const lengths = t.columns.flatMap((c, i) => (isNumericType(c.dataType) || row[i] === null ? [] : [String(row[i]!.length)]));
    const shape = [...flags, ...lengths].join(',');
    const withShape = t.columns.some((c) => c.nullable || !isNumericType(c.dataType)) ? Buffer.concat([values, Buffer.from(`#${shape}`)]) : values;
    const h = BigInt(crc32(values)) * BigInt(crc32c(withShape));
    // Rows of a table without a key are added up (two equal rows would cancel in a XOR).
    x = t.keyColumns.length > 0 ? x ^ h : x + h;
    n++;
  }
  return `${n}:${n === 0 ? '0' : x.toString()}`;
}

test('crcchain: the server value equals the documented byte sequence hashed here, on every fixture table and on wide ones', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.2', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  await loadFixture(root, 'shop');
  // 40 columns go one by one (nested 80 deep), 60 in groups; NULLs, latin1, binary, numbers.
  for (const width of [40, 60]) {
    const cols = Array.from({ length: width }, (_, i) => (i % 4 === 0 ? `c${i} INT NULL` : i % 4 === 1 ? `c${i} VARCHAR(20) CHARACTER SET latin1 NULL` : i % 4 === 2 ? `c${i} VARBINARY(20) NOT NULL` : `c${i} DECIMAL(8,3) NULL`));
    await root.query(`CREATE TABLE shop.wide${width} (id INT PRIMARY KEY, ${cols.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    for (let r = 1; r <= 20; r++) {
      const vals = Array.from({ length: width }, (_, i) => ((r + i) % 5 === 0 && i % 4 !== 2 ? 'NULL' : i % 4 === 0 ? String(r * i) : i % 4 === 1 ? "_latin1 X'E9E8'" : i % 4 === 2 ? `X'${Buffer.from(`#${r},${i}`).toString('hex')}00'` : `${r}.${i}`));
      await root.query(`INSERT INTO shop.wide${width} VALUES (${r}, ${vals.join(', ')})`);
    }
  }
  const conn = await connect({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password });
  const raw = await connect({ host: db.host, port: db.port, user: db.admin.user, password: db.admin.password }, { raw: true });
  t.after(async () => {
    await conn.end();
    await raw.end();
  });
  assert.deepEqual(await supportedAlgos(conn), ['crcchain', 'crcmul', 'md5']);
  assert.equal(await bestAlgo(conn, ['crcchain', 'crcmul', 'md5']), 'crcchain');
  assert.equal(await bestAlgo(conn, []), 'crcmul', 'an agent that names no algorithms knew crcmul');
  assert.equal(await bestAlgo(conn, ['md5']), 'md5', 'a peer server without CRC32C');
  const info = await inspectSchema(conn, 'shop');
  let nonEmpty = 0;
  for (const table of info.tables) {
    const want = await referenceChain(raw, 'shop', table);
    for (const c of [conn, raw]) {
      const got = await checksumChunk(c, 'shop', table, table.keyColumns.length > 0 ? {} : undefined, 'crcchain');
      assert.equal(`${got.rows}:${got.checksum.split(':')[1]}`, want, `table ${table.name}`);
      assert.equal(got.checksum.split(':')[0], 'crcchain');
    }
    if (!want.startsWith('0:')) nonEmpty++;
  }
  assert.ok(nonEmpty >= 7, `rows compared in ${nonEmpty} tables`);
  // A NULL and an empty string, or a value moved across a column boundary, hash apart.
  await root.query('CREATE TABLE shop.pairs (id INT PRIMARY KEY, a VARCHAR(5) NULL, b VARCHAR(5) NULL)');
  const pairs = (await inspectSchema(conn, 'shop')).tables.find((x) => x.name === 'pairs')!;
  const sumOf = async (a: string, b: string) => {
    await root.query('DELETE FROM shop.pairs');
    await root.query(`INSERT INTO shop.pairs VALUES (1, ${a}, ${b})`);
    return (await checksumChunk(conn, 'shop', pairs, {}, 'crcchain')).checksum;
  };
  const seen = new Set([await sumOf("'ab'", "'c'"), await sumOf("'a'", "'bc'"), await sumOf('NULL', "''"), await sumOf("''", 'NULL'), await sumOf("''", "''"), await sumOf("'#'", "''"), await sumOf("''", "'#'")]);
  assert.equal(seen.size, 7);
});

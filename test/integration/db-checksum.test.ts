// The chunk checksum's two SQL forms on a real server: the single-pass form (row image kept in a
// user variable) must give exactly the derived-table form's value for every fixture table — NULLs,
// binary, emoji, JSON, no primary key — or sums from one side would not match the other's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { withMariaDb } from '../helpers/mariadb.js';
import { loadFixture } from '../helpers/db-fixture.js';
import { checksumChunk, checksumSql, singlePassWorks } from '../../agent/db/checksum.js';
import { inspectSchema } from '../../agent/db/inspect.js';
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

// Chunk checksums in the manner of pt-table-checksum: COUNT(*) plus the BIT_XOR of a per-row
// 128-bit hash (two 64-bit halves of an MD5) over all columns. Each column is hashed on its own
// (MD5, or the number as text) with a NULL marker, so neither a separator inside a value nor a row
// near max_allowed_packet can make two different rows hash alike. Both agents run the same SQL on
// the same key ranges, with time_zone pinned, so equal rows hash equal.
import type { Connection } from 'mysql2/promise';
import { qi, qt, rangeWhere, isNumericType, type RangeBounds } from './sql.js';
import { keyColumnTypes, type Table, type Column } from './inspect.js';

function columnHash(c: Column): string {
  const n = qi(c.name);
  if (isNumericType(c.dataType)) return `IFNULL(CAST(${n} AS CHAR), '-')`;
  return `IFNULL(MD5(${n}), '-')`;
}

export function rowHashExpr(t: Table): string {
  return `MD5(CONCAT_WS('#', ${t.columns.map(columnHash).join(', ')}))`;
}

export function checksumSql(schema: string, t: Table, range: RangeBounds | undefined): string {
  const where = t.keyColumns.length > 0 ? rangeWhere(keyColumnTypes(t), range) : '1=1';
  const half = (from: number) => `LPAD(CONV(BIT_XOR(CAST(CONV(SUBSTRING(h, ${from}, 16), 16, 10) AS UNSIGNED)), 10, 16), 16, '0')`;
  return `SELECT COUNT(*) AS cnt, LOWER(CONCAT(${half(1)}, ${half(17)})) AS crc FROM (SELECT ${rowHashExpr(t)} AS h FROM ${qt(schema, t.name)} WHERE ${where}) sy_rows`;
}

export interface ChunkSum {
  rows: number;
  checksum: string;
}

export async function checksumChunk(conn: Connection, schema: string, t: Table, range: RangeBounds | undefined): Promise<ChunkSum> {
  // Row arrays work on both our raw (snapshot) and plain connections.
  const [res] = await conn.query({ sql: checksumSql(schema, t, range), rowsAsArray: true });
  const [cntV, crcV] = (res as unknown[][])[0]!;
  const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString() : String(v));
  const cnt = Number(text(cntV));
  const crc = text(crcV);
  return { rows: cnt, checksum: cnt === 0 ? '0' : crc };
}

/** The key of the row `offset` rows at or after `lower`: the next chunk's upper bound, or none. */
export async function nextBoundary(conn: Connection, schema: string, t: Table, lower: Array<Buffer | null> | undefined, offset: number): Promise<Array<Buffer | null> | undefined> {
  const where = rangeWhere(keyColumnTypes(t), { lower });
  const sql = `SELECT ${t.keyColumns.map(qi).join(', ')} FROM ${qt(schema, t.name)} WHERE ${where} ORDER BY ${t.keyColumns.map(qi).join(', ')} LIMIT 1 OFFSET ${Math.floor(offset)}`;
  const [r] = await conn.query({ sql, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
  const list = r as Array<Array<Buffer | null>>;
  return list.length === 0 ? undefined : list[0];
}

export interface ChunkPlan {
  index: number;
  range: RangeBounds;
  rows: number;
  checksum: string;
  last: boolean;
}

/**
 * Walks a table on the side that picks the boundaries (staging), checksumming as it goes; the
 * chunk size follows a time target like pt-table-checksum's --chunk-time.
 */
export async function* planChunks(conn: Connection, schema: string, t: Table, targetMs: number): AsyncGenerator<ChunkPlan> {
  if (t.keyColumns.length === 0) {
    const sum = await checksumChunk(conn, schema, t, undefined);
    yield { index: 0, range: {}, ...sum, last: true };
    return;
  }
  let size = 2000;
  let lower: Array<Buffer | null> | undefined;
  for (let index = 0; ; index++) {
    const started = Date.now();
    const upper = await nextBoundary(conn, schema, t, lower, size);
    const range: RangeBounds = { lower, upper };
    const sum = await checksumChunk(conn, schema, t, range);
    yield { index, range, ...sum, last: upper === undefined };
    if (upper === undefined) return;
    const took = Math.max(1, Date.now() - started);
    size = Math.min(500_000, Math.max(200, Math.round(size * Math.min(4, Math.max(0.25, targetMs / took)))));
    lower = upper;
  }
}

// Streams one table (or one key range of it) from a snapshot reader as LOAD DATA text, with
// backpressure: the MySQL result is paused while the consumer is behind, so memory stays at a
// few chunks whatever the table size.
import type { Connection } from 'mysql2/promise';
import { qt, rangeWhere, type RangeBounds } from './sql.js';
import { dataColumns, keyColumnTypes, orderBy, selectList, type Table } from './inspect.js';
import { TsvEncoder } from './tsv.js';
import { encodeTextRow, takeRowPackets, textRowValues } from './text-rows.js';
import { dbError } from './connect.js';

export const WIRE_CHUNK = 1 << 20;
/**
 * Row bytes per checksum chunk picked while a whole table streams. Checksum time and re-copy
 * time both follow bytes, so a byte target stands in for pt-table-checksum's time target: at a
 * few MiB a chunk checksums in tens of milliseconds and re-copies in well under a second.
 */
export const CHUNK_BYTES = 4 << 20;
/**
 * And at most this many rows: a chunk of small rows that differs is re-copied whole (DELETE the
 * range, load it again), and rows appended since presync all land in the table's last chunk.
 */
export const CHUNK_ROWS = 10_000;

export function selectRowsSql(schema: string, t: Table, range: RangeBounds | undefined): string {
  const where = t.keyColumns.length > 0 && range !== undefined ? ` WHERE ${rangeWhere(keyColumnTypes(t), range)}` : '';
  const order = t.keyName === 'PRIMARY' ? orderBy(t) : '';
  return `SELECT ${selectList(t)} FROM ${qt(schema, t.name)}${where}${order}`;
}

/** 'tsv': LOAD DATA text; 'rows': each row packet as the server sent it (TableData in database.proto). */
export type RowFormat = 'tsv' | 'rows';

/**
 * Calls `send` for each encoded chunk; `send` returns false when the consumer wants us to wait,
 * and `waitDrain` resolves when it may continue.
 */
export async function readRows(
  conn: Connection,
  schema: string,
  t: Table,
  range: RangeBounds | undefined,
  send: (chunk: Buffer, rows: number, boundaries: Array<Array<Buffer | null>>) => boolean,
  waitDrain: () => Promise<void>,
  signal?: AbortSignal,
  chunkBytes = CHUNK_BYTES,
  format: RowFormat = 'tsv',
): Promise<{ rows: number; bytes: number }> {
  const core = (conn as unknown as { connection: import('mysql2').Connection }).connection;
  const sql = selectRowsSql(schema, t, range);
  let paused = false;
  let ended = false;
  // Row packets go straight to TSV (text-rows.ts); mysql2 only frames them.
  const q = core.query({ sql, rowsAsArray: true } as never);
  // Boundaries come only from a whole-table stream in primary-key order (the order chunks use).
  const cols = dataColumns(t).map((c) => c.name);
  const keyIdx = range === undefined && t.keyName === 'PRIMARY' && t.keyColumns.length > 0 ? t.keyColumns.map((k) => cols.indexOf(k)) : undefined;
  const withBoundaries = keyIdx !== undefined && keyIdx.every((i) => i >= 0) ? keyIdx : undefined;
  const boundaries: Array<Array<Buffer | null>> = [];
  let nextBoundaryAt = chunkBytes;
  let nextBoundaryRow = CHUNK_ROWS;
  const enc = new TsvEncoder(WIRE_CHUNK, (chunk, rows) => {
    // Pause the result only while it is still arriving: a connection left paused after its
    // query ended would hang the next query on this reader.
    if (!send(chunk, rows, boundaries.splice(0)) && !paused && !ended) {
      paused = true;
      core.pause();
      void waitDrain().then(() => {
        paused = false;
        if (!ended) core.resume();
      });
    }
  });
  const fields = cols.length;
  // Thrown inside mysql2's packet handling, an error would not reach us: kept, and the rest of
  // the result is read past.
  let failed: unknown;
  takeRowPackets(q, (p) => {
    if (failed !== undefined) return;
    try {
      if (withBoundaries !== undefined && (enc.total >= nextBoundaryAt || enc.rowsSoFar >= nextBoundaryRow)) {
        boundaries.push(textRowValues(p, fields, withBoundaries));
        nextBoundaryAt = enc.total + chunkBytes;
        nextBoundaryRow = enc.rowsSoFar + CHUNK_ROWS;
      }
      // The reader of 'rows' checks each row's fields as it splits them.
      if (format === 'rows') enc.frame(p.buffer, p.offset, p.end);
      else encodeTextRow(enc, p, fields);
    } catch (err) {
      failed = err;
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new Error('stream cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    q.on('error', (err: unknown) => reject(dbError(err, `read ${t.name}`)));
    q.on('end', () => {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      if (failed !== undefined) reject(dbError(failed, `read ${t.name}`));
      else resolve();
    });
  });
  if (paused) core.resume();
  paused = false;
  enc.flush();
  return { rows: enc.rows, bytes: enc.bytes };
}

// Streams one table (or one key range of it) from a snapshot reader as LOAD DATA text, with
// backpressure: the MySQL result is paused while the consumer is behind, so memory stays at a
// few chunks whatever the table size.
import type { Connection } from 'mysql2/promise';
import { qt, rangeWhere, type RangeBounds } from './sql.js';
import { keyColumnTypes, orderBy, selectList, type Table } from './inspect.js';
import { TsvEncoder } from './tsv.js';
import { dbError } from './connect.js';

export const WIRE_CHUNK = 1 << 20;

export function selectRowsSql(schema: string, t: Table, range: RangeBounds | undefined): string {
  const where = t.keyColumns.length > 0 && range !== undefined ? ` WHERE ${rangeWhere(keyColumnTypes(t), range)}` : '';
  const order = t.keyName === 'PRIMARY' ? orderBy(t) : '';
  return `SELECT ${selectList(t)} FROM ${qt(schema, t.name)}${where}${order}`;
}

/**
 * Calls `send` for each encoded chunk; `send` returns false when the consumer wants us to wait,
 * and `waitDrain` resolves when it may continue.
 */
export async function readRows(
  conn: Connection,
  schema: string,
  t: Table,
  range: RangeBounds | undefined,
  send: (chunk: Buffer, rows: number) => boolean,
  waitDrain: () => Promise<void>,
  signal?: AbortSignal,
): Promise<{ rows: number; bytes: number }> {
  const core = (conn as unknown as { connection: import('mysql2').Connection }).connection;
  const sql = selectRowsSql(schema, t, range);
  let paused = false;
  let ended = false;
  const q = core.query({ sql, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
  const enc = new TsvEncoder(WIRE_CHUNK, (chunk, rows) => {
    // Pause the result only while it is still arriving: a connection left paused after its
    // query ended would hang the next query on this reader.
    if (!send(chunk, rows) && !paused && !ended) {
      paused = true;
      core.pause();
      void waitDrain().then(() => {
        paused = false;
        if (!ended) core.resume();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new Error('stream cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    q.on('result', (row: unknown) => enc.writeRow(row as Array<Buffer | null>));
    q.on('error', (err: unknown) => reject(dbError(err, `read ${t.name}`)));
    q.on('end', () => {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
  if (paused) core.resume();
  paused = false;
  enc.flush();
  return { rows: enc.rows, bytes: enc.bytes };
}

// The production side of a row stream: LOAD DATA LOCAL INFILE fed straight from the gRPC stream
// (no temp file, no parsing), or, where the server refuses LOCAL INFILE, multi-row INSERTs
// parsed from the same bytes. Any warning (a truncated or converted value) fails the load: a
// copy that is not exact must not pass for one.
import { Readable } from 'node:stream';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { qi, qt } from './sql.js';
import { dataColumns, type Table } from './inspect.js';
import { TsvDecoder } from './tsv.js';
import { dbError, rows as queryRows } from './connect.js';

export type LoadMethod = 'load-data' | 'insert';

export interface LoadResult {
  method: LoadMethod;
  rows: number;
}

export function loadDataSql(schema: string, t: Table): string {
  const cols = dataColumns(t);
  const list = cols.map((c, i) => (c.dataType === 'bit' ? `@sy_v${i}` : qi(c.name)));
  const sets = cols.flatMap((c, i) => (c.dataType === 'bit' ? [`${qi(c.name)} = CAST(@sy_v${i} AS UNSIGNED)`] : []));
  return (
    `LOAD DATA LOCAL INFILE 'switchyard-stream' INTO TABLE ${qt(schema, t.name)} CHARACTER SET binary ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${list.join(', ')})` +
    (sets.length > 0 ? ` SET ${sets.join(', ')}` : '')
  );
}

function isLocalInfileRefused(err: unknown): boolean {
  const e = err as { errno?: number; code?: string; message?: string };
  return e.errno === 1148 || e.errno === 4166 || e.errno === 3948 || /LOCAL INFILE|local_infile|infileStreamFactory|not allowed/i.test(e.message ?? '');
}

async function failOnWarnings(conn: Connection, header: ResultSetHeader, what: string): Promise<void> {
  if ((header.warningStatus ?? 0) === 0) return;
  const w = await queryRows<{ Level: string; Code: number; Message: string }>(conn, 'SHOW WARNINGS LIMIT 5');
  throw new SwitchyardError('SY_DB', `${what}: ${header.warningStatus} warning(s), the copy would not be exact: ${w.map((x) => `${x.Code} ${x.Message}`).join('; ')}`);
}

export async function loadViaLoadData(conn: Connection, schema: string, t: Table, source: () => AsyncIterable<Buffer>): Promise<{ refused: boolean; rows: number }> {
  let opened = false;
  try {
    const [res] = await conn.query({
      sql: loadDataSql(schema, t),
      infileStreamFactory: () => {
        opened = true;
        return Readable.from(source(), { objectMode: false });
      },
    } as never);
    const header = res as unknown as ResultSetHeader;
    await failOnWarnings(conn, header, `load ${t.name}`);
    return { refused: false, rows: header.affectedRows };
  } catch (err) {
    if (!opened && isLocalInfileRefused(err)) return { refused: true, rows: 0 };
    throw dbError(err, `load ${t.name}`);
  }
}

function sqlString(b: Buffer): string {
  // Hex with an introducer is a binary *string* (a bare X'31' would store 49 in an INT column),
  // and it survives the query's utf8mb4 encoding byte for byte.
  return b.length === 0 ? "_binary''" : `_binary X'${b.toString('hex')}'`;
}

export async function loadViaInsert(conn: Connection, schema: string, t: Table, source: () => AsyncIterable<Buffer>, maxStatementBytes = 4 << 20): Promise<number> {
  const cols = dataColumns(t);
  const head = `INSERT INTO ${qt(schema, t.name)} (${cols.map((c) => qi(c.name)).join(', ')}) VALUES `;
  let batch: string[] = [];
  let size = 0;
  let total = 0;
  const pending: string[][] = [];
  const dec = new TsvDecoder((row) => {
    if (row.length !== cols.length) throw new SwitchyardError('SY_DB', `load ${t.name}: row has ${row.length} fields, expected ${cols.length}`);
    const v = '(' + row.map((x, i) => (x === null ? 'NULL' : cols[i]!.dataType === 'bit' ? String(BigInt(x.toString('latin1'))) : sqlString(x))).join(',') + ')';
    batch.push(v);
    size += v.length;
    if (size >= maxStatementBytes) {
      pending.push(batch);
      batch = [];
      size = 0;
    }
  });
  const flush = async (b: string[]) => {
    const [res] = await conn.query(head + b.join(','));
    await failOnWarnings(conn, res as ResultSetHeader, `insert into ${t.name}`);
    total += b.length;
  };
  try {
    for await (const chunk of source()) {
      dec.write(chunk);
      for (const b of pending.splice(0)) await flush(b);
    }
    dec.end();
    if (batch.length > 0) await flush(batch);
  } catch (err) {
    throw dbError(err, `insert into ${t.name}`);
  }
  return total;
}

/** LOAD DATA first; multi-row INSERT where the server (or our config) refuses LOCAL INFILE. */
export async function loadRows(conn: Connection, schema: string, t: Table, source: () => AsyncIterable<Buffer>, prefer: 'auto' | 'insert' = 'auto'): Promise<LoadResult> {
  if (prefer === 'auto') {
    const r = await loadViaLoadData(conn, schema, t, source);
    if (!r.refused) return { method: 'load-data', rows: r.rows };
  }
  return { method: 'insert', rows: await loadViaInsert(conn, schema, t, source) };
}

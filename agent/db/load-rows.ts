// The production side of a row stream, one of three ways:
// - LOAD DATA LOCAL INFILE fed straight from the gRPC stream (no temp file, no parsing here);
// - prepared multi-row INSERTs over the binary protocol, each value a length-prefixed BLOB
//   parameter cut from the same bytes (text, or the server's own row packets where presync asked
//   for those: nothing to unescape; see TableData in database.proto): the server copies values
//   instead of running LOAD DATA's per-byte field parser, which costs it more than twice the CPU
//   on long values (2 KB text rows: 2.9-3.0 vs 1.2 CPU-s for 150k rows; 125-byte rows: 1.35 vs
//   0.95, with mysql2's parameter encoding eating most of that gain) — so long rows go this way,
//   short ones by LOAD DATA, unless they came as row packets, which go into execute packets as
//   they are (raw-execute.ts) at almost no cost here, short or long;
// - where the server refuses LOCAL INFILE and a row is too large for one packet, an INSERT
//   with the value in hex.
// Any warning (a truncated or converted value) fails the load: a copy that is not exact must
// not pass for one.
import { Readable } from 'node:stream';
import type { Connection, PreparedStatementInfo, ResultSetHeader } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { qi, qt } from './sql.js';
import { dataColumns, type Table } from './inspect.js';
import { TsvDecoder, TsvEncoder, TsvSplitter } from './tsv.js';
import { dbError, rows as queryRows } from './connect.js';
import { framesToTsv, rowValues, RowFrameSplitter } from './text-rows.js';
import { ExecuteRows, executeRaw, rawExecuteUsable } from './raw-execute.js';
import type { RowFormat } from './read-rows.js';

export type LoadMethod = 'load-data' | 'prepared' | 'insert';

export interface LoadResult {
  /** The ways rows went in, main one first (a row too large for a packet goes another way). */
  methods: LoadMethod[];
  rows: number;
}

/** Average row length (bytes on the wire) from which the binary protocol beats LOAD DATA. */
export const PREPARED_MIN_ROW_BYTES = 256;
/** Rows per prepared statement at most, and bytes of values per statement at most. */
const PREPARED_ROWS = 1000;
const PREPARED_BYTES = 4 << 20;
/** The protocol's limit on parameters of one statement. */
const MAX_PARAMS = 65535;

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

/**
 * Rows from `source` into `t`, on `conn` as it stands (inside the caller's transaction, if any).
 * 'auto': LOAD DATA for short rows, the binary protocol for long ones and for row packets we
 * can write into execute packets ourselves (see above), the binary protocol wherever the server
 * refuses LOCAL INFILE; 'insert': never LOAD DATA. `rawExecute` false, a test's hook, takes the
 * way of a server that expects query attributes.
 */
export async function loadRows(conn: Connection, schema: string, t: Table, source: () => AsyncIterable<Buffer>, prefer: 'auto' | 'insert' = 'auto', formatOf: () => RowFormat = () => 'tsv', rawExecute = true): Promise<LoadResult> {
  let from = source;
  let wantLoadData = false;
  let stop: (() => Promise<void>) | undefined;
  if (prefer === 'auto') {
    // Decided on the rows themselves (statistics of a fresh table can say 0 rows): the first
    // chunk's average row length, a row longer than the chunk counting as long.
    const it = source()[Symbol.asyncIterator]();
    stop = async () => void (await it.return?.());
    const first = await it.next();
    if (first.done === true) return { methods: [], rows: 0 };
    const head = first.value;
    const rows = formatOf() === 'rows' ? framesIn(head) : linesIn(head);
    // Row packets written into execute packets as they came cost the server less than LOAD
    // DATA's parser at any row length, and us about as little as feeding LOAD DATA.
    const raw = formatOf() === 'rows' && rawExecute && rawExecuteUsable(conn);
    wantLoadData = rows > 0 && head.length / rows < PREPARED_MIN_ROW_BYTES && !raw;
    let used = false;
    from = () => {
      if (used) throw new SwitchyardError('SY_DB', `load ${t.name}: the row stream was read twice`);
      used = true;
      return (async function* () {
        yield head;
        for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
      })();
    };
  }
  try {
    if (wantLoadData) {
      const fields = dataColumns(t).length;
      const r = await loadViaLoadData(conn, schema, t, formatOf() === 'rows' ? () => framesToTsv(from(), fields) : from);
      if (!r.refused) return { methods: ['load-data'], rows: r.rows };
    }
    return await loadViaPrepared(conn, schema, t, from, { allowLoadData: prefer !== 'insert', format: formatOf, raw: rawExecute });
  } finally {
    // A load that failed before it read the stream to its end must not leave it open on staging.
    await stop?.();
  }
}

/** Whole lines in a text chunk. */
function linesIn(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Rows that start in a "rows" chunk (the first chunk of a stream starts with one). */
function framesIn(chunk: Buffer): number {
  let n = 0;
  for (let pos = 0; pos + 4 <= chunk.length; pos += 4 + chunk.readUInt32LE(pos)) n++;
  return n;
}

/**
 * Multi-row prepared INSERTs, values as BLOB parameters (binary, never transcoded: the same
 * bytes LOAD DATA ... CHARACTER SET binary would store). A row too large for one packet goes by
 * LOAD DATA (or, where refused, a hex INSERT) in between, in order, on the same connection.
 */
export async function loadViaPrepared(conn: Connection, schema: string, t: Table, source: () => AsyncIterable<Buffer>, opts: { allowLoadData?: boolean; maxRowBytes?: number; format?: () => RowFormat; raw?: boolean } = {}): Promise<LoadResult> {
  const allowLoadData = opts.allowLoadData ?? true;
  const cols = dataColumns(t);
  const head = `INSERT INTO ${qt(schema, t.name)} (${cols.map((c) => qi(c.name)).join(', ')}) VALUES `;
  const one = `(${cols.map((c) => (c.dataType === 'bit' ? 'CAST(? AS UNSIGNED)' : '?')).join(',')})`;
  const [[mp]] = (await conn.query('SELECT @@max_allowed_packet AS m')) as unknown as [[{ m: string | number }]];
  // Room for the statement's own framing: a length prefix and a type per value. A statement
  // holds at most half a packet of values, so a full batch never meets the server's limit.
  const maxRowBytes = opts.maxRowBytes ?? Math.floor(Number(mp.m) / 2) - 1024;
  const statementBytes = Math.min(PREPARED_BYTES, Math.floor(Number(mp.m) / 2));
  const perStatement = Math.max(1, Math.min(PREPARED_ROWS, Math.floor(MAX_PARAMS / cols.length)));
  const statements = new Map<number, PreparedStatementInfo>();
  const sqlFor = (rows: number) => head + Array(rows).fill(one).join(',');
  const methods = new Set<LoadMethod>(['prepared']);
  // The format is known once the stream's first message is in. "rows" streams go into execute
  // packets as they are (raw-execute.ts) where mysql2 lets us; `raw: false` is a test's way round.
  let rowsFormat = false;
  let raw = false;
  let batch: Array<Buffer | null> = [];
  let rawBatch = new ExecuteRows(cols.length);
  let batchRows = 0;
  let batchBytes = 0;
  let total = 0;
  // Work found while splitting a chunk, run in order before the next chunk is split.
  const queue: Array<{ params: Array<Buffer | null>; rows: number } | { raw: ExecuteRows } | { big: Array<Buffer | null> }> = [];
  const cut = () => {
    if (raw) {
      if (rawBatch.rows === 0) return;
      queue.push({ raw: rawBatch });
      rawBatch = new ExecuteRows(cols.length);
      return;
    }
    if (batchRows === 0) return;
    queue.push({ params: batch, rows: batchRows });
    batch = [];
    batchRows = 0;
    batchBytes = 0;
  };
  const onRow = (row: Array<Buffer | null>, bytes: number) => {
    if (bytes > maxRowBytes) {
      cut();
      queue.push({ big: row });
      return;
    }
    if (batchRows > 0 && batchBytes + bytes > statementBytes) cut();
    for (const v of row) batch.push(v);
    batchRows++;
    batchBytes += bytes;
    if (batchRows >= perStatement) cut();
  };
  const onFrame = (buf: Buffer, s: number, e: number) => {
    if (e - s + 4 > maxRowBytes) {
      cut();
      queue.push({ big: rowValues(buf, s, e, cols.length) });
      return;
    }
    if (rawBatch.rows > 0 && rawBatch.bytes + (e - s) > statementBytes) cut();
    rawBatch.add(buf, s, e);
    if (rawBatch.rows >= perStatement) cut();
  };
  let splitter: { write(chunk: Buffer): void; end(): void } | undefined;
  const splitterFor = () =>
    raw
      ? new RowFrameSplitter(onFrame)
      : rowsFormat
        ? new RowFrameSplitter((buf, s, e) => onRow(rowValues(buf, s, e, cols.length), e - s + 4))
        : new TsvSplitter(cols.length, onRow);
  // A short batch goes as statements of power-of-two sizes, so that at most a handful of
  // statements are ever prepared per table.
  const sizes = (rows: number, each: (done: number, n: number) => Promise<void>) =>
    (async () => {
      for (let done = 0; done < rows; ) {
        const n = rows - done >= perStatement ? perStatement : 2 ** Math.floor(Math.log2(rows - done));
        await each(done, n);
        done += n;
      }
      total += rows;
    })();
  const run = (params: Array<Buffer | null>, rows: number): Promise<void> =>
    sizes(rows, async (done, n) => {
      const [res] = await (await statement(n)).execute(n === rows ? params : params.slice(done * cols.length, (done + n) * cols.length));
      await failOnWarnings(conn, res as ResultSetHeader, `insert into ${t.name}`);
    });
  const runRaw = (rows: ExecuteRows): Promise<void> =>
    sizes(rows.rows, async (done, n) => {
      const st = await statement(n);
      const res = await executeRaw(st, (id) => rows.packet(id, done, n));
      await failOnWarnings(conn, res, `insert into ${t.name}`);
    });
  const runBig = async (row: Array<Buffer | null>): Promise<void> => {
    const encoded: Buffer[] = [];
    const enc = new TsvEncoder(1 << 20, (chunk) => encoded.push(chunk));
    enc.writeRow(row);
    enc.flush();
    if (allowLoadData) {
      const r = await loadViaLoadData(conn, schema, t, async function* () {
        yield* encoded;
      });
      if (!r.refused) {
        methods.add('load-data');
        total += r.rows;
        return;
      }
    }
    total += await loadViaInsert(conn, schema, t, async function* () {
      yield* encoded;
    });
    methods.add('insert');
  };
  const statement = async (rows: number): Promise<PreparedStatementInfo> => {
    let st = statements.get(rows);
    if (st === undefined) {
      st = await conn.prepare(sqlFor(rows));
      statements.set(rows, st);
    }
    return st;
  };
  const runJob = (job: (typeof queue)[number]): Promise<void> => ('big' in job ? runBig(job.big) : 'raw' in job ? runRaw(job.raw) : run(job.params, job.rows));
  try {
    for await (const chunk of source()) {
      if (splitter === undefined) {
        rowsFormat = (opts.format?.() ?? 'tsv') === 'rows';
        raw = rowsFormat && opts.raw !== false && rawExecuteUsable(conn);
        splitter = splitterFor();
      }
      splitter.write(chunk);
      for (const job of queue.splice(0)) await runJob(job);
    }
    splitter?.end();
    cut();
    for (const job of queue.splice(0)) await runJob(job);
  } catch (err) {
    throw dbError(err, `insert into ${t.name}`);
  } finally {
    // unprepare, not close: mysql2 keeps a prepared statement by its SQL, and would hand a closed
    // one to the next load of this table on this connection (a rerun, a second chunk).
    for (const rows of statements.keys()) {
      try {
        conn.unprepare(sqlFor(rows));
      } catch {
        // the connection is gone, and its statements with it
      }
    }
  }
  return { methods: [...methods], rows: total };
}

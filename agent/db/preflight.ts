// Preflight on the production agent: AUTO_INCREMENT counters and auto_increment_increment/offset
// on both sides, and the rows that exist only on production (test orders, webhooks that already
// reached the new host) — a full copy would destroy them. Staging's keys are loaded into a
// temporary table here and anti-joined in SQL, so key order and equality follow the column's
// own collation. What was found is recorded, so `keep` can merge those rows back after the copy.
import type { Connection } from 'mysql2/promise';
import { openDatabase, type Db } from '../../shared/state/sqlite.js';
import { DB_MIGRATIONS } from './freeze.js';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { PreflightReport } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { KeyRange } from '../../shared/proto-gen/switchyard/v1/KeyRange.js';
import { closeConn, connect, dbError, errnoOf, rows, type DbTarget } from './connect.js';
import { dupEntry, ER_DUP_ENTRY } from './dup-entry.js';
import { qi, qt, keyLiteral, prevSchema, isNumericType, checkSchemaName, KEPT_TABLE } from './sql.js';
import { inspectSchema, inspectObjects, exactValue, keyColumnTypes, keySelect, dataColumns, type Table } from './inspect.js';
import { createObjects, dropObject } from './objects.js';
import { referencedTables } from './compare.js';
import { bestAlgo, rowHashSql, type ChecksumAlgo } from './checksum.js';
import { TsvEncoder } from './tsv.js';
import { loadRows } from './load-rows.js';
import { keyText, keyToWire, type Key } from './convert.js';
import { copyInPlace, dropRolledTrash, forgetLanded, forgetRolledBack, landedRecords, lastSchema, liveTooLedger, rolledBackRecords } from './swap.js';
import { GONE_LIVE, TOO_MANY, goneLiveNotes, goneNoteCounts, keyFromHex, keyHex, liveCopies, liveTooCopiesNote, liveTooKeys, type GoneLive } from './last-rows.js';
import { dropKeyTable, keyCol, keyJoin, loadKeyTable } from './key-table.js';
import type { SourcePeer } from './peer.js';

/**
 * Where the rows of one record are. 'prev': in production's own tables — live until the first
 * copy moves them to `__sy_prev`, where they stay however often presync runs again, until a DB
 * rollback puts them back. 'last': in the live tables of an earlier copy (preflight ran after
 * it); the next copy moves them to `__sy_last`, as does a DB rollback. 'last-kept': in
 * `__sy_last`, which only `release` drops. A record keeps its place when preflight runs again:
 * its rows are no longer in the live tables for preflight to find.
 */
export type KeptIn = 'prev' | 'last' | 'last-kept';

export interface ProductionOnlyRecord {
  table: string;
  keys: Key[];
  /** '' in a record from an agent that did not say. */
  keptIn: KeptIn | '';
  /** For a table without a key: the algorithm of the [row hash, copies] pairs in `keys`; '' for keys. */
  rowHash: string;
  /** The latest of `keyTimes` (ISO). */
  recordedAt: string;
  /**
   * When each key (or row hash) of `keys` was recorded (ISO), in their order: of a key kept in
   * two places, the later holds production's newer row. A key keeps its time when its record
   * joins another, which may hold keys recorded before or after it.
   */
  keyTimes: string[];
}

const encodeKeys = (keys: Key[]): string => JSON.stringify(keys.map((k) => k.map((v) => (v === null ? null : v.toString('hex')))));
const decodeKeys = (j: string): Key[] => (JSON.parse(j) as Array<Array<string | null>>).map((k) => k.map((v) => (v === null ? null : Buffer.from(v, 'hex'))));

/**
 * Production-only keys per table and place, from the preflights since the last merge: in the
 * state file when there is one, else in memory.
 */
export class ProductionOnlyStore {
  private readonly db: Db;
  constructor(db?: Db) {
    this.db = db ?? openDatabase(':memory:', DB_MIGRATIONS);
  }

  /**
   * `rowHash`: for a table without a key, the algorithm of the [row hash, copies] pairs in `keys`.
   * `keyTimes`: when each key was recorded (a record moved keeps them); default now.
   */
  set(schema: string, table: string, keys: Key[], keptIn: KeptIn, rowHash = '', keyTimes?: string[]): void {
    const now = new Date().toISOString();
    const times = keyTimes ?? keys.map(() => now);
    const latest = times.reduce((a, b) => (b > a ? b : a), '') || now;
    this.db
      .prepare('INSERT INTO db_production_only (schema_name, table_name, keys, recorded_at, kept_in, row_hash, key_times) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(schema_name, table_name, kept_in) DO UPDATE SET keys = excluded.keys, recorded_at = excluded.recorded_at, row_hash = excluded.row_hash, key_times = excluded.key_times')
      .run(schema, table, encodeKeys(keys), latest, keptIn, rowHash, JSON.stringify(times));
  }

  records(schema: string): ProductionOnlyRecord[] {
    const r = this.db.prepare('SELECT table_name, keys, kept_in, row_hash, recorded_at, key_times FROM db_production_only WHERE schema_name = ? ORDER BY table_name, kept_in').all(schema) as Array<{ table_name: string; keys: string; kept_in: string; row_hash: string; recorded_at: string; key_times: string }>;
    return r.map((x) => {
      const keys = decodeKeys(x.keys);
      const times = x.key_times === '' ? [] : (JSON.parse(x.key_times) as string[]);
      return { table: x.table_name, keys, keptIn: x.kept_in === 'prev' || x.kept_in === 'last' || x.kept_in === 'last-kept' ? x.kept_in : '', rowHash: x.row_hash, recordedAt: x.recorded_at, keyTimes: times.length === keys.length ? times : keys.map(() => x.recorded_at) };
    });
  }

  /** The row-hash algorithm of a table's record; '' for a record of keys. */
  rowHash(schema: string, table: string): string {
    return this.records(schema).find((r) => r.table === table)?.rowHash ?? '';
  }

  /** Where the rows of the schema's first record are; undefined without one that says. */
  keptIn(schema: string): KeptIn | undefined {
    const r = this.records(schema).find((x) => x.keptIn !== '');
    return r === undefined || r.keptIn === '' ? undefined : r.keptIn;
  }

  /** Some recorded rows are in `__sy_last`: a copy or rollback must add to it, never replace it. */
  keepsLast(schema: string): boolean {
    return this.records(schema).some((r) => r.keptIn === 'last-kept');
  }

  /**
   * Preflight runs again: the records of rows still in the live tables go (it finds them again);
   * those of rows a copy moved aside stay. `copied`: a copy is in place (`__sy_prev` exists), so
   * 'prev' rows are kept aside; without one they are live again (a DB rollback put them back).
   */
  forgetLive(schema: string, copied: boolean): void {
    this.db.prepare(`DELETE FROM db_production_only WHERE schema_name = ? AND kept_in IN ('', 'last'${copied ? '' : ", 'prev'"})`).run(schema);
  }

  /**
   * The rows recorded as 'last' (in the live tables) moved: to `__sy_prev` with production's
   * own tables on a first copy (after a rollback), else to `__sy_last`. A table recorded there
   * already gets the keys added to its record.
   */
  landed(schema: string, firstCopy: boolean, tables?: string[]): void {
    this.move(schema, 'last', firstCopy ? 'prev' : 'last-kept', tables);
  }

  /** `tables`: only the records of these; default all. */
  private move(schema: string, from: KeptIn, to: KeptIn, tables?: string[]): void {
    this.db.transaction(() => {
      for (const r of this.records(schema).filter((x) => x.keptIn === from && (tables === undefined || tables.includes(x.table)))) {
        const there = this.records(schema).find((x) => x.table === r.table && x.keptIn === to);
        this.db.prepare('DELETE FROM db_production_only WHERE schema_name = ? AND table_name = ? AND kept_in = ?').run(schema, r.table, from);
        const joined = there === undefined ? { keys: r.keys, times: r.keyTimes } : joinKeys(there, r);
        this.set(schema, r.table, joined.keys, to, there?.rowHash === TOO_MANY ? TOO_MANY : r.rowHash, joined.times);
      }
    })();
  }

  /**
   * Sync moved tables staging lacks aside whole (`dest`: table → schema), the rows recorded in
   * them ('last') with them: recorded where they went, `__sy_prev` ('prev', which a DB rollback
   * puts back live) or `__sy_last` ('last-kept').
   */
  movedWhole(schema: string, dest: Map<string, string>): void {
    for (const [table, to] of dest) this.move(schema, 'last', to === prevSchema(schema) ? 'prev' : 'last-kept', [table]);
  }

  /** A DB rollback moved the live tables' recorded rows into `__sy_last`. */
  rolledBack(schema: string): void {
    this.move(schema, 'last', 'last-kept');
  }

  clear(schema: string): void {
    this.db.prepare('DELETE FROM db_production_only WHERE schema_name = ?').run(schema);
  }

  /** Every recorded key per table, wherever its rows are. */
  get(schema: string): Map<string, Key[]> {
    const out = new Map<string, Key[]>();
    for (const r of this.records(schema)) out.set(r.table, [...(out.get(r.table) ?? []), ...r.keys]);
    return out;
  }
}

/** How many rows a record stands for. */
function recordedRows(r: ProductionOnlyRecord): number {
  if (r.rowHash === TOO_MANY) return Number(r.keys[0]?.[0]?.toString('latin1') ?? 0);
  return r.rowHash === '' ? r.keys.length : r.keys.reduce((a, k) => a + Number(k[1]!.toString('latin1')), 0);
}

/**
 * The keys of two records of one table in one place, each with when it was recorded: the newer's
 * rows replaced any under the same key. For a table without a key, the copies of each row hash
 * add up, recorded when the later of them was.
 */
function joinKeys(older: ProductionOnlyRecord, newer: ProductionOnlyRecord): { keys: Key[]; times: string[] } {
  const later = (a: string, b: string) => (b > a ? b : a);
  if (newer.rowHash === TOO_MANY || older.rowHash === TOO_MANY) return { keys: [[Buffer.from(String(recordedRows(older) + recordedRows(newer)))]], times: [later(older.recordedAt, newer.recordedAt)] };
  const text = (k: Key) => k.map((v) => (v === null ? '\\N' : v.toString('hex'))).join(',');
  if (newer.rowHash === '') {
    const seen = new Set(newer.keys.map(text));
    const kept = older.keys.map((k, i) => [k, older.keyTimes[i]!] as const).filter(([k]) => !seen.has(text(k)));
    return { keys: [...kept.map(([k]) => k), ...newer.keys], times: [...kept.map(([, t]) => t), ...newer.keyTimes] };
  }
  const n = new Map<string, { copies: bigint; at: string }>();
  for (const r of [older, newer]) {
    for (const [i, k] of r.keys.entries()) {
      const h = k[0]!.toString('latin1');
      const was = n.get(h);
      n.set(h, { copies: (was?.copies ?? 0n) + BigInt(k[1]!.toString('latin1')), at: later(was?.at ?? '', r.keyTimes[i]!) });
    }
  }
  return { keys: [...n].map(([h, x]) => [Buffer.from(h, 'latin1'), Buffer.from(String(x.copies), 'latin1')]), times: [...n.values()].map((x) => x.at) };
}

const TMP = '__sy_staging_keys';

/**
 * Production's keys staging lacks, in key order: at most `max` are read back (a table with
 * millions of them would fill this process and the state file); past that only the count is
 * (`keys` undefined).
 */
async function productionOnlyKeys(conn: Connection, schema: string, t: Table, stagingKeys: AsyncIterable<Key[]>, max: number): Promise<{ rows: number; keys: Key[] | undefined }> {
  const cols = t.keyColumns.map(qi).join(', ');
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, TMP)}`);
  await conn.query(`CREATE TEMPORARY TABLE ${qt(schema, TMP)} ENGINE=InnoDB SELECT ${cols} FROM ${qt(schema, t.name)} LIMIT 0`);
  await conn.query(`ALTER TABLE ${qt(schema, TMP)} ADD PRIMARY KEY (${cols})`);
  const tmp: Table = { ...t, name: TMP, columns: t.keyColumns.map((k) => t.columns.find((c) => c.name === k)!), keyName: 'PRIMARY' };
  const source = async function* () {
    const out: Buffer[] = [];
    const enc = new TsvEncoder(1 << 20, (b) => out.push(b));
    for await (const batch of stagingKeys) {
      for (const k of batch) enc.writeRow(k);
      yield* out.splice(0);
    }
    enc.flush();
    yield* out.splice(0);
  };
  try {
    await loadRows(conn, schema, tmp, source);
    const on = t.keyColumns.map((k) => `p.${qi(k)} = s.${qi(k)}`).join(' AND ');
    const from = `FROM ${qt(schema, t.name)} p LEFT JOIN ${qt(schema, TMP)} s ON ${on} WHERE s.${qi(t.keyColumns[0]!)} IS NULL`;
    const [r] = await conn.query({
      sql: `SELECT ${keySelect(t, 'p')} ${from} ORDER BY ${t.keyColumns.map((k) => `p.${qi(k)}`).join(', ')} LIMIT ${max + 1}`,
      rowsAsArray: true,
      typeCast: (f: { buffer(): Buffer | null }) => f.buffer(),
    } as never);
    const keys = r as unknown as Key[];
    if (keys.length <= max) return { rows: keys.length, keys };
    const [c] = await rows<{ n: string }>(conn, `SELECT COUNT(*) AS n ${from}`);
    return { rows: Number(c!.n), keys: undefined };
  } finally {
    await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, TMP)}`);
  }
}

/** Different production-only rows of one table without a key recorded at most, for `keep`. */
export const MAX_ROW_HASHES = 100_000;
/** Production-only keys of one table recorded at most, for `keep` (as many as row hashes). */
export const MAX_KEYS = 100_000;
const TMP_ROWS = '__sy_staging_rows';
const digits = (v: Buffer | null | undefined): v is Buffer => v !== null && v !== undefined && /^\d{1,20}$/.test(v.toString('latin1'));

/** Same columns, types, charsets and nullability: the row hashes of both sides are comparable. */
const sameColumns = (a: Table, b: Table): boolean => {
  const sig = (t: Table) => JSON.stringify(t.columns.map((c) => [c.name, c.columnType.toLowerCase(), c.charset ?? '', c.nullable, c.generated]));
  return sig(a) === sig(b);
};

async function loadRowHashes(conn: Connection, schema: string, tmp: string, pairs: AsyncIterable<Key[]>, table: string): Promise<void> {
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, tmp)}`);
  await conn.query(`CREATE TEMPORARY TABLE ${qt(schema, tmp)} (h BIGINT UNSIGNED NOT NULL PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB`);
  for await (const batch of pairs) {
    for (let i = 0; i < batch.length; i += 1000) {
      const values = batch.slice(i, i + 1000).map((k) => {
        // Numbers only, so they can stand in the statement as they are.
        if (k.length !== 2 || !digits(k[0]) || !digits(k[1])) throw new SwitchyardError('SY_DB', `table ${table}: a row hash from staging is not a pair of numbers`);
        return `(${k[0].toString('latin1')}, ${k[1].toString('latin1')})`;
      });
      await conn.query(`INSERT INTO ${qt(schema, tmp)} VALUES ${values.join(', ')}`);
    }
  }
}

/**
 * Production's rows of a table without a key that staging lacks, as a multiset: each row hash
 * production has more copies of than staging, with how many more. Staging's [hash, copies] pairs
 * go into a temporary table, production's are grouped by its server, and the two are joined in
 * SQL: neither table is held in this process. At most `max` pairs are read back; past that only
 * the count is (`pairs` undefined).
 */
async function productionOnlyRowHashes(conn: Connection, schema: string, t: Table, algo: ChecksumAlgo, staging: AsyncIterable<Key[]>, max: number): Promise<{ rows: number; pairs: Key[] | undefined }> {
  await loadRowHashes(conn, schema, TMP_ROWS, staging, t.name);
  const from = `FROM (SELECT h, COUNT(*) AS n FROM (SELECT ${rowHashSql(t, algo)} AS h FROM ${qt(schema, t.name)}) sy_rows GROUP BY h) p LEFT JOIN ${qt(schema, TMP_ROWS)} s ON s.h = p.h WHERE p.n > IFNULL(s.n, 0)`;
  try {
    const [r] = await conn.query({ sql: `SELECT p.h, p.n - IFNULL(s.n, 0) ${from} LIMIT ${max + 1}`, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
    const pairs = r as unknown as Key[];
    if (pairs.length <= max) return { rows: pairs.reduce((n, k) => n + Number(k[1]!.toString()), 0), pairs };
    const [c] = await rows<{ n: string }>(conn, `SELECT SUM(p.n - IFNULL(s.n, 0)) AS n ${from}`);
    return { rows: Number(c!.n), pairs: undefined };
  } finally {
    await conn.query(`DROP TEMPORARY TABLE ${qt(schema, TMP_ROWS)}`);
  }
}

/** Consecutive integer keys collapse into one range; other keys form runs in key order. */
export function toRanges(t: Table, keys: Key[], max = 50): KeyRange[] {
  const ranges: Array<{ first: Key; last: Key; count: number }> = [];
  const intKey = t.keyColumns.length === 1 && isNumericType(keyColumnTypes(t)[0]!.dataType) && keys.every((k) => /^-?\d+$/.test(k[0]!.toString()));
  for (const k of keys) {
    const cur = ranges[ranges.length - 1];
    if (cur !== undefined && intKey && BigInt(k[0]!.toString()) === BigInt(cur.last[0]!.toString()) + 1n) {
      cur.last = k;
      cur.count++;
    } else if (cur !== undefined && !intKey && ranges.length >= max) {
      cur.last = k;
      cur.count++;
    } else {
      ranges.push({ first: k, last: k, count: 1 });
    }
  }
  return ranges.slice(0, max).map((r) => ({ first: keyToWire(r.first), last: keyToWire(r.last), count: r.count, text: r.count === 1 ? keyText(r.first) : `${keyText(r.first)}..${keyText(r.last)}` }));
}

export interface PreflightOptions {
  target: DbTarget;
  peer: SourcePeer;
  targetSchema: string;
  store: ProductionOnlyStore;
  logger: Logger;
  /** Test hook: MAX_ROW_HASHES. */
  maxRowHashes?: number;
  /** Test hook: MAX_KEYS. */
  maxKeys?: number;
}

/**
 * The records of rows a DB rollback took into `__sy_last` before it stopped, the agent not told
 * (rolledBackRecords): told now ('last-kept'). Left 'last', preflight forgot them (their rows are
 * not live to be found again) and a first copy took them for rows of production's own tables, kept
 * in `__sy_prev`: keep never merged them. Before anything else reads the records. The copy such a
 * rollback swapped out and left in `__sy_trash` goes too (dropRolledTrash).
 */
export async function settleRolledBack(conn: Connection, schema: string, store: ProductionOnlyStore, logger: Logger): Promise<void> {
  // Only tidying: a drop that fails (a session reading the trash holds its lock) stops nothing,
  // and the ledger stays for the next preflight, copy or rollback.
  await dropRolledTrash(conn, schema, logger).catch((err: unknown) => logger.warn({ schema, err: (err as Error).message }, 'the copy a stopped DB rollback left to drop could not be dropped: the next preflight, copy or rollback drops it'));
  const landed = await rolledBackRecords(conn, schema, store.records(schema).filter((r) => r.keptIn === 'last'));
  if (landed.length === 0) return;
  store.landed(schema, false, landed.map((r) => r.table));
  await forgetRolledBack(conn, schema);
  logger.warn({ schema, kept: lastSchema(schema), tables: landed.map((r) => r.table) }, 'recorded production-only rows a stopped DB rollback took into the kept-aside tables: recorded as kept there');
}

export async function preflightDatabase(opts: PreflightOptions): Promise<PreflightReport> {
  checkSchemaName(opts.targetSchema, 'peer.target_schema');
  const snap = await opts.peer.openSnapshot(1);
  const conn = await connect(opts.target);
  try {
    const prod = await inspectSchema(conn, opts.targetSchema, { objects: false });
    const [v] = await rows<{ inc: number; off: number }>(conn, 'SELECT @@GLOBAL.auto_increment_increment AS inc, @@GLOBAL.auto_increment_offset AS off');
    const report: PreflightReport = {
      staging_auto_increment_increment: snap.autoIncrementIncrement ?? 1,
      staging_auto_increment_offset: snap.autoIncrementOffset ?? 1,
      production_auto_increment_increment: Number(v!.inc),
      production_auto_increment_offset: Number(v!.off),
      auto_increment: [],
      production_only: [],
      production_only_rows: 0,
      notes: [],
    };
    if (report.staging_auto_increment_increment !== report.production_auto_increment_increment || report.staging_auto_increment_offset !== report.production_auto_increment_offset) {
      report.notes!.push('auto_increment_increment/offset differ between staging and production: ids generated after the switch follow a different sequence');
    }
    // The rows found now are in production's own tables (no copy yet: they go to __sy_prev) or
    // an earlier copy's (they go to __sy_last). Those an earlier copy moved aside are not in the
    // live tables to be found again: their records stay, and are told again below (forgotten,
    // keep merged nothing of them and release dropped them).
    const byName = new Map(prod.tables.map((t) => [t.name, t]));
    // Not a record alone, left by a copy stopped before it swapped: the live tables are production's.
    const copied = await copyInPlace(conn, opts.targetSchema);
    const keptIn: KeptIn = copied ? 'last' : 'prev';
    // Records a copy took into `__sy_last` before it stopped, the agent not told: their rows are
    // not in the live tables to be found again, and forgotten, keep never merged them.
    if (copied) {
      const landed = await landedRecords(conn, opts.targetSchema, opts.store.records(opts.targetSchema).filter((r) => r.keptIn === 'last'));
      if (landed.length > 0) {
        opts.store.landed(opts.targetSchema, false, landed.map((r) => r.table));
        await forgetLanded(conn, opts.targetSchema);
      }
    }
    await settleRolledBack(conn, opts.targetSchema, opts.store, opts.logger);
    opts.store.forgetLive(opts.targetSchema, copied);
    for (const r of opts.store.records(opts.targetSchema)) {
      const where = r.keptIn === 'prev' ? prevSchema(opts.targetSchema) : lastSchema(opts.targetSchema);
      const n = recordedRows(r);
      const t = byName.get(r.table);
      const tooMany = r.rowHash === TOO_MANY;
      report.production_only!.push({ table: r.table, rows: n, ranges: t !== undefined && r.rowHash === '' && t.keyColumns.length > 0 ? toRanges(t, r.keys) : [], key_columns: r.rowHash === '' ? (t?.keyColumns ?? []) : [], too_many_to_keep: tooMany });
      report.production_only_rows = Number(report.production_only_rows) + n;
      report.notes!.push(`${r.table}: ${n} rows only production had, recorded by an earlier preflight, are kept aside in ${where} by an earlier copy: keep merges them back with the rows found now, discard forgets them`);
    }
    let rowHashAlgo: ChecksumAlgo | undefined;
    for (const s of snap.tables) {
      const p = byName.get(s.name);
      if (p === undefined) continue;
      if (s.autoIncrement !== '' || p.autoIncrement !== '') {
        const risk = p.autoIncrement !== '' && s.autoIncrement !== '' && BigInt(p.autoIncrement) > BigInt(s.autoIncrement);
        report.auto_increment!.push({ table: s.name, staging: s.autoIncrement, production: p.autoIncrement, risk });
      }
      if (p.approxRows === 0 && (await rows<{ n: number }>(conn, `SELECT COUNT(*) AS n FROM ${qt(opts.targetSchema, p.name)}`))[0]!.n === 0) continue;
      if (p.keyColumns.length === 0 || p.keyColumns.join(',') !== s.keyColumns.join(',')) {
        // Without a common key a row is known by its content alone: both sides' rows compared as
        // multisets of whole-row hashes. Left out, the copy discarded production's own rows
        // without a word (a log table without a primary key).
        if (!sameColumns(p, s)) {
          report.notes!.push(`${s.name}: no common key and different columns on both sides; production-only rows cannot be told apart`);
          continue;
        }
        rowHashAlgo ??= await bestAlgo(conn, snap.checksumAlgos);
        const found = await productionOnlyRowHashes(conn, opts.targetSchema, p, rowHashAlgo, olderAgentSays(opts.peer.streamRowHashes(snap.snapshotId, s.name, rowHashAlgo), s.name), opts.maxRowHashes ?? MAX_ROW_HASHES);
        if (found.rows === 0) continue;
        opts.store.set(opts.targetSchema, s.name, found.pairs ?? [[Buffer.from(String(found.rows))]], keptIn, found.pairs === undefined ? TOO_MANY : rowHashAlgo);
        report.production_only!.push({ table: s.name, rows: found.rows, ranges: [], key_columns: [], too_many_to_keep: found.pairs === undefined });
        report.production_only_rows = Number(report.production_only_rows) + found.rows;
        report.notes!.push(
          found.pairs === undefined
            ? `${s.name}: no common key; rows compared whole: ${found.rows} rows only production has, more than ${opts.maxRowHashes ?? MAX_ROW_HASHES} different ones — too many to record, so keep cannot merge them back (discard can; or give the table a primary key on both sides)`
            : `${s.name}: no common key; rows compared whole: ${found.rows} rows only production has (copies of ${found.pairs.length} different rows)`,
        );
        continue;
      }
      const maxKeys = opts.maxKeys ?? MAX_KEYS;
      const found = await productionOnlyKeys(conn, opts.targetSchema, p, opts.peer.streamKeys(snap.snapshotId, s.name), maxKeys);
      if (found.rows === 0) continue;
      opts.store.set(opts.targetSchema, s.name, found.keys ?? [[Buffer.from(String(found.rows))]], keptIn, found.keys === undefined ? TOO_MANY : '');
      report.production_only!.push({ table: s.name, rows: found.rows, ranges: found.keys === undefined ? [] : toRanges(p, found.keys), key_columns: p.keyColumns, too_many_to_keep: found.keys === undefined });
      report.production_only_rows = Number(report.production_only_rows) + found.rows;
      if (found.keys === undefined) {
        report.notes!.push(`${s.name}: ${found.rows} rows only production has, more than ${maxKeys} — too many to record, so keep cannot merge them back (discard can)`);
      }
    }
    for (const p of prod.tables.filter((t) => !snap.tables.some((s) => s.name === t.name))) {
      const [c] = await rows<{ n: number }>(conn, `SELECT COUNT(*) AS n FROM ${qt(opts.targetSchema, p.name)}`);
      if (Number(c!.n) > 0) {
        report.production_only!.push({ table: p.name, rows: Number(c!.n), ranges: [], key_columns: p.keyColumns, only_on_production: true });
        report.production_only_rows = Number(report.production_only_rows) + Number(c!.n);
        const aside = keptIn === 'prev' ? prevSchema(opts.targetSchema) : lastSchema(opts.targetSchema);
        report.notes!.push(`${p.name}: exists only on production (${c!.n} rows); the copy moves it aside to ${aside}, kept there until release; keep does not bring it back`);
      }
    }
    opts.logger.info({ component: 'db-preflight', schema: opts.targetSchema, productionOnlyRows: report.production_only_rows }, 'preflight done');
    return report;
  } catch (err) {
    throw dbError(err, `preflight ${opts.targetSchema}`);
  } finally {
    await opts.peer.closeSnapshot(snap.snapshotId).catch(() => undefined);
    await closeConn(conn);
  }
}

/** An older staging agent refuses row hashes of a table without a key as "no usable key": said plainly. */
async function* olderAgentSays(pairs: AsyncIterable<Key[]>, table: string): AsyncIterable<Key[]> {
  try {
    yield* pairs;
  } catch (err) {
    if (/has no usable key/.test((err as Error).message)) throw new SwitchyardError('SY_PRECONDITION', `table ${table} has no key: the staging agent cannot compare its rows whole (it is older than that); upgrade it`, { cause: err });
    throw err;
  }
}

/**
 * Tables ordered so that the ones a FOREIGN KEY names come before the tables naming them: the
 * constraints are checked row by row as the kept rows go in, and a production-only order item
 * named before its production-only order (in the order preflight recorded them, by name) failed
 * the merge. Tables in a cycle keep their order.
 */
function parentsFirst<T extends { t: Table }>(list: T[]): T[] {
  const names = new Set(list.map((x) => x.t.name));
  const parents = new Map(list.map((x) => [x.t.name, new Set(referencedTables(x.t.createSql).filter((r) => r !== x.t.name && names.has(r)))]));
  const out: T[] = [];
  const placed = new Set<string>();
  let rest = [...list];
  while (rest.length > 0) {
    const ready = rest.filter((x) => [...parents.get(x.t.name)!].every((r) => placed.has(r)));
    const next = ready.length > 0 ? ready : [rest[0]!];
    for (const x of next) {
      out.push(x);
      placed.add(x.t.name);
    }
    // By entry, not name: one table may have records in two places.
    rest = rest.filter((x) => !out.includes(x));
  }
  return out;
}


interface UniqueCollision {
  table: string;
  keyColumns: string[];
  key: string;
  /** The UNIQUE key the row collides on and its values, as the server names them. */
  uniqueKey: string;
  values: string;
  /** Which row holds the value (heldBy): told as it is known, not taken for a staging row. */
  heldBy: string;
}

function uniqueCollision(t: Table, k: Key, err: unknown, heldBy: string): UniqueCollision {
  const d = dupEntry(err);
  return { table: t.name, keyColumns: t.keyColumns, key: t.keyColumns.length > 0 ? keyText(k) : `row hash ${keyText(k.slice(0, 1))}`, uniqueKey: d?.key ?? '?', values: d?.values ?? (err as { sqlMessage?: string }).sqlMessage ?? (err as Error).message, heldBy };
}

function uniqueConflict(list: UniqueCollision[]): SwitchyardError {
  const text = (c: UniqueCollision) => `${c.table}: ${[c.keyColumns.join(','), c.key].filter((x) => x !== '').join(' ')} takes ${c.uniqueKey} '${c.values}' from ${c.heldBy}`;
  return new SwitchyardError(
    'SY_CONFLICT',
    `production-only rows collide with other rows on a unique key, nothing merged: ${list.slice(0, 20).map(text).join('; ')}${list.length > 20 ? ` (+${list.length - 20} more)` : ''}`,
    { details: { collisions: list } },
  );
}

/** What the merge knows of the rows the live tables hold, to tell whose row a kept one collides with. */
interface LiveKnown {
  /** Keys (keyHex) of each table's rows merged in this merge. */
  merging: Map<string, Set<string>>;
  /** Keys (keyHex) of each table's recorded rows sync kept aside while they stayed live, no repair begun since (LIVE_TOO). */
  liveToo: Map<string, Set<string>>;
  /** Tables some of whose rows sync kept aside while they stayed live: production's rows are live there beside staging's. */
  stayedLive: Set<string>;
}

/**
 * The row of the live table holding the values of `uniqueKey` that the kept row (`keptWhere`, in
 * `kept`) takes, told by whose it is: another row this merge brings back, a row production kept
 * live (a sync kept the rows aside and stopped before its repair), or staging's. A keyed row is
 * named by its key. Before, every one was "a staging row", and a person looked for it on staging.
 * Under the merge's LOCK TABLES: the tables are read under their own names.
 */
async function heldBy(conn: Connection, schema: string, t: Table, kept: string, keptWhere: string, uniqueKey: string, known: LiveKnown): Promise<string> {
  try {
    const cols = (await rows<{ c: string }>(conn, 'SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ? ORDER BY SEQ_IN_INDEX', [schema, t.name, uniqueKey])).map((r) => String(r.c));
    if (cols.length === 0) return 'a row of the live table';
    const live = qt(schema, t.name);
    const where = `(${cols.map((c) => `${live}.${qi(c)}`).join(', ')}) IN (SELECT ${cols.map(qi).join(', ')} FROM ${kept} WHERE ${keptWhere})`;
    if (t.keyColumns.length === 0) {
      const [n] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${live} WHERE ${where}`);
      // The statement bringing back every copy of the row was undone whole: none of them is live.
      if (Number(n?.n ?? 0) === 0) return 'another copy of the same row, merged with it (production had it more than once; the unique key allows one)';
      return known.stayedLive.has(t.name) ? "a row of the live table (staging's, or production's own: a sync kept production-only rows aside and stopped before its repair)" : 'a staging row';
    }
    const [r] = await conn.query({ sql: `SELECT ${keySelect(t, live)} FROM ${live} WHERE ${where} LIMIT 1`, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
    const k = (r as unknown as Key[])[0];
    if (k === undefined) return 'a row of the live table';
    const named = `${t.keyColumns.join(',')} ${keyText(k)}`;
    if (known.merging.get(t.name)?.has(keyHex(k)) === true) return `the production-only row ${named}, merged here too`;
    if (known.liveToo.get(t.name)?.has(keyHex(k)) === true) return `production's own live row ${named} (kept aside with these by a sync that stopped before its repair)`;
    if (known.stayedLive.has(t.name)) return `the live row ${named} (staging's, or production's own: a sync kept production-only rows aside and stopped before its repair)`;
    return `the staging row ${named}`;
  } catch {
    return 'a row of the live table';
  }
}

/** Row hashes told of a table without a key: copies may be more than hashes, so the rest are counted by hash. */
const firstHashes = (xs: string[]): string[] => [...xs.slice(0, 20), ...(xs.length > 20 ? [`+${xs.length - 20} more row hashes`] : [])];

export interface MergeResult {
  rowsMerged: number;
  tables: string[];
  /** Recorded rows missing from the tables they were kept in: not merged. */
  rowsNotFound: number;
  notFound: Array<{ table: string; schema: string; rows: number; keys: string[] }>;
  /**
   * Older kept rows under a key a newer kept row took: not merged, left where they were kept.
   * `by` 'live': the newer row is the live one — production changed it after sync kept it aside
   * while live (a sync that stopped before its repair; LIVE_TOO). 'deleted': production deleted
   * the live row after sync kept it aside while live: the delete is the newer word. `keyless`: rows
   * of a table without a key (keys are `row hash N`), whose live copies production deleted or
   * changed (another row, then) before a repair began.
   */
  superseded: Array<{ table: string; schema: string; rows: number; keys: string[]; by?: 'live' | 'deleted'; keyless?: true }>;
  /**
   * Kept rows merged under a key whose live row is gone since sync kept them aside while live,
   * after that sync's repair began on the table: production's delete or the repair's, which
   * cannot be told apart — merged, as a row the repair deleted must come back, and told. Also
   * those a sync run again or a DB rollback found so (GONE_LIVE) and whose repair completed (or
   * copy was rolled back) since. `keyless`: copies
   * of rows without a key (keys are `row hash N`).
   */
  mergedGoneLive: Array<{ table: string; schema: string; rows: number; keys: string[]; keyless?: true }>;
  /**
   * Recorded rows of a table staging no longer has, which sync moved aside whole, rows and all:
   * not merged (there is no live table to merge them into), kept with their table until release.
   */
  keptWithTable: Array<{ table: string; schema: string; rows: number }>;
}

/**
 * keep: the rows preflight found only on production come back from the kept-aside tables, unless
 * staging now has a different row under the same key, or a row holding the same value of another
 * UNIQUE key — then nothing is merged and the error (SY_CONFLICT) names the colliding keys and
 * values. Their tables' triggers do not fire. discard: the record is dropped.
 */
export async function mergeProductionOnly(target: DbTarget, schema: string, mode: 'keep' | 'discard', store: ProductionOnlyStore): Promise<MergeResult> {
  const recorded = store.records(schema);
  if (mode === 'discard') {
    store.clear(schema);
    return { rowsMerged: 0, tables: [], rowsNotFound: 0, notFound: [], superseded: [], keptWithTable: [], mergedGoneLive: [] };
  }
  const conn = await connect(target);
  // The temporary tables of recorded keys, dropped whatever happens (the connection may be reused).
  const keyTables: string[] = [];
  try {
    // Each record's rows are where preflight said: production's own tables in `__sy_prev`
    // (however often presync ran since: a rerun's `__sy_last` holds the first copy, without the
    // rows), or `__sy_last`. A record that does not say: the tables the latest copy replaced,
    // `__sy_last` after a rerun, else `__sy_prev`.
    const lastInfo = await inspectSchema(conn, lastSchema(schema), { objects: false });
    const placeOf = (r: ProductionOnlyRecord) => (r.keptIn === 'last-kept' || ((r.keptIn === 'last' || r.keptIn === '') && lastInfo.exists) ? lastSchema(schema) : prevSchema(schema));
    const kept = new Map<string, Map<string, Table>>([[lastSchema(schema), new Map(lastInfo.tables.map((t) => [t.name, t]))]]);
    if (recorded.some((r) => placeOf(r) === prevSchema(schema))) kept.set(prevSchema(schema), new Map((await inspectSchema(conn, prevSchema(schema), { objects: false })).tables.map((t) => [t.name, t])));
    const live = new Map((await inspectSchema(conn, schema, { objects: false })).tables.map((t) => [t.name, t]));
    const collisions: string[] = [];
    // Recorded rows that are not where they were kept (deleted by production before the copy, or
    // the kept-aside tables changed by hand): nothing to merge, and said so.
    const notFound: Array<{ table: string; schema: string; rows: number; keys: string[] }> = [];
    // rowHash: a table without a key, `keys` its [row hash, copies] pairs; `old` hashes as preflight did.
    // keyed: the record's keys in a temporary table (group `group`), those to merge marked.
    const plan: Array<{ t: Table; from: string; keys: Key[]; rowHash?: { algo: ChecksumAlgo; old: Table }; keyed?: { tmp: string; group: number; alias: string } }> = [];
    // One key may be kept in two places: production's own row in `__sy_prev` and one written
    // under the same key on a copy, now in `__sy_last` (a retried copy), or the other way round
    // after a rollback. Both went in, and the second failed as a collision with a staging row.
    // The newer record's row is the one production held last: it is merged, the same row in the
    // other place is merged once, and a different older row is told (it stays kept aside).
    const superseded: MergeResult['superseded'] = [];
    const newestFirst = [...recorded].sort((a, b) => (a.recordedAt < b.recordedAt ? 1 : a.recordedAt > b.recordedAt ? -1 : 0));
    // A table staging dropped since preflight recorded rows in it: sync moved it aside whole, to
    // `__sy_prev` or `__sy_last` (asideSchemas), the record told or not. Nothing to merge into.
    const asideWhole = new Map<string, string>();
    for (const r of recorded.filter((x) => !live.has(x.table))) {
      const found = await rows<{ s: string }>(conn, 'SELECT TABLE_SCHEMA AS s FROM information_schema.TABLES WHERE TABLE_NAME = ? AND TABLE_SCHEMA IN (?, ?)', [r.table, placeOf(r), placeOf(r) === prevSchema(schema) ? lastSchema(schema) : prevSchema(schema)]);
      const where = found.map((x) => String(x.s)).sort((a, b) => (a === placeOf(r) ? -1 : b === placeOf(r) ? 1 : 0))[0];
      if (where !== undefined) asideWhole.set(r.table, where);
    }
    const keptWithTable: MergeResult['keptWithTable'] = [];
    // Checked first, in the order the records are told, before anything is asked of the server.
    const places = newestFirst.flatMap((r) => {
      const whole = asideWhole.get(r.table);
      if (whole !== undefined) {
        keptWithTable.push({ table: r.table, schema: whole, rows: recordedRows(r) });
        return [];
      }
      if (r.rowHash === TOO_MANY) {
        throw new SwitchyardError('SY_PRECONDITION', `${r.table}: preflight found ${recordedRows(r)} rows only production has in this table, too many to record: keep cannot merge them back (discard them — they stay in ${placeOf(r)} until release, to merge by hand — or, for a table without a key, give it a primary key on both sides and run preflight again)`, { details: { table: r.table } });
      }
      const prev = placeOf(r);
      const t = live.get(r.table);
      const old = kept.get(prev)?.get(r.table);
      if (t === undefined || old === undefined) throw new SwitchyardError('SY_PRECONDITION', `${r.table}: not found in ${schema} and ${prev}; was presync run after preflight?`);
      if (dataColumns(t).map((c) => c.name).join(',') !== dataColumns(old).map((c) => c.name).join(',')) throw new SwitchyardError('SY_CONFLICT', `${r.table}: columns differ between staging's and production's table; rows cannot be merged`, { details: { table: r.table } });
      return [{ r, t, old, prev }];
    });
    // Each keyed table's recorded keys, newest record first, in one temporary table: where each
    // is kept, whether the live table has it, and which record holds it first are read by joins.
    // The notes of the copy live now: none of a copy rolled back or replaced since.
    const liveLedger = await liveTooLedger(conn, schema);
    // Kept rows a sync run again, or a DB rollback, found gone from the live table after a repair
    // had begun (GONE_LIVE): LIVE_TOO is gone since (the repair completed, the copy rolled back),
    // yet merged they are told as such. In `__sy_last`'s ledger; an agent before it kept them in `__sy_prev`'s.
    const goneLedgers: string[] = [];
    for (const x of [lastSchema(schema), prevSchema(schema)]) if ((await rows(conn, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [x, KEPT_TABLE])).length > 0) goneLedgers.push(qt(x, KEPT_TABLE));
    const goneNoted = new Map<string, GoneLive>();
    for (const l of goneLedgers) {
      for (const [name, g] of await goneLiveNotes(conn, l)) {
        const was = goneNoted.get(name);
        if (was === undefined) goneNoted.set(name, g);
        else {
          for (const [k, at] of g.keys) if (!was.keys.has(k)) was.keys.set(k, at);
          if (was.algo === g.algo) for (const [h, c] of g.copies) if (!was.copies.has(h)) { was.copies.set(h, c); was.copiesAt.set(h, g.copiesAt.get(h) ?? ''); }
        }
      }
    }
    // Per keyed table: the keys sync kept aside while they stayed live (LIVE_TOO).
    const liveKeys = new Map<string, { keys: Set<string>; repaired: boolean } | undefined>();
    const judged = new Map<string, { tmp: string; rows: KeyVerdict[]; times: string[] }>();
    for (const x of places) {
      if (x.r.rowHash !== '' || judged.has(x.r.table)) continue;
      const mine = places.filter((y) => y.r.table === x.r.table);
      const tmp = `__sy_merge_keys_${judged.size}`;
      keyTables.push(tmp);
      const liveToo = liveLedger === undefined ? undefined : await liveTooKeys(conn, liveLedger, x.r.table);
      liveKeys.set(x.r.table, liveToo);
      // A note of another shape of key (the table's key changed since) names none of these rows.
      const fits = (k: Key) => k.length === x.t.keyColumns.length;
      const gone = [...(goneNoted.get(x.r.table)?.keys ?? [])].map(([k, at]) => ({ key: keyFromHex(k), at })).filter((g) => fits(g.key));
      const noted = { liveToo: [...(liveToo?.keys ?? [])].map(keyFromHex).filter(fits), gone };
      judged.set(x.r.table, { tmp, rows: await judgeKeys(conn, schema, x.t, tmp, mine.map((y) => ({ keys: y.r.keys, times: y.r.keyTimes, from: y.prev, old: y.old })), noted), times: mine.flatMap((y) => y.r.keyTimes) });
    }
    // Of the copies of one row without a key kept in several places, the ones recorded last: by
    // row hash, where (index in `places`) and how many.
    const hashWinner = new Map<string, Map<string, { place: number; at: string; copies: bigint }>>();
    for (const [i, { r }] of places.entries()) {
      if (r.rowHash === '') continue;
      const won = hashWinner.get(r.table) ?? new Map<string, { place: number; at: string; copies: bigint }>();
      hashWinner.set(r.table, won);
      for (const [n, k] of r.keys.entries()) {
        const h = k[0]!.toString('latin1');
        const at = r.keyTimes[n]!;
        const w = won.get(h);
        if (w === undefined || at > w.at) won.set(h, { place: i, at, copies: BigInt(k[1]!.toString('latin1')) });
      }
    }
    // Row copies of a table without a key kept in two places (the same row production wrote
    // again after a rollback): merged from the newer record only, as a keyed row is.
    const offsets = new Map<string, number>();
    const groups = new Map<string, number>();
    // Per table without a key: the copies by row hash the live table has lost since sync kept them
    // aside while they stayed live (a sync that failed after, LIVE_TOO), at most that many to merge.
    const lostSince = new Map<string, { lost: Map<string, bigint>; repaired: boolean } | undefined>();
    // A kept row differing from production's own live row under its key, changed since sync kept it aside: the live one is newer.
    const newerLive = new Map<string, Key[]>();
    // …and those a repair may have replaced with staging's since: either row may be the one to keep.
    const unsure: string[] = [];
    // Tables some of whose recorded rows stayed live after sync kept them aside (LIVE_TOO).
    const stayedLive = new Set<string>();
    // Kept rows whose live row is gone since: production's delete (no repair begun), the newer
    // word, not merged; or, a repair begun, maybe the repair's: merged, and told.
    const deletedLive = new Map<string, Key[]>();
    const mergedGoneLive: MergeResult['mergedGoneLive'] = [];
    for (const [i, { r, t, old, prev }] of places.entries()) {
      const { table: name, keys } = r;
      const algo = r.rowHash;
      if (algo !== '') {
        // No key, so none to collide on: the extra copies come back (a UNIQUE key staging's
        // table may have is caught as the rows go in).
        const won = hashWinner.get(name)!;
        if (!lostSince.has(name)) {
          const note = liveLedger !== undefined ? await liveTooCopiesNote(conn, liveLedger, name) : undefined;
          const noted = note?.algo === algo ? note.copies : new Map<string, bigint>();
          const now = noted.size === 0 ? undefined : await liveCopies(conn, schema, t, algo as ChecksumAlgo, [...noted.keys()]);
          lostSince.set(name, now === undefined ? undefined : { lost: new Map([...noted].map(([h, c]) => [h, c > (now.get(h) ?? 0n) ? c - (now.get(h) ?? 0n) : 0n])), repaired: note!.repaired });
        }
        const since = lostSince.get(name);
        const lost = since?.lost;
        if (lost !== undefined) stayedLive.add(name);
        const goneBefore = goneNoted.get(name);
        const mine: Key[] = [];
        const over: string[] = [];
        let overRows = 0;
        const deleted: string[] = [];
        let deletedRows = 0;
        const gone: string[] = [];
        let goneRows = 0;
        for (const [ki, k] of keys.entries()) {
          const h = k[0]!.toString('latin1');
          const n = BigInt(k[1]!.toString('latin1'));
          const w = won.get(h)!;
          if (w.place === i) {
            const most = lost?.get(h);
            if (most === undefined) {
              mine.push(k);
              // Found gone after a repair had begun by a sync run again (or a rollback), since completed (or dropped).
              const g = prev === lastSchema(schema) && goneBefore?.algo === algo ? goneBefore.copies.get(h) : undefined;
              if (g !== undefined && g > 0n && goneNoteCounts(goneBefore!.copiesAt.get(h), r.keyTimes[ki]!)) {
                gone.push(`row hash ${h}`);
                goneRows += Number(g < n ? g : n);
              }
            } else {
              // The rest are live still: merged again, they would be there twice.
              const take = n < most ? n : most;
              lost!.set(h, most - take);
              if (take === 0n) continue;
              if (!since!.repaired) {
                // Lost before any repair began: nothing but production wrote the live table, so it
                // deleted (or changed) them — the newer word. Merged back, they undid it.
                deleted.push(`row hash ${h}`);
                deletedRows += Number(take);
                continue;
              }
              // The repair's delete or production's, which cannot be told apart: merged, and told.
              mine.push([k[0]!, Buffer.from(take.toString(), 'latin1')]);
              gone.push(`row hash ${h}`);
              goneRows += Number(take);
            }
          } else if (n > w.copies) {
            over.push(`row hash ${h}`);
            overRows += Number(n - w.copies);
          }
        }
        if (over.length > 0) superseded.push({ table: name, schema: prev, rows: overRows, keys: over.slice(0, 20) });
        if (deleted.length > 0) superseded.push({ table: name, schema: prev, rows: deletedRows, keys: firstHashes(deleted), by: 'deleted', keyless: true });
        if (gone.length > 0) mergedGoneLive.push({ table: name, schema: prev, rows: goneRows, keys: firstHashes(gone), keyless: true });
        plan.push({ t, from: prev, keys: mine, rowHash: { algo: algo as ChecksumAlgo, old } });
        continue;
      }
      const j = judged.get(name)!;
      const noted = liveKeys.get(name);
      if (noted !== undefined) stayedLive.add(name);
      const g = groups.get(name) ?? 0;
      groups.set(name, g + 1);
      const at = offsets.get(name) ?? 0;
      offsets.set(name, at + keys.length);
      const todo: number[] = [];
      const missing: Key[] = [];
      const older: Key[] = [];
      const gone: Key[] = [];
      // Recorded after key `y`: later, or as late and told first (the newer record).
      const newer = (x: number, y: number) => j.times[x]! > j.times[y]! || (j.times[x] === j.times[y] && x < y);
      for (const [n, k] of keys.entries()) {
        const v = j.rows[at + n]!;
        // Another key holds a kept row under this key, as the server compares keys: the one
        // recorded last holds the row production held last. This key's own row, kept, is older;
        // missing where it was kept, it is told below only if it was recorded after that one.
        if (v.first !== null && v.first !== at + n && (v.b !== null || !newer(at + n, v.first))) {
          if (v.b !== null && v.b !== v.firstH) older.push(k);
          continue;
        }
        // A key the live table has already: nothing to merge, unless the rows differ. A row sync
        // kept aside while it stayed live differs from the live one only as production changed
        // it since (no repair has begun on the table): the live row is the newer, the kept one is
        // left. Taken for a staging row, it failed the merge naming one staging never had.
        if (v.a !== null) {
          if (v.b === null || v.b === v.a) continue;
          // Noted as the server matches keys (v.live): production may have changed only the case of
          // a key under a case-insensitive collation, and a preflight since recorded it so.
          const keptLive = noted !== undefined && prev === lastSchema(schema) && v.live;
          if (!keptLive) collisions.push(`${name}:${keyText(k)}`);
          else if (noted.repaired) unsure.push(`${name}:${keyText(k)}`);
          else newerLive.set(name, [...(newerLive.get(name) ?? []), k]);
        } else if (v.b === null) missing.push(k);
        else if (noted !== undefined && prev === lastSchema(schema) && v.live) {
          // Kept aside while live, and gone from the live table since. Merged back, it undid
          // production's delete; only a stopped repair may have deleted it instead.
          if (!noted.repaired) deletedLive.set(name, [...(deletedLive.get(name) ?? []), k]);
          else {
            gone.push(k);
            todo.push(at + n);
          }
        } else {
          // Found gone after a repair had begun by a sync run again (or a rollback), since completed (or dropped).
          if (prev === lastSchema(schema) && v.gone) gone.push(k);
          todo.push(at + n);
        }
      }
      if (gone.length > 0) mergedGoneLive.push({ table: name, schema: prev, rows: gone.length, keys: gone.slice(0, 20).map(keyText) });
      if (missing.length > 0) notFound.push({ table: name, schema: prev, rows: missing.length, keys: missing.slice(0, 20).map(keyText) });
      if (older.length > 0) superseded.push({ table: name, schema: prev, rows: older.length, keys: older.slice(0, 20).map(keyText) });
      await markTodo(conn, schema, j.tmp, todo);
      plan.push({ t, from: prev, keys: todo.map((n) => keys[n - at]!), keyed: { tmp: j.tmp, group: g, alias: `sy_x${plan.length}` } });
    }
    for (const [table, keys] of newerLive) superseded.push({ table, schema: lastSchema(schema), rows: keys.length, keys: keys.slice(0, 20).map(keyText), by: 'live' });
    for (const [table, keys] of deletedLive) superseded.push({ table, schema: lastSchema(schema), rows: keys.length, keys: keys.slice(0, 20).map(keyText), by: 'deleted' });
    if (collisions.length > 0 || unsure.length > 0) {
      const list = (xs: string[]) => `${xs.slice(0, 20).join(', ')}${xs.length > 20 ? ` (+${xs.length - 20} more)` : ''}`;
      const said = [
        ...(collisions.length > 0 ? [`production-only rows collide with staging rows under the same key: ${list(collisions)}`] : []),
        ...(unsure.length > 0
          ? [
              `production-only rows a sync kept aside in ${lastSchema(schema)} while they stayed live differ from the live row under the same key, which production changed since or that sync's repair (stopped part-way) replaced with staging's: ${list(unsure)} — compare each live row with the one kept in ${lastSchema(schema)} under its key: to keep the live row, delete the kept one; to keep the kept one, put it live in its place; then run this again`,
            ]
          : []),
      ];
      throw new SwitchyardError('SY_CONFLICT', said.join('; '), { details: { collisions, ...(unsure.length > 0 ? { changedOrRepaired: unsure } : {}) } });
    }
    let merged = 0;
    // Copies of a row without a key that the kept-aside table no longer has as many of.
    const hashesShort: Array<{ table: string; schema: string; rows: number; key: string }> = [];
    const into = parentsFirst(plan.filter((p) => p.keys.length > 0));
    if (into.length > 0) {
      // The rows come back as production held them, and so does what their triggers wrote then
      // (an audit row, say): those rows are production-only too and merged themselves. Fired
      // again, the triggers would write it all a second time. So the triggers of the tables the
      // rows go into are off meanwhile, under LOCK TABLES: no other write runs without them.
      const names = new Set(into.map((p) => p.t.name));
      const on = await rows<{ n: string; t: string }>(conn, 'SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [schema]);
      const off = new Set(on.filter((r) => names.has(String(r.t))).map((r) => String(r.n)));
      const triggers = off.size === 0 ? [] : (await inspectObjects(conn, schema)).filter((o) => o.kind === 'TRIGGER' && off.has(o.name));
      // A table without a key: its kept rows whose hash was recorded, hashed once, into a
      // temporary table indexed by the hash (free of LOCK TABLES), so each recorded hash is one
      // lookup rather than a scan of the kept table.
      const hashedRows = new Map<(typeof into)[number], string>();
      for (const [i, x] of into.entries()) {
        if (x.rowHash === undefined) continue;
        const tmp = `__sy_merge_rows_${i}`;
        const list = dataColumns(x.t).map((c) => qi(c.name)).join(', ');
        await loadRowHashes(conn, schema, '__sy_merge_hashes', (async function* () { yield x.keys; })(), x.t.name);
        await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, tmp)}`);
        await conn.query(
          `CREATE TEMPORARY TABLE ${qt(schema, tmp)} ENGINE=InnoDB SELECT * FROM (SELECT ${list}, ${rowHashSql(x.rowHash.old, x.rowHash.algo)} AS __sy_h FROM ${qt(x.from, x.t.name)}) r WHERE __sy_h IN (SELECT h FROM ${qt(schema, '__sy_merge_hashes')})`,
        );
        await conn.query(`ALTER TABLE ${qt(schema, tmp)} ADD KEY (__sy_h)`);
        await conn.query(`DROP TEMPORARY TABLE ${qt(schema, '__sy_merge_hashes')}`);
        hashedRows.set(x, tmp);
      }
      const known: LiveKnown = {
        merging: new Map(),
        liveToo: new Map([...liveKeys].flatMap(([n, x]) => (x === undefined || x.repaired ? [] : [[n, x.keys] as const]))),
        stayedLive,
      };
      for (const p of into.filter((x) => x.keyed !== undefined)) known.merging.set(p.t.name, new Set([...(known.merging.get(p.t.name) ?? []), ...p.keys.map(keyHex)]));
      // A kept table is read under its own name (one row at a time, naming a collision) and under an alias of its own (a record's rows at once).
      const locks = new Set([...into.map((p) => `${qt(schema, p.t.name)} WRITE`), ...into.map((p) => `${qt(p.from, p.t.name)} READ`), ...into.filter((p) => p.keyed !== undefined).map((p) => `${qt(p.from, p.t.name)} AS ${p.keyed!.alias} READ`)]);
      await conn.query(`LOCK TABLES ${[...locks].join(', ')}`);
      try {
        // Under LOCK TABLES, START TRANSACTION would release the locks: autocommit is off instead.
        await conn.query('SET autocommit = 0');
        // Each DROP commits; nothing is written yet.
        for (const o of triggers) await dropObject(conn, schema, 'TRIGGER', o.name);
        try {
          // A row whose key is free may still take a value staging gave another row under a
          // secondary UNIQUE key (a transient's option_name, a user's email). InnoDB undoes only
          // the failing statement, so every such row is found before the whole merge is undone.
          const unique: UniqueCollision[] = [];
          hashesShort.length = 0;
          for (const x of into) {
            const { t, keys, rowHash, from } = x;
            const list = dataColumns(t).map((c) => qi(c.name)).join(', ');
            if (rowHash !== undefined) {
              for (const k of keys) {
                try {
                  // As many copies as production had more than staging (fewer where production deleted some since).
                  const [res] = await conn.query(`INSERT INTO ${qt(schema, t.name)} (${list}) SELECT ${list} FROM ${qt(schema, hashedRows.get(x)!)} WHERE __sy_h = ${k[0]!.toString('latin1')} LIMIT ${k[1]!.toString('latin1')}`);
                  const n = (res as { affectedRows: number }).affectedRows;
                  merged += n;
                  const short = Number(k[1]!.toString('latin1')) - n;
                  if (short > 0) hashesShort.push({ table: t.name, schema: from, rows: short, key: `row hash ${k[0]!.toString('latin1')}` });
                } catch (err) {
                  if (errnoOf(err) !== ER_DUP_ENTRY) throw err;
                  const keyless = { ...t, keyColumns: [] };
                  unique.push(uniqueCollision(keyless, k, err, await heldBy(conn, schema, keyless, qt(schema, hashedRows.get(x)!), `__sy_h = ${k[0]!.toString('latin1')}`, dupEntry(err)?.key ?? '', known)));
                }
              }
              continue;
            }
            // All of a record's rows in one statement, in the order recorded (key order: a row
            // naming another of the same table by a FOREIGN KEY comes after it, as before).
            try {
              const [res] = await conn.query(
                `INSERT INTO ${qt(schema, t.name)} (${list}) SELECT ${dataColumns(t).map((c) => `${x.keyed!.alias}.${qi(c.name)}`).join(', ')} FROM ${qt(from, t.name)} ${x.keyed!.alias} JOIN ${qt(schema, x.keyed!.tmp)} k ON ${keyJoin(t, x.keyed!.alias)} WHERE k.__sy_g = ${x.keyed!.group} AND k.__sy_todo = 1 ORDER BY k.__sy_i`,
              );
              merged += (res as { affectedRows: number }).affectedRows;
              continue;
            } catch (err) {
              if (errnoOf(err) !== ER_DUP_ENTRY) throw err;
            }
            // A row takes a unique value another row holds: the statement is undone whole, and the
            // rows go in one by one to name every one that collides (the merge is undone anyway).
            for (const k of keys) {
              const where = keyColumnTypes(t).map((c, i) => `${qi(c.name)} = ${keyLiteral(c, k[i]!)}`).join(' AND ');
              try {
                const [res] = await conn.query(`INSERT INTO ${qt(schema, t.name)} (${list}) SELECT ${list} FROM ${qt(from, t.name)} WHERE ${where}`);
                merged += (res as { affectedRows: number }).affectedRows;
              } catch (err) {
                if (errnoOf(err) !== ER_DUP_ENTRY) throw err;
                unique.push(uniqueCollision(t, k, err, await heldBy(conn, schema, t, qt(from, t.name), where, dupEntry(err)?.key ?? '', known)));
              }
            }
          }
          if (unique.length > 0) throw uniqueConflict(unique);
          await conn.query('COMMIT');
        } catch (err) {
          await conn.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          // Back before the lock goes, merged or not (CREATE TRIGGER leaves LOCK TABLES in place).
          await createObjects(conn, schema, triggers, schema);
        }
      } finally {
        await conn.query('UNLOCK TABLES');
        await conn.query('SET autocommit = 1');
      }
    }
    for (const h of hashesShort) {
      const e = notFound.find((x) => x.table === h.table && x.schema === h.schema);
      if (e === undefined) notFound.push({ table: h.table, schema: h.schema, rows: h.rows, keys: [h.key] });
      else {
        e.rows += h.rows;
        if (e.keys.length < 20) e.keys.push(h.key);
      }
    }
    // Told now: the notes go with the records they annotate.
    if (goneNoted.size > 0) for (const l of goneLedgers) await conn.query(`DELETE FROM ${l} WHERE kind = '${GONE_LIVE}'`);
    store.clear(schema);
    return { rowsMerged: merged, tables: [...new Set(into.map((p) => p.t.name))], rowsNotFound: notFound.reduce((n, x) => n + x.rows, 0), notFound, superseded, keptWithTable, mergedGoneLive };
  } catch (err) {
    throw dbError(err, `merge production-only rows into ${schema}`);
  } finally {
    for (const tmp of keyTables) await dropKeyTable(conn, schema, tmp).catch(() => undefined);
    await closeConn(conn);
  }
}

/** One recorded key, as the server judged it: its row's hash in the live table (a) and where it was kept (b); the first key of the list under the same key, with its kept row's hash. */
interface KeyVerdict {
  a: string | null;
  b: string | null;
  first: number | null;
  firstH: string | null;
  /** A key of `noted.liveToo`, as the server compares keys. */
  live: boolean;
  /** A key of `noted.gone`, noted no earlier than this key was recorded. */
  gone: boolean;
}

/** A row's hash over its data columns; a FLOAT as its exact text (exactValue): its own drops digits, and a different row would look the same. */
const rowHashOf = (x: Table, alias: string) => `MD5(CONCAT_WS('#', ${dataColumns(x).map((c) => `IFNULL(MD5(${exactValue(c, alias)}),'-')`).join(', ')}))`;

/**
 * The keys of a keyed table's records (newest first), judged by the server in a few statements
 * whatever their number: loaded into `tmp` (kept for the merge to join against), each one's row
 * hash in the live table and in the place it was kept, and, for keys the live table's collation
 * makes one ('abc' and 'ABC'), the one of them recorded last (per key: a record holds keys recorded
 * at different times) that has a kept row; and whether it is one of the keys noted LIVE_TOO or
 * GONE_LIVE (`noted`) — matched by the server too: a key production changed only in case, found
 * again by a preflight, is the row noted, not another. Verdicts in the order of the keys.
 */
async function judgeKeys(conn: Connection, schema: string, t: Table, tmp: string, recs: Array<{ keys: Key[]; times: string[]; from: string; old: Table }>, noted: { liveToo: Key[]; gone: Array<{ key: Key; at: string }> }): Promise<KeyVerdict[]> {
  await loadKeyTable(conn, schema, tmp, t, recs.map((r) => r.keys), recs.map((r) => r.times), ['__sy_live', '__sy_gone']);
  if (noted.liveToo.length > 0 || noted.gone.length > 0) {
    const nt = '__sy_merge_noted';
    try {
      // Both temporary tables take the live table's key columns, collation and all: `=` is the server's.
      await loadKeyTable(conn, schema, nt, t, [noted.liveToo, noted.gone.map((g) => g.key)], [noted.liveToo.map(() => ''), noted.gone.map((g) => g.at)]);
      const on = t.keyColumns.map((_, i) => `n.${keyCol(i)} = k.${keyCol(i)}`).join(' AND ');
      await conn.query(`UPDATE ${qt(schema, tmp)} k JOIN ${qt(schema, nt)} n ON ${on} SET k.__sy_live = 1 WHERE n.__sy_g = 0`);
      // A note older than the key's record is of a row before it (a run since discarded, a row written again).
      await conn.query(`UPDATE ${qt(schema, tmp)} k JOIN ${qt(schema, nt)} n ON ${on} SET k.__sy_gone = 1 WHERE n.__sy_g = 1 AND (n.__sy_t = '' OR k.__sy_t <= n.__sy_t)`);
    } finally {
      await dropKeyTable(conn, schema, nt);
    }
  }
  const k0 = qi(t.keyColumns[0]!);
  for (const [g, r] of recs.entries()) {
    await conn.query(`UPDATE ${qt(schema, tmp)} k JOIN ${qt(r.from, t.name)} b ON ${keyJoin(t, 'b')} SET k.__sy_h = ${rowHashOf(r.old, 'b')} WHERE k.__sy_g = ${g}`);
  }
  const cols = t.keyColumns.map((_, i) => keyCol(i)).join(', ');
  const first = '__sy_merge_first';
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, first)}`);
  await conn.query(`CREATE TEMPORARY TABLE ${qt(schema, first)} ENGINE=InnoDB SELECT ${cols}, __sy_i, __sy_h FROM ${qt(schema, tmp)} LIMIT 0`);
  try {
    // The live table's key decides which keys are one: its columns' collation, on the copy's key.
    await conn.query(`ALTER TABLE ${qt(schema, first)} ADD PRIMARY KEY (${cols})`);
    // The key recorded last goes in first and holds the place (records newest first break a tie).
    await conn.query(`INSERT IGNORE INTO ${qt(schema, first)} SELECT ${cols}, __sy_i, __sy_h FROM ${qt(schema, tmp)} WHERE __sy_h IS NOT NULL ORDER BY __sy_t DESC, __sy_i`);
    const [r] = await conn.query(
      `SELECT k.__sy_i AS i, CASE WHEN a.${k0} IS NULL THEN NULL ELSE ${rowHashOf(t, 'a')} END AS a, k.__sy_h AS b, f.__sy_i AS first, f.__sy_h AS firstH, k.__sy_live AS live, k.__sy_gone AS gone FROM ${qt(schema, tmp)} k LEFT JOIN ${qt(schema, t.name)} a ON ${keyJoin(t, 'a')} LEFT JOIN ${qt(schema, first)} f ON ${t.keyColumns.map((_, i) => `f.${keyCol(i)} = k.${keyCol(i)}`).join(' AND ')} ORDER BY k.__sy_i`,
    );
    const out = r as Array<{ i: number; a: string | null; b: string | null; first: number | null; firstH: string | null; live: number | string; gone: number | string }>;
    return out.map((x) => ({ a: x.a, b: x.b, first: x.first === null ? null : Number(x.first), firstH: x.firstH, live: Number(x.live) === 1, gone: Number(x.gone) === 1 }));
  } finally {
    await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, first)}`);
  }
}

/** Marks the keys numbered `todo` in `tmp` as the ones to merge. */
async function markTodo(conn: Connection, schema: string, tmp: string, todo: number[]): Promise<void> {
  for (let i = 0; i < todo.length; i += 10_000) await conn.query(`UPDATE ${qt(schema, tmp)} SET __sy_todo = 1 WHERE __sy_i IN (${todo.slice(i, i + 10_000).join(', ')})`);
}

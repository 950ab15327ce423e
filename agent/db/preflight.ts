// Preflight on the production agent: AUTO_INCREMENT counters and auto_increment_increment/offset
// on both sides, and the rows that exist only on production (test orders, webhooks that already
// reached the new host) — a full copy would destroy them. Staging's keys are loaded into a
// temporary table here and anti-joined in SQL, so key order and equality follow the column's
// own collation. What was found is recorded, so `keep` can merge those rows back after the copy.
import type { Connection } from 'mysql2/promise';
import type { Db } from '../../shared/state/sqlite.js';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { PreflightReport } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { KeyRange } from '../../shared/proto-gen/switchyard/v1/KeyRange.js';
import { closeConn, connect, dbError, errnoOf, rows, type DbTarget } from './connect.js';
import { qi, qt, keyLiteral, prevSchema, isNumericType, checkSchemaName } from './sql.js';
import { inspectSchema, inspectObjects, exactValue, keyColumnTypes, keySelect, dataColumns, type Table } from './inspect.js';
import { createObjects, dropObject } from './objects.js';
import { referencedTables } from './compare.js';
import { bestAlgo, rowHashSql, type ChecksumAlgo } from './checksum.js';
import { TsvEncoder } from './tsv.js';
import { loadRows } from './load-rows.js';
import { keyText, keyToWire, type Key } from './convert.js';
import { hasKeptAside, lastSchema } from './swap.js';
import type { SourcePeer } from './peer.js';

/**
 * Where the copy puts the rows preflight found: the first copy moves production's tables to
 * `__sy_prev`, where they stay however often presync runs again; a copy after that moves the
 * tables it replaces (an earlier copy, with what production wrote since) to `__sy_last`.
 * 'last-kept': that copy has run, the rows are in `__sy_last`, and later copies leave it alone
 * (a third presync replaced it, and keep found nothing to merge).
 */
export type KeptIn = 'prev' | 'last' | 'last-kept';

/** Production-only keys per table, from the last preflight; in the state file when there is one. */
export class ProductionOnlyStore {
  private readonly mem = new Map<string, Map<string, Key[]>>();
  private readonly memKeptIn = new Map<string, KeptIn>();
  private readonly memRowHash = new Map<string, string>();
  constructor(private readonly db?: Db) {}

  /** `rowHash`: for a table without a key, the algorithm of the [row hash, copies] pairs in `keys`. */
  set(schema: string, table: string, keys: Key[], keptIn: KeptIn, rowHash = ''): void {
    const enc = JSON.stringify(keys.map((k) => k.map((v) => (v === null ? null : v.toString('hex')))));
    if (this.db !== undefined) {
      this.db
        .prepare('INSERT INTO db_production_only (schema_name, table_name, keys, recorded_at, kept_in, row_hash) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(schema_name, table_name) DO UPDATE SET keys = excluded.keys, recorded_at = excluded.recorded_at, kept_in = excluded.kept_in, row_hash = excluded.row_hash')
        .run(schema, table, enc, new Date().toISOString(), keptIn, rowHash);
    } else {
      if (!this.mem.has(schema)) this.mem.set(schema, new Map());
      this.mem.get(schema)!.set(table, keys);
      this.memKeptIn.set(schema, keptIn);
      this.memRowHash.set(`${schema}.${table}`, rowHash);
    }
  }

  /** The row-hash algorithm of a table's record; '' for a record of keys. */
  rowHash(schema: string, table: string): string {
    if (this.db === undefined) return this.memRowHash.get(`${schema}.${table}`) ?? '';
    const r = this.db.prepare('SELECT row_hash FROM db_production_only WHERE schema_name = ? AND table_name = ?').get(schema, table) as { row_hash: string } | undefined;
    return r?.row_hash ?? '';
  }

  /** Where the recorded rows are once copied; undefined for a record from an agent that did not say. */
  keptIn(schema: string): KeptIn | undefined {
    if (this.db === undefined) return this.memKeptIn.get(schema);
    const r = this.db.prepare("SELECT kept_in FROM db_production_only WHERE schema_name = ? AND kept_in <> '' LIMIT 1").get(schema) as { kept_in: string } | undefined;
    return r?.kept_in === 'prev' || r?.kept_in === 'last' || r?.kept_in === 'last-kept' ? r.kept_in : undefined;
  }

  /**
   * A copy was swapped in: rows recorded as 'last' (still in the live tables) are now where it
   * put the tables it replaced — `__sy_prev` on a first copy (after a rollback), else `__sy_last`.
   */
  landed(schema: string, firstCopy: boolean): void {
    const now: KeptIn = firstCopy ? 'prev' : 'last-kept';
    if (this.db !== undefined) this.db.prepare("UPDATE db_production_only SET kept_in = ? WHERE schema_name = ? AND kept_in = 'last'").run(now, schema);
    else if (this.memKeptIn.get(schema) === 'last') this.memKeptIn.set(schema, now);
  }

  clear(schema: string): void {
    if (this.db !== undefined) this.db.prepare('DELETE FROM db_production_only WHERE schema_name = ?').run(schema);
    else {
      this.mem.delete(schema);
      this.memKeptIn.delete(schema);
      for (const k of [...this.memRowHash.keys()]) if (k.startsWith(`${schema}.`)) this.memRowHash.delete(k);
    }
  }

  get(schema: string): Map<string, Key[]> {
    if (this.db === undefined) return this.mem.get(schema) ?? new Map();
    const out = new Map<string, Key[]>();
    for (const r of this.db.prepare('SELECT table_name, keys FROM db_production_only WHERE schema_name = ?').all(schema) as Array<{ table_name: string; keys: string }>) {
      out.set(r.table_name, (JSON.parse(r.keys) as Array<Array<string | null>>).map((k) => k.map((v) => (v === null ? null : Buffer.from(v, 'hex')))));
    }
    return out;
  }
}

const TMP = '__sy_staging_keys';

async function productionOnlyKeys(conn: Connection, schema: string, t: Table, stagingKeys: AsyncIterable<Key[]>): Promise<Key[]> {
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
  await loadRows(conn, schema, tmp, source);
  const on = t.keyColumns.map((k) => `p.${qi(k)} = s.${qi(k)}`).join(' AND ');
  const [r] = await conn.query({
    sql: `SELECT ${keySelect(t, 'p')} FROM ${qt(schema, t.name)} p LEFT JOIN ${qt(schema, TMP)} s ON ${on} WHERE s.${qi(t.keyColumns[0]!)} IS NULL ORDER BY ${t.keyColumns.map((k) => `p.${qi(k)}`).join(', ')}`,
    rowsAsArray: true,
    typeCast: (f: { buffer(): Buffer | null }) => f.buffer(),
  } as never);
  await conn.query(`DROP TEMPORARY TABLE ${qt(schema, TMP)}`);
  return r as unknown as Key[];
}

/** Different production-only rows of one table without a key recorded at most, for `keep`. */
export const MAX_ROW_HASHES = 100_000;
/** The record of a table whose rows were too many to record: keep refuses it, discard does not care. */
const TOO_MANY = 'too-many';
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
    opts.store.clear(opts.targetSchema);
    // The rows found now are production's own tables (no copy yet: they go to __sy_prev) or an
    // earlier copy's (they go to __sy_last).
    const keptIn: KeptIn = (await hasKeptAside(conn, opts.targetSchema)) ? 'last' : 'prev';
    const byName = new Map(prod.tables.map((t) => [t.name, t]));
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
        opts.store.set(opts.targetSchema, s.name, found.pairs ?? [], keptIn, found.pairs === undefined ? TOO_MANY : rowHashAlgo);
        report.production_only!.push({ table: s.name, rows: found.rows, ranges: [], key_columns: [], too_many_to_keep: found.pairs === undefined });
        report.production_only_rows = Number(report.production_only_rows) + found.rows;
        report.notes!.push(
          found.pairs === undefined
            ? `${s.name}: no common key; rows compared whole: ${found.rows} rows only production has, more than ${opts.maxRowHashes ?? MAX_ROW_HASHES} different ones — too many to record, so keep cannot merge them back (discard can; or give the table a primary key on both sides)`
            : `${s.name}: no common key; rows compared whole: ${found.rows} rows only production has (copies of ${found.pairs.length} different rows)`,
        );
        continue;
      }
      const keys = await productionOnlyKeys(conn, opts.targetSchema, p, opts.peer.streamKeys(snap.snapshotId, s.name));
      if (keys.length === 0) continue;
      opts.store.set(opts.targetSchema, s.name, keys, keptIn);
      report.production_only!.push({ table: s.name, rows: keys.length, ranges: toRanges(p, keys), key_columns: p.keyColumns });
      report.production_only_rows = Number(report.production_only_rows) + keys.length;
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
    rest = rest.filter((x) => !placed.has(x.t.name));
  }
  return out;
}

const ER_DUP_ENTRY = 1062;

interface UniqueCollision {
  table: string;
  keyColumns: string[];
  key: string;
  /** The UNIQUE key the row collides on and its values, as the server names them. */
  uniqueKey: string;
  values: string;
}

function uniqueCollision(t: Table, k: Key, err: unknown): UniqueCollision {
  const msg = (err as { sqlMessage?: string; message?: string }).sqlMessage ?? (err as Error).message;
  // "Duplicate entry 'a@b.c-1' for key 'email'" (MySQL 8 writes the key as 'table.email').
  const m = /^Duplicate entry '([\s\S]*)' for key '([^']*)'$/.exec(msg);
  return { table: t.name, keyColumns: t.keyColumns, key: t.keyColumns.length > 0 ? keyText(k) : `row hash ${keyText(k.slice(0, 1))}`, uniqueKey: m?.[2]?.replace(/^.*\./, '') ?? '?', values: m?.[1] ?? msg };
}

function uniqueConflict(list: UniqueCollision[]): SwitchyardError {
  const text = (c: UniqueCollision) => `${c.table}: ${[c.keyColumns.join(','), c.key].filter((x) => x !== '').join(' ')} takes ${c.uniqueKey} '${c.values}' from a staging row`;
  return new SwitchyardError(
    'SY_CONFLICT',
    `production-only rows collide with staging rows on a unique key, nothing merged: ${list.slice(0, 20).map(text).join('; ')}${list.length > 20 ? ` (+${list.length - 20} more)` : ''}`,
    { details: { collisions: list } },
  );
}

/**
 * keep: the rows preflight found only on production come back from the kept-aside tables, unless
 * staging now has a different row under the same key, or a row holding the same value of another
 * UNIQUE key — then nothing is merged and the error (SY_CONFLICT) names the colliding keys and
 * values. Their tables' triggers do not fire. discard: the record is dropped.
 */
export async function mergeProductionOnly(target: DbTarget, schema: string, mode: 'keep' | 'discard', store: ProductionOnlyStore): Promise<{ rowsMerged: number; tables: string[] }> {
  const recorded = store.get(schema);
  if (mode === 'discard') {
    store.clear(schema);
    return { rowsMerged: 0, tables: [] };
  }
  const conn = await connect(target);
  try {
    // Where preflight said the rows would be. A preflight before any copy found production's own
    // tables: the first copy keeps them in `__sy_prev`, and a rerun of presync leaves them there
    // (its `__sy_last` holds the first copy, without the rows). Otherwise, and for a record that
    // does not say: the tables the latest copy replaced, `__sy_last` after a rerun, else `__sy_prev`.
    const keptIn = store.keptIn(schema);
    const lastInfo = keptIn === 'prev' ? undefined : await inspectSchema(conn, lastSchema(schema), { objects: false });
    const fromLast = lastInfo?.exists === true;
    const prev = fromLast ? lastSchema(schema) : prevSchema(schema);
    const live = new Map((await inspectSchema(conn, schema, { objects: false })).tables.map((t) => [t.name, t]));
    const kept = new Map((fromLast ? lastInfo! : await inspectSchema(conn, prev, { objects: false })).tables.map((t) => [t.name, t]));
    const collisions: string[] = [];
    // rowHash: a table without a key, `keys` its [row hash, copies] pairs; `old` hashes as preflight did.
    const plan: Array<{ t: Table; keys: Key[]; rowHash?: { algo: ChecksumAlgo; old: Table } }> = [];
    for (const [name, keys] of recorded) {
      const algo = store.rowHash(schema, name);
      if (algo === TOO_MANY) {
        throw new SwitchyardError('SY_PRECONDITION', `${name}: preflight found more than ${MAX_ROW_HASHES} different rows only production has in this table without a key, too many to record: keep cannot merge them back (discard them, or give the table a primary key on both sides and run preflight again)`, { details: { table: name } });
      }
      const t = live.get(name);
      const old = kept.get(name);
      if (t === undefined || old === undefined) throw new SwitchyardError('SY_PRECONDITION', `${name}: not found in ${schema} and ${prev}; was presync run after preflight?`);
      const cols = dataColumns(t).map((c) => c.name);
      if (cols.join(',') !== dataColumns(old).map((c) => c.name).join(',')) throw new SwitchyardError('SY_CONFLICT', `${name}: columns differ between staging's and production's table; rows cannot be merged`, { details: { table: name } });
      if (algo !== '') {
        // No key, so none to collide on: the extra copies come back (a UNIQUE key staging's
        // table may have is caught as the rows go in).
        plan.push({ t, keys, rowHash: { algo: algo as ChecksumAlgo, old } });
        continue;
      }
      const todo: Key[] = [];
      // A FLOAT as its exact text (exactValue): its own drops digits, and a different row would look the same.
      const rowHash = (x: Table) => `MD5(CONCAT_WS('#', ${dataColumns(x).map((c) => `IFNULL(MD5(${exactValue(c)}),'-')`).join(', ')}))`;
      for (const k of keys) {
        const where = keyColumnTypes(t).map((c, i) => `${qi(c.name)} = ${keyLiteral(c, k[i]!)}`).join(' AND ');
        const [[a]] = (await conn.query(`SELECT ${rowHash(t)} AS h FROM ${qt(schema, name)} WHERE ${where}`)) as unknown as [[{ h: string } | undefined]];
        if (a === undefined) {
          todo.push(k);
          continue;
        }
        const [[b]] = (await conn.query(`SELECT ${rowHash(old)} AS h FROM ${qt(prev, name)} WHERE ${where}`)) as unknown as [[{ h: string } | undefined]];
        if (b !== undefined && b.h !== a.h) collisions.push(`${name}:${keyText(k)}`);
      }
      plan.push({ t, keys: todo });
    }
    if (collisions.length > 0) {
      throw new SwitchyardError('SY_CONFLICT', `production-only rows collide with staging rows under the same key: ${collisions.slice(0, 20).join(', ')}${collisions.length > 20 ? ` (+${collisions.length - 20} more)` : ''}`, { details: { collisions } });
    }
    let merged = 0;
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
      const hashedRows = new Map<string, string>();
      for (const [i, x] of into.entries()) {
        if (x.rowHash === undefined) continue;
        const tmp = `__sy_merge_rows_${i}`;
        const list = dataColumns(x.t).map((c) => qi(c.name)).join(', ');
        await loadRowHashes(conn, schema, '__sy_merge_hashes', (async function* () { yield x.keys; })(), x.t.name);
        await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, tmp)}`);
        await conn.query(
          `CREATE TEMPORARY TABLE ${qt(schema, tmp)} ENGINE=InnoDB SELECT * FROM (SELECT ${list}, ${rowHashSql(x.rowHash.old, x.rowHash.algo)} AS __sy_h FROM ${qt(prev, x.t.name)}) r WHERE __sy_h IN (SELECT h FROM ${qt(schema, '__sy_merge_hashes')})`,
        );
        await conn.query(`ALTER TABLE ${qt(schema, tmp)} ADD KEY (__sy_h)`);
        await conn.query(`DROP TEMPORARY TABLE ${qt(schema, '__sy_merge_hashes')}`);
        hashedRows.set(x.t.name, tmp);
      }
      await conn.query(`LOCK TABLES ${[...into.map((p) => `${qt(schema, p.t.name)} WRITE`), ...into.map((p) => `${qt(prev, p.t.name)} READ`)].join(', ')}`);
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
          for (const { t, keys, rowHash } of into) {
            const list = dataColumns(t).map((c) => qi(c.name)).join(', ');
            if (rowHash !== undefined) {
              for (const k of keys) {
                try {
                  // As many copies as production had more than staging (fewer where production deleted some since).
                  const [res] = await conn.query(`INSERT INTO ${qt(schema, t.name)} (${list}) SELECT ${list} FROM ${qt(schema, hashedRows.get(t.name)!)} WHERE __sy_h = ${k[0]!.toString('latin1')} LIMIT ${k[1]!.toString('latin1')}`);
                  merged += (res as { affectedRows: number }).affectedRows;
                } catch (err) {
                  if (errnoOf(err) !== ER_DUP_ENTRY) throw err;
                  unique.push(uniqueCollision({ ...t, keyColumns: [] }, k, err));
                }
              }
              continue;
            }
            for (const k of keys) {
              const where = keyColumnTypes(t).map((c, i) => `${qi(c.name)} = ${keyLiteral(c, k[i]!)}`).join(' AND ');
              try {
                const [res] = await conn.query(`INSERT INTO ${qt(schema, t.name)} (${list}) SELECT ${list} FROM ${qt(prev, t.name)} WHERE ${where}`);
                merged += (res as { affectedRows: number }).affectedRows;
              } catch (err) {
                if (errnoOf(err) !== ER_DUP_ENTRY) throw err;
                unique.push(uniqueCollision(t, k, err));
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
    store.clear(schema);
    return { rowsMerged: merged, tables: plan.filter((p) => p.keys.length > 0).map((p) => p.t.name) };
  } catch (err) {
    throw dbError(err, `merge production-only rows into ${schema}`);
  } finally {
    await closeConn(conn);
  }
}

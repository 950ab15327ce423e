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
import { TsvEncoder } from './tsv.js';
import { loadRows } from './load-rows.js';
import { keyText, keyToWire, type Key } from './convert.js';
import { hasKeptAside, lastSchema } from './swap.js';
import type { SourcePeer } from './peer.js';

/**
 * Where the copy puts the rows preflight found: the first copy moves production's tables to
 * `__sy_prev`, where they stay however often presync runs again; a copy after that moves the
 * tables it replaces (an earlier copy, with what production wrote since) to `__sy_last`.
 */
export type KeptIn = 'prev' | 'last';

/** Production-only keys per table, from the last preflight; in the state file when there is one. */
export class ProductionOnlyStore {
  private readonly mem = new Map<string, Map<string, Key[]>>();
  private readonly memKeptIn = new Map<string, KeptIn>();
  constructor(private readonly db?: Db) {}

  set(schema: string, table: string, keys: Key[], keptIn: KeptIn): void {
    const enc = JSON.stringify(keys.map((k) => k.map((v) => (v === null ? null : v.toString('hex')))));
    if (this.db !== undefined) {
      this.db
        .prepare('INSERT INTO db_production_only (schema_name, table_name, keys, recorded_at, kept_in) VALUES (?, ?, ?, ?, ?) ON CONFLICT(schema_name, table_name) DO UPDATE SET keys = excluded.keys, recorded_at = excluded.recorded_at, kept_in = excluded.kept_in')
        .run(schema, table, enc, new Date().toISOString(), keptIn);
    } else {
      if (!this.mem.has(schema)) this.mem.set(schema, new Map());
      this.mem.get(schema)!.set(table, keys);
      this.memKeptIn.set(schema, keptIn);
    }
  }

  /** Where the recorded rows are once copied; undefined for a record from an agent that did not say. */
  keptIn(schema: string): KeptIn | undefined {
    if (this.db === undefined) return this.memKeptIn.get(schema);
    const r = this.db.prepare("SELECT kept_in FROM db_production_only WHERE schema_name = ? AND kept_in <> '' LIMIT 1").get(schema) as { kept_in: string } | undefined;
    return r?.kept_in === 'prev' || r?.kept_in === 'last' ? r.kept_in : undefined;
  }

  clear(schema: string): void {
    if (this.db !== undefined) this.db.prepare('DELETE FROM db_production_only WHERE schema_name = ?').run(schema);
    else {
      this.mem.delete(schema);
      this.memKeptIn.delete(schema);
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
    for (const s of snap.tables) {
      const p = byName.get(s.name);
      if (p === undefined) continue;
      if (s.autoIncrement !== '' || p.autoIncrement !== '') {
        const risk = p.autoIncrement !== '' && s.autoIncrement !== '' && BigInt(p.autoIncrement) > BigInt(s.autoIncrement);
        report.auto_increment!.push({ table: s.name, staging: s.autoIncrement, production: p.autoIncrement, risk });
      }
      if (p.approxRows === 0 && (await rows<{ n: number }>(conn, `SELECT COUNT(*) AS n FROM ${qt(opts.targetSchema, p.name)}`))[0]!.n === 0) continue;
      if (p.keyColumns.length === 0 || p.keyColumns.join(',') !== s.keyColumns.join(',')) {
        report.notes!.push(`${s.name}: no common key on both sides; production-only rows cannot be told apart`);
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
        report.production_only!.push({ table: p.name, rows: Number(c!.n), ranges: [], key_columns: p.keyColumns });
        report.production_only_rows = Number(report.production_only_rows) + Number(c!.n);
        report.notes!.push(`${p.name}: exists only on production (${c!.n} rows); the copy moves it aside, keep does not bring it back`);
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
  return { table: t.name, keyColumns: t.keyColumns, key: keyText(k), uniqueKey: m?.[2]?.replace(/^.*\./, '') ?? '?', values: m?.[1] ?? msg };
}

function uniqueConflict(list: UniqueCollision[]): SwitchyardError {
  const text = (c: UniqueCollision) => `${c.table}: ${c.keyColumns.join(',')} ${c.key} takes ${c.uniqueKey} '${c.values}' from a staging row`;
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
    const plan: Array<{ t: Table; keys: Key[] }> = [];
    for (const [name, keys] of recorded) {
      const t = live.get(name);
      const old = kept.get(name);
      if (t === undefined || old === undefined) throw new SwitchyardError('SY_PRECONDITION', `${name}: not found in ${schema} and ${prev}; was presync run after preflight?`);
      const cols = dataColumns(t).map((c) => c.name);
      if (cols.join(',') !== dataColumns(old).map((c) => c.name).join(',')) throw new SwitchyardError('SY_CONFLICT', `${name}: columns differ between staging's and production's table; rows cannot be merged`, { details: { table: name } });
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
          for (const { t, keys } of into) {
            const list = dataColumns(t).map((c) => qi(c.name)).join(', ');
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

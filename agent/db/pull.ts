// presync on the production agent: the whole schema from the staging snapshot into
// `<db>__sy_shadow`, then one atomic swap. Production is untouched until the swap; a failed or
// killed run leaves only the shadow schema, which the next run drops first.
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import { closeConn, connect, dbError, type DbTarget } from './connect.js';
import { qi, qt, shadowSchema, checkSchemaName } from './sql.js';
import { inspectSchema, dataColumns, normalizeCreate, type Table, type SchemaInfo } from './inspect.js';
import { loadRows, PREPARED_MIN_ROW_BYTES, type LoadMethod } from './load-rows.js';
import { rawExecuteUsable } from './raw-execute.js';
import type { RowFormat } from './read-rows.js';
import { forgetLanded, swapIn } from './swap.js';
import { settleRolledBack, type ProductionOnlyStore } from './preflight.js';
import { ProgressMeter, runPool, type ProgressSink } from './progress.js';
import type { SourcePeer, RemoteSnapshot } from './peer.js';
import type { Key } from './convert.js';
import { addDeferred, deferrableIndexes, dropDeferred, type DeferredIndex } from './defer-indexes.js';
import { bestAlgo, checksumChunk } from './checksum.js';
import { explainLockWait } from './lock-wait.js';
import { ConnPool } from './conn-pool.js';
import { statsPause, type StatsPause } from './pause-stats.js';
import { chunkCount, chunkRange, newTablePlan, type ChunkCache, type TablePlan } from './chunk-cache.js';
import { readStamps, serverSecond, takeMark, waitPast } from './update-guard.js';

export interface PullOptions {
  target: DbTarget;
  peer: SourcePeer;
  sourceSchema: string;
  targetSchema: string;
  parallelism: number;
  logger: Logger;
  onProgress?: ProgressSink;
  /** Test hook / config: 'insert' never uses LOAD DATA LOCAL INFILE. */
  loadMethod?: 'auto' | 'insert';
  /** Chunk boundaries and production's chunk sums are recorded here for sync and verify. */
  cache?: ChunkCache;
  /** Preflight's record of production-only rows: told where the swap put them, and kept there. */
  productionOnly?: ProductionOnlyStore;
  /** Row bytes per checksum chunk; 0 or absent: staging's default. */
  chunkBytes?: number;
  /**
   * Test hook: 'rows' asks every table in the "rows" format, 'tsv' none; 'auto' (default) the
   * tables whose rows staging's statistics say are long (they load by prepared INSERTs, which
   * take the values as they are: no escaping on staging, no unescaping here).
   */
  rowFormat?: 'auto' | 'tsv' | 'rows';
  /**
   * Test hook: false hands mysql2 the parameters of "rows" tables one by one instead of writing
   * the row packets into execute packets, as on a server that expects query attributes.
   */
  rawExecute?: boolean;
}

export interface PullResult {
  tables: string[];
  rows: number;
  bytes: number;
  seconds: number;
  keptAside: string;
  loadMethods: LoadMethod[];
  /** The wire formats the tables came in. */
  rowFormats: RowFormat[];
  /** What the swap kept where one would not look for it. */
  notes: string[];
}

/** Staging's CREATE TABLE, run only as what it claims to be, in the schema we chose. */
export async function createTableFrom(conn: Connection, schema: string, t: Table): Promise<void> {
  const head = `CREATE TABLE ${qi(t.name)} `;
  if (!t.createSql.startsWith(head)) throw new SwitchyardError('SY_VALIDATION', `table ${t.name}: DDL does not start with ${head.trim()}`);
  await conn.query(`USE ${qi(schema)}`);
  await conn.query(t.createSql);
}

export async function prepareLoadSession(conn: Connection, schema: string): Promise<void> {
  await conn.query(`USE ${qi(schema)}`);
  // Rows arrive in any table order; the source already enforced its constraints.
  await conn.query('SET SESSION foreign_key_checks = 0, SESSION unique_checks = 0');
}

/** The shadow's own column lists must be staging's, or the row stream would land in the wrong columns. */
function checkColumns(local: Table, remote: Table): void {
  const a = dataColumns(local).map((c) => c.name).join(',');
  const b = dataColumns(remote).map((c) => c.name).join(',');
  if (a !== b) throw new SwitchyardError('SY_DB', `table ${local.name}: columns differ after create (${a} vs ${b})`);
}

/**
 * Loads `tables` from the snapshot into `schema`. With `plans`, each table's chunk boundaries
 * (picked by staging from the stream) are recorded there with production's checksum of every
 * chunk, taken right after the table loads, while other tables are still streaming.
 */
export async function copyTablesInto(
  opts: Pick<PullOptions, 'target' | 'peer' | 'parallelism' | 'loadMethod' | 'logger' | 'chunkBytes' | 'rowFormat' | 'rawExecute'>,
  snap: RemoteSnapshot,
  schema: string,
  tables: Table[],
  meter: ProgressMeter,
  plans?: Map<string, TablePlan>,
  formats?: Set<RowFormat>,
  /** Set to the server's second after the last table's rows were committed. */
  lastLoad?: { second: number },
): Promise<Set<LoadMethod>> {
  const meta = await connect(opts.target);
  const methods = new Set<LoadMethod>();
  try {
    // Tables are created in name order: a child before the parent its FOREIGN KEY names (WooCommerce's
    // wc_download_log before woocommerce_downloadable_product_permissions) fails with errno 150.
    await meta.query('SET SESSION foreign_key_checks = 0');
    const deferred = new Map<string, DeferredIndex[]>();
    const paused = new Map<string, StatsPause>();
    for (const t of tables) {
      await createTableFrom(meta, schema, t);
      const keys = deferrableIndexes(t, snap.tables);
      const pause = statsPause(t);
      await dropDeferred(meta, schema, t, keys, pause === undefined ? [] : [pause.off]);
      deferred.set(t.name, keys);
      if (pause !== undefined) paused.set(t.name, pause);
    }
    const local = await inspectSchema(meta, schema, { objects: false });
    const byName = new Map(local.tables.map((t) => [t.name, t]));
    for (const t of tables) checkColumns(byName.get(t.name)!, t);
    opts.logger.debug({ tables: tables.length }, 'tables created');
    const workers: Connection[] = [];
    // Two: at the tail one table is left, and its sums should use both cores of a small host.
    const sumPool = new ConnPool(() => connect(opts.target, { raw: true }), 2);
    try {
      for (let i = 0; i < Math.max(1, Math.min(opts.parallelism, tables.length)); i++) {
        const c = await connect(opts.target);
        workers.push(c);
        await prepareLoadSession(c, schema);
      }
      const order = [...tables].sort((a, b) => b.approxBytes - a.approxBytes);
      await runPool(order, workers.length, async (t, w) => {
        const localT = byName.get(t.name)!;
        const boundaries: Key[] = [];
        let format: RowFormat = 'tsv';
        const raw = opts.rawExecute !== false && rawExecuteUsable(workers[w]!);
        const askRows = wantsRowFormat(t, opts.rowFormat ?? 'auto', raw) ? { onFormat: (f: RowFormat) => (format = f) } : undefined;
        const source = async function* () {
          boundaries.length = 0;
          for await (const chunk of opts.peer.streamTable(snap.snapshotId, t.name, undefined, (keys) => boundaries.push(...keys), opts.chunkBytes ?? 0, askRows)) {
            meter.add(t.name, 0, chunk.length);
            yield chunk;
          }
        };
        opts.logger.debug({ table: t.name, worker: w }, 'table load starts');
        // One transaction for the table: InnoDB's bulk path for an empty table (no per-row undo)
        // holds for every INSERT in it, not only the first statement's.
        await workers[w]!.query('START TRANSACTION');
        const r = await loadRows(workers[w]!, schema, localT, source, opts.loadMethod ?? (opts.target.localInfile === false ? 'insert' : 'auto'), () => format, raw).catch(async (err: unknown) => {
          await workers[w]!.query('ROLLBACK').catch(() => undefined);
          throw err;
        });
        await workers[w]!.query('COMMIT');
        if (lastLoad !== undefined) lastLoad.second = Math.max(lastLoad.second, await serverSecond(workers[w]!));
        opts.logger.debug({ table: t.name, rows: r.rows, methods: r.methods, format }, 'table loaded');
        for (const m of r.methods) methods.add(m);
        if (r.rows > 0) formats?.add(format);
        // The chunks are known once the stream ends: staging sums them in its snapshot while
        // production builds the keys, and production sums them on connections of their own
        // while the key build runs (it reads the table online) — a big table's tail would
        // otherwise run these one after another on one connection each.
        // A keyed table that came without boundaries (no primary key order) is left to sync,
        // which chunks it on staging; a table without any key is one chunk by design.
        const plan = plans !== undefined && !(t.keyColumns.length > 0 && t.keyName !== 'PRIMARY') ? newTablePlan(normalizeCreate(t.createSql), t.keyColumns, [...boundaries]) : undefined;
        let sums: Promise<void> = Promise.resolve();
        if (plan !== undefined) {
          const algo = await bestAlgo(workers[w]!, snap.checksumAlgos);
          const prodSums = Promise.all(
            Array.from({ length: chunkCount(plan) }, (_, i) =>
              sumPool.use(async (c) => {
                plan.prod[i] = await checksumChunk(c, schema, localT, t.keyColumns.length > 0 ? chunkRange(plan, i) : undefined, algo);
              }),
            ),
          );
          // Staging's sums of the same chunks, in the same snapshot (so equal to what was just
          // loaded): sync need not read a table staging has not written since (UPDATE_TIME guard).
          const stagingSums =
            snap.guardMark === undefined
              ? Promise.resolve()
              : recordStagingSums(opts, snap, t, plan, algo).catch((err: unknown) => opts.logger.warn({ table: t.name, err: (err as Error).message }, 'staging chunk sums not recorded; sync will read them'));
          sums = Promise.allSettled([prodSums, stagingSums]).then(([p]) => {
            if (p.status === 'rejected') throw p.reason;
          });
        }
        try {
          const pause = paused.get(t.name);
          await addDeferred(workers[w]!, schema, t, deferred.get(t.name) ?? [], pause === undefined ? [] : [pause.restore]);
          if (pause !== undefined) await analyzeLoaded(workers[w]!, schema, t);
          opts.logger.debug({ table: t.name }, 'table keys built');
        } finally {
          // Not left running against a shadow the caller is about to drop.
          await sums.catch(() => undefined);
        }
        await sums;
        opts.logger.debug({ table: t.name }, 'table chunk sums taken');
        meter.add(t.name, r.rows, 0);
        meter.tableDone(t.name);
        if (plan !== undefined) plans!.set(t.name, plan);
      });
    } finally {
      await Promise.all([...workers.map((c) => closeConn(c)), sumPool.close()]);
    }
  } finally {
    await closeConn(meta);
  }
  return methods;
}

/** Whether to ask staging for `t`'s rows in the "rows" format (see PullOptions.rowFormat). */
function wantsRowFormat(t: Table, mode: 'auto' | 'tsv' | 'rows', raw: boolean): boolean {
  if (mode !== 'auto') return mode === 'rows';
  // Row packets go into execute packets as they are, whatever their length (load-rows.ts).
  if (raw) return true;
  // Statistics of a table with no rows counted say nothing: text, and loadRows decides.
  return t.approxRows > 0 && t.approxBytes / t.approxRows >= PREPARED_MIN_ROW_BYTES;
}

/**
 * Engine statistics only: were a MariaDB server set to collect engine-independent ones with
 * every ANALYZE, that would read the whole table once more. MySQL has no such setting (1193).
 */
async function analyzeLoaded(conn: Connection, schema: string, t: Table): Promise<void> {
  await conn.query("SET SESSION use_stat_tables = 'NEVER'").catch((err: unknown) => {
    if ((err as { errno?: number }).errno !== 1193) throw err;
  });
  const [res] = await conn.query(`ANALYZE TABLE ${qt(schema, t.name)}`);
  const bad = (res as Array<{ Msg_type: string; Msg_text: string }>).filter((r) => r.Msg_type === 'error');
  if (bad.length > 0) throw new SwitchyardError('SY_DB', `analyze ${t.name}: ${bad.map((r) => r.Msg_text).join('; ')}`);
}

async function recordStagingSums(opts: Pick<PullOptions, 'peer'>, snap: RemoteSnapshot, t: Table, plan: TablePlan, algo: string): Promise<void> {
  for await (const c of opts.peer.checksumChunks(snap.snapshotId, [], 0, [{ table: t.name, boundaries: plan.boundaries, only: [] }], algo)) {
    if (c.table === t.name && c.index < chunkCount(plan)) plan.staging[c.index] = { rows: Number(c.rows), checksum: c.checksum };
  }
  if (plan.staging.every((s) => s !== undefined)) plan.stagingMark = { mark: snap.guardMark!, create: t.stamp?.create ?? null, since: 'presync' };
}

export async function pullDatabase(opts: PullOptions): Promise<PullResult> {
  const started = Date.now();
  checkSchemaName(opts.targetSchema, 'peer.target_schema');
  const shadow = shadowSchema(opts.targetSchema);
  const snap = await opts.peer.openSnapshot(Math.max(1, opts.parallelism));
  const log = opts.logger.child({ component: 'db-pull', target: opts.targetSchema });
  log.info({ tables: snap.tables.length, sharedView: snap.sharedView, parallelism: snap.parallelism }, 'snapshot open on staging');
  const meta = await connect(opts.target);
  try {
    await meta.query(`DROP DATABASE IF EXISTS ${qi(shadow)}`);
    await meta.query(`CREATE DATABASE ${qi(shadow)} CHARACTER SET ${snap.defaultCharset} COLLATE ${snap.defaultCollation}`);
    const meter = new ProgressMeter('presync', snap.tables.length, new Map(snap.tables.map((t) => [t.name, t.approxBytes])), opts.onProgress);
    log.debug({ ms: Date.now() - started }, 'shadow schema ready');
    const plans = new Map<string, TablePlan>();
    const formats = new Set<RowFormat>();
    const lastLoad = { second: 0 };
    const methods = await copyTablesInto({ ...opts, parallelism: Math.min(opts.parallelism, snap.parallelism) }, snap, shadow, snap.tables, meter, plans, formats, lastLoad);
    await opts.peer.closeSnapshot(snap.snapshotId).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'closing the staging snapshot failed'));
    log.debug({ ms: Date.now() - started }, 'rows loaded');
    opts.cache?.forget(opts.targetSchema);
    // Production's sums were read from the shadow, which only we write; after the swap anyone may
    // write these tables. The mark is taken past the second of our loads, before the swap: the
    // second of the last load's commit, not the current one, since the key builds and sums after
    // it do not move UPDATE_TIME (ALTER … ADD INDEX and ANALYZE leave it, checked on 10.11) —
    // the wait then mostly overlaps the last table's key build instead of following it.
    let mark: number | undefined;
    if (plans.size > 0) {
      await waitPast(meta, lastLoad.second > 0 ? lastLoad.second : await serverSecond(meta));
      mark = await takeMark(meta);
    }
    // A rollback stopped before its records were told leaves them 'last': this copy is a first
    // one then, and took them for rows of production's own tables, now kept in `__sy_prev`.
    if (opts.productionOnly !== undefined) await settleRolledBack(meta, opts.targetSchema, opts.productionOnly, log);
    const swap = await swapIn(meta, opts.targetSchema, snap as SchemaInfo, opts.sourceSchema, log, { liveRecords: opts.productionOnly?.records(opts.targetSchema).filter((r) => r.keptIn === 'last') });
    opts.productionOnly?.landed(opts.targetSchema, swap.firstCopy);
    // Left, they are dropped by the next swap or preflight, which finds no record they match.
    await forgetLanded(meta, opts.targetSchema).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'the notes of the recorded rows this copy took aside were not cleared'));
    if (mark !== undefined) {
      const stamps = await readStamps(meta, opts.targetSchema);
      for (const [name, p] of plans) p.prodMark = { mark, create: stamps.get(name)?.create ?? null, since: 'presync' };
    }
    opts.cache?.set(opts.targetSchema, { tables: plans });
    const seconds = (Date.now() - started) / 1000;
    log.info({ rows: meter.rows, bytes: meter.bytes, seconds, loadMethods: [...methods], rowFormats: [...formats] }, 'copy swapped in');
    return { tables: snap.tables.map((t) => t.name), rows: meter.rows, bytes: meter.bytes, seconds, keptAside: swap.keptAside, loadMethods: [...methods], rowFormats: [...formats].sort(), notes: swap.notes };
  } catch (err) {
    await opts.peer.closeSnapshot(snap.snapshotId).catch(() => undefined);
    await meta.query(`DROP DATABASE IF EXISTS ${qi(shadow)}`).catch(() => undefined);
    throw dbError(await explainLockWait(err, opts.target, `copy ${opts.sourceSchema} → ${opts.targetSchema} on production`), `copy ${opts.sourceSchema} → ${opts.targetSchema}`);
  } finally {
    await closeConn(meta);
  }
}

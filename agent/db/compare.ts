// sync and verify on the production agent. Staging walks each table in key order, picks chunk
// boundaries and checksums them; this side checksums the same ranges as they stream in. With
// `repair`, differing chunks are re-copied (DELETE the range, load staging's rows, one
// transaction per chunk), tables whose DDL changed are re-copied whole, objects re-created.
// Sums recorded earlier (presync, a previous sync or verify) stand in for a side of a table only
// while its UPDATE_TIME guard holds on that side (update-guard.ts); each table's report says
// which side was read and why. A repaired table's production sums count again only once read
// after a mark past our last write to it (the next call does that).
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import { closeConn, connect, dbError, errnoOf, rows, type DbTarget } from './connect.js';
import { qi, qt, rangeWhere, shadowSchema, checkSchemaName, KEPT_TABLE, type RangeBounds } from './sql.js';
import { inspectSchema, keyColumnTypes, normalizeCreate, type SchemaInfo, type SchemaObject, type Table } from './inspect.js';
import { ConnPool } from './conn-pool.js';
import { bestAlgo, checksumChunk, type ChunkSum } from './checksum.js';
import { chunkCount, chunkRange, newTablePlan, sameSum, type ChunkCache, type TablePlan } from './chunk-cache.js';
import { guard, readStamps, serverSecond, takeMark, waitPast, type GuardVerdict, type SideMark } from './update-guard.js';
import { rangeFromWire, keyText } from './convert.js';
import { loadRows } from './load-rows.js';
import { rawExecuteUsable } from './raw-execute.js';
import type { RowFormat } from './read-rows.js';
import { copyTablesInto } from './pull.js';
import { createObjects, dropAllObjects, existingObjects, objectsEqual } from './objects.js';
import { ProgressMeter, runPool, type ProgressSink } from './progress.js';
import type { RemoteSnapshot, SourcePeer, TableChunksPlan } from './peer.js';
import { abandonTrash, asideSchemas, emptyTrash, forgetLiveToo, forgetRolledBack, keepChangedLive, keepObjectsAside, keepRecordedInLast, keepTriggersAside, liveTooRepairBegins, moveAside, openTrash, productionsOwn, recordCopied, rolledBackRecords, trashSchema, triggersOn } from './swap.js';
import type { ProductionOnlyStore } from './preflight.js';
import { TOO_MANY } from './last-rows.js';
import { EarlyLocks, lockForRepair, repairSession, unlockRepair } from './repair-lock.js';
import { explainLockWait } from './lock-wait.js';

export interface TableParity {
  table: string;
  chunks: number;
  differingChunks: number;
  stagingRows: number;
  productionRows: number;
  equal: boolean;
  note: string;
  rowsCopied: number;
  differing: RangeBounds[];
  /** "reused: unchanged since presync (UPDATE_TIME)", "checksummed: written since sync", ... */
  stagingCheck: string;
  productionCheck: string;
  stagingChunksChecked: number;
  productionChunksChecked: number;
  /** The wire formats the repaired chunks' rows came in (sync only; not sent to the controller). */
  rowFormats?: RowFormat[];
}

export interface ParityReport {
  equal: boolean;
  tables: TableParity[];
  objectsDiffering: string[];
  seconds: number;
  stagingChunksChecked: number;
  productionChunksChecked: number;
  mode: 'full' | 'guarded';
}

export interface CompareOptions {
  target: DbTarget;
  peer: SourcePeer;
  sourceSchema: string;
  targetSchema: string;
  repair: boolean;
  parallelism: number;
  targetMs: number;
  logger: Logger;
  onProgress?: ProgressSink;
  /** Checksum every chunk on both sides, ignoring recorded sums and their UPDATE_TIME guard. */
  full?: boolean;
  cache?: ChunkCache;
  /** Test hook: false repairs from staging's text (LOAD DATA or mysql2's parameters), as where execute packets cannot be written. */
  rawExecute?: boolean;
  /** Preflight's record of production-only rows: those in the live tables are kept aside before a repair changes them. */
  productionOnly?: ProductionOnlyStore;
}

const algoOf = (s: ChunkSum | undefined): string => s?.checksum.split(':')[0] ?? '';

/** Same columns, same key, same DDL apart from the counter: chunk-comparable. */
function schemaNote(s: Table, p: Table | undefined): string {
  if (p === undefined) return 'missing on production';
  if (normalizeCreate(s.createSql) !== normalizeCreate(p.createSql)) return 'schema differs';
  if (s.keyColumns.join(',') !== p.keyColumns.join(',')) return 'key differs';
  return '';
}

export async function compareDatabases(opts: CompareOptions): Promise<ParityReport> {
  const started = Date.now();
  checkSchemaName(opts.targetSchema, 'peer.target_schema');
  const log = opts.logger.child({ component: opts.repair ? 'db-sync' : 'db-verify', target: opts.targetSchema });
  // Production's side needs nothing from staging's snapshot, and staging's open may wait for
  // the lock's second to pass (update-guard): read production's schema meanwhile.
  const metaP = connect(opts.target);
  const prodP = metaP.then((m) => inspectSchema(m, opts.targetSchema));
  prodP.catch(() => undefined);
  const [snapR, metaR] = await Promise.allSettled([opts.peer.openSnapshot(Math.max(1, opts.parallelism)), metaP]);
  if (snapR.status === 'rejected' || metaR.status === 'rejected') {
    if (snapR.status === 'fulfilled') await opts.peer.closeSnapshot(snapR.value.snapshotId).catch(() => undefined);
    if (metaR.status === 'fulfilled') await closeConn(metaR.value);
    throw snapR.status === 'rejected' ? snapR.reason : (metaR as PromiseRejectedResult).reason;
  }
  const snap = snapR.value;
  const meta = metaR.value;
  const pool = new ConnPool(() => connect(opts.target, { raw: true }), Math.max(1, opts.parallelism));
  let early: EarlyLocks | undefined;
  try {
    log.debug({ ms: Date.now() - started }, 'staging snapshot open');
    const prod = await prodP;
    if (!prod.exists) throw new SwitchyardError('SY_PRECONDITION', `schema ${opts.targetSchema} does not exist on production; run presync first`);
    // Before anything reads the live tables for the repair (early locks, marks): the join only reads them.
    if (opts.repair && opts.productionOnly !== undefined) await keepRecordedRows(meta, opts.targetSchema, prod, snap.tables.map((t) => t.name), opts.productionOnly, log);
    // Rows an earlier, failed sync kept aside while they stayed live, changed by production since:
    // the newer live rows are kept aside in their place, or sync refuses (keepChangedLive).
    if (opts.repair) await keepChangedLive(meta, opts.targetSchema, prod, log);
    const prodByName = new Map(prod.tables.map((t) => [t.name, t]));
    const report = new Map<string, TableParity>();
    const comparable: Table[] = [];
    const recopy: Table[] = [];
    for (const s of snap.tables) {
      const note = schemaNote(s, prodByName.get(s.name));
      report.set(s.name, { table: s.name, chunks: 0, differingChunks: 0, stagingRows: 0, productionRows: 0, equal: note === '', note, rowsCopied: 0, differing: [], stagingCheck: '', productionCheck: '', stagingChunksChecked: 0, productionChunksChecked: 0 });
      if (note === '') comparable.push(prodByName.get(s.name)!);
      else recopy.push(s);
    }
    const extra = prod.tables.filter((t) => !snap.tables.some((s) => s.name === t.name));
    for (const t of extra) report.set(t.name, { table: t.name, chunks: 0, differingChunks: 0, stagingRows: 0, productionRows: t.approxRows, equal: false, note: 'missing on staging', rowsCopied: 0, differing: [], stagingCheck: '', productionCheck: '', stagingChunksChecked: 0, productionChunksChecked: 0 });
    const objectsDiffering = objectsEqual(snap.objects, prod.objects, opts.sourceSchema, opts.targetSchema);

    // Chunk boundaries and sums remembered since presync (or the last sync / verify).
    let cached = opts.cache?.get(opts.targetSchema);
    if (cached === undefined) {
      cached = { tables: new Map() };
      opts.cache?.set(opts.targetSchema, cached);
    }
    const plans = new Map<string, TablePlan>();
    for (const t of comparable) {
      const p = cached.tables.get(t.name);
      if (p !== undefined && p.ddl === normalizeCreate(t.createSql) && p.keyColumns.join(',') === t.keyColumns.join(',')) plans.set(t.name, p);
      else cached.tables.delete(t.name);
    }
    const phase = opts.repair ? 'sync' : 'verify';
    // Our own last writes (a sync's repairs) must fall in a second before the mark, or every
    // table we repaired would look written by someone else from now on.
    const ours = Math.max(0, ...[...plans.values()].map((p) => p.lastWrite ?? 0));
    if (ours > 0) await waitPast(meta, ours);
    const prodMark = await takeMark(meta);
    const prodStamps = await readStamps(meta, opts.targetSchema);
    const stagingStamps = new Map(snap.tables.map((t) => [t.name, t.stamp]));
    const verdicts = new Map<string, { staging: GuardVerdict; prod: GuardVerdict }>();
    const fullPass: GuardVerdict = { holds: false, reason: 'full pass asked' };
    const complete = (p: TablePlan, xs: Array<ChunkSum | undefined>) => xs.length === chunkCount(p) && xs.every((x) => x !== undefined);
    const requests: TableChunksPlan[] = [];
    const prodOnly: Array<{ name: string; index: number }> = [];
    for (const [name, p] of plans) {
      let sv = opts.full === true ? fullPass : guard(p.stagingMark, stagingStamps.get(name));
      if (sv.holds && !complete(p, p.staging)) sv = { holds: false, reason: 'sums incomplete' };
      let pv = opts.full === true ? fullPass : p.prodMark === undefined && p.lastWrite !== undefined ? { holds: false, reason: 'repaired by sync' } : guard(p.prodMark, prodStamps.get(name));
      if (pv.holds && !complete(p, p.prod)) pv = { holds: false, reason: 'sums incomplete' };
      if (sv.holds && pv.holds && algoOf(p.staging[0]) !== algoOf(p.prod[0])) pv = { holds: false, reason: 'sums of another algorithm' };
      verdicts.set(name, { staging: sv, prod: pv });
      const entry = report.get(name)!;
      entry.stagingCheck = `${sv.holds ? 'reused' : 'checksummed'}: ${sv.reason}`;
      entry.productionCheck = `${pv.holds ? 'reused' : 'checksummed'}: ${pv.reason}`;
      if (!sv.holds) requests.push({ table: name, boundaries: p.boundaries, only: [] });
      else for (let i = 0; i < chunkCount(p); i++) prodOnly.push({ name, index: i });
    }
    // Tables sync will most likely repair, locked while staging's sums come (repair-lock.ts).
    // Only where production's guard holds: this side then reads nothing of them before the repair.
    early =
      opts.repair
        ? EarlyLocks.start(
            opts.target,
            opts.targetSchema,
            [...verdicts].filter(([, v]) => !v.staging.holds && v.prod.holds).map(([name]) => name).slice(0, Math.max(1, opts.parallelism)),
            prod.objects.filter((o) => o.kind === 'TRIGGER'),
            log,
          )
        : undefined;
    const unplanned = comparable.filter((t) => !plans.has(t.name));
    for (const t of unplanned) {
      const entry = report.get(t.name)!;
      entry.stagingCheck = 'checksummed: no sums recorded';
      entry.productionCheck = 'checksummed: no sums recorded';
    }
    const fresh = new Map<string, Array<{ index: number; range: RangeBounds; staging: ChunkSum; prod: ChunkSum | undefined }>>(unplanned.map((t) => [t.name, []]));

    const byLocal = new Map(comparable.map((t) => [t.name, t]));
    const inflight: Array<Promise<void>> = [];
    let stagingChecked = 0;
    let productionChecked = 0;
    // Index of each entry.differing range in its table's plan, for sums a locked repair proves.
    const differingIndex = new Map<string, number[]>();
    const record = (t: Table, entry: TableParity, index: number, range: RangeBounds, st: ChunkSum, pr: ChunkSum) => {
      entry.chunks++;
      entry.stagingRows += st.rows;
      entry.productionRows += pr.rows;
      const p = plans.get(t.name);
      const differs = !sameSum(st, pr);
      if (differs) {
        entry.differingChunks++;
        entry.equal = false;
        entry.differing.push(range);
        differingIndex.set(t.name, [...(differingIndex.get(t.name) ?? []), index]);
      }
      if (p !== undefined) {
        p.staging[index] = st;
        // A chunk about to be repaired has no known production sum until it is checked again.
        p.prod[index] = differs && opts.repair ? undefined : pr;
      } else fresh.get(t.name)?.push({ index, range, staging: st, prod: differs && opts.repair ? undefined : pr });
    };
    const checkProduction = async (t: Table, entry: TableParity, index: number, range: RangeBounds, st: ChunkSum) => {
      // A table locked early can be read only through its lock's own connection.
      const locked = await early?.get(t.name);
      const sum = (conn: Connection) => checksumChunk(conn, opts.targetSchema, t, t.keyColumns.length > 0 ? range : undefined, algoOf(st));
      const mine = locked !== undefined ? await sum(locked) : await pool.use(sum);
      productionChecked++;
      entry.productionChunksChecked++;
      record(t, entry, index, range, st, mine);
    };
    // Staging unchanged: its recorded sums stand; production's too where its guard holds.
    for (const { name, index } of prodOnly) {
      const p = plans.get(name)!;
      const t = byLocal.get(name)!;
      const entry = report.get(name)!;
      const st = p.staging[index]!;
      if (verdicts.get(name)!.prod.holds) record(t, entry, index, chunkRange(p, index), st, p.prod[index]!);
      else inflight.push(checkProduction(t, entry, index, chunkRange(p, index), st));
    }
    // Staging hashes the way production's recorded sums did, so they stay usable.
    const knownSum = [...plans.values()].flatMap((p) => p.prod).find((x) => x !== undefined);
    const algo = knownSum !== undefined ? algoOf(knownSum) : await bestAlgo(meta, snap.checksumAlgos);
    if (requests.length > 0 || unplanned.length > 0) {
      for await (const c of opts.peer.checksumChunks(snap.snapshotId, unplanned.map((t) => t.name), opts.targetMs, requests, algo)) {
        const t = byLocal.get(c.table);
        const entry = report.get(c.table);
        if (t === undefined || entry === undefined) throw new SwitchyardError('SY_DB', `staging sent a chunk for unknown table ${c.table}`);
        stagingChecked++;
        entry.stagingChunksChecked++;
        const st: ChunkSum = { rows: Number(c.rows), checksum: c.checksum };
        const p = plans.get(t.name);
        const range = p !== undefined ? chunkRange(p, c.index) : (rangeFromWire(c.range) ?? {});
        const known = p?.prod[c.index];
        if (verdicts.get(t.name)?.prod.holds === true && known !== undefined && algoOf(known) === algoOf(st)) {
          record(t, entry, c.index, range, st, known);
          continue;
        }
        inflight.push(checkProduction(t, entry, c.index, range, st));
      }
    }
    await Promise.all(inflight);
    log.debug({ ms: Date.now() - started }, 'checksums compared');
    // A side read again in full in this call gets a new mark: staging's from this snapshot,
    // production's from just before its reads.
    const stagingMarkNow = (name: string): SideMark | undefined => (snap.guardMark === undefined ? undefined : { mark: snap.guardMark, create: stagingStamps.get(name)?.create ?? null, since: phase });
    const prodMarkNow = (name: string): SideMark | undefined => (prodMark === undefined ? undefined : { mark: prodMark, create: prodStamps.get(name)?.create ?? null, since: phase });
    for (const [name, p] of plans) {
      const v = verdicts.get(name)!;
      if (!v.staging.holds) p.stagingMark = complete(p, p.staging) ? stagingMarkNow(name) : undefined;
      if (!v.prod.holds) {
        p.prodMark = complete(p, p.prod) ? prodMarkNow(name) : undefined;
        if (p.prodMark !== undefined) delete p.lastWrite;
      }
    }
    // Tables chunked on staging just now keep those boundaries for the next call.
    for (const t of unplanned) {
      const chunks = (fresh.get(t.name) ?? []).sort((a, b) => a.index - b.index);
      if (chunks.length === 0 || chunks.some((c, i) => c.index !== i)) continue;
      const p = newTablePlan(normalizeCreate(t.createSql), t.keyColumns, chunks.slice(0, -1).map((c) => c.range.upper!));
      chunks.forEach((c, i) => {
        p.staging[i] = c.staging;
        p.prod[i] = c.prod;
      });
      if (complete(p, p.staging)) p.stagingMark = stagingMarkNow(t.name);
      if (complete(p, p.prod)) p.prodMark = prodMarkNow(t.name);
      cached.tables.set(t.name, p);
    }
    for (const t of recopy) cached.tables.delete(t.name);

    if (opts.repair) {
      for (const t of tiedByForeignKeys(recopy, snap.tables, prod.tables)) {
        const e = report.get(t.name)!;
        log.info({ table: t.name }, 'tied by a foreign key to a table re-copied whole: re-copied with it');
        e.note = 'tied by a foreign key to a table re-copied whole';
        recopy.push(t);
        cached.tables.delete(t.name);
      }
      // The mark under which each planned table's production sums are true right now.
      const base = new Map<string, SideMark | undefined>();
      for (const [name, p] of plans) base.set(name, verdicts.get(name)!.prod.holds ? p.prodMark : prodMarkNow(name));
      const proven = await repair(opts, snap, prod, report, recopy, extra, objectsDiffering, log, base, algo, early);
      // Rows kept aside before this repair, or a failed one's, are no longer live as well: said so, or
      // keep would take those the live table held then for live still. Left, keep takes no fewer.
      await forgetLiveToo(meta, opts.targetSchema).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'the notes of the rows kept aside before the repair while live were not cleared'));
      // Otherwise, production's sums of a repaired table are proven only by a read after a mark
      // past this second: a foreign write racing the repair must not hide behind ours.
      const second = await serverSecond(meta);
      for (const e of report.values()) {
        const p = cached.tables.get(e.table);
        if (p === undefined || e.differingChunks === 0) continue;
        const done = proven.get(e.table);
        const idx = differingIndex.get(e.table) ?? [];
        if (done !== undefined && idx.length === done.sums.length) {
          idx.forEach((i, k) => (p.prod[i] = done.sums[k]));
          p.prodMark = done.mark;
          delete p.lastWrite;
          e.productionCheck += `; repaired under LOCK TABLES, re-read: ${done.sums.length} chunks`;
          e.productionChunksChecked += done.sums.length;
          productionChecked += done.sums.length;
          continue;
        }
        delete p.prodMark;
        p.lastWrite = second;
      }
      log.debug({ ms: Date.now() - started }, 'repaired');
    }
    const tables = [...report.values()].sort((a, b) => a.table.localeCompare(b.table));
    const equal = tables.every((t) => t.equal) && objectsDiffering.length === 0;
    const mode = opts.full === true ? 'full' : 'guarded';
    log.info({ mode, stagingChecked, productionChecked, guardMarks: { staging: snap.guardMark ?? null, production: prodMark ?? null } }, 'chunks checked');
    for (const t of tables) log.debug({ table: t.table, staging: t.stagingCheck, production: t.productionCheck }, 'table checked');
    for (const t of tables.filter((x) => !x.equal)) log.info({ table: t.table, note: t.note, differing: t.differing.slice(0, 5).map((r) => `${keyText(r.lower)}..${keyText(r.upper)}`) }, 'table differs');
    return { equal, tables, objectsDiffering, seconds: (Date.now() - started) / 1000, stagingChunksChecked: stagingChecked, productionChunksChecked: productionChecked, mode };
  } catch (err) {
    // Our early locks' open transactions are still held here: not the ones to name.
    const own = new Set((await early?.held())?.map((c) => c.threadId) ?? []);
    throw dbError(await explainLockWait(err, opts.target, `${opts.repair ? 'sync' : 'verify'} ${opts.targetSchema} on production`, own), `${opts.repair ? 'sync' : 'verify'} ${opts.targetSchema}`);
  } finally {
    await early?.release();
    await opts.peer.closeSnapshot(snap.snapshotId).catch(() => undefined);
    await pool.close();
    await closeConn(meta);
  }
}

/**
 * Production-only rows recorded in the live tables ('last'), which the repair would replace with
 * staging's or drop with a table re-copied whole, kept in `<db>__sy_last` first (keepRecordedInLast),
 * and the records told so ('last-kept'): keep merges them from there. A preflight of the live copy
 * records them, and a copy after it takes them aside; a preflight run after the last copy (another
 * cutover's, of the same site, while this one waited to sync) left them for the repair. Those of a
 * table staging lacks are not repaired: sync moves the table aside whole, rows and all.
 */
async function keepRecordedRows(meta: Connection, target: string, prod: SchemaInfo, staging: string[], store: ProductionOnlyStore, log: Logger): Promise<void> {
  const recorded = store.records(target).filter((r) => r.keptIn === 'last');
  if (recorded.length === 0) return;
  // A sync (or DB rollback) that joined them and stopped before the agent was told: told now, not joined again.
  const landed = await rolledBackRecords(meta, target, recorded);
  if (landed.length > 0) store.landed(target, false, landed.map((r) => r.table));
  const stagingHas = new Set(staging);
  // A record of too many rows to keep names none: keep refuses it whatever is kept.
  const kept = await keepRecordedInLast(meta, target, prod, recorded.filter((r) => !landed.includes(r) && stagingHas.has(r.table) && r.rowHash !== TOO_MANY && r.keys.length > 0), log);
  if (kept.length > 0) store.landed(target, false, kept.map((r) => r.table));
  // Left, they are dropped by the next preflight, copy, rollback or sync, which finds no record they match.
  if (landed.length > 0 || kept.length > 0) await forgetRolledBack(meta, target).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'the notes of the recorded rows kept aside before the repair were not cleared'));
}

async function repair(
  opts: CompareOptions,
  snap: RemoteSnapshot,
  prod: SchemaInfo,
  report: Map<string, TableParity>,
  recopy: Table[],
  extra: Table[],
  objectsDiffering: string[],
  log: Logger,
  guardBase: Map<string, SideMark | undefined> = new Map(),
  algo?: string,
  early?: EarlyLocks,
): Promise<Map<string, { sums: ChunkSum[]; mark: SideMark }>> {
  const proven = new Map<string, { sums: ChunkSum[]; mark: SideMark }>();
  const target = opts.targetSchema;
  const prodByName = new Map(prod.tables.map((t) => [t.name, t]));
  const whole = new Set(recopy.map((t) => t.name));
  const chunks = [...report.values()].filter((e) => !whole.has(e.table)).flatMap((e) => e.differing.map((range) => ({ e, range })));
  const meter = new ProgressMeter('sync', recopy.length + chunks.length, 0, opts.onProgress);
  const workers: Connection[] = [];
  // Tables locked since the comparison (repair-lock.ts), by name.
  const lockedEarly = new Map<string, Connection>();
  const meta = await connect(opts.target);
  const t0 = Date.now();
  const lap = (what: string) => log.debug({ ms: Date.now() - t0 }, what);
  // Production's own definitions of every object this repair took off: a repair that fails puts
  // back whichever of them is still missing, so production keeps them whatever happens.
  const takenOff: SchemaObject[] = [];
  let failed = false;
  try {
    // Chosen before anything changes: a table that cannot be kept aside stops sync untouched.
    const aside = await asideSchemas(meta, target, extra.map((t) => t.name));
    const asideTriggers = await triggersOn(meta, target, prod.objects, [...aside.keys()]);
    const structural = recopy.length > 0 || extra.length > 0 || objectsDiffering.length > 0;
    // Chunks of one table are repaired one after another (parallel DELETE+LOAD on one table
    // deadlock on gap locks); tables run in parallel. A deadlock with anything else is retried.
    const byTable = new Map<string, typeof chunks>();
    for (const c of chunks) byTable.set(c.e.table, [...(byTable.get(c.e.table) ?? []), c]);
    const groups = [...byTable.values()];
    // From here a live row under a key kept aside while live may be staging's (LIVE_TOO).
    await liveTooRepairBegins(meta, target, [...new Set([...byTable.keys(), ...recopy.map((t) => t.name)])]);
    // The early locks of tables with chunks to repair are used; the others go now (their
    // triggers back), before any DDL here could wait on them — all of them for a structural
    // change, whose object and table DDL may touch any table.
    // Trigger name → its table, for the triggers the early locks dropped.
    const droppedEarly = new Map<string, string>();
    if (early !== undefined) {
      if (!structural) {
        for (const g of groups) {
          const name = g[0]!.e.table;
          const c = await early.take(name);
          if (c === undefined) continue;
          lockedEarly.set(name, c);
          for (const trg of early.droppedTriggers(name)) droppedEarly.set(trg, name);
        }
      }
      await early.release();
    }
    takenOff.push(...prod.objects.filter((o) => o.kind === 'TRIGGER' && droppedEarly.has(o.name)));
    // Triggers block cross-schema RENAME and may fire on our DELETEs: off while we repair, all
    // objects re-created from staging's definitions afterwards. Without a structural change only
    // the repaired tables' own triggers go, and each table's come back as soon as its repair is
    // done, under its lock when it has one: foreign writes elsewhere never run without them.
    // (An early lock dropped its table's own already: from here they would wait on that lock.)
    const triggersOf = new Map<string, SchemaObject[]>();
    if (structural) {
      // Staging defines the objects: those only production has go too, but not unrecorded (they
      // were lost without a word). The triggers of tables moved aside are kept with them below.
      const stagingHas = new Set(snap.objects.map((o) => `${o.kind} ${o.name}`));
      const ofAside = new Set([...asideTriggers.values()].flat().map((o) => o.name));
      const only = await productionsOwn(meta, target, prod.objects.filter((o) => !stagingHas.has(`${o.kind} ${o.name}`) && !(o.kind === 'TRIGGER' && ofAside.has(o.name))));
      const keptIn = await keepObjectsAside(meta, target, only, log);
      const told = new Set(only.map((o) => `${o.kind} ${o.name}: extra`));
      for (const [i, d] of objectsDiffering.entries()) {
        if (keptIn !== undefined && told.has(d)) objectsDiffering[i] = `${d} — only production had it: dropped, ${keptIn.rollbackRecreates ? `its definition kept in ${keptIn.schema} (a DB rollback re-creates it)` : `its definition kept in ${keptIn.schema}.${KEPT_TABLE} until release, to re-create by hand (nothing is kept aside for a DB rollback)`}`;
      }
      takenOff.push(...prod.objects);
      await dropAllObjects(meta, target, prod.objects);
    } else {
      const repaired = new Set(groups.map((g) => g[0]!.e.table));
      const on = await rows<{ n: string; t: string }>(meta, 'SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [target]);
      const tableOf = new Map([...on.map((r): [string, string] => [String(r.n), String(r.t)]), ...droppedEarly]);
      for (const o of snap.objects.filter((x) => x.kind === 'TRIGGER')) {
        const table = tableOf.get(o.name);
        if (table !== undefined && repaired.has(table)) triggersOf.set(table, [...(triggersOf.get(table) ?? []), o]);
      }
      const off = prod.objects.filter((o) => o.kind === 'TRIGGER' && !droppedEarly.has(o.name) && repaired.has(tableOf.get(o.name) ?? ''));
      takenOff.push(...off);
      await dropAllObjects(meta, target, off);
    }
    const restored = new Set<string>();
    // A table's triggers back on the connection that repaired it; one that fails is left to the
    // pass after all repairs.
    const restoreTriggers = async (conn: Connection, name: string) => {
      const defs = triggersOf.get(name) ?? [];
      if (defs.length === 0) return;
      try {
        await createObjects(conn, target, defs, opts.sourceSchema);
        for (const d of defs) restored.add(d.name);
      } catch (err) {
        log.info({ table: name, err: (err as Error).message }, 'triggers not put back with their repair; they are after all repairs');
      }
    };

    for (let i = 0; i < Math.max(1, Math.min(opts.parallelism, groups.length - lockedEarly.size)); i++) workers.push(await repairSession(opts.target, target));
    lap('repair: objects dropped, workers ready');
    // One chunk's range deleted on production, or staging's rows for it loaded; the rows loaded.
    const deleteChunk = async (conn: Connection, t: Table, range: RangeBounds) => {
      await conn.query(`DELETE FROM ${qt(target, t.name)} WHERE ${t.keyColumns.length > 0 ? rangeWhere(keyColumnTypes(t), range) : '1=1'}`);
    };
    const loadChunk = async (conn: Connection, e: TableParity, t: Table, range: RangeBounds): Promise<number> => {
      // Staging's row packets written into execute packets where this connection can, as
      // presync loads them: nothing escaped on staging, nothing parsed here.
      let format: RowFormat = 'tsv';
      const raw = opts.rawExecute !== false && rawExecuteUsable(conn);
      const askRows = raw ? { onFormat: (f: RowFormat) => (format = f) } : undefined;
      const r = await loadRows(conn, target, t, () => opts.peer.streamTable(snap.snapshotId, t.name, t.keyColumns.length > 0 ? range : undefined, undefined, 0, askRows), opts.target.localInfile === false ? 'insert' : 'auto', () => format, raw);
      if (r.rows > 0 && !(e.rowFormats ??= []).includes(format)) e.rowFormats.push(format);
      lap(`repair: ${t.name} chunk of ${r.rows} rows (${r.methods.join('+')}, ${format})`);
      return r.rows;
    };
    const counted = (e: TableParity, rows: number) => {
      e.rowsCopied += rows;
      meter.add(e.table, rows, 0);
      meter.tableDone(e.table);
    };
    const deadlocked = (err: unknown) => errnoOf(err) === 1213 || /Deadlock/.test((err as Error).message);
    const duplicate = (err: unknown) => errnoOf(err) === 1062 || /ER_DUP_ENTRY|Duplicate entry/.test((err as Error).message);
    // oneTransaction: every chunk in the transaction the early lock began, so the table's stamp
    // is that transaction's start; a failure rolls back the table's whole repair.
    const repairChunks = async (conn: Connection, group: typeof chunks, locked: boolean, oneTransaction: boolean) => {
      const pending: Array<{ e: TableParity; rows: number }> = [];
      for (let i = 0; i < group.length; i++) {
        const { e, range } = group[i]!;
        const t = prodByName.get(e.table)!;
        for (let attempt = 1; ; attempt++) {
          // Under LOCK TABLES, START TRANSACTION would release the lock: autocommit is off instead.
          if (!locked) await conn.query('START TRANSACTION');
          try {
            await deleteChunk(conn, t, range);
            const rows = await loadChunk(conn, e, t, range);
            if (oneTransaction) pending.push({ e, rows });
            else {
              await conn.query('COMMIT');
              counted(e, rows);
            }
            break;
          } catch (err) {
            await conn.query('ROLLBACK').catch(() => undefined);
            // A unique value that moved on staging from a row of a later chunk to one of this
            // chunk is still held by that row here: those chunks go together (below).
            if (duplicate(err)) {
              log.info({ table: e.table, chunks: group.length - (oneTransaction ? 0 : i), err: (err as Error).message }, 'a unique key value moved between chunks: the rest of the table repaired in one transaction');
              await repairTogether(conn, oneTransaction ? group : group.slice(i), locked);
              return;
            }
            // A deadlock victim may go again at once; a lock wait that timed out would only wait
            // for the same holder again (innodb_lock_wait_timeout each time): it fails, named.
            if (!oneTransaction && deadlocked(err) && attempt < 4) continue;
            throw err;
          }
        }
      }
      if (oneTransaction) {
        await conn.query('COMMIT');
        for (const p of pending) counted(p.e, p.rows);
      }
    };
    // Every range deleted before any is loaded, in one transaction: once all of them are gone, the
    // table holds only rows equal to staging's, so staging's rows for them cannot collide.
    const repairTogether = async (conn: Connection, group: typeof chunks, locked: boolean) => {
      for (let attempt = 1; ; attempt++) {
        if (!locked) await conn.query('START TRANSACTION');
        try {
          for (const { e, range } of group) await deleteChunk(conn, prodByName.get(e.table)!, range);
          const done: Array<{ e: TableParity; rows: number }> = [];
          for (const { e, range } of group) done.push({ e, rows: await loadChunk(conn, e, prodByName.get(e.table)!, range) });
          await conn.query('COMMIT');
          for (const d of done) counted(d.e, d.rows);
          return;
        } catch (err) {
          await conn.query('ROLLBACK').catch(() => undefined);
          if (deadlocked(err) && attempt < 4) continue;
          throw err;
        }
      }
    };
    // Open transactions of our own that never write a given table: every repair connection
    // holds a lock on its own table only.
    const ours = [...workers, ...lockedEarly.values()];
    const free = [...workers];
    await runPool(groups, Math.max(1, Math.min(opts.parallelism, groups.length)), async (group) => {
      const name = group[0]!.e.table;
      const lockedSince = lockedEarly.get(name);
      // As many workers as tables repaired at once without an early lock: one is always free.
      const conn = lockedSince ?? free.pop()!;
      try {
        await repairTable(conn, group, name, lockedSince !== undefined);
      } finally {
        if (lockedSince === undefined) free.push(conn);
      }
    });
    async function repairTable(conn: Connection, group: typeof chunks, name: string, lockedSince: boolean): Promise<void> {
      // With the table locked against other writers, its production sums stay provable: the
      // stamp shows nobody wrote it since the sums were read, nobody can while we repair, and the
      // repaired chunks are read again before the lock goes.
      const base = guardBase.get(name);
      const locked = lockedSince || (base !== undefined && (await lockForRepair(conn, opts.target, target, name, log)));
      try {
        const clean = locked && base !== undefined && guard(base, (await readStamps(conn, target)).get(name)).holds;
        await repairChunks(conn, group, locked, lockedSince);
        // Aligned here, under the lock, the ALTER's new CREATE_TIME goes into the mark below
        // instead of failing it at verify.
        if (locked) await alignAutoIncrement(conn, target, snap.tables.filter((x) => x.name === name));
        // Each CREATE TRIGGER commits, which leaves LOCK TABLES in place; it writes no row, so
        // the stamp below is still the repair's.
        await restoreTriggers(conn, name);
        if (clean) {
          const t = prodByName.get(name)!;
          const sums: ChunkSum[] = [];
          for (const { range } of group) sums.push(await checksumChunk(conn, target, t, t.keyColumns.length > 0 ? range : undefined, algo));
          await conn.query('COMMIT');
          // Past the second our repair stamped on the table (its last transaction's start, read
          // back; nobody else can write it under the lock), not the current one: a repair begun
          // in an earlier second needs no wait.
          const stamped = (await readStamps(conn, target)).get(name)?.update;
          const waited = await waitPast(conn, stamped ?? (await serverSecond(conn)));
          log.debug({ table: name, stamped: stamped ?? null, lockedEarly: lockedSince, waited }, 'repair: past its stamp');
          const markConn = await connect(opts.target);
          try {
            // Sibling workers repair other tables, each under its own lock: their open
            // transactions never write this one.
            const mark = await takeMark(markConn, new Set(ours.filter((x) => x !== conn).map((x) => String(x.threadId))));
            const create = (await readStamps(conn, target)).get(name)?.create ?? null;
            if (mark !== undefined) proven.set(name, { sums, mark: { mark, create, since: 'sync' } });
          } finally {
            await closeConn(markConn);
          }
        }
      } finally {
        if (locked) await unlockRepair(conn);
      }
    }

    if (recopy.length > 0) {
      const shadow = shadowSchema(target);
      const trash = trashSchema(target);
      // The replaced tables' constraints name each other in the trash schema, dropped whole.
      await meta.query('SET SESSION foreign_key_checks = 0');
      await meta.query(`DROP DATABASE IF EXISTS ${qi(shadow)}`);
      await meta.query(`CREATE DATABASE ${qi(shadow)} CHARACTER SET ${snap.defaultCharset} COLLATE ${snap.defaultCollation}`);
      await copyTablesInto(opts, snap, shadow, recopy, meter);
      // Named before the RENAME, and only those dropped after it: never a table no step of ours put there (see trashSchema).
      const replaced = recopy.filter((t) => prodByName.has(t.name));
      await openTrash(meta, target, replaced.map((t) => t.name), log);
      const moves = recopy.flatMap((t) => [...(prodByName.has(t.name) ? [`${qt(target, t.name)} TO ${qt(trash, t.name)}`] : []), `${qt(shadow, t.name)} TO ${qt(target, t.name)}`]);
      try {
        await meta.query(`RENAME TABLE ${moves.join(', ')}`);
      } catch (err) {
        await abandonTrash(meta, target);
        throw err;
      }
      await emptyTrash(meta, target);
      await meta.query(`DROP DATABASE ${qi(shadow)}`);
      for (const t of recopy) {
        const e = report.get(t.name)!;
        e.rowsCopied = Number((await rows<{ n: number }>(meta, `SELECT COUNT(*) AS n FROM ${qt(target, t.name)}`))[0]!.n);
      }
    }
    // Created on production after presync (a plugin's tables, a webhook's): moved aside as
    // presync moves the tables only production has, not dropped; their triggers went above.
    await moveAside(meta, target, aside);
    // Rows preflight recorded in them went too: their records say where, not the live tables.
    opts.productionOnly?.movedWhole(target, aside);
    await keepTriggersAside(meta, target, aside, asideTriggers, log);
    for (const [name, schema] of aside) {
      const e = report.get(name);
      if (e !== undefined) e.note = `missing on staging: moved aside to ${schema}`;
      log.warn({ table: name, movedTo: schema }, 'a table only production has was moved aside');
    }
    if (structural) {
      await createObjects(meta, target, snap.objects, opts.sourceSchema);
      await recordCopied(meta, target, snap.objects, snap.tables.map((t) => t.name));
    } else await createObjects(meta, target, [...triggersOf.values()].flat().filter((o) => !restored.has(o.name)), opts.sourceSchema);
    lap('repair: objects re-created');
    await alignAutoIncrement(meta, target, snap.tables);
    lap('repair: auto-increment aligned');
    log.info({ chunks: chunks.length, recopied: recopy.map((t) => t.name), movedAside: Object.fromEntries(aside), proven: [...proven.keys()] }, 'delta applied');
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // Closing ends our locks first: putting a trigger back would wait on them.
    await Promise.all([...workers, ...lockedEarly.values()].map((c) => closeConn(c)));
    await closeConn(meta);
    if (failed && takenOff.length > 0) await putBackMissing(opts.target, target, takenOff, log);
  }
  return proven;
}

/** Tables of the same schema that a CREATE TABLE's FOREIGN KEYs name. */
export function referencedTables(createSql: string): string[] {
  const out: string[] = [];
  // `other_db`.`t` names another schema's table: not moved by us.
  for (const m of createSql.matchAll(/\bREFERENCES `((?:[^`]|``)+)`(\.)?/g)) if (m[2] === undefined) out.push(m[1]!.replace(/``/g, '`'));
  return out;
}

/**
 * Staging's tables tied to `whole` (tables re-copied whole) by FOREIGN KEYs on either side, either
 * way, transitively. A re-copy swaps tables by RENAME, and InnoDB takes along the constraints that
 * name a renamed table: a child left in place would name the replaced parent in the trash schema
 * (whose DROP then failed, the new parent in place and the child's constraint on the old one),
 * and a child created in the shadow names the shadow's parent. Swapped together, every
 * constraint lands on the new tables.
 */
export function tiedByForeignKeys(whole: Table[], staging: Table[], production: Table[]): Table[] {
  const edges = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  };
  for (const t of [...staging, ...production]) {
    for (const r of referencedTables(t.createSql)) {
      link(t.name, r);
      link(r, t.name);
    }
  }
  const seen = new Set(whole.map((t) => t.name));
  const todo = [...seen];
  while (todo.length > 0) {
    for (const n of edges.get(todo.pop()!) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      todo.push(n);
    }
  }
  return staging.filter((t) => seen.has(t.name) && !whole.some((w) => w.name === t.name));
}

/** Re-creates, from production's own definitions, those of `objects` that `schema` lacks now. */
async function putBackMissing(t: DbTarget, schema: string, objects: SchemaObject[], log: Logger): Promise<void> {
  let missing: SchemaObject[] = [];
  try {
    const c = await connect(t);
    try {
      const have = await existingObjects(c, schema);
      missing = objects.filter((o) => !have.has(`${o.kind} ${o.name}`));
      if (missing.length > 0) await createObjects(c, schema, missing, schema);
      if (missing.length > 0) log.warn({ objects: missing.map((o) => `${o.kind} ${o.name}`) }, 'sync failed: the objects it had taken off are back as production had them');
    } finally {
      await closeConn(c);
    }
  } catch (err) {
    log.error({ objects: missing.map((o) => `${o.kind} ${o.name}`), err: (err as Error).message }, 'sync failed and the objects it had taken off could not all be put back; the next sync re-creates them');
  }
}

/** AUTO_INCREMENT counters follow staging's, so the next id on production is the one staging would have used. */
async function alignAutoIncrement(meta: Connection, target: string, tables: Table[]): Promise<void> {
  const cur = await rows<{ n: string; ai: string | null }>(meta, 'SELECT TABLE_NAME AS n, AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [target]);
  const map = new Map(cur.map((r) => [r.n, r.ai === null ? '' : String(r.ai)]));
  for (const t of tables) {
    if (t.autoIncrement === '' || !/^\d+$/.test(t.autoIncrement)) continue;
    const mine = map.get(t.name);
    if (mine !== undefined && mine !== '' && BigInt(mine) < BigInt(t.autoIncrement)) await meta.query(`ALTER TABLE ${qt(target, t.name)} AUTO_INCREMENT = ${t.autoIncrement}`);
  }
}

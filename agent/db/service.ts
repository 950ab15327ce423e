// The Database gRPC service of an agent. Staging-side RPCs serve the production agent under a
// transfer token; production-side RPCs are driven by the controller and stream progress events.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError, toGrpcError } from '../../shared/errors.js';
import { loadProto } from '../../shared/grpc/load.js';
import type { Db } from '../../shared/state/sqlite.js';
import type { AgentService } from '../service.js';
import type { AgentConfig } from '../config.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import type { DatabaseHandlers } from '../../shared/proto-gen/switchyard/v1/Database.js';
import type { DbEvent } from '../../shared/proto-gen/switchyard/v1/DbEvent.js';
import type { PeerTransfer__Output } from '../../shared/proto-gen/switchyard/v1/PeerTransfer.js';
import type { FreezeState as WireFreeze } from '../../shared/proto-gen/switchyard/v1/FreezeState.js';
import type { FreezeState__Output } from '../../shared/proto-gen/switchyard/v1/FreezeState.js';
import { closeConn, dbTargetFromConfig, connect, type DbTarget } from './connect.js';
import { checkSchemaName } from './sql.js';
import { snapshotToWire } from './convert.js';
import { TransferSource } from './source.js';
import { GrpcSourcePeer, type SourcePeer } from './peer.js';
import { pullDatabase } from './pull.js';
import { compareDatabases, type ParityReport } from './compare.js';
import { ChunkCache } from './chunk-cache.js';
import { frozenSince, lockWrites, unlockWrites, MemoryFreezeStore, SqliteFreezeStore, type FreezeState, type FreezeStore } from './freeze.js';
import { forgetRolledBack, rollbackSwap, releaseKept } from './swap.js';
import { ServedStore } from './served-store.js';
import { dropUnmovedServed, existingServed, servedEvidence, showServedRows, type ServedLog } from './served-copy.js';
import { KeyedQueue } from '../../shared/keyed-queue.js';
import type { Connection } from 'mysql2/promise';
import { explainLockWait } from './lock-wait.js';
import { preflightDatabase, ProductionOnlyStore, mergeProductionOnly, settleRolledBack } from './preflight.js';
import { rewriteDatabase } from './rewrite/rewrite-db.js';
import type { ProgressEvent } from './progress.js';

/**
 * Tables (and chunks) worked on at once when the caller names none, as a cutover does. Two and
 * four measured alike for a 1 GB presync on two cores (README, database bench).
 */
export const DEFAULT_DB_PARALLELISM = 2;

export interface DatabaseServiceOptions {
  config: AgentConfig;
  logger: Logger;
  /** The agent's state file (with DB_MIGRATIONS applied); without it, state lives in memory only. */
  state?: Db;
  /** Tests: build the staging peer differently. */
  peerFactory?: (peer: PeerTransfer__Output) => SourcePeer;
}

function freezeToWire(s: FreezeState | undefined): WireFreeze | null {
  if (s === undefined) return null;
  return { read_only: s.readOnly, super_read_only: s.superReadOnly, flag_file_existed: s.flagFileExisted, flag_file_content: s.flagFileContent, flag_file: s.flagFile, locked_at: s.lockedAt, no_database: s.noDatabase === true };
}

function freezeFromWire(s: FreezeState__Output | null | undefined, flagFile: string): FreezeState | undefined {
  if (s === null || s === undefined || s.locked_at === '') return undefined;
  // The flag file path is ours (config), never the caller's.
  return { readOnly: s.read_only, superReadOnly: s.super_read_only, flagFile, flagFileExisted: s.flag_file_existed, flagFileContent: Buffer.from(s.flag_file_content), lockedAt: s.locked_at, noDatabase: s.no_database };
}

export function parityToWire(r: ParityReport) {
  return {
    equal: r.equal,
    seconds: r.seconds,
    objects_differing: r.objectsDiffering,
    tables: r.tables.map((t) => ({ table: t.table, chunks: t.chunks, differing_chunks: t.differingChunks, staging_rows: t.stagingRows, production_rows: t.productionRows, equal: t.equal, note: t.note, rows_copied: t.rowsCopied, staging_check: t.stagingCheck, production_check: t.productionCheck, staging_chunks_checked: t.stagingChunksChecked, production_chunks_checked: t.productionChunksChecked })),
    staging_chunks_checked: r.stagingChunksChecked,
    production_chunks_checked: r.productionChunksChecked,
    mode: r.mode,
  };
}

const progressToWire = (p: ProgressEvent): DbEvent => ({
  progress: { phase: p.phase, table: p.table, rows: p.rows, bytes: p.bytes, tables_done: p.tablesDone, tables_total: p.tablesTotal, rate_bytes_per_second: p.rateBytesPerSecond, total_bytes_estimate: p.totalBytesEstimate },
});

export class DatabaseService implements AgentService {
  private readonly source: TransferSource;
  private readonly freeze: FreezeStore;
  private readonly productionOnly: ProductionOnlyStore;
  private readonly served: ServedStore;
  private readonly rollbacks = new KeyedQueue();
  private readonly chunks = new ChunkCache();
  private readonly log: Logger;

  constructor(private readonly opts: DatabaseServiceOptions) {
    this.log = opts.logger.child({ component: 'db' });
    // When staging was frozen, not when the current record was made (a take-over keeps the former).
    this.source = new TransferSource(() => this.target(), this.log, () => {
      const s = this.freeze.get();
      return s === undefined ? undefined : frozenSince(s);
    });
    this.freeze = opts.state !== undefined ? new SqliteFreezeStore(opts.state) : new MemoryFreezeStore();
    this.productionOnly = new ProductionOnlyStore(opts.state);
    this.served = new ServedStore(opts.state);
  }

  private target(): DbTarget {
    return dbTargetFromConfig(this.opts.config.database);
  }

  private optionalTarget(): DbTarget | undefined {
    return this.opts.config.database === undefined ? undefined : this.target();
  }

  private allowed(schema: string, field: string): string {
    checkSchemaName(schema, field);
    const list = this.target().schemas;
    if (list !== undefined && list.length > 0 && !list.includes(schema)) throw new SwitchyardError('SY_FORBIDDEN', `${field}: schema ${schema} is not in this agent's database.schemas`, { field });
    return schema;
  }

  private peer(p: PeerTransfer__Output | null): SourcePeer {
    if (p === null) throw new SwitchyardError('SY_VALIDATION', 'peer: required', { field: 'peer' });
    this.allowed(p.target_schema, 'peer.target_schema');
    if (this.opts.peerFactory !== undefined) return this.opts.peerFactory(p);
    return new GrpcSourcePeer(p, { tls: this.opts.config.tls, insecure: this.opts.config.insecure });
  }

  private unary<Req, Res>(name: string, fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, cb) => {
      fn(call.request).then(
        (res) => cb(null, res),
        (err: unknown) => {
          this.log.warn({ rpc: name, err: (err as Error).message }, 'database rpc failed');
          cb(toGrpcError(err));
        },
      );
    };
  }

  private streaming<Req, Res>(name: string, fn: (req: Req, call: grpc.ServerWritableStream<Req, Res>) => Promise<void>): grpc.handleServerStreamingCall<Req, Res> {
    return (call) => {
      fn(call.request, call).then(
        () => call.end(),
        (err: unknown) => {
          this.log.warn({ rpc: name, err: (err as Error).message }, 'database rpc failed');
          // grpc-js turns an 'error' event on a server stream into the call's status.
          call.emit('error', toGrpcError(err));
        },
      );
    };
  }

  handlers(): DatabaseHandlers {
    return {
      AuthorizeTransfer: this.unary('AuthorizeTransfer', async (req) => {
        const schema = this.allowed(req.schema, 'schema');
        return { expires_at: this.source.auth.authorize(req.token, schema, req.ttl_seconds || 6 * 3600).toISOString() };
      }),
      RevokeTransfer: this.unary('RevokeTransfer', async (req) => {
        await this.source.snapshots.closeForToken(req.token);
        return { revoked: this.source.auth.revoke(req.token) };
      }),
      LockWrites: this.unary('LockWrites', async (req) => {
        // Without a database (an assets-only site), or asked so, the freeze is the maintenance flag alone.
        const r = await lockWrites(this.optionalTarget(), this.opts.config.maintenance, this.freeze, { flagOnly: req.flag_only, cutoverId: req.cutover_id, finishedLock: req.finished_lock, ownLock: req.own_lock });
        this.log.info({ alreadyLocked: r.alreadyLocked, flagOnly: r.prior.noDatabase === true, cutover: req.cutover_id || null, tookOverFrom: r.tookOverFrom ?? null, ownLock: req.own_lock || null }, 'writes locked');
        return { prior: freezeToWire(r.prior), already_locked: r.alreadyLocked, took_over_from: r.tookOverFrom ?? '' };
      }),
      UnlockWrites: this.unary('UnlockWrites', async (req) => {
        const r = await unlockWrites(this.optionalTarget(), this.freeze, freezeFromWire(req.prior, this.opts.config.maintenance?.flagFile ?? ''), req.cutover_id);
        if (r.heldLockedAt !== undefined) this.log.warn({ cutover: req.cutover_id, heldBy: r.heldBy ?? null, heldLockedAt: r.heldLockedAt }, "unlock left staging frozen: the freeze is not this cutover's");
        else this.log.info({ wasLocked: r.wasLocked, cutover: req.cutover_id || null }, 'writes unlocked');
        return { restored: freezeToWire(r.restored), was_locked: r.wasLocked, held_by: r.heldBy ?? '', held_locked_at: r.heldLockedAt ?? '' };
      }),
      OpenSnapshot: this.unary('OpenSnapshot', async (req) => {
        const s = await this.source.open(req.token, req.parallelism);
        return snapshotToWire(s.id, s.info, s.sharedView, s.parallelism);
      }),
      StreamTable: this.streaming('StreamTable', async (req, call) => {
        const snap = this.source.snapshot(req.token, req.snapshot_id);
        await this.source.streamTable(snap, this.source.table(snap, req.table), TransferSource.rangeOf(req.range), call as never, req.chunk_bytes, req.format === 'rows' ? 'rows' : 'tsv');
      }),
      ChecksumChunks: this.streaming('ChecksumChunks', async (req, call) => {
        const snap = this.source.snapshot(req.token, req.snapshot_id);
        await this.source.checksums(snap, req.tables, req.target_ms, (c) => call.write(c), req.plans, req.algo);
      }),
      StreamKeys: this.streaming('StreamKeys', async (req, call) => {
        const snap = this.source.snapshot(req.token, req.snapshot_id);
        if (req.row_hashes) {
          await this.source.rowHashes(snap, this.source.table(snap, req.table), req.algo, (pairs) => call.write({ keys: pairs.map(TransferSource.keyMsg), row_hashes: true }), () => new Promise<void>((r) => {
            // A cancelled call drains no more; the paused result must not hold the reader forever.
            call.once('drain', () => r());
            call.once('cancelled', () => r());
          }));
          return;
        }
        await this.source.keys(snap, this.source.table(snap, req.table), TransferSource.rangeOf(req.range), (keys) => call.write({ keys: keys.map(TransferSource.keyMsg) }));
      }),
      CloseSnapshot: this.unary('CloseSnapshot', async (req) => {
        this.source.snapshot(req.token, req.snapshot_id);
        await this.source.snapshots.close(req.snapshot_id);
        return {};
      }),
      PullDatabase: this.streaming('PullDatabase', async (req, call) => {
        const peer = this.peer(req.peer);
        try {
          const r = await pullDatabase({
            target: this.target(),
            peer,
            sourceSchema: req.peer!.source_schema,
            targetSchema: req.peer!.target_schema,
            parallelism: req.parallelism || DEFAULT_DB_PARALLELISM,
            logger: this.log,
            onProgress: (p) => call.write(progressToWire(p)),
            cache: this.chunks,
            productionOnly: this.productionOnly,
            chunkBytes: req.chunk_bytes,
          });
          call.write({ copy: { tables: r.tables, rows: r.rows, bytes: r.bytes, seconds: r.seconds, kept_aside_schema: r.keptAside, load_methods: r.loadMethods, notes: r.notes } });
        } finally {
          peer.close();
        }
      }),
      SyncDatabase: this.streaming('SyncDatabase', async (req, call) => {
        const peer = this.peer(req.peer);
        try {
          const r = await compareDatabases({ target: this.target(), peer, sourceSchema: req.peer!.source_schema, targetSchema: req.peer!.target_schema, repair: true, parallelism: req.parallelism || DEFAULT_DB_PARALLELISM, targetMs: req.target_ms || 500, logger: this.log, onProgress: (p) => call.write(progressToWire(p)), full: req.full, cache: this.chunks, productionOnly: this.productionOnly });
          call.write({ parity: parityToWire(r) });
        } finally {
          peer.close();
        }
      }),
      VerifyDatabase: this.streaming('VerifyDatabase', async (req, call) => {
        const peer = this.peer(req.peer);
        try {
          const r = await compareDatabases({ target: this.target(), peer, sourceSchema: req.peer!.source_schema, targetSchema: req.peer!.target_schema, repair: false, parallelism: req.parallelism || DEFAULT_DB_PARALLELISM, targetMs: req.target_ms || 500, logger: this.log, full: req.full, cache: this.chunks });
          call.write({ parity: parityToWire(r) });
        } finally {
          peer.close();
        }
      }),
      PreflightDatabase: this.unary('PreflightDatabase', async (req) => {
        const peer = this.peer(req.peer);
        try {
          return await preflightDatabase({ target: this.target(), peer, targetSchema: req.peer!.target_schema, store: this.productionOnly, logger: this.log });
        } finally {
          peer.close();
        }
      }),
      MergeProductionOnlyRows: this.unary('MergeProductionOnlyRows', async (req) => {
        const schema = this.allowed(req.target_schema, 'target_schema');
        if (req.mode !== 'keep' && req.mode !== 'discard') throw new SwitchyardError('SY_VALIDATION', 'mode: keep or discard', { field: 'mode' });
        this.chunks.forget(schema);
        const r = await mergeProductionOnly(this.target(), schema, req.mode, this.productionOnly);
        return { rows_merged: r.rowsMerged, tables: r.tables, rows_not_found: r.rowsNotFound, not_found: r.notFound.map((x) => `${x.table}: ${x.rows} row${x.rows === 1 ? '' : 's'} not in ${x.schema} (${x.keys.join(', ')}${x.rows > x.keys.length ? ', …' : ''})`), superseded: r.superseded.map((x) => x.by === 'deleted' && x.keyless === true ? `${x.table}: ${x.rows} row${x.rows === 1 ? '' : 's'} without a key in ${x.schema}, whose live copies production deleted or changed after sync kept them aside (the delete is the newer), not merged (${x.keys.join(', ')})` : `${x.table}: ${x.rows} row${x.rows === 1 ? '' : 's'} in ${x.schema} under a key ${x.by === 'live' ? "whose live row production changed after sync kept it aside (the live row is the newer)" : x.by === 'deleted' ? 'whose live row production deleted after sync kept it aside (the delete is the newer)' : 'a newer kept row took'}, not merged (${x.keys.join(', ')}${x.rows > x.keys.length ? ', …' : ''})`), kept_with_table: r.keptWithTable.map((x) => `${x.table}: ${x.rows} row${x.rows === 1 ? '' : 's'} kept in ${x.schema}.${x.table}, moved aside whole (staging no longer has the table): not merged`), merged_gone_live: r.mergedGoneLive.map((x) => x.keyless === true ? `${x.table}: ${x.rows} row${x.rows === 1 ? '' : 's'} without a key merged from ${x.schema}, whose live copies are gone since sync kept them aside, after that sync's repair began on the table: production may have deleted them, or the repair did — delete them again if production did (${x.keys.join(', ')})` : `${x.table}: ${x.rows} row${x.rows === 1 ? '' : 's'} merged from ${x.schema} under a key whose live row is gone since sync kept it aside, after that sync's repair began on the table: production may have deleted it, or the repair did — delete it again if production did (${x.keys.join(', ')}${x.rows > x.keys.length ? ', …' : ''})`) };
      }),
      RewriteUrls: this.unary('RewriteUrls', async (req) => {
        const schema = this.allowed(req.schema, 'schema');
        if (!req.dry_run) this.chunks.forget(schema);
        return rewriteDatabase(this.target(), schema, req.rules.map((r) => ({ from: r.from, to: r.to, skipColumns: r.skip_columns, schemes: r.schemes })), req.dry_run, this.log);
      }),
      // One at a time per schema: the record of served copies is pruned by what the server holds,
      // which must not catch another rollback between recording a name and creating it.
      RollbackDatabase: this.unary('RollbackDatabase', async (req) => {
        const schema = this.allowed(req.target_schema, 'target_schema');
        return this.rollbacks.run(schema, async () => {
          this.chunks.forget(schema);
          const conn = await connect(this.target());
          try {
            const dropped = this.served.prune(schema, await existingServed(conn, schema));
            if (dropped.length > 0) this.log.info({ schema, served: dropped }, 'served copies no longer on the server (dropped by an operator) forgotten');
            // An earlier rollback stopped past its RENAME TABLE: the rows of its records are in `__sy_last`.
            await settleRolledBack(conn, schema, this.productionOnly, this.log);
            const r = await rollbackSwap(conn, schema, this.log, this.productionOnly.records(schema).filter((x) => x.keptIn === 'last'), { keepLive: req.keep_live_copy === true, servedLog: this.servedLog(schema, req.attempt), copiedTables: req.copied_tables });
            this.productionOnly.rolledBack(schema);
            // Left, they are dropped by the next preflight, copy or rollback, which finds no record they match.
            await forgetRolledBack(conn, schema).catch((e: unknown) => this.log.warn({ schema, err: (e as Error).message }, 'the notes of the recorded rows this rollback took aside were not cleared'));
            return { tables: r.tables, served_schema: r.served?.schema ?? '', served_tables: (r.served?.tables ?? []).map((t) => ({ table: t.table, rows: String(t.rows) })), notes: r.notes };
          } catch (err) {
            throw await explainLockWait(await this.alreadyServed(conn, err, schema, req.attempt), this.target(), `roll back ${schema} on production`);
          } finally {
            await closeConn(conn);
          }
        });
      }),
      // With the rollbacks of the schema held back: it drops the empty served schema a stopped
      // rollback left, which no rollback after release would (none comes), and which must not be
      // one a running rollback has just created.
      ReleaseDatabase: this.unary('ReleaseDatabase', async (req) => {
        const schema = this.allowed(req.target_schema, 'target_schema');
        return this.rollbacks.run(schema, async () => {
          const conn = await connect(this.target());
          try {
            const dropped = await releaseKept(conn, schema);
            await dropUnmovedServed(conn, schema, this.servedLog(schema, ''), this.log).catch((e: unknown) => this.log.warn({ schema, err: (e as Error).message }, 'an empty served schema a stopped rollback left could not be dropped: the next rollback or release drops it'));
            return { dropped };
          } catch (err) {
            throw await explainLockWait(err, this.target(), `release ${schema}'s kept-aside tables`);
          } finally {
            await closeConn(conn);
          }
        });
      }),
    };
  }

  /** The agent's record of `schema`'s served copies, as a rollback (named `attempt`) writes it. */
  private servedLog(schema: string, attempt: string): ServedLog {
    return {
      kept: (name) => this.served.kept(schema, name, attempt),
      moved: (name) => this.served.moved(schema, name),
      forget: (name) => this.served.forget(schema, name),
      unmoved: (name) => this.served.unmoved(schema, name),
    };
  }

  /**
   * Nothing kept aside, but this rollback (by the caller's name for it) already kept the live
   * copy: a retry whose answer was lost. The error names the schema, which is the first free N
   * then, not necessarily the highest, and the rows its tables hold now, as the lost answer did
   * (the first tables by name, and how many more: details travel in 2 KiB).
   */
  private async alreadyServed(conn: Connection, err: unknown, schema: string, attempt: string): Promise<unknown> {
    if (!(err instanceof SwitchyardError) || err.code !== 'SY_PRECONDITION') return err;
    const rec = this.served.find(schema, attempt);
    if (rec === undefined) return err;
    const held = await servedEvidence(conn, rec.served).catch((e: unknown) => {
      this.log.warn({ served: rec.served, err: (e as Error).message }, 'the rows of the served copy could not be counted');
      return undefined;
    });
    return new SwitchyardError('SY_PRECONDITION', `${err.message}; this rollback already swapped back, at ${rec.servedAt}, keeping the live copy in ${rec.served}${held === undefined ? '' : ` (${showServedRows(held)})`}`, {
      details: { ...err.details, servedSchema: rec.served, servedAt: rec.servedAt, ...(held === undefined ? {} : { servedTables: held.tables, servedTablesLeftOff: held.leftOff }) },
      cause: err,
    });
  }

  addToServer(server: grpc.Server): void {
    const proto = loadProto<DatabaseProto>();
    server.addService(proto.switchyard.v1.Database.service, this.handlers());
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

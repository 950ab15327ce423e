// The staging agent's side of a transfer: snapshots, row streams, chunk checksums and key lists,
// each call authorised by a transfer token the controller registered.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { DbTarget } from './connect.js';
import { openSnapshot, SnapshotRegistry, type Snapshot } from './snapshot.js';
import { TransferAuthorizations } from './transfer-auth.js';
import { readRows, type RowFormat } from './read-rows.js';
import { checksumChunk, planChunks, rowHashSql, usableAlgo } from './checksum.js';
import { chunkCount, chunkRange } from './chunk-cache.js';
import { keyFromWire, keyToWire, rangeFromWire, rangeToWire, type Key } from './convert.js';
import type { TableChunks__Output } from '../../shared/proto-gen/switchyard/v1/TableChunks.js';
import { qi, qt, rangeWhere, type RangeBounds } from './sql.js';
import { keyColumnTypes, keySelect, type Table } from './inspect.js';
import { runPool } from './progress.js';
import type { ChunkChecksum } from '../../shared/proto-gen/switchyard/v1/ChunkChecksum.js';

export class TransferSource {
  readonly auth = new TransferAuthorizations();
  readonly snapshots = new SnapshotRegistry();

  constructor(
    private readonly target: () => DbTarget,
    private readonly logger: Logger,
    private readonly lockedAt: () => string | undefined = () => undefined,
  ) {}

  async open(token: string, parallelism: number): Promise<Snapshot> {
    const schema = this.auth.check(token);
    const snap = await openSnapshot(this.target(), schema, Math.max(1, Math.min(parallelism || 2, 16)), token, this.logger, this.lockedAt);
    this.snapshots.add(snap);
    this.logger.info({ component: 'db-source', schema, snapshot: snap.id, readers: snap.parallelism, sharedView: snap.sharedView }, 'snapshot opened');
    return snap;
  }

  snapshot(token: string, id: string): Snapshot {
    this.auth.check(token);
    return this.snapshots.get(id, token);
  }

  table(snap: Snapshot, name: string): Table {
    const t = snap.info.tables.find((x) => x.name === name);
    if (t === undefined) throw new SwitchyardError('SY_NOT_FOUND', `table ${name} is not in schema ${snap.schema}`, { field: 'table' });
    return t;
  }

  async streamTable(snap: Snapshot, t: Table, range: RangeBounds | undefined, call: grpc.ServerWritableStream<unknown, unknown>, chunkBytes = 0, format: RowFormat = 'tsv'): Promise<void> {
    const wire = format === 'rows' ? 'rows' : '';
    const ac = new AbortController();
    call.on('cancelled', () => ac.abort());
    await snap.withReader((conn) =>
      readRows(
        conn,
        snap.schema,
        t,
        t.keyColumns.length > 0 ? range : undefined,
        (data, rows, boundaries) => call.write({ data, rows, boundaries: boundaries.map(keyToWire), format: wire }),
        () => new Promise<void>((r) => call.once('drain', () => r())),
        ac.signal,
        chunkBytes > 0 ? Math.max(1024, chunkBytes) : undefined,
        format,
      ),
    );
  }

  /**
   * Tables in `plans` are checksummed on the boundaries given, every reader busy with a chunk of
   * its own; the others (all, when both lists are empty) are walked and chunked here.
   */
  async checksums(snap: Snapshot, tables: string[], targetMs: number, write: (c: ChunkChecksum) => void, plans: TableChunks__Output[] = [], algo?: string): Promise<void> {
    const list = (tables.length > 0 || plans.length > 0 ? tables : snap.info.tables.map((t) => t.name)).map((n) => this.table(snap, n));
    const tasks = plans.flatMap((p) => {
      const t = this.table(snap, p.table);
      const plan = { boundaries: p.boundaries.map((k) => keyFromWire(k)!) };
      const n = chunkCount(plan);
      const idx = p.only.length > 0 ? p.only.filter((i) => i < n) : Array.from({ length: n }, (_, i) => i);
      return idx.map((i) => ({ t, i, range: chunkRange(plan, i), last: i === n - 1 }));
    });
    await Promise.all([
      runPool(tasks, snap.parallelism, async ({ t, i, range, last }) => {
        const sum = await snap.withReader((conn) => checksumChunk(conn, snap.schema, t, t.keyColumns.length > 0 ? range : undefined, algo));
        write({ table: t.name, index: i, range: rangeToWire(range) ?? null, rows: sum.rows, checksum: sum.checksum, last });
      }),
      runPool(list, snap.parallelism, async (t) => {
        await snap.withReader(async (conn) => {
          for await (const c of planChunks(conn, snap.schema, t, targetMs > 0 ? targetMs : 500, algo)) {
            write({ table: t.name, index: c.index, range: rangeToWire(c.range) ?? null, rows: c.rows, checksum: c.checksum, last: c.last });
          }
        });
      }),
    ]);
  }

  async keys(snap: Snapshot, t: Table, range: RangeBounds | undefined, write: (keys: Key[]) => void): Promise<void> {
    if (t.keyColumns.length === 0) throw new SwitchyardError('SY_PRECONDITION', `table ${t.name} has no usable key`);
    await snap.withReader(async (conn) => {
      const where = range === undefined ? '1=1' : rangeWhere(keyColumnTypes(t), range);
      const cols = t.keyColumns.map(qi).join(', ');
      const core = (conn as unknown as { connection: import('mysql2').Connection }).connection;
      const q = core.query({ sql: `SELECT ${keySelect(t)} FROM ${qt(snap.schema, t.name)} WHERE ${where} ORDER BY ${cols}`, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
      let batch: Key[] = [];
      await new Promise<void>((resolve, reject) => {
        q.on('result', (row: unknown) => {
          batch.push(row as Key);
          if (batch.length >= 5000) {
            write(batch);
            batch = [];
          }
        });
        q.on('error', reject);
        q.on('end', () => resolve());
      });
      if (batch.length > 0) write(batch);
    });
  }

  /**
   * A table's rows as a multiset: each row hash (rowHashSql under `algo`) with how many rows have
   * it, grouped by the server, so the table's size costs staging's server a sort, never this
   * process. While gRPC's buffer is full the result is paused: production may load them slower.
   */
  async rowHashes(snap: Snapshot, t: Table, algo: string, write: (pairs: Key[]) => boolean, drain: () => Promise<void>): Promise<void> {
    await snap.withReader(async (conn) => {
      const a = await usableAlgo(conn, algo);
      const core = (conn as unknown as { connection: import('mysql2').Connection & { pause(): void; resume(): void } }).connection;
      const q = core.query({ sql: `SELECT h, COUNT(*) FROM (SELECT ${rowHashSql(t, a)} AS h FROM ${qt(snap.schema, t.name)}) sy_rows GROUP BY h`, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
      let batch: Key[] = [];
      const flush = () => {
        if (batch.length === 0) return;
        const more = write(batch);
        batch = [];
        if (!more) {
          core.pause();
          void drain().then(() => core.resume());
        }
      };
      await new Promise<void>((resolve, reject) => {
        q.on('result', (row: unknown) => {
          batch.push(row as Key);
          if (batch.length >= 5000) flush();
        });
        q.on('error', reject);
        q.on('end', () => resolve());
      });
      flush();
    });
  }

  static rangeOf(r: Parameters<typeof rangeFromWire>[0]): RangeBounds | undefined {
    return rangeFromWire(r);
  }

  static keyMsg(k: Key) {
    return keyToWire(k);
  }

  async close(): Promise<void> {
    await this.snapshots.closeAll();
  }
}

// The staging side of a transfer: N reader connections that share one consistent view.
// Commits are held back only while the readers start their REPEATABLE READ + WITH CONSISTENT
// SNAPSHOT transactions, so every reader sees the same committed state; without the RELOAD
// privilege there is one reader.
//
// Held back how: on MariaDB 10.4+ by BACKUP STAGE BLOCK_COMMIT, which waits only for commits
// already under way. FLUSH TABLES WITH READ LOCK (what mydumper uses, and our way on other
// servers) waits for every running write statement first, and every write the site sends in the
// meantime queues behind it: measured on 10.11, a 4 s UPDATE held FTWRL for 4 s and an INSERT
// sent meanwhile for 3.9 s; BLOCK_COMMIT was taken in 3 ms beside it. The presync runs while
// staging is live, so that stall would be the site's.
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import { closeConn, connect, dbError, errnoOf, type DbTarget } from './connect.js';
import { inspectSchema, type SchemaInfo } from './inspect.js';
import { supportedAlgos } from './checksum.js';
import { newestCommit, readStamps, serverSecond, takeMark, waitPast } from './update-guard.js';

export class Snapshot {
  readonly id = randomUUID();
  lastUsed = Date.now();
  private free: Connection[];
  private waiters: Array<(c: Connection) => void> = [];
  private closed = false;

  constructor(
    readonly schema: string,
    readonly info: SchemaInfo,
    readonly sharedView: boolean,
    private readonly conns: Connection[],
    readonly token: string,
  ) {
    this.free = [...conns];
  }

  /** No reader is lent out: safe for the idle sweep to close. */
  get idle(): boolean {
    return this.free.length === this.conns.length;
  }

  get parallelism(): number {
    return this.conns.length;
  }

  async acquire(): Promise<Connection> {
    if (this.closed) throw new SwitchyardError('SY_CONFLICT', `snapshot ${this.id} is closed`);
    this.lastUsed = Date.now();
    const c = this.free.pop();
    if (c !== undefined) return c;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(c: Connection): void {
    this.lastUsed = Date.now();
    const w = this.waiters.shift();
    if (w !== undefined) w(c);
    else this.free.push(c);
  }

  /** A reader whose stream was cut mid-result cannot be reused: its transaction view is lost with it. */
  discard(c: Connection): void {
    c.destroy();
    const i = this.conns.indexOf(c);
    if (i >= 0) this.conns.splice(i, 1);
    if (this.conns.length === 0) this.closed = true;
    for (const w of this.waiters.splice(0)) void this.acquire().then(w, () => undefined);
  }

  async withReader<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      const r = await fn(c);
      this.release(c);
      return r;
    } catch (err) {
      this.discard(c);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed && this.conns.length === 0) return;
    this.closed = true;
    await Promise.all(this.conns.map((c) => closeConn(c)));
    this.conns.length = 0;
  }
}

/**
 * `lineUp`: 'auto' uses BACKUP STAGE where the server has it; 'ftwrl' goes straight to the way
 * taken on servers without it (MySQL, MariaDB before 10.4), so that way can be tested on ours.
 */
export async function openSnapshot(
  target: DbTarget,
  schema: string,
  parallelism: number,
  token: string,
  logger: Logger,
  lockedAt: () => string | undefined = () => undefined,
  lineUp: 'auto' | 'ftwrl' = 'auto',
): Promise<Snapshot> {
  const meta = await connect(target);
  const readers: Connection[] = [];
  try {
    // Frozen just now: the site's last commits may share the current second, and a mark in that
    // second would count them as written after it (a needless re-read at verify, not a wrong
    // answer: the mark is sound either way). So wait past the newest commit stamp, not past the
    // lock's second — the site's writes often stopped seconds before it, and then nothing is
    // waited for. After that, only a SUPER user's write (read_only does not stop those) stamps at
    // or above the mark. Agent and server clocks may differ: only when the server's second is
    // the lock's, just before it, or the one just after.
    const locked = lockedAt();
    if (locked !== undefined && locked !== '') {
      const lockSecond = Math.floor(Date.parse(locked) / 1000);
      const now = await serverSecond(meta);
      if (now <= lockSecond + 1 && lockSecond - now <= 1) {
        const newest = newestCommit(await readStamps(meta, schema));
        const waited = newest !== undefined && (await waitPast(meta, newest));
        logger.debug({ newestCommit: newest ?? null, waited }, 'frozen snapshot: past the last commit second');
      }
    }
    // Before the view opens: a commit the view misses then stamps at or above the mark.
    const mark = await takeMark(meta);
    const held = parallelism > 1 ? await blockDdl(meta, logger, lineUp === 'auto') : undefined;
    const shared = held !== undefined;
    // Connected first, so that only their transactions' start happens while commits are held.
    for (let i = 0; i < (shared ? parallelism : 1); i++) {
      const c = await connect(target, { raw: true });
      readers.push(c);
      await c.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    }
    // The DDL must be the DDL of the data the readers see. Under BACKUP STAGE, DDL is blocked from
    // here to the end and commits still flow, so the definitions (a second or more for a few
    // thousand tables) are read before the commits are held; FLUSH TABLES WITH READ LOCK holds
    // both at once, and without a lock there is no telling.
    const early = held === 'backup-stage' ? await inspectSchema(meta, schema) : undefined;
    if (held === 'backup-stage') await meta.query('BACKUP STAGE BLOCK_COMMIT');
    for (const c of readers) await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const info = early ?? (await inspectSchema(meta, schema));
    const [vars] = await meta.query('SELECT @@GLOBAL.auto_increment_increment AS inc, @@GLOBAL.auto_increment_offset AS off, @@GLOBAL.read_only AS ro');
    const v = (vars as Array<{ inc: number; off: number; ro: number | string }>)[0]!;
    info.autoIncrementIncrement = Number(v.inc);
    info.autoIncrementOffset = Number(v.off);
    const ro = v.ro === 1 || v.ro === '1' || v.ro === 'ON';
    info.frozenSince = ro ? (lockedAt() ?? '') : '';
    // After the view opened: a stamp below an earlier mark means the view holds what that mark's sums saw.
    const stamps = await readStamps(meta, schema);
    for (const t of info.tables) t.stamp = stamps.get(t.name) ?? { update: null, create: null };
    if (mark !== undefined) info.guardMark = mark;
    if (held !== undefined) await meta.query(held === 'backup-stage' ? 'BACKUP STAGE END' : 'UNLOCK TABLES');
    // After the global read lock goes: the probes need not hold up the site's writes.
    info.checksumAlgos = await supportedAlgos(meta);
    if (!info.exists) throw new SwitchyardError('SY_NOT_FOUND', `schema ${schema} does not exist on this server`, { field: 'schema' });
    return new Snapshot(schema, info, shared, readers, token);
  } catch (err) {
    await Promise.all(readers.map((c) => closeConn(c)));
    throw dbError(err, `open snapshot of ${schema}`);
  } finally {
    await closeConn(meta);
  }
}

/** How long the line-up waits for another backup's stage or a running DDL before one reader is used. */
const BACKUP_STAGE_WAIT_SECONDS = 10;
/** And for FTWRL, which holds the site's writes while it waits: a short stall at most. */
const FTWRL_WAIT_SECONDS = 5;

/**
 * Blocks DDL on the server, so that readers lined up under it see the definitions read under it:
 * 'backup-stage' (BACKUP STAGE up to BLOCK_DDL; the caller then holds commits with BLOCK_COMMIT
 * while the readers start) or 'ftwrl' (commits held too, already); undefined when neither is
 * allowed (then one reader is used). Either ends with the session, or with BACKUP STAGE END /
 * UNLOCK TABLES.
 */
export async function blockDdl(meta: Connection, logger: Logger, tryBackupStage: boolean): Promise<'backup-stage' | 'ftwrl' | undefined> {
  if (tryBackupStage) {
    const staged = await backupStageBlockDdl(meta, logger);
    if (staged !== 'no-such-statement') return staged;
  }
  try {
    await meta.query('SET SESSION lock_wait_timeout = ?', [FTWRL_WAIT_SECONDS]);
    await meta.query('FLUSH TABLES WITH READ LOCK');
    return 'ftwrl';
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'FLUSH TABLES WITH READ LOCK refused; one reader, one snapshot');
    return undefined;
  }
}

async function backupStageBlockDdl(meta: Connection, logger: Logger): Promise<'backup-stage' | 'no-such-statement' | undefined> {
  await meta.query('SET SESSION lock_wait_timeout = ?', [BACKUP_STAGE_WAIT_SECONDS]);
  try {
    await meta.query('BACKUP STAGE START');
    try {
      await meta.query('BACKUP STAGE BLOCK_DDL');
      return 'backup-stage';
    } catch (err) {
      await meta.query('BACKUP STAGE END').catch(() => undefined);
      throw err;
    }
  } catch (err) {
    // Only a server without BACKUP STAGE (MySQL, MariaDB before 10.4) goes on to FTWRL. One that
    // has it but could not give it now (another session's stage, a long DDL) would keep FTWRL
    // waiting just as long, with the site's writes queued behind it; nor would it be allowed
    // without RELOAD.
    if (errnoOf(err) === 1064) return 'no-such-statement';
    logger.warn({ err: (err as Error).message }, 'BACKUP STAGE not taken; one reader, one snapshot');
    return undefined;
  }
}

/** Open snapshots by id; idle ones are closed so a vanished peer never pins a transaction for long. */
export class SnapshotRegistry {
  private readonly snaps = new Map<string, Snapshot>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly idleMs = 15 * 60_000) {
    this.timer = setInterval(() => void this.sweep(), Math.min(60_000, idleMs));
    this.timer.unref();
  }

  add(s: Snapshot): void {
    this.snaps.set(s.id, s);
  }

  get(id: string, token: string): Snapshot {
    const s = this.snaps.get(id);
    if (s === undefined || s.token !== token) throw new SwitchyardError('SY_NOT_FOUND', `no open snapshot ${id} for this transfer`, { field: 'snapshot_id' });
    return s;
  }

  async close(id: string): Promise<void> {
    const s = this.snaps.get(id);
    this.snaps.delete(id);
    await s?.close();
  }

  async closeForToken(token: string): Promise<void> {
    for (const s of [...this.snaps.values()]) if (s.token === token) await this.close(s.id);
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const s of [...this.snaps.values()]) if (s.idle && now - s.lastUsed > this.idleMs) await this.close(s.id);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    for (const id of [...this.snaps.keys()]) await this.close(id);
  }
}

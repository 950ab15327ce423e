// The write freeze on staging: the site's maintenance flag file, then read_only=ON (and
// super_read_only where the server has it). The prior state is recorded before anything
// changes — in the agent's state file and in the reply — and unlock restores exactly that.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Db, Migration } from '../../shared/state/sqlite.js';
import { SwitchyardError } from '../../shared/errors.js';
import { closeConn, connect, dbError, rows, type DbTarget } from './connect.js';
import { explainLockWait } from './lock-wait.js';

export interface FreezeState {
  readOnly: boolean;
  /** '' when the server has no super_read_only (MariaDB). */
  superReadOnly: string;
  flagFile: string;
  flagFileExisted: boolean;
  flagFileContent: Buffer;
  /** The flag file's permission bits when it existed (this agent's own record only; not on the wire). */
  flagFileMode?: number;
  lockedAt: string;
  /**
   * The freeze is the flag file alone and unlock leaves the database as it is: the agent has no
   * database (an assets-only site), or the lock asked for the flag only (a plan that moves no
   * database, whose server may serve more than this site).
   */
  noDatabase?: boolean;
  /**
   * The cutover that took this freeze (LockWrites.cutover_id); absent in records made for a
   * controller older than the field, or by an agent older than it. Only that cutover's unlock
   * restores it; a record without one, only an unlock whose copy names its lockedAt (ownerless).
   */
  owner?: string;
  /**
   * When staging was really frozen, where that is before lockedAt: a lock that took over a
   * finished cutover's standing freeze records the time of that freeze (absent: lockedAt). Not
   * on the wire; lockedAt still names this record (finishedLock, released).
   */
  frozenSince?: string;
}

/** When staging's freeze began: the freeze a take-over found standing, else this record's lock. */
export function frozenSince(s: FreezeState): string {
  return s.frozenSince ?? s.lockedAt;
}

export interface FreezeStore {
  get(): FreezeState | undefined;
  set(s: FreezeState): void;
  /** Forgets the freeze, remembering when the freeze it undid was taken (see `released`). */
  clear(): void;
  /** lockedAt of the last freeze an unlock undid: the controller's copy of it is then history. */
  released(): string | undefined;
}

export const DB_MIGRATIONS: Migration[] = [
  { id: 300, name: 'db_freeze', sql: 'CREATE TABLE db_freeze (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)' },
  { id: 301, name: 'db_production_only', sql: 'CREATE TABLE db_production_only (schema_name TEXT NOT NULL, table_name TEXT NOT NULL, keys TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (schema_name, table_name))' },
  { id: 302, name: 'db_freeze_released', sql: 'CREATE TABLE db_freeze_released (id INTEGER PRIMARY KEY CHECK (id = 1), locked_at TEXT NOT NULL)' },
  // Where the copy keeps the recorded rows ('prev' or 'last'); '' in records made before.
  { id: 303, name: 'db_production_only_kept_in', sql: "ALTER TABLE db_production_only ADD COLUMN kept_in TEXT NOT NULL DEFAULT ''" },
  // For a table without a key: the checksum algorithm whose row hashes `keys` holds, each with how
  // many more copies of that row production had; '' where `keys` are keys.
  { id: 304, name: 'db_production_only_row_hash', sql: "ALTER TABLE db_production_only ADD COLUMN row_hash TEXT NOT NULL DEFAULT ''" },
  // One record per table and place: rows a copy moved aside stay recorded when preflight runs
  // again and finds others in the live tables.
  {
    id: 305,
    name: 'db_production_only_per_place',
    sql: `CREATE TABLE db_production_only_v2 (schema_name TEXT NOT NULL, table_name TEXT NOT NULL, keys TEXT NOT NULL, recorded_at TEXT NOT NULL, kept_in TEXT NOT NULL DEFAULT '', row_hash TEXT NOT NULL DEFAULT '', PRIMARY KEY (schema_name, table_name, kept_in));
      INSERT INTO db_production_only_v2 (schema_name, table_name, keys, recorded_at, kept_in, row_hash) SELECT schema_name, table_name, keys, recorded_at, kept_in, row_hash FROM db_production_only;
      DROP TABLE db_production_only;
      ALTER TABLE db_production_only_v2 RENAME TO db_production_only;`,
  },
  // The served copies a rollback kept (`<db>__sy_served[N]`), under the caller's name for the
  // rollback: a retry whose answer was lost is told the exact schema (served-store.ts).
  {
    id: 306,
    name: 'db_served',
    sql: "CREATE TABLE db_served (id INTEGER PRIMARY KEY AUTOINCREMENT, schema_name TEXT NOT NULL, served_schema TEXT NOT NULL, attempt TEXT NOT NULL DEFAULT '', served_at TEXT NOT NULL)",
  },
  // When each key (or row hash) of a record was recorded: a JSON array in the order of `keys`. A
  // record joining another keeps each key's own time, so "newer" is per key, not per record. ''
  // in records made before: every key takes `recorded_at`.
  { id: 307, name: 'db_production_only_key_times', sql: "ALTER TABLE db_production_only ADD COLUMN key_times TEXT NOT NULL DEFAULT ''" },
  // When the live tables reached the served copy ('' until then): a recorded copy they never
  // reached (the agent stopped between CREATE DATABASE and the move) is the retry's to reuse.
  // Records made before count as moved (they were written just before the move, which most
  // reached): a copy an operator has since emptied is never taken for a leftover.
  { id: 308, name: 'db_served_moved_at', sql: "ALTER TABLE db_served ADD COLUMN moved_at TEXT NOT NULL DEFAULT ''; UPDATE db_served SET moved_at = served_at;" },
];

const toJson = (s: FreezeState) => JSON.stringify({ ...s, flagFileContent: s.flagFileContent.toString('base64') });
const fromJson = (j: string): FreezeState => {
  const o = JSON.parse(j) as FreezeState & { flagFileContent: string };
  return { ...o, flagFileContent: Buffer.from(o.flagFileContent, 'base64') };
};

export class SqliteFreezeStore implements FreezeStore {
  constructor(private readonly db: Db) {}
  get(): FreezeState | undefined {
    const r = this.db.prepare('SELECT state FROM db_freeze WHERE id = 1').get() as { state: string } | undefined;
    return r === undefined ? undefined : fromJson(r.state);
  }
  set(s: FreezeState): void {
    this.db.prepare('INSERT INTO db_freeze (id, state) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state').run(toJson(s));
  }
  clear(): void {
    const s = this.get();
    this.db.transaction(() => {
      if (s !== undefined) this.db.prepare('INSERT INTO db_freeze_released (id, locked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET locked_at = excluded.locked_at').run(s.lockedAt);
      this.db.prepare('DELETE FROM db_freeze WHERE id = 1').run();
    })();
  }
  released(): string | undefined {
    return (this.db.prepare('SELECT locked_at FROM db_freeze_released WHERE id = 1').get() as { locked_at: string } | undefined)?.locked_at;
  }
}

export class MemoryFreezeStore implements FreezeStore {
  private s: FreezeState | undefined;
  private undone: string | undefined;
  get = () => this.s;
  set = (s: FreezeState) => void (this.s = s);
  clear = () => {
    if (this.s !== undefined) this.undone = this.s.lockedAt;
    this.s = undefined;
  };
  released = () => this.undone;
}

export interface Maintenance {
  flagFile: string;
  content: string;
}

function writeAtomic(path: string, content: Buffer | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.switchyard-tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new SwitchyardError('SY_CONFIG_INVALID', `maintenance.flagFile ${path}: cannot write it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { field: 'maintenance.flagFile', cause: err });
  }
}

// One lock or unlock at a time: two locks at once would each read the prior state, and the second
// would record the first one's maintenance flag as what staging had before.
let serial: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = serial.then(fn, fn);
  serial = run.catch(() => undefined);
  return run;
}

async function superReadOnly(conn: Connection): Promise<string> {
  try {
    const [r] = await rows<{ v: unknown }>(conn, 'SELECT @@GLOBAL.super_read_only AS v');
    return String(r!.v);
  } catch {
    return '';
  }
}

function flagPrior(m: Maintenance | undefined): Pick<FreezeState, 'flagFile' | 'flagFileExisted' | 'flagFileContent' | 'flagFileMode' | 'lockedAt'> {
  const existed = m !== undefined && existsSync(m.flagFile);
  return {
    flagFile: m?.flagFile ?? '',
    flagFileExisted: existed,
    flagFileContent: existed ? readFileSync(m!.flagFile) : Buffer.alloc(0),
    ...(existed ? { flagFileMode: statSync(m!.flagFile).mode & 0o7777 } : {}),
    lockedAt: new Date().toISOString(),
  };
}

async function readPrior(conn: Connection, m: Maintenance | undefined): Promise<FreezeState> {
  const [ro] = await rows<{ v: unknown }>(conn, 'SELECT @@GLOBAL.read_only AS v');
  return { readOnly: Number(ro!.v) === 1, superReadOnly: await superReadOnly(conn), ...flagPrior(m) };
}

export interface LockOptions {
  flagOnly?: boolean;
  /** The cutover locking; '' or absent: an older controller, and a held record is kept whoever made it. */
  cutoverId?: string;
  /** lockedAt of the held record of another cutover, which the caller vouches is over. */
  finishedLock?: string;
  /** lockedAt of a held record that names no cutover, which the caller vouches its own lock made. */
  ownLock?: string;
}

export interface LockResult {
  prior: FreezeState;
  alreadyLocked: boolean;
  /**
   * The owner of the standing freeze this lock took over: `prior` is staging as that freeze left
   * it. '' for a record that named no cutover (the caller, who vouched for it, knows whose it was).
   */
  tookOverFrom?: string;
}

/** A record that names no cutover: made by an agent older than owners, or for a controller older than cutover_id. */
const ownerless = (s: FreezeState): boolean => s.owner === undefined || s.owner === '';

/**
 * What a lock does with the record the agent holds: keep it (the same cutover again, or a caller
 * that names none), or take over from a cutover the caller vouches is over. A record that cutover
 * keeps is what staging was before ITS lock: a later cutover that kept it as its own would, on
 * rollback, unfreeze a staging it found frozen.
 *
 * A record that names no cutover is kept as the caller's only when the caller vouches its own lock
 * made it (ownLock), and taken over only when it vouches that lock's cutover is over. Before, any
 * cutover's lock kept it: after an agent upgrade, a second cutover's rollback put back what staging
 * was before the first one's lock, unfreezing a staging the first still held.
 */
function heldRecord(store: FreezeStore, opts: LockOptions): { recorded: FreezeState | undefined; takeOver?: FreezeState } {
  const held = store.get();
  const id = opts.cutoverId ?? '';
  if (held === undefined || id === '' || held.owner === id) return { recorded: held };
  const names = (vouched: string | undefined): boolean => vouched !== undefined && vouched !== '' && vouched === held.lockedAt;
  if (ownerless(held) && names(opts.ownLock)) {
    const adopted = { ...held, owner: id };
    store.set(adopted);
    return { recorded: adopted };
  }
  if (names(opts.finishedLock)) return { recorded: undefined, takeOver: held };
  if (ownerless(held)) {
    throw new SwitchyardError(
      'SY_PRECONDITION',
      `staging is frozen by a lock taken at ${held.lockedAt} that names no cutover (made by an agent older than freeze owners, or for a controller older than cutover_id), and this agent keeps that lock's record of staging before it; cutover ${id} may keep it only when its controller vouches its own lock took it, or take the freeze over when its controller knows the cutover that took it is over — otherwise roll that cutover back, or release it, from the controller that ran it`,
      { field: 'cutover_id', details: { owner: '', lockedAt: held.lockedAt } },
    );
  }
  throw new SwitchyardError(
    'SY_PRECONDITION',
    `staging is frozen by cutover ${held.owner} (locked at ${held.lockedAt}), and this agent keeps that cutover's record of staging before its lock; cutover ${id} may take the freeze over only when its controller knows ${held.owner} is over (completed or rolled back) — if ${held.owner} belongs to another controller, roll it back or release it there first`,
    { field: 'cutover_id', details: { owner: held.owner, lockedAt: held.lockedAt } },
  );
}

/**
 * `target` undefined (the agent has no database) or `flagOnly`: the freeze is the maintenance flag
 * alone. A repeated lock keeps the first record, but never changes what the freeze covers.
 */
export function lockWrites(target: DbTarget | undefined, m: Maintenance | undefined, store: FreezeStore, opts: LockOptions = {}): Promise<LockResult> {
  return oneAtATime(() => lockNow(target, m, store, opts));
}

const owned = (s: FreezeState, opts: LockOptions): FreezeState => (opts.cutoverId === undefined || opts.cutoverId === '' ? s : { ...s, owner: opts.cutoverId });

/**
 * A record taking over `takeOver` keeps when that freeze began if staging was still frozen as it
 * left it: the flag up (a flag-only lock), or read_only on after a freeze that set it. A freeze
 * found undone is this lock's, from now. Without this, frozenSince said the take-over's time.
 */
function keepSince(prior: FreezeState, takeOver: FreezeState | undefined): FreezeState {
  if (takeOver === undefined) return prior;
  const stillFrozen = prior.noDatabase === true ? prior.flagFileExisted : takeOver.noDatabase !== true && prior.readOnly;
  return stillFrozen ? { ...prior, frozenSince: frozenSince(takeOver) } : prior;
}

async function lockNow(target: DbTarget | undefined, m: Maintenance | undefined, store: FreezeStore, opts: LockOptions): Promise<LockResult> {
  const { recorded, takeOver } = heldRecord(store, opts);
  // A failed take-over leaves the freeze standing as it was, and its owner's record with it.
  const undoRecord = (): void => (takeOver === undefined ? store.clear() : store.set(takeOver));
  const tookOver = takeOver === undefined ? {} : { tookOverFrom: takeOver.owner ?? '' };
  if (target === undefined || opts.flagOnly === true) {
    if (recorded !== undefined && recorded.noDatabase !== true) {
      throw new SwitchyardError('SY_PRECONDITION', 'staging is already frozen with read_only on its database, and this lock asks for the maintenance flag alone; unlock first, then lock again', { field: 'flag_only' });
    }
    const prior = recorded ?? keepSince(owned({ readOnly: false, superReadOnly: '', noDatabase: true, ...flagPrior(m) }, opts), takeOver);
    if (recorded === undefined) store.set(prior);
    try {
      if (m !== undefined) writeAtomic(m.flagFile, m.content);
    } catch (err) {
      if (recorded === undefined) undoRecord();
      throw err;
    }
    return { prior, alreadyLocked: recorded !== undefined, ...tookOver };
  }
  // A freeze recorded before the database was configured has no read_only to restore: setting
  // it now would leave staging read-only after unlock. (A freeze taken over is recorded anew.)
  if (recorded?.noDatabase === true) throw new SwitchyardError('SY_PRECONDITION', 'staging is already frozen by its maintenance flag alone (database: was not configured then, or that lock asked for the flag only); unlock first, then lock again', { field: 'database' });
  const conn = await connect(target);
  try {
    const prior = recorded ?? keepSince(owned(await readPrior(conn, m), opts), takeOver);
    if (recorded === undefined) store.set(prior);
    try {
      if (m !== undefined) writeAtomic(m.flagFile, m.content);
      await conn.query('SET GLOBAL read_only = ON');
      if (prior.superReadOnly !== '') await conn.query('SET GLOBAL super_read_only = ON');
    } catch (err) {
      // A lock that did not take (no READ_ONLY ADMIN, say) must not leave the site in maintenance
      // with a recorded freeze behind it: put back what this call changed, then report why.
      if (recorded === undefined) {
        await conn.query(`SET GLOBAL read_only = ${prior.readOnly ? 'ON' : 'OFF'}`).catch(() => undefined);
        restoreFlag(prior);
        undoRecord();
      }
      throw err;
    }
    return { prior, alreadyLocked: recorded !== undefined, ...tookOver };
  } catch (err) {
    if (err instanceof SwitchyardError) throw err;
    throw dbError(await explainLockWait(err, target, 'lock writes on staging'), 'lock writes');
  } finally {
    await closeConn(conn);
  }
}

function restoreFlag(prior: FreezeState): void {
  if (prior.flagFile === '') return;
  if (prior.flagFileExisted) {
    writeAtomic(prior.flagFile, prior.flagFileContent);
    // The restored file is a new one: give it the mode the site's own had.
    if (prior.flagFileMode !== undefined) chmodSync(prior.flagFile, prior.flagFileMode);
  }
  else if (existsSync(prior.flagFile)) unlinkSync(prior.flagFile);
}

export interface UnlockResult {
  restored: FreezeState | undefined;
  wasLocked: boolean;
  /** The cutover that owns the freeze, when not the caller: nothing restored, staging stays frozen. */
  heldBy?: string;
  /** lockedAt of the freeze left standing: with heldBy, or alone for a record that names no cutover. */
  heldLockedAt?: string;
}

/**
 * `cutoverId` '' or absent: an older controller, and the record is restored whoever made it.
 * Otherwise a record another cutover owns is left standing (heldBy), and one that names no
 * cutover is restored only when `fromController` names its lockedAt.
 */
export function unlockWrites(target: DbTarget | undefined, store: FreezeStore, fromController?: FreezeState, cutoverId = ''): Promise<UnlockResult> {
  return oneAtATime(() => unlockNow(target, store, fromController, cutoverId));
}

async function unlockNow(target: DbTarget | undefined, store: FreezeStore, fromController: FreezeState | undefined, cutoverId: string): Promise<UnlockResult> {
  const recorded = store.get();
  // Another cutover's freeze (it took over one this caller left, or another controller's): its
  // record is what staging was before THAT lock, not before the caller's, and the caller's copy
  // is of a freeze that no longer stands alone. Either put back would unfreeze a staging the owner holds.
  if (recorded !== undefined && cutoverId !== '' && recorded.owner !== cutoverId) {
    if (!ownerless(recorded)) return { restored: undefined, wasLocked: false, heldBy: recorded.owner!, heldLockedAt: recorded.lockedAt };
    // A record that names no cutover is the caller's only if the caller's copy of its prior
    // state names that very freeze: a cutover whose lock was refused, or that never locked, has
    // no such copy, and restoring would unfreeze a staging another cutover froze.
    if (fromController?.lockedAt !== recorded.lockedAt) return { restored: undefined, wasLocked: false, heldLockedAt: recorded.lockedAt };
  }
  // The controller sends its copy of the prior state in case this agent lost its own; a copy of a
  // freeze this agent already undid is history, and applying it again would undo whatever was
  // changed by hand since (a repeated rollback must be a no-op).
  if (recorded === undefined && fromController !== undefined && fromController.lockedAt === store.released()) return { restored: undefined, wasLocked: false };
  const prior = recorded ?? fromController;
  if (prior === undefined) return { restored: undefined, wasLocked: false };
  if (prior.noDatabase === true) {
    restoreFlag(prior);
    store.clear();
    return { restored: prior, wasLocked: true };
  }
  if (target === undefined) throw new SwitchyardError('SY_PRECONDITION', 'the recorded freeze set read_only on a database, but database: is not configured on this agent now; restore read_only by hand', { field: 'database' });
  const conn = await connect(target);
  try {
    // super_read_only=ON forces read_only; it must go first.
    // Only what differs is set: a server already as it was needs no privilege to stay so, and
    // the flag file still comes down.
    if (prior.superReadOnly !== '') {
      const want = prior.superReadOnly === '1' || prior.superReadOnly === 'ON' ? 'ON' : 'OFF';
      if ((await superReadOnly(conn)) !== prior.superReadOnly) await conn.query(`SET GLOBAL super_read_only = ${want}`);
    }
    const [ro] = await rows<{ v: unknown }>(conn, 'SELECT @@GLOBAL.read_only AS v');
    if ((Number(ro!.v) === 1) !== prior.readOnly) await conn.query(`SET GLOBAL read_only = ${prior.readOnly ? 'ON' : 'OFF'}`);
    restoreFlag(prior);
    store.clear();
    return { restored: prior, wasLocked: true };
  } catch (err) {
    throw dbError(err, 'unlock writes');
  } finally {
    await closeConn(conn);
  }
}

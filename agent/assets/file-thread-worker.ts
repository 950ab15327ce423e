// Blocking file work on a thread of its own, beside the agent's main thread (which also reads
// the network and keeps the manifest):
// - a small file's write: check the bytes' SHA-256, create the temporary file (never following a
//   link planted at its name), write, set mode and mtime, close. In the main thread these calls
//   were a third of its time during a copy of tens of thousands of small files.
// - a large file's SHA-256, read back through the descriptor the main thread wrote it with (the
//   thread shares the process's descriptors): on the main thread, hashing the large files of a
//   delta held up every small file behind them.
// - a small file appended to on staging (only the new tail travels): production's old version
//   read here, checked against the manifest's hash, and written with the tail as a write is.
//   Read on the main thread, 131 such files of a 1% delta held it for ~50 ms (reads and hashes);
//   read here but handed to the main thread, the old bytes came back with the tail in a second
//   job, to be hashed again and written.
// - a durable file's rename into place, and the lstat of what is there then: through the promise
//   API each cost the main thread tens of microseconds per file.
// - the directories a pull wrote into, given staging's modes and mtimes at its end: three calls
//   each (lstat, utimes, lstat) through the promise API cost the main thread ~30 ms of a 1% delta
//   (~180 directories), and the finish waited for them.
// - the tree digest of a root whose records the store does not hold in memory (see
//   digest-cache.ts), read through a read-only connection of this thread's own at the end of a
//   pull (35-45 ms of a 26k-entry manifest that the pull's last phase otherwise spent on the main
//   thread).
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, fchmodSync, futimesSync, lstatSync, openSync, readSync, realpathSync, renameSync, statSync, unlinkSync, utimesSync, writeSync, type BigIntStats } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DIGEST_PAGE_SQL, forEachDigestPage } from './manifest-store.js';
import { digestOfBlocks, type TreeSummary } from './tree-digest.js';
import type { UtimesArg } from './mtime.js';

export interface SmallWriteJob {
  kind: 'write';
  id: number;
  tmp: string;
  data: Uint8Array;
  sha256: Uint8Array;
  mode: number;
  /** From utimesArg: staging's microsecond. */
  mtime: UtimesArg;
}

/** The SHA-256 of the first `size` bytes behind `fd` (open for reading; not closed here). */
export interface HashJob {
  kind: 'hash';
  id: number;
  fd: number;
  size: number;
}

/**
 * A small file appended to: the first `baseSize` bytes of the file at `base` (production's old
 * version; no link followed), which must hash as `baseSha256`, then `tail`; written to `tmp` as a
 * write job is when the whole hashes as `sha256`. 'base-mismatch': the old file is not what the
 * manifest says; 'hash-mismatch': the whole is not what staging listed. Either writes nothing.
 */
export interface AppendJob {
  kind: 'append';
  id: number;
  base: string;
  baseSize: number;
  baseSha256: Uint8Array;
  tail: Uint8Array;
  tmp: string;
  sha256: Uint8Array;
  mode: number;
  /** From utimesArg: staging's microsecond. */
  mtime: UtimesArg;
}

/** rename(from, to), then lstat(to). */
export interface RenameJob {
  kind: 'rename';
  id: number;
  from: string;
  to: string;
}

/** The tree digest of `root` in the state file at `db`, as it stands when the job runs. */
export interface DigestJob {
  kind: 'digest';
  id: number;
  db: string;
  root: string;
}

/**
 * Directories given their final mode and mtime, one after another in the order given (a
 * directory that takes away our own search permission must come after everything below it).
 * Each is lstat'ed first: one that is no directory now, or is reached through a link, is left
 * alone (its answer null).
 */
export interface DirsJob {
  kind: 'dirs';
  id: number;
  dirs: Array<{ abs: string; mode: number; /** From utimesArg. */ mtime: UtimesArg }>;
}

export type FileJob = SmallWriteJob | HashJob | AppendJob | RenameJob | DigestJob | DirsJob;

/** What lstat says, in a form a message can carry. */
export interface StatFields {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  mode: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

export type FileReply =
  | { id: number; status: 'ok' | 'hash-mismatch' | 'base-mismatch' }
  | { id: number; status: 'hashed'; sha256: Uint8Array; bytes: number }
  | { id: number; status: 'renamed'; stat: StatFields }
  | { id: number; status: 'digest'; summary: TreeSummary }
  | { id: number; status: 'dirs'; stats: Array<StatFields | null> }
  | { id: number; status: 'error'; message: string; code?: string; syscall?: string; path?: string };

function write(job: SmallWriteJob): FileReply {
  const got = createHash('sha256').update(job.data).digest();
  if (!got.equals(job.sha256)) return { id: job.id, status: 'hash-mismatch' };
  writeTemp(job.tmp, job.data, job.mode, job.mtime);
  return { id: job.id, status: 'ok' };
}

function writeTemp(tmp: string, data: Uint8Array, mode: number, mtime: UtimesArg): void {
  // O_TRUNC: a leftover from an interrupted run is replaced.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off, off);
    fchmodSync(fd, mode);
    futimesSync(fd, mtime, mtime);
  } catch (err) {
    // Disk full, most likely: what was written of it would only take space until the next pull.
    try {
      unlinkSync(tmp);
    } catch {
      // The next pull removes it (a scan records it as a temporary file).
    }
    throw err;
  } finally {
    closeSync(fd);
  }
}

const HASH_BLOCK = 4 * 1024 * 1024;
let hashBuf: Buffer | undefined;

function hash(job: HashJob): FileReply {
  const buf = (hashBuf ??= Buffer.allocUnsafe(HASH_BLOCK));
  const h = createHash('sha256');
  let pos = 0;
  while (pos < job.size) {
    const n = readSync(job.fd, buf, 0, Math.min(HASH_BLOCK, job.size - pos), pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return { id: job.id, status: 'hashed', sha256: h.digest(), bytes: pos };
}

function append(job: AppendJob): FileReply {
  const mismatch: FileReply = { id: job.id, status: 'base-mismatch' };
  let fd: number;
  try {
    fd = openSync(job.base, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return mismatch;
  }
  const data = Buffer.allocUnsafe(job.baseSize + job.tail.length);
  let got = 0;
  try {
    while (got < job.baseSize) {
      const n = readSync(fd, data, got, job.baseSize - got, got);
      if (n === 0) break;
      got += n;
    }
  } catch {
    return mismatch;
  } finally {
    closeSync(fd);
  }
  if (got !== job.baseSize) return mismatch;
  // One pass over the old bytes serves both hashes: the old version's, and (continued) the whole's.
  const h = createHash('sha256').update(data.subarray(0, got));
  if (!h.copy().digest().equals(job.baseSha256)) return mismatch;
  data.set(job.tail, got);
  if (!h.update(job.tail).digest().equals(job.sha256)) return { id: job.id, status: 'hash-mismatch' };
  writeTemp(job.tmp, data, job.mode, job.mtime);
  return { id: job.id, status: 'ok' };
}

function statFields(st: BigIntStats): StatFields {
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  return { kind, mode: st.mode, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
}

function rename(job: RenameJob): FileReply {
  renameSync(job.from, job.to);
  return { id: job.id, status: 'renamed', stat: statFields(lstatSync(job.to, { bigint: true })) };
}

/** Whether `abs` (under a root already resolved) is its own real path: no link on the way down. */
function reachedWithoutLinks(abs: string): boolean {
  try {
    return realpathSync.native(abs) === abs;
  } catch {
    return false;
  }
}

function dirs(job: DirsJob): FileReply {
  const stats: Array<StatFields | null> = [];
  for (const d of job.dirs) {
    const cur = lstatSync(d.abs, { throwIfNoEntry: false });
    if (cur === undefined || !cur.isDirectory()) {
      stats.push(null);
      continue;
    }
    // lstat follows every component but the last: a directory above this one replaced by a link
    // during the pull (staging listing a link and, below it, a directory) would have this chmod
    // and utimes land wherever that link leads, outside the root too.
    if (!reachedWithoutLinks(d.abs)) {
      stats.push(null);
      continue;
    }
    // Most directories of a delta already have their mode; only their mtime moved.
    if ((cur.mode & 0o7777) !== (d.mode & 0o7777)) chmodSync(d.abs, d.mode & 0o7777);
    utimesSync(d.abs, d.mtime, d.mtime);
    stats.push(statFields(lstatSync(d.abs, { bigint: true })));
  }
  return { id: job.id, status: 'dirs', stats };
}

/** Read-only connections by state file; reopened when the file at that path is another one. */
const readers = new Map<string, { ino: number; page: Database.Statement; db: Database.Database }>();

function digest(job: DigestJob): FileReply {
  const ino = statSync(job.db).ino;
  let r = readers.get(job.db);
  if (r?.ino !== ino) {
    r?.db.close();
    const db = new Database(job.db, { readonly: true, fileMustExist: true });
    r = { ino, db, page: db.prepare(DIGEST_PAGE_SQL) };
    readers.set(job.db, r);
  }
  const { page, db } = r;
  // One read transaction: every page from the same snapshot of the file.
  const summary = db.transaction(() => digestOfBlocks((visit) => forEachDigestPage(page, job.root, visit)))();
  return { id: job.id, status: 'digest', summary };
}

const port = parentPort!;
/**
 * Answers go back a few at a time as the batch proceeds, not all at its end: a batch of 60 small
 * writes takes ~15 ms (their opens mostly), and the pull's slots held by its first files stayed
 * taken until its last was written — the files then moved in convoys of 64.
 */
const REPLY_EVERY_MS = 1;

function run(job: FileJob): FileReply {
  switch (job.kind) {
    case 'hash':
      return hash(job);
    case 'append':
      return append(job);
    case 'rename':
      return rename(job);
    case 'digest':
      return digest(job);
    case 'dirs':
      return dirs(job);
    case 'write':
      return write(job);
  }
}

port.on('message', (jobs: FileJob[]) => {
  let replies: FileReply[] = [];
  let sent = performance.now();
  const send = (): void => {
    port.postMessage(replies);
    replies = [];
  };
  for (const job of jobs) {
    try {
      replies.push(run(job));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      replies.push({ id: job.id, status: 'error', message: e.message, ...(e.code === undefined ? {} : { code: e.code }), ...(e.syscall === undefined ? {} : { syscall: e.syscall }), ...(e.path === undefined ? {} : { path: e.path }) });
    }
    const now = performance.now();
    if (now - sent >= REPLY_EVERY_MS) {
      send();
      sent = now;
    }
  }
  if (replies.length > 0) send();
});

// Blocking file work on a thread of its own, beside the agent's main thread (which also reads
// the network and keeps the manifest):
// - a small file's write: check the bytes' SHA-256, create the temporary file (never following a
//   link planted at its name), write, set mode and mtime, close. In the main thread these calls
//   were a third of its time during a copy of tens of thousands of small files.
// - a large file's SHA-256, read back through the descriptor the main thread wrote it with (the
//   thread shares the process's descriptors): on the main thread, hashing the large files of a
//   delta held up every small file behind them.
// - the bytes of a small file production holds, checked against the manifest's hash: the old
//   version of a file appended to (only the new tail then travels). Read on the main thread,
//   131 such files of a 1% delta held it for ~50 ms (reads and hashes), a tenth of its busy time.
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
import { chmodSync, closeSync, constants, fchmodSync, futimesSync, lstatSync, openSync, readSync, renameSync, statSync, utimesSync, writeSync, type BigIntStats } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DIGEST_PAGE_SQL, forEachDigestPage } from './manifest-store.js';
import { digestOfBlocks, type TreeSummary } from './tree-digest.js';

export interface SmallWriteJob {
  kind: 'write';
  id: number;
  tmp: string;
  data: Uint8Array;
  sha256: Uint8Array;
  mode: number;
  /** Seconds, fractional: what futimes takes. */
  mtime: number;
}

/** The SHA-256 of the first `size` bytes behind `fd` (open for reading; not closed here). */
export interface HashJob {
  kind: 'hash';
  id: number;
  fd: number;
  size: number;
}

/** The first `size` bytes of the file at `path` (no link followed), if their SHA-256 is `sha256`. */
export interface ReadJob {
  kind: 'read';
  id: number;
  path: string;
  size: number;
  sha256: Uint8Array;
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
 * Each is lstat'ed first: one that is no directory now is left alone (its answer null).
 */
export interface DirsJob {
  kind: 'dirs';
  id: number;
  dirs: Array<{ abs: string; mode: number; /** Seconds, fractional: what utimes takes. */ mtime: number }>;
}

export type FileJob = SmallWriteJob | HashJob | ReadJob | RenameJob | DigestJob | DirsJob;

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
  | { id: number; status: 'ok' | 'hash-mismatch' }
  | { id: number; status: 'hashed'; sha256: Uint8Array; bytes: number }
  | { id: number; status: 'read'; data: Uint8Array }
  | { id: number; status: 'unreadable' }
  | { id: number; status: 'renamed'; stat: StatFields }
  | { id: number; status: 'digest'; summary: TreeSummary }
  | { id: number; status: 'dirs'; stats: Array<StatFields | null> }
  | { id: number; status: 'error'; message: string; code?: string };

function write(job: SmallWriteJob): FileReply {
  const got = createHash('sha256').update(job.data).digest();
  if (!got.equals(job.sha256)) return { id: job.id, status: 'hash-mismatch' };
  // O_TRUNC: a leftover from an interrupted run is replaced.
  const fd = openSync(job.tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    for (let off = 0; off < job.data.length; ) off += writeSync(fd, job.data, off, job.data.length - off, off);
    fchmodSync(fd, job.mode);
    futimesSync(fd, job.mtime, job.mtime);
  } finally {
    closeSync(fd);
  }
  return { id: job.id, status: 'ok' };
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

function read(job: ReadJob): FileReply {
  let fd: number;
  try {
    fd = openSync(job.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return { id: job.id, status: 'unreadable' };
  }
  try {
    // Its own ArrayBuffer (never a slice of Buffer's pool): it is handed over, not copied.
    const data = new Uint8Array(job.size);
    let got = 0;
    while (got < job.size) {
      const n = readSync(fd, data, got, job.size - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got !== job.size || !createHash('sha256').update(data).digest().equals(job.sha256)) return { id: job.id, status: 'unreadable' };
    return { id: job.id, status: 'read', data };
  } catch {
    return { id: job.id, status: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

function statFields(st: BigIntStats): StatFields {
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  return { kind, mode: st.mode, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
}

function rename(job: RenameJob): FileReply {
  renameSync(job.from, job.to);
  return { id: job.id, status: 'renamed', stat: statFields(lstatSync(job.to, { bigint: true })) };
}

function dirs(job: DirsJob): FileReply {
  const stats: Array<StatFields | null> = [];
  for (const d of job.dirs) {
    const cur = lstatSync(d.abs, { throwIfNoEntry: false });
    if (cur === undefined || !cur.isDirectory()) {
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
    case 'read':
      return read(job);
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
    port.postMessage(replies, replies.flatMap((r) => (r.status === 'read' ? [r.data.buffer as ArrayBuffer] : [])));
    replies = [];
  };
  for (const job of jobs) {
    try {
      replies.push(run(job));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      replies.push({ id: job.id, status: 'error', message: e.message, ...(e.code === undefined ? {} : { code: e.code }) });
    }
    const now = performance.now();
    if (now - sent >= REPLY_EVERY_MS) {
      send();
      sent = now;
    }
  }
  if (replies.length > 0) send();
});

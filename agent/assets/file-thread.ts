// The main thread's side of file-thread-worker: jobs queued during one turn of the event loop go
// over in one message, and their answers come back in one (a message per file cost more than
// the write it carried). The agent keeps two such threads: one for small files' writes (a second
// writer measured no faster and cost more system time) and one for large files' hashes, so a
// write never waits behind a 60 MB hash.
import { Worker } from 'node:worker_threads';
import { SwitchyardError } from '../../shared/errors.js';
import type { FileJob, FileReply, StatFields } from './file-thread-worker.js';
import type { StatLike } from './scanner.js';
import type { TreeSummary } from './tree-digest.js';
import type { UtimesArg } from './mtime.js';

export type SmallWriteOutcome = 'ok' | 'hash-mismatch';
export type AppendOutcome = SmallWriteOutcome | 'base-mismatch';

interface Waiting {
  resolve: (reply: FileReply) => void;
  reject: (err: unknown) => void;
}

/** A job before it has an id (Omit over each member of the union, not over the union). */
type NewJob = FileJob extends infer J ? (J extends unknown ? Omit<J, 'id'> : never) : never;

export class FileThread {
  private worker: Worker | undefined;
  private nextId = 1;
  /** Jobs sent and not yet answered; the thread holds the process open only while there are any. */
  private readonly waiting = new Map<number, Waiting>();
  private queued: FileJob[] = [];
  private flushScheduled = false;

  private start(): Worker {
    const worker = new Worker(new URL('./file-thread-worker.js', import.meta.url));
    worker.on('message', (replies: FileReply[]) => {
      for (const r of replies) {
        const w = this.waiting.get(r.id);
        if (w === undefined) continue;
        this.waiting.delete(r.id);
        if (r.status === 'error') {
          const { code, syscall, path } = r;
          w.reject(Object.assign(new Error(r.message), code === undefined ? {} : { code }, syscall === undefined ? {} : { syscall }, path === undefined ? {} : { path }));
        }
        else w.resolve(r);
      }
      if (this.waiting.size === 0) worker.unref();
    });
    const fail = (err: unknown): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const e = new SwitchyardError('SY_INTERNAL', `file thread stopped: ${(err as Error)?.message ?? String(err)}`);
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    return worker;
  }

  private send(job: NewJob): Promise<FileReply> {
    const id = this.nextId++;
    this.queued.push({ ...job, id } as FileJob);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /**
   * Writes `data` to `tmp` (created, or truncated when left over) if its SHA-256 is `sha256`,
   * with `mode` and `mtime` (from utimesArg); 'hash-mismatch' writes nothing. The bytes are copied:
   * `data` may be a view of a larger buffer the caller still uses.
   */
  async write(tmp: string, data: Uint8Array, sha256: Uint8Array, mode: number, mtime: UtimesArg): Promise<SmallWriteOutcome> {
    const own = new Uint8Array(data.length);
    own.set(data);
    const r = await this.send({ kind: 'write', tmp, data: own, sha256: Uint8Array.from(sha256), mode, mtime });
    return r.status === 'hash-mismatch' ? 'hash-mismatch' : 'ok';
  }

  /** The SHA-256 of the first `size` bytes behind `fd` (kept open by the caller until this settles), and how many there were. */
  async hash(fd: number, size: number): Promise<{ sha256: Buffer; bytes: number }> {
    const r = await this.send({ kind: 'hash', fd, size });
    if (r.status !== 'hashed') throw new SwitchyardError('SY_INTERNAL', `file thread answered ${r.status} to a hash`);
    return { sha256: Buffer.from(r.sha256), bytes: r.bytes };
  }

  /**
   * Writes to `tmp` the first `baseSize` bytes of the file at `base` (no link followed) followed
   * by `tail`, if the old bytes hash as `baseSha256` ('base-mismatch' if not, or unreadable) and
   * the whole as `sha256` ('hash-mismatch'), with `mode` and `mtime` (from utimesArg). `tail` is copied.
   */
  async append(base: string, baseSize: number, baseSha256: Uint8Array, tail: Uint8Array, tmp: string, sha256: Uint8Array, mode: number, mtime: UtimesArg): Promise<AppendOutcome> {
    const own = new Uint8Array(tail.length);
    own.set(tail);
    const r = await this.send({ kind: 'append', base, baseSize, baseSha256: Uint8Array.from(baseSha256), tail: own, tmp, sha256: Uint8Array.from(sha256), mode, mtime });
    if (r.status === 'ok' || r.status === 'hash-mismatch' || r.status === 'base-mismatch') return r.status;
    throw new SwitchyardError('SY_INTERNAL', `file thread answered ${r.status} to an append`);
  }

  /** Renames `from` to `to` and says what lstat then finds at `to`. */
  async rename(from: string, to: string): Promise<StatLike> {
    const r = await this.send({ kind: 'rename', from, to });
    if (r.status !== 'renamed') throw new SwitchyardError('SY_INTERNAL', `file thread answered ${r.status} to a rename`);
    return statLike(r.stat);
  }

  /**
   * Gives each directory its mode and mtime (from utimesArg), in the order given, and says what lstat
   * then finds there; undefined for one that is no directory now or is reached through a link (left alone).
   */
  async finishDirs(dirs: Array<{ abs: string; mode: number; mtime: UtimesArg }>): Promise<Array<StatLike | undefined>> {
    const r = await this.send({ kind: 'dirs', dirs });
    if (r.status !== 'dirs') throw new SwitchyardError('SY_INTERNAL', `file thread answered ${r.status} to directories`);
    return r.stats.map((s) => (s === null ? undefined : statLike(s)));
  }

  /** The tree digest of `root` in the state file at `db` (committed rows only), from this thread's own read-only connection. */
  async digest(db: string, root: string): Promise<TreeSummary> {
    const r = await this.send({ kind: 'digest', db, root });
    if (r.status !== 'digest') throw new SwitchyardError('SY_INTERNAL', `file thread answered ${r.status} to a digest`);
    return r.summary;
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.queued;
    this.queued = [];
    if (jobs.length === 0) return;
    const worker = (this.worker ??= this.start());
    worker.ref();
    worker.postMessage(
      jobs,
      jobs.flatMap((j) => (j.kind === 'write' ? [j.data.buffer as ArrayBuffer] : j.kind === 'append' ? [j.tail.buffer as ArrayBuffer] : [])),
    );
  }

  /** Ends the thread; pending jobs fail (through its 'exit'). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    // The event loop is held until the thread's 'exit' is heard: on a loaded machine
    // terminate() sometimes left it with nothing to wait on, and the process ended with the
    // close still pending (Node 20; a loop of the unit test's steps under load: 2 of 14 runs of
    // 60 closes each, none in 24 runs since).
    const hold = setInterval(() => undefined, 1000);
    try {
      await worker.terminate();
    } finally {
      clearInterval(hold);
    }
  }
}

function statLike(s: StatFields): StatLike {
  const { kind, mode, size, mtimeNs, ctimeNs, ino } = s;
  return { mode, size, mtimeNs, ctimeNs, ino, isFile: () => kind === 'file', isDirectory: () => kind === 'dir', isSymbolicLink: () => kind === 'symlink' };
}

const shared = new Map<string, FileThread>();

/** One of the agent's file threads: started by its first job, idle (unref'd) between pulls. */
export function sharedFileThread(use: 'small-writes' | 'large-hashes'): FileThread {
  let t = shared.get(use);
  if (t === undefined) shared.set(use, (t = new FileThread()));
  return t;
}

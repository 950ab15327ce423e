// The main thread's side of small-write-worker: jobs queued during one turn of the event loop go
// over in one message per thread, and their answers come back the same way (a message per file
// cost more than the write it carried).
import { Worker } from 'node:worker_threads';
import { SwitchyardError } from '../../shared/errors.js';
import type { SmallWriteJob, SmallWriteReply } from './small-write-worker.js';

export type SmallWriteOutcome = 'ok' | 'hash-mismatch';

interface Waiting {
  resolve: (o: SmallWriteOutcome) => void;
  reject: (err: unknown) => void;
}

/** One writer thread and the number of its jobs still unanswered (it is unref'd at zero). */
interface Thread {
  worker: Worker;
  open: number;
}

export class SmallWriter {
  private readonly threads: Array<Thread | undefined>;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private queued: SmallWriteJob[] = [];
  private turn = 0;
  private flushScheduled = false;

  constructor(threads = 1) {
    this.threads = Array.from({ length: Math.max(1, threads) }, () => undefined);
  }

  private thread(slot: number): Thread {
    const existing = this.threads[slot];
    if (existing !== undefined) return existing;
    const t: Thread = { worker: new Worker(new URL('./small-write-worker.js', import.meta.url)), open: 0 };
    this.threads[slot] = t;
    t.worker.on('message', (replies: SmallWriteReply[]) => {
      t.open -= replies.length;
      if (t.open === 0) t.worker.unref();
      for (const r of replies) {
        const w = this.waiting.get(r.id);
        if (w === undefined) continue;
        this.waiting.delete(r.id);
        if (r.status === 'error') w.reject(Object.assign(new Error(r.message), r.code === undefined ? {} : { code: r.code }));
        else w.resolve(r.status);
      }
    });
    const fail = (err: unknown): void => {
      if (this.threads[slot] !== t) return;
      this.threads[slot] = undefined;
      // Which jobs were this thread's is not tracked: every unanswered one fails, and the pull with it.
      const e = new SwitchyardError('SY_INTERNAL', `small-file writer thread stopped: ${(err as Error)?.message ?? String(err)}`);
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    t.worker.on('error', fail);
    t.worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    return t;
  }

  /**
   * Writes `data` to `tmp` (created, or truncated when left over) if its SHA-256 is `sha256`,
   * with `mode` and `mtime` (seconds); 'hash-mismatch' writes nothing. The bytes are copied:
   * `data` may be a view of a larger buffer the caller still uses.
   */
  write(tmp: string, data: Uint8Array, sha256: Uint8Array, mode: number, mtime: number): Promise<SmallWriteOutcome> {
    const id = this.nextId++;
    const own = new Uint8Array(data.length);
    own.set(data);
    this.queued.push({ id, tmp, data: own, sha256: Uint8Array.from(sha256), mode, mtime });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.queued;
    this.queued = [];
    const n = this.threads.length;
    const per = Math.ceil(jobs.length / n);
    for (let i = 0; i < jobs.length; i += per) {
      const part = jobs.slice(i, i + per);
      const t = this.thread(this.turn);
      this.turn = (this.turn + 1) % n;
      t.open += part.length;
      t.worker.ref();
      t.worker.postMessage(part, part.map((j) => j.data.buffer as ArrayBuffer));
    }
  }

  /** Ends the threads; pending writes fail. */
  async close(): Promise<void> {
    const all = this.threads.splice(0, this.threads.length, ...this.threads.map(() => undefined));
    await Promise.all(all.map((t) => t?.worker.terminate()));
  }
}

let shared: SmallWriter | undefined;

/** The agent's writer threads: started by the first small file, idle (unref'd) between pulls. */
export function sharedSmallWriter(): SmallWriter {
  return (shared ??= new SmallWriter());
}

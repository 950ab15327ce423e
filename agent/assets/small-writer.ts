// The main thread's side of small-write-worker: jobs queued during one turn of the event loop go
// over in one message, and their answers come back in one (a message per file cost more than
// the write it carried). One thread: a second measured no faster and cost more system time.
import { Worker } from 'node:worker_threads';
import { SwitchyardError } from '../../shared/errors.js';
import type { SmallWriteJob, SmallWriteReply } from './small-write-worker.js';

export type SmallWriteOutcome = 'ok' | 'hash-mismatch';

interface Waiting {
  resolve: (o: SmallWriteOutcome) => void;
  reject: (err: unknown) => void;
}

export class SmallWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  /** Jobs sent and not yet answered; the thread holds the process open only while there are any. */
  private readonly waiting = new Map<number, Waiting>();
  private queued: SmallWriteJob[] = [];
  private flushScheduled = false;

  private start(): Worker {
    const worker = new Worker(new URL('./small-write-worker.js', import.meta.url));
    worker.on('message', (replies: SmallWriteReply[]) => {
      for (const r of replies) {
        const w = this.waiting.get(r.id);
        if (w === undefined) continue;
        this.waiting.delete(r.id);
        if (r.status === 'error') w.reject(Object.assign(new Error(r.message), r.code === undefined ? {} : { code: r.code }));
        else w.resolve(r.status);
      }
      if (this.waiting.size === 0) worker.unref();
    });
    const fail = (err: unknown): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const e = new SwitchyardError('SY_INTERNAL', `small-file writer thread stopped: ${(err as Error)?.message ?? String(err)}`);
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    return worker;
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
    if (jobs.length === 0) return;
    const worker = (this.worker ??= this.start());
    worker.ref();
    worker.postMessage(jobs, jobs.map((j) => j.data.buffer as ArrayBuffer));
  }

  /** Ends the thread; pending writes fail (through its 'exit'). */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

let shared: SmallWriter | undefined;

/** The agent's writer thread: started by the first small file, idle (unref'd) between pulls. */
export function sharedSmallWriter(): SmallWriter {
  return (shared ??= new SmallWriter());
}

// The main thread's handle on a chokidar running in watch-worker: the events it forwards, and a
// way to ask how long the file system has been quiet (what settle() waits on).
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FromWatcher, ToWatcher } from './watch-worker.js';

export class ThreadedWatcher extends EventEmitter {
  closed = false;
  private readonly worker: Worker;
  private nextAsk = 1;
  private readonly asks = new Map<number, (quietForMs: number) => void>();
  private readonly watchAsks = new Map<number, (watched: string[]) => void>();

  constructor(root: string) {
    super();
    this.worker = new Worker(new URL('./watch-worker.js', import.meta.url), { workerData: { root } });
    this.worker.on('message', (m: FromWatcher) => {
      if (m.type === 'paths') for (const p of m.paths) this.emit('all', 'change', p);
      else if (m.type === 'quiet' || m.type === 'muted') {
        this.asks.get(m.id)?.(m.type === 'quiet' ? m.quietForMs : 0);
        this.asks.delete(m.id);
      } else if (m.type === 'watching') {
        this.watchAsks.get(m.id)?.(m.watched);
        this.watchAsks.delete(m.id);
      } else if (m.type === 'ready') this.emit('ready');
      else if (m.type === 'error') this.emit('error', Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }));
    });
    this.worker.on('error', (err) => this.emit('error', err));
    this.worker.on('exit', () => {
      for (const resolve of this.asks.values()) resolve(Number.POSITIVE_INFINITY);
      this.asks.clear();
      for (const resolve of this.watchAsks.values()) resolve([]);
      this.watchAsks.clear();
    });
  }

  /**
   * Milliseconds since the last file-system event (`of: 'chokidar'`: since chokidar's own last
   * event); every path seen before the call has been emitted. `endsCatchUpAfterMs`: once chokidar
   * has been quiet that long after an unmute, its events are forwarded again.
   */
  quietFor(of: 'raw' | 'chokidar' = 'raw', endsCatchUpAfterMs?: number): Promise<number> {
    if (this.closed) return Promise.resolve(Number.POSITIVE_INFINITY);
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      this.asks.set(id, resolve);
      this.worker.postMessage({ type: 'ask', id, of, ...(endsCatchUpAfterMs === undefined ? {} : { endsCatchUpAfterMs }) } satisfies ToWatcher);
    });
  }

  /** Which of these directories (relative to the root) chokidar watches now; none when it cannot tell. */
  watching(paths: string[]): Promise<string[]> {
    if (this.closed || paths.length === 0) return Promise.resolve([]);
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      this.watchAsks.set(id, resolve);
      this.worker.postMessage({ type: 'watching', id, paths } satisfies ToWatcher);
    });
  }

  /**
   * Resolves once the watcher thread diverts every directory event (paths still come, chokidar
   * re-reads nothing) — see watch-event-diversion. A closed watcher has nothing to mute.
   */
  mute(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      this.asks.set(id, () => resolve());
      this.worker.postMessage({ type: 'mute', id } satisfies ToWatcher);
    });
  }

  /** chokidar re-reads, once, each directory that had entries created, removed or moved while muted. */
  unmute(): void {
    if (!this.closed) this.worker.postMessage({ type: 'unmute' } satisfies ToWatcher);
  }

  /**
   * Stops forwarding at once; chokidar's own close (a walk over every watch) finishes in the
   * worker, which then exits. Nothing waits for it: the main thread goes on.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.removeAllListeners('all');
    this.worker.postMessage({ type: 'close' } satisfies ToWatcher);
    // A worker that does not exit on its own within a while is ended.
    const timer = setTimeout(() => void this.worker.terminate(), 60_000);
    timer.unref();
    this.worker.once('exit', () => clearTimeout(timer));
    this.worker.unref();
    return Promise.resolve();
  }
}

// A few connections to the agent's own server shared by concurrent statements (chunk sums),
// opened only when a statement finds none free, so a short job opens one, a long tail many.
import type { Connection } from 'mysql2/promise';
import { closeConn } from './connect.js';

export class ConnPool {
  private readonly all: Connection[] = [];
  private readonly free: Connection[] = [];
  private readonly waiters: Array<{ resolve: (c: Connection) => void; reject: (err: unknown) => void }> = [];
  private opening = 0;

  constructor(
    private readonly open: () => Promise<Connection>,
    private readonly max: number,
  ) {}

  /** Runs `fn` on a connection of its own for the duration. */
  async use<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const c = await this.take();
    try {
      return await fn(c);
    } finally {
      this.give(c);
    }
  }

  private async take(): Promise<Connection> {
    const c = this.free.pop();
    if (c !== undefined) return c;
    if (this.all.length + this.opening < Math.max(1, this.max)) {
      this.opening++;
      try {
        const fresh = await this.open();
        this.all.push(fresh);
        return fresh;
      } catch (err) {
        // A waiter counted on this connection: it tries for itself rather than wait forever.
        const w = this.waiters.shift();
        if (w !== undefined) queueMicrotask(() => this.take().then(w.resolve, w.reject));
        throw err;
      } finally {
        this.opening--;
      }
    }
    return new Promise<Connection>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private give(c: Connection): void {
    const w = this.waiters.shift();
    if (w !== undefined) w.resolve(c);
    else this.free.push(c);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((c) => closeConn(c)));
  }
}

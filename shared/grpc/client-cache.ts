// Channels to peer agents kept between calls. A cutover pulls, verifies, pulls again, and every
// new channel pays for TCP + HTTP/2 (+ mutual TLS) set-up before its first byte — on a busy
// machine that was a tenth of a small delta. A handful of peers at most; one left unused for a
// while is closed, and grpc-js reconnects a kept channel by itself should the peer restart.
export interface Closable {
  close(): void;
}

export class ClientCache<C extends Closable> {
  private readonly entries = new Map<string, { client: C; timer: NodeJS.Timeout }>();

  constructor(
    private readonly idleMs = 5 * 60_000,
    private readonly max = 8,
  ) {}

  get(key: string, make: () => C): C {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      hit.timer.refresh();
      // Most recently used last: eviction takes the first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.client;
    }
    if (this.entries.size >= this.max) this.drop(this.entries.keys().next().value as string);
    const client = make();
    const timer = setTimeout(() => this.drop(key), this.idleMs);
    timer.unref();
    this.entries.set(key, { client, timer });
    return client;
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    clearTimeout(e.timer);
    this.entries.delete(key);
    e.client.close();
  }

  closeAll(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }
}

// A token bucket shared by all streams of one transfer. The receiver waits before taking a
// chunk off the stream, so gRPC flow control carries the limit back to the sender.
import { setTimeout as sleep } from 'node:timers/promises';

export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  /** bytesPerSecond <= 0 means unlimited. Burst: a quarter second's worth, at least one chunk. */
  constructor(
    private readonly bytesPerSecond: number,
    private readonly burst = Math.max(bytesPerSecond / 4, 256 * 1024),
  ) {
    this.tokens = this.burst;
  }

  async take(bytes: number): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
      this.last = now;
      if (this.tokens >= Math.min(bytes, this.burst)) {
        this.tokens -= bytes;
        return;
      }
      await sleep(Math.ceil(((Math.min(bytes, this.burst) - this.tokens) / this.bytesPerSecond) * 1000));
    }
  }
}

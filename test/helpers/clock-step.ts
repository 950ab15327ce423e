// The wall clock stepping under a running test, as NTP stepping it (or a VM resumed) would.
import type { TestContext } from 'node:test';

/**
 * Steps Date.now an hour ahead `afterMs` from now. `restore()` puts the real clock back; so does
 * the end of the test, which also drops a step not taken yet.
 */
export function stepWallClockAhead(t: Pick<TestContext, 'after'>, afterMs: number): { restore(): void } {
  const realNow = Date.now;
  const restore = () => {
    Date.now = realNow;
  };
  t.after(restore);
  const step = setTimeout(() => {
    Date.now = () => realNow() + 3_600_000;
  }, afterMs);
  t.after(() => clearTimeout(step));
  return { restore };
}

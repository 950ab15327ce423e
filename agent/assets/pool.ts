// Bounded concurrency over an iterable, without materialising it: a pull's plan pages through
// SQLite, and a watcher drain hands over a batch of paths.

/** Runs fn over items with at most `limit` in flight; the first error stops new work and is thrown. */
export async function pool<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for (const item of items) {
    if (failure !== undefined) break;
    const p = fn(item).catch((err: unknown) => {
      failure ??= err;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
}

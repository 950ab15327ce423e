// A wait that ends early on abort (resolving, not rejecting): a rollback asked for during a poll's
// pause, or a CLI interrupted during a retry's backoff, must not sit out the interval.
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

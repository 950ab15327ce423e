// Whether a failed replace changed anything. A switch refused at its first write (a rate limit
// that blocks the token for minutes) has nothing to undo, and its undo would be refused the same
// way: knowing the set was left as it was, the switch says so instead of "unknown".
import { SwitchyardError } from '../../shared/errors.js';
import { notApplied } from './http.js';

/** Sends one write of a replace; resolves or rejects as `send` does. */
export type Write = <R>(send: () => Promise<R>) => Promise<R>;

/** The replace failed before any write could have reached the provider: the set is as it was. */
export function leftUnchanged(err: unknown): boolean {
  return err instanceof SwitchyardError && err.details?.unchanged === true;
}

/**
 * Runs a replace whose writes go through `write`. A failure before any write was sent, or with
 * every write sent so far refused unprocessed (a 4xx, never sent, aborted before sending), is
 * rethrown marked `details.unchanged`. Any other leaves it unmarked: the set may have changed.
 */
export async function trackWrites<T>(run: (write: Write) => Promise<T>): Promise<T> {
  let mayHaveChanged = false;
  const write: Write = async (send) => {
    try {
      const r = await send();
      mayHaveChanged = true;
      return r;
    } catch (err) {
      if (!notApplied(err)) mayHaveChanged = true;
      throw err;
    }
  };
  try {
    return await run(write);
  } catch (err) {
    if (mayHaveChanged || !(err instanceof SwitchyardError)) throw err;
    throw new SwitchyardError(err.code, err.message, { field: err.field, details: { ...err.details, unchanged: true }, cause: err.cause });
  }
}

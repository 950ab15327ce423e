// How the CLI waits out a controller that is restarting or a connection that dropped: the same
// short, growing pause for the event stream and for the reads around it.

/** What a proxy in front of a restarting controller answers: worth waiting for, like a refused connection. */
export const PASSING = new Set([502, 503, 504]);

/** How long a watch keeps trying while the controller does not answer: a restart, recovery included. */
export const DEFAULT_PATIENCE_MS = 120_000;

/** The pause before retry number `attempt` (1, 2, …): half a second more each time, at most 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(500 * attempt, 5000);
}

export { sleep } from '../../shared/sleep.js';

/** The short reason a request did not get through (ECONNREFUSED, UND_ERR_SOCKET), for the final error. */
export function transportReason(err: unknown): string {
  return (err as Error & { cause?: { code?: string } }).cause?.code ?? String(err);
}

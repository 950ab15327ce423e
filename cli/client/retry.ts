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

type FetchFailure = Error & { cause?: { code?: string; message?: string } };

/** The short reason a request did not get through (ECONNREFUSED, UND_ERR_SOCKET, bad port), for the final error. */
export function transportReason(err: unknown): string {
  const cause = (err as FetchFailure).cause;
  return cause?.code ?? cause?.message ?? String(err);
}

/**
 * Whether waiting could help: a refused or dropped connection can (a restarting controller, a
 * flaky link); a host name that does not resolve, a certificate not trusted, or a URL fetch will
 * not open at all (a port browsers block, such as 9 or 25: undici's "bad port", with no code),
 * cannot — asking again only hides the mistake for longer.
 */
export function worthRetrying(err: unknown): boolean {
  const code = (err as FetchFailure).cause?.code;
  return code !== undefined && code !== 'ENOTFOUND' && !TLS_REFUSAL.test(code);
}

// A certificate the client does not trust, or TLS spoken to a plain port (or the other way
// round), is the same on every try: OpenSSL's and Node's TLS error codes.
const TLS_REFUSAL = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)|ERR_INVALID_URL$)/;

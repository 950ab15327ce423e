// One HTTP call to a DNS provider's API: a timeout per attempt, retries with exponential backoff
// on what may pass (5xx, 429, timeouts, connection errors), none on a 4xx, which will not.
import { SwitchyardError } from '../../shared/errors.js';

export interface RetryPolicy {
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  /** Cap of the backoff between attempts; a provider's Retry-After is not held to it. */
  maxDelayMs: number;
  /**
   * Most one call waits in all for the provider's Retry-After. A longer wait fails at once, saying
   * when to try again: Cloudflare's rate limit blocks a token for up to five minutes, and retrying
   * inside the block only spends the retries.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { timeoutMs: 10_000, retries: 4, baseDelayMs: 300, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

export interface ProviderCall {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 404 on a DELETE retried after it landed). */
  accept?: number[];
  /**
   * Once aborted, no attempt starts and a wait for the next one ends at once. A GET in flight is
   * cut at once: it changes nothing. Any other method in flight runs to its own timeout unless
   * `cutInFlight` says otherwise, see cuttable.
   */
  signal?: AbortSignal;
  /**
   * A write that changes no record and may be repeated (an edge-cache purge): an abort cuts it
   * in flight like a read. Whether it landed matters to nobody: no restore decides on it.
   */
  cutInFlight?: boolean;
}

export interface ProviderClient {
  /** Provider name for messages, e.g. "powerdns pdns-main". */
  label: string;
  policy: RetryPolicy;
  /** Strings scrubbed from every message (the token or API key). */
  secrets: string[];
  /** The provider's own error text from a failed response body. */
  errorText(body: unknown, text: string): string;
  sleep?: (ms: number) => Promise<void>;
}

export interface ProviderResponse {
  status: number;
  body: unknown;
}

const RETRY_STATUS = (s: number) => s >= 500 || s === 429;
// A POST that may have reached the server is not repeated blindly: it could create a duplicate.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}

function backoff(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt * (0.75 + Math.random() * 0.5));
}

/** What a Retry-After asks for, in ms: delta-seconds (Cloudflare's, rounded up) or an HTTP-date. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves after `ms`, or at once when `signal` aborts (the timer is dropped, not left to run out). */
function wait(ms: number, signal: AbortSignal | undefined, sleep: ((ms: number) => Promise<void>) | undefined): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    signal?.addEventListener('abort', done, { once: true });
    if (sleep !== undefined) sleep(ms).then(done, done);
    else timer = setTimeout(done, ms);
  });
}

function networkCode(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string }; code?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'TIMEOUT';
  return e.cause?.code ?? e.code ?? 'NETWORK';
}

/**
 * The provider did not act on the call: every attempt was refused unprocessed (a 4xx) or never
 * sent. A timeout, a 5xx or a connection lost after sending may have landed, so they do not count.
 */
export function notApplied(err: unknown): boolean {
  return err instanceof SwitchyardError && err.details?.applied === false;
}

/**
 * Whether an abort ends an attempt already sent. Only a read, or a write the caller marks
 * harmless to cut (cutInFlight: a cache purge, which no restore reads back): a write cut off client-side may
 * still be applied by the provider, later and in an order nobody sees. The caller would then
 * have to read back to learn what the provider holds, and that read could come before the cut
 * write lands (PowerDNS and Cloudflare go on with a request whose client went away), so a
 * restore deciding on it would leave the write standing after it. Let run, the write's answer
 * says whether it landed, and a zone's writes stay one after another (the providers' write
 * queues are released only once the provider has answered): the switch step restores a change
 * that landed after an abort, and the rollback's restore queues behind it.
 */
function cuttable(call: ProviderCall): boolean {
  return call.method === 'GET' || call.cutInFlight === true;
}

function abortedError(where: string, signal: AbortSignal, attempt: number, last: string, detail: { inFlight: boolean; mayHaveLanded: boolean }): SwitchyardError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
  const tried = detail.inFlight ? `cut off in flight at attempt ${attempt + 1}` : attempt === 0 ? 'not sent' : `not retried after ${attempt} attempt(s) (${last})`;
  return new SwitchyardError('SY_CONFLICT', `${where}: ${tried}: ${reason}`, {
    details: { aborted: true, attempts: detail.inFlight ? attempt + 1 : attempt, ...(detail.mayHaveLanded ? {} : { applied: false }) },
  });
}

export async function providerRequest(client: ProviderClient, call: ProviderCall): Promise<ProviderResponse> {
  const path = new URL(call.url).pathname + new URL(call.url).search;
  const where = `${client.label}: ${call.method} ${path}`;
  const headers = { Accept: 'application/json', ...call.headers, ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  let last = '';
  let attempts = 0;
  let waitedForProvider = 0;
  let mayHaveLanded = false;
  for (let attempt = 0; ; attempt++) {
    if (call.signal?.aborted === true) throw abortedError(where, call.signal, attempt, last, { inFlight: false, mayHaveLanded });
    attempts = attempt + 1;
    const final = attempt >= client.policy.retries;
    const timeout = AbortSignal.timeout(client.policy.timeoutMs);
    const cut = call.signal !== undefined && cuttable(call) ? call.signal : undefined;
    let res: Response;
    try {
      res = await fetch(call.url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: cut === undefined ? timeout : AbortSignal.any([cut, timeout]),
      });
    } catch (err) {
      // Aborted with a reason, fetch rejects with that reason, not an AbortError. A write cut
      // once sent may still be applied by the provider.
      if (cut?.aborted === true) throw abortedError(where, cut, attempt, last, { inFlight: true, mayHaveLanded: mayHaveLanded || call.method !== 'GET' });
      const code = networkCode(err);
      last = code === 'TIMEOUT' ? `no answer in ${client.policy.timeoutMs} ms` : `${code} ${scrub((err as Error).message, client.secrets)}`;
      if (!NOT_SENT.has(code)) mayHaveLanded = true;
      const retryable = call.method !== 'POST' || NOT_SENT.has(code);
      if (final || !retryable) break;
      await wait(backoff(attempt, client.policy), call.signal, client.sleep);
      continue;
    }
    const text = await res.text().catch(() => '');
    // An answer cut off mid-body is no answer: it must not read as an empty one.
    if (cut?.aborted === true) throw abortedError(where, cut, attempt, last, { inFlight: true, mayHaveLanded: mayHaveLanded || call.method !== 'GET' });
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.ok || call.accept?.includes(res.status)) return { status: res.status, body };
    last = `HTTP ${res.status}: ${scrub(client.errorText(body, text).slice(0, 500), client.secrets)}`;
    if (res.status >= 500) mayHaveLanded = true;
    // 429 means the request was refused unprocessed, so even a POST may be repeated.
    const retryable = RETRY_STATUS(res.status) && (call.method !== 'POST' || res.status === 429);
    const now = Date.now();
    const asked = retryAfterMs(res.headers.get('retry-after'), now);
    const left = client.policy.maxRetryAfterMs - waitedForProvider;
    const tooLong = retryable && !final && asked !== undefined && asked > left;
    if (final || !retryable || tooLong) {
      // The operator re-running the step (or the rollback) needs to know when the provider will
      // take requests again.
      if (asked !== undefined) {
        const bound = waitedForProvider === 0 ? `the ${client.policy.maxRetryAfterMs / 1000} s a call waits for it` : `the ${left / 1000} s left of the ${client.policy.maxRetryAfterMs / 1000} s a call waits for it`;
        last += `; the provider asks to wait ${Math.ceil(asked / 1000)} s before the next request (Retry-After)${tooLong ? `, longer than ${bound}` : ''}: try again after ${new Date(now + asked).toISOString()}`;
      }
      throw new SwitchyardError('SY_DNS_PROVIDER', `${where} failed after ${attempt + 1} attempt(s): ${last}`, {
        details: { status: res.status, attempts: attempt + 1, ...(asked === undefined ? {} : { retryAfterSeconds: Math.ceil(asked / 1000) }), ...(mayHaveLanded ? {} : { applied: false }) },
      });
    }
    if (asked !== undefined) waitedForProvider += asked;
    await wait(asked ?? backoff(attempt, client.policy), call.signal, client.sleep);
  }
  throw new SwitchyardError('SY_DNS_PROVIDER', `${where} failed after ${attempts} attempt(s): ${last}`, { details: { attempts, ...(mayHaveLanded ? {} : { applied: false }) } });
}

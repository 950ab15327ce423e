// For a proxied Cloudflare record DNS only ever shows Cloudflare's addresses, so propagation is
// proven at the HTTP layer: each origin's web server adds a header naming itself, e.g. in nginx
//   add_header X-Switchyard-Origin prod-1 always;
// and a request through the edge must come back with the production origin's name.
//
// Only an answer an origin made just now is evidence. The edge also answers by itself: a
// Redirect Rule, Page Rule or Always Use HTTPS redirect carries no origin header, and a cache
// rule ("Cache Everything", "Ignore query string") serves a copy cached from the old origin,
// with the old origin's header, whatever the probe's query string (and Cloudflare documents no
// request header that makes its cache step aside by default). So same-host edge redirects are followed, answers
// from the edge's cache count as neither production nor staging, and when the page itself is
// only answered from cache a path of its own (never cached before) asks the origin instead.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * production: an origin answered and named the expected one. other-origin: an origin answered
 * and named another (staging still serves). inconclusive: the edge answered by itself (from
 * cache, a redirect elsewhere, its own error page) or nothing answered: no evidence either way.
 */
export type OriginVerdict = 'production' | 'other-origin' | 'inconclusive';

export interface OriginCheck {
  url: string;
  ok: boolean;
  verdict: OriginVerdict;
  status: number | null;
  /** The header's value as received; null when absent. */
  origin: string | null;
  /** Cloudflare's cf-cache-status of the answer judged; null when absent. */
  cacheStatus: string | null;
  /** The URLs asked, in order: the page, redirects followed, the uncached probe path. */
  via: string[];
  latencyMs: number;
  error: string | null;
}

export interface OriginCheckOptions {
  header?: string;
  timeoutMs?: number;
}

export const ORIGIN_HEADER = 'X-Switchyard-Origin';
/** The path asked when the page's answers come from the edge's cache; unique per probe. */
export const PROBE_PATH_PREFIX = '/switchyard-probe-';
const MAX_REDIRECTS = 5;
// What cf-cache-status says when the edge served its stored copy rather than the origin's answer
// of now; MISS, EXPIRED, BYPASS and DYNAMIC went to the origin.
const FROM_CACHE = new Set(['HIT', 'STALE', 'UPDATING', 'REVALIDATED']);

function probeUrl(url: URL | string): URL {
  const u = new URL(url);
  u.searchParams.set('switchyard-probe', randomBytes(6).toString('hex'));
  return u;
}

function fromCache(res: Response): string | null {
  const status = res.headers.get('cf-cache-status')?.trim().toUpperCase() ?? null;
  if (status !== null && FROM_CACHE.has(status)) return `cf-cache-status ${status}`;
  const age = Number(res.headers.get('age') ?? '0');
  if (Number.isFinite(age) && age > 0) return `Age ${age}`;
  return null;
}

type Answer = Omit<OriginCheck, 'url' | 'latencyMs' | 'via'> & { fromCache?: true };

async function probe(start: URL, expectOrigin: string, header: string, timeoutMs: number, via: string[]): Promise<Answer> {
  let target = probeUrl(start);
  for (let hop = 0; ; hop++) {
    via.push(target.toString());
    // A unique query string and no-cache keep caches that honour them from answering with a page
    // cached from the old origin; the edge's own cache is judged by cf-cache-status below.
    const res = await fetch(target, { redirect: 'manual', headers: { 'Cache-Control': 'no-cache', Pragma: 'no-cache' }, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    const origin = res.headers.get(header);
    const cacheStatus = res.headers.get('cf-cache-status');
    const base = { status: res.status, origin, cacheStatus };
    const cached = fromCache(res);
    if (cached !== null) {
      return { ...base, ok: false, verdict: 'inconclusive', fromCache: true, error: `the edge answered from its cache (${cached}${origin === null ? '' : `, ${header} '${origin}' is the cached copy's`}): not evidence of which origin serves now` };
    }
    if (origin !== null) {
      const ok = origin === expectOrigin;
      return { ...base, ok, verdict: ok ? 'production' : 'other-origin', error: ok ? null : `${header} is '${origin}', expected '${expectOrigin}'` };
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (location === null) return { ...base, ok: false, verdict: 'inconclusive', error: `${header} is absent (HTTP ${res.status}): the answer did not come from a configured origin` };
    // No origin header on a redirect: the edge made it (a Redirect Rule, Always Use HTTPS). On the
    // same host the page it points to is the origin's to answer; another host is another record.
    const next = new URL(location, target);
    if (next.hostname !== start.hostname) return { ...base, ok: false, verdict: 'inconclusive', error: `the edge redirects to ${next.origin} (HTTP ${res.status}, no ${header}): another host, not evidence for this record` };
    if (hop + 1 >= MAX_REDIRECTS) return { ...base, ok: false, verdict: 'inconclusive', error: `more than ${MAX_REDIRECTS} redirects without ${header}` };
    target = probeUrl(next);
  }
}

export async function confirmOriginByHttp(url: string, expectOrigin: string, opts: OriginCheckOptions = {}): Promise<OriginCheck> {
  const header = opts.header ?? ORIGIN_HEADER;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const started = performance.now();
  const via: string[] = [];
  const done = ({ fromCache: _, ...r }: Answer): OriginCheck => ({ url, ...r, via, latencyMs: Math.round(performance.now() - started) });
  try {
    const page = await probe(new URL(url), expectOrigin, header, timeoutMs, via);
    if (page.fromCache !== true) return done(page);
    // The page is cached whatever its query string; a path never asked before cannot be, so the
    // edge must ask the origin the record points to now.
    const fresh = new URL(url);
    fresh.pathname = `${PROBE_PATH_PREFIX}${randomBytes(6).toString('hex')}`;
    fresh.search = '';
    const uncached = await probe(fresh, expectOrigin, header, timeoutMs, via);
    return done(uncached.verdict === 'inconclusive' ? { ...page, error: `${page.error}; ${fresh.pathname}: ${uncached.error}` } : uncached);
  } catch (err) {
    return done({ ok: false, verdict: 'inconclusive', status: null, origin: null, cacheStatus: null, error: (err as Error).message });
  }
}

/** Polls until the edge answers from `expectOrigin` or `timeoutMs` passes; returns the last check. */
export async function waitForOriginByHttp(url: string, expectOrigin: string, opts: OriginCheckOptions & { waitMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<OriginCheck> {
  // Monotonic, like the DNS wait: a clock step must not cut the wait short.
  const deadline = performance.now() + opts.waitMs;
  for (;;) {
    const check = await confirmOriginByHttp(url, expectOrigin, opts);
    if (check.ok || performance.now() + (opts.intervalMs ?? 2000) > deadline || opts.signal?.aborted) return check;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
  }
}

// For a proxied Cloudflare record DNS only ever shows Cloudflare's addresses, so propagation is
// proven at the HTTP layer: each origin's web server adds a header naming itself, e.g. in nginx
//   add_header X-Switchyard-Origin prod-1 always;
// and a request through the edge must come back with the production origin's name.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface OriginCheck {
  url: string;
  ok: boolean;
  status: number | null;
  /** The header's value as received; null when absent. */
  origin: string | null;
  latencyMs: number;
  error: string | null;
}

export interface OriginCheckOptions {
  header?: string;
  timeoutMs?: number;
}

export const ORIGIN_HEADER = 'X-Switchyard-Origin';

export async function confirmOriginByHttp(url: string, expectOrigin: string, opts: OriginCheckOptions = {}): Promise<OriginCheck> {
  const header = opts.header ?? ORIGIN_HEADER;
  // A unique query string and no-cache keep the edge from answering with a page it cached from
  // the old origin, whose header would name the old origin.
  const u = new URL(url);
  u.searchParams.set('switchyard-probe', randomBytes(6).toString('hex'));
  const started = performance.now();
  try {
    const res = await fetch(u, { redirect: 'manual', headers: { 'Cache-Control': 'no-cache', Pragma: 'no-cache' }, signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
    await res.arrayBuffer().catch(() => undefined);
    const origin = res.headers.get(header);
    const latencyMs = Math.round(performance.now() - started);
    const ok = origin === expectOrigin;
    return { url, ok, status: res.status, origin, latencyMs, error: ok ? null : `${header} is ${origin === null ? 'absent' : `'${origin}'`}, expected '${expectOrigin}'` };
  } catch (err) {
    return { url, ok: false, status: null, origin: null, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
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

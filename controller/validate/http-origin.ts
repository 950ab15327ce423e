// The site's plain-http origin on production. Visitors who type the name, old http:// links and
// crawlers arrive at http://host/ on port 80; a production whose vhost listens on 443 only, or
// whose port 80 belongs to a default vhost or a canonical-host rule sending www to the apex (or
// back), breaks them after the switch while every https check passes. The answer must be a
// permanent redirect straight to the https origin, on the same host. Where production falls short
// in the same way staging does today (both serve plain http, or both redirect temporarily), the
// switch changes nothing for visitors: that is a warning to fix, not a reason to stop a cutover.
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { locationOf, type FetchResult } from './pinned-client.js';
import { PERMANENT_REDIRECTS } from './redirect-chain.js';
import type { Side } from './sides.js';

export const DEFAULT_HTTP_PORT = 80;

/** What one side's http:// origin does, judged against that side's own https origin. */
type Verdict =
  | { kind: 'ok'; message: string }
  | { kind: 'no-answer'; error: string }
  | { kind: 'not-redirect' | 'to-http' | 'other-host' | 'other-origin' | 'temporary'; message: string };

/** Kinds a staging that does the same makes "as today" rather than a regression. */
const SAME_AS_STAGING_WARNS = new Set<Verdict['kind']>(['not-redirect', 'to-http', 'temporary']);

function httpUrl(origin: URL, port: number): string {
  const url = new URL('/', `http://${origin.host}`);
  url.port = port === DEFAULT_HTTP_PORT ? '' : String(port);
  return url.toString();
}

function judge(res: FetchResult, from: string, origin: URL): { verdict: Verdict; status?: number; location: string | null } {
  if (!res.ok) return { verdict: { kind: 'no-answer', error: res.error }, location: null };
  const want = new URL('/', origin).toString();
  const raw = locationOf(res.headers);
  let location: URL | null = null;
  try {
    location = raw === undefined ? null : new URL(raw, from);
  } catch {
    location = null;
  }
  const shown = location?.toString() ?? raw ?? null;
  const out = (verdict: Verdict) => ({ verdict, status: res.status, location: shown });
  const to = location === null ? (raw === undefined ? '' : ` → ${JSON.stringify(raw)}`) : ` → ${location.toString()}`;
  if (location === null || res.status < 300 || res.status >= 400) {
    return out({ kind: 'not-redirect', message: `${from} answers ${res.status}${to} instead of redirecting to ${want}: the site is served over plain http, or not at all, to visitors and links arriving without https` });
  }
  if (location.protocol !== 'https:') return out({ kind: 'to-http', message: `${from} redirects to ${location.toString()}, not to https (${want}): visitors stay on plain http` });
  if (location.hostname.toLowerCase() !== origin.hostname.toLowerCase()) {
    return out({ kind: 'other-host', message: `${from} redirects to another host, ${location.toString()}, not to ${want}: a canonical-host rule (www ↔ apex) on port 80 sends visitors away from the site's name` });
  }
  if (location.origin !== origin.origin) return out({ kind: 'other-origin', message: `${from} redirects to ${location.toString()}, not to the site's https origin ${want} (another port)` });
  if (!PERMANENT_REDIRECTS.has(res.status)) {
    return out({ kind: 'temporary', message: `${from} redirects to ${location.toString()} with a temporary ${res.status}: search engines keep the http:// URL — send 301 or 308` });
  }
  return out({ kind: 'ok', message: `${res.status} → ${location.toString()}` });
}

export async function httpOriginFindings(
  http: HttpContext,
  sides: { production: Side; staging: Side },
  opts: { port?: number | undefined; stagingLocked?: boolean } = {},
): Promise<Finding[]> {
  const port = opts.port ?? DEFAULT_HTTP_PORT;
  const { production, staging } = sides;
  const origin = production.origin;
  if (origin.protocol !== 'https:') return [];
  const from = httpUrl(origin, port);
  const f = findingsFor('http-redirect', from);
  const where = production.ip ?? 'the address DNS gives';
  const prod = judge(await http.fetch(from, production.ip), from, origin);
  const evidence = { url: from, ip: production.ip ?? null, status: prod.status ?? null, location: prod.location, expected: new URL('/', origin).toString() };
  const v = prod.verdict;
  // Closing port 80 is a choice some sites make (HSTS preloaded): worth a look, not a failure.
  if (v.kind === 'no-answer') return [f.warn(`${from} at ${where} did not answer (${v.error}): visitors and links arriving over http:// get nothing, not the https site`, { ...evidence, error: v.error })];
  if (v.kind === 'ok') return [f.pass(v.message, evidence)];
  if (SAME_AS_STAGING_WARNS.has(v.kind) && staging.origin.protocol === 'https:') {
    const stgFrom = httpUrl(staging.origin, port);
    const stg = judge(await http.fetch(stgFrom, staging.ip), stgFrom, staging.origin);
    // A locked staging answering without a redirect may be showing its maintenance page (a
    // WordPress .maintenance 503, a plugin's 200) where its own redirect used to be: no baseline.
    const maintenance = opts.stagingLocked === true && stg.verdict.kind === 'not-redirect';
    if (maintenance) {
      return [f.fail(`${v.message} (staging, locked, answers ${stg.status ?? ''} at ${stgFrom}: no baseline to compare with)`, evidence)];
    }
    if (stg.verdict.kind === v.kind) {
      const stagingEvidence = { url: stgFrom, ip: staging.ip ?? null, status: stg.status ?? null, location: stg.location };
      return [f.warn(`${v.message} — as staging's ${stgFrom} does today (${stg.status ?? ''}${stg.location === null ? '' : ` → ${stg.location}`}), so the switch changes nothing here; worth fixing`, { ...evidence, staging: stagingEvidence })];
    }
  }
  return [f.fail(v.message, evidence)];
}

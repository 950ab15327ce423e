// The site's plain-http origin on production. Visitors who type the name, old http:// links and
// crawlers arrive at http://host/ on port 80; a production whose vhost listens on 443 only, or
// whose port 80 belongs to a default vhost or a canonical-host rule sending www to the apex (or
// back), breaks them after the switch while every https check passes. The answer must be a
// permanent redirect straight to the https origin, on the same host. Where production falls short
// in the same way staging does today (both serve plain http, or both redirect temporarily), the
// switch changes nothing for visitors: that is a warning to fix, not a reason to stop a cutover.
//
// The other of www and the apex, when the plan names it too (it is dns.name, or one of
// checks.tlsHosts, so production is meant to answer for it), is asked the same way: people type
// it and old links carry it, and a production vhost without it as an alias hands it to the
// default vhost. It must redirect permanently to https, on the canonical host or on its own
// name; how staging's server answers that very URL today is the baseline.
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { locationOf, type FetchResult } from './pinned-client.js';
import { PERMANENT_REDIRECTS } from './redirect-chain.js';
import type { Side } from './sides.js';
import type { Plan } from '../cutover/plan.js';

export const DEFAULT_HTTP_PORT = 80;

/** What one side's http:// origin does, judged against that side's own https origin. */
type Verdict =
  | { kind: 'ok'; message: string }
  | { kind: 'no-answer'; error: string }
  | { kind: 'not-redirect' | 'to-http' | 'other-host' | 'other-origin' | 'temporary'; message: string };

/** Kinds a staging that does the same makes "as today" rather than a regression. */
const SAME_AS_STAGING_WARNS = new Set<Verdict['kind']>(['not-redirect', 'to-http', 'temporary']);

interface Judged {
  verdict: Verdict;
  status?: number;
  location: string | null;
}

function httpUrl(origin: URL, port: number, host = origin.hostname): string {
  const url = new URL('/', `http://${origin.host}`);
  url.hostname = host;
  url.port = port === DEFAULT_HTTP_PORT ? '' : String(port);
  return url.toString();
}

/** The site's https origin under another name (same scheme and port). */
function originOn(origin: URL, host: string): URL {
  const u = new URL(origin.origin);
  u.hostname = host;
  return u;
}

/**
 * The other of www and the apex for `host` (www.example.com ↔ example.com) when the plan names
 * it: it is the switched record (dns.name, whole or relative to dns.zone) or a checks.tlsHosts
 * host. A name the plan does not name is not asked: it may point anywhere, or nowhere.
 */
export function wwwApexPeer(plan: Pick<Plan, 'dns' | 'checks'>, host: string): string | null {
  const h = host.toLowerCase();
  const peer = h.startsWith('www.') ? h.slice(4) : `www.${h}`;
  if (!peer.includes('.')) return null;
  const norm = (n: string): string => n.trim().replace(/\.$/, '').toLowerCase();
  const zone = norm(plan.dns.zone);
  const name = norm(plan.dns.name);
  const named = [name, name === '@' ? zone : `${name}.${zone}`];
  for (const entry of plan.checks.tlsHosts ?? []) {
    try {
      named.push(new URL(`https://${entry}`).hostname.toLowerCase());
    } catch {
      // Not a host name: the TLS check reports it.
    }
  }
  return named.includes(peer) ? peer : null;
}

/** `accept`: the https origins the redirect may go to, the one wanted first. */
function judge(res: FetchResult, from: string, accept: readonly URL[], awayHint: string): Judged {
  if (!res.ok) return { verdict: { kind: 'no-answer', error: res.error }, location: null };
  const origin = accept[0] as URL;
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
  const host = location.hostname.toLowerCase();
  const target = accept.find((o) => o.hostname.toLowerCase() === host);
  if (target === undefined) {
    return out({ kind: 'other-host', message: `${from} redirects to another host, ${location.toString()}, not to ${want}: ${awayHint}` });
  }
  if (location.origin !== target.origin) return out({ kind: 'other-origin', message: `${from} redirects to ${location.toString()}, not to the site's https origin ${want} (another port)` });
  if (!PERMANENT_REDIRECTS.has(res.status)) {
    return out({ kind: 'temporary', message: `${from} redirects to ${location.toString()} with a temporary ${res.status}: search engines keep the http:// URL — send 301 or 308` });
  }
  return out({ kind: 'ok', message: `${res.status} → ${location.toString()}` });
}

const showAnswer = (j: Judged): string => `${j.status ?? ''}${j.location === null ? '' : ` → ${j.location}`}`;

/** The site's own name: its http:// origin compared with staging's own http:// origin. */
async function siteName(http: HttpContext, sides: { production: Side; staging: Side }, port: number, stagingLocked: boolean): Promise<Finding> {
  const { production, staging } = sides;
  const origin = production.origin;
  const from = httpUrl(origin, port);
  const f = findingsFor('http-redirect', from);
  const where = production.ip ?? 'the address DNS gives';
  const prod = judge(await http.fetch(from, production.ip), from, [origin], "a canonical-host rule (www ↔ apex) on port 80 sends visitors away from the site's name");
  const evidence = { url: from, ip: production.ip ?? null, status: prod.status ?? null, location: prod.location, expected: new URL('/', origin).toString() };
  const v = prod.verdict;
  // Closing port 80 is a choice some sites make (HSTS preloaded): worth a look, not a failure.
  if (v.kind === 'no-answer') return f.warn(`${from} at ${where} did not answer (${v.error}): visitors and links arriving over http:// get nothing, not the https site`, { ...evidence, error: v.error });
  if (v.kind === 'ok') return f.pass(v.message, evidence);
  if (SAME_AS_STAGING_WARNS.has(v.kind) && staging.origin.protocol === 'https:') {
    const stgFrom = httpUrl(staging.origin, port);
    const stg = judge(await http.fetch(stgFrom, staging.ip), stgFrom, [staging.origin], '');
    // A locked staging answering without a redirect may be showing its maintenance page (a
    // WordPress .maintenance 503, a plugin's 200) where its own redirect used to be: no baseline.
    const maintenance = stagingLocked && stg.verdict.kind === 'not-redirect';
    if (maintenance) {
      return f.fail(`${v.message} (staging, locked, answers ${stg.status ?? ''} at ${stgFrom}: no baseline to compare with)`, evidence);
    }
    if (stg.verdict.kind === v.kind) {
      const stagingEvidence = { url: stgFrom, ip: staging.ip ?? null, status: stg.status ?? null, location: stg.location };
      return f.warn(`${v.message} — as staging's ${stgFrom} does today (${showAnswer(stg)}), so the switch changes nothing here; worth fixing`, { ...evidence, staging: stagingEvidence });
    }
  }
  return f.fail(v.message, evidence);
}

/**
 * The other of www and the apex: production must redirect it permanently to https, on the
 * canonical host or on its own name. Staging's server answers this same URL today (the name
 * points there until the switch), so an answer short of that which staging gives too warns.
 */
async function peerName(http: HttpContext, sides: { production: Side; staging: Side }, peer: string, port: number, stagingLocked: boolean): Promise<Finding> {
  const { production, staging } = sides;
  const origin = production.origin;
  const from = httpUrl(origin, port, peer);
  const f = findingsFor('http-redirect', from);
  const where = production.ip ?? 'the address DNS gives';
  const accept = [origin, originOn(origin, peer)];
  const away = `visitors typing ${peer} or following old links to it are sent away from the site (production's vhost lacks ${peer} as an alias, so another vhost answers it)`;
  const prod = judge(await http.fetch(from, production.ip), from, accept, away);
  const evidence = { url: from, ip: production.ip ?? null, status: prod.status ?? null, location: prod.location, expected: new URL('/', origin).toString() };
  const v = prod.verdict;
  if (v.kind === 'no-answer') return f.warn(`${from} at ${where} did not answer (${v.error}): visitors and links arriving at ${peer} over http:// get nothing`, { ...evidence, error: v.error });
  if (v.kind === 'ok') return f.pass(v.message, evidence);
  const stg = judge(await http.fetch(from, staging.ip), from, accept, away);
  const stagingEvidence = { url: from, ip: staging.ip ?? null, status: stg.status ?? null, location: stg.location };
  // A locked staging's server may answer the name with its maintenance page where its redirect used to be.
  if (stagingLocked && stg.verdict.kind === 'not-redirect') {
    return f.fail(`${v.message} (staging, locked, answers ${stg.status ?? ''} for it at ${staging.ip ?? ''}: no baseline to compare with)`, { ...evidence, staging: stagingEvidence });
  }
  const same = stg.verdict.kind === v.kind && (SAME_AS_STAGING_WARNS.has(v.kind) || stg.location === prod.location);
  if (same) return f.warn(`${v.message} — as staging's server answers it today (${showAnswer(stg)}), so the switch changes nothing here; worth fixing`, { ...evidence, staging: stagingEvidence });
  const today = stg.verdict.kind === 'no-answer' ? `staging's server did not answer it (${stg.verdict.error})` : `staging's server answers ${showAnswer(stg)}`;
  return f.fail(`${v.message} (today ${today})`, { ...evidence, staging: stagingEvidence });
}

export async function httpOriginFindings(
  http: HttpContext,
  sides: { production: Side; staging: Side },
  opts: { port?: number | undefined; stagingLocked?: boolean; plan?: Pick<Plan, 'dns' | 'checks'> } = {},
): Promise<Finding[]> {
  const port = opts.port ?? DEFAULT_HTTP_PORT;
  const origin = sides.production.origin;
  if (origin.protocol !== 'https:') return [];
  const locked = opts.stagingLocked === true;
  const out = [await siteName(http, sides, port, locked)];
  const peer = opts.plan === undefined ? null : wwwApexPeer(opts.plan, origin.hostname);
  if (peer !== null) out.push(await peerName(http, sides, peer, port, locked));
  return out;
}

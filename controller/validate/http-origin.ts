// The site's plain-http origin on production. Visitors who type the name, old http:// links and
// crawlers arrive at http://host/ on port 80; a production whose vhost listens on 443 only, or
// whose port 80 belongs to a default vhost or a canonical-host rule sending www to the apex (or
// back), breaks them after the switch while every https check passes. The answer must be a
// permanent redirect straight to the https origin, on the same host.
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { locationOf } from './pinned-client.js';
import { PERMANENT_REDIRECTS } from './redirect-chain.js';
import type { Side } from './sides.js';

export const DEFAULT_HTTP_PORT = 80;

export async function httpOriginFindings(http: HttpContext, production: Side, port = DEFAULT_HTTP_PORT): Promise<Finding[]> {
  const origin = production.origin;
  if (origin.protocol !== 'https:') return [];
  const url = new URL('/', `http://${origin.host}`);
  url.port = port === DEFAULT_HTTP_PORT ? '' : String(port);
  const from = url.toString();
  const want = new URL('/', origin).toString();
  const f = findingsFor('http-redirect', from);
  const where = production.ip ?? 'the address DNS gives';
  const res = await http.fetch(from, production.ip);
  if (!res.ok) {
    // Closing port 80 is a choice some sites make (HSTS preloaded): worth a look, not a failure.
    return [f.warn(`${from} at ${where} did not answer (${res.error}): visitors and links arriving over http:// get nothing, not the https site`, { url: from, ip: production.ip ?? null, error: res.error })];
  }
  const raw = locationOf(res.headers);
  let location: URL | null = null;
  try {
    location = raw === undefined ? null : new URL(raw, from);
  } catch {
    location = null;
  }
  const evidence = { url: from, ip: production.ip ?? null, status: res.status, location: location?.toString() ?? raw ?? null, expected: want };
  const to = location === null ? (raw === undefined ? '' : ` → ${JSON.stringify(raw)}`) : ` → ${location.toString()}`;
  if (location === null || res.status < 300 || res.status >= 400) {
    return [f.fail(`${from} answers ${res.status}${to} instead of redirecting to ${want}: the site is served over plain http, or not at all, to visitors and links arriving without https`, evidence)];
  }
  if (location.protocol !== 'https:') return [f.fail(`${from} redirects to ${location.toString()}, not to https (${want}): visitors stay on plain http`, evidence)];
  if (location.hostname.toLowerCase() !== origin.hostname.toLowerCase()) {
    return [f.fail(`${from} redirects to another host, ${location.toString()}, not to ${want}: a canonical-host rule (www ↔ apex) on port 80 sends visitors away from the site's name`, evidence)];
  }
  if (location.origin !== origin.origin) return [f.fail(`${from} redirects to ${location.toString()}, not to the site's https origin ${want} (another port)`, evidence)];
  if (!PERMANENT_REDIRECTS.has(res.status)) {
    return [f.fail(`${from} redirects to ${location.toString()} with a temporary ${res.status}: search engines keep the http:// URL — send 301 or 308`, evidence)];
  }
  return [f.pass(`${res.status} → ${location.toString()}`, evidence)];
}

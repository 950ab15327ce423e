// Admin and API paths must not be stored by a shared cache: a CDN that caches /wp-admin/ or a
// logged-in /wp-json/ answer serves one user's session to everyone. Every hop of the chain
// that answers (2xx/3xx) must say private, no-store or no-cache; nothing said is a warning,
// because a CDN may then cache it by its own defaults.
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { urlOn, type Side } from './sides.js';

export const DEFAULT_ADMIN_PATHS = ['/wp-admin/', '/wp-json/'];

export type Cacheability = 'public' | 'private' | 'unspecified';

export function cacheability(cacheControl: string | null): { verdict: Cacheability; why: string } {
  if (cacheControl === null || cacheControl.trim() === '') return { verdict: 'unspecified', why: 'no Cache-Control' };
  const d = new Map<string, string>();
  for (const part of cacheControl.split(',')) {
    const [k, v] = part.split('=', 2).map((s) => s.trim().toLowerCase());
    if (k) d.set(k, (v ?? '').replace(/^"|"$/g, ''));
  }
  for (const k of ['no-store', 'private', 'no-cache']) if (d.has(k)) return { verdict: 'private', why: k };
  if (d.has('public')) return { verdict: 'public', why: 'public' };
  for (const k of ['s-maxage', 'max-age']) {
    const n = Number(d.get(k));
    if (d.has(k) && Number.isFinite(n) && n > 0) return { verdict: 'public', why: `${k}=${n} without private` };
  }
  return { verdict: 'private', why: 'max-age=0' };
}

export async function adminCacheFindings(http: HttpContext, production: Side, paths: readonly string[]): Promise<Finding[]> {
  return (
    await Promise.all(
      paths.map(async (path): Promise<Finding[]> => {
        const f = findingsFor('cache-control', path);
        const chain = await http.chain(production, urlOn(production, path));
        const hops = chain.hops.map((h) => ({ url: h.url, status: h.status, cacheControl: h.cacheControl, ...cacheability(h.cacheControl) }));
        const evidence = { hops };
        if (chain.error !== undefined) return [f.warn(`could not check: ${chain.error.message}`, evidence)];
        const answered = hops.filter((h) => h.status < 400);
        const cached = answered.filter((h) => h.verdict === 'public');
        if (cached.length > 0) return [f.fail(`publicly cacheable admin/API answer: ${cached.map((h) => `${h.status} ${h.url} Cache-Control: ${h.cacheControl} (${h.why})`).join('; ')}`, evidence)];
        const open = answered.filter((h) => h.verdict === 'unspecified');
        if (open.length > 0) return [f.warn(`no Cache-Control on ${open.map((h) => `${h.status} ${h.url}`).join(', ')}; a CDN may cache it by default — send private, no-store`, evidence)];
        if (answered.length === 0) return [f.pass(`not served here (${hops.at(-1)?.status ?? 'no answer'})`, evidence)];
        return [f.pass(`not cacheable (${answered.map((h) => h.why).join(', ')})`, evidence)];
      }),
    )
  ).flat();
}

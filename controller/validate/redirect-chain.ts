// A request followed through its redirects by hand, so every hop is recorded: status,
// Location, timing and Cache-Control. Only hops on the side's own host are followed (they
// must go to the pinned IP); a redirect elsewhere ends the chain and says where it went.
import type { FetchOk, FetchResult } from './pinned-client.js';
import { headerValue, locationOf } from './pinned-client.js';

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Redirects search engines treat as the URL having moved for good. */
export const PERMANENT_REDIRECTS: ReadonlySet<number> = new Set([301, 308]);
export const MAX_HOPS = 10;

export interface Hop {
  url: string;
  status: number;
  /** The Location header resolved against the hop's URL. */
  location: string | null;
  ttfbMs: number;
  cacheControl: string | null;
}

export interface Chain {
  start: string;
  /** Every response received, in order; the last is the final page unless the chain stopped. */
  hops: Hop[];
  /** The last response when it was not a redirect. */
  final: FetchOk | null;
  /** The request for a hop failed (refused, reset, timed out). */
  error?: { url: string; message: string; timedOut: boolean };
  /** A URL the chain came back to. */
  loop?: string;
  /** A redirect to a host that is not this side's; not followed. */
  leftTo?: string;
  /** A redirect with no usable Location. */
  badLocation?: string;
  tooManyHops?: boolean;
}

export type Route = (url: URL) => string | undefined | null;
export type Fetch = (url: string, ip: string | undefined) => Promise<FetchResult>;

/** Number of redirects in a chain (hops minus the final page). */
export function redirectCount(chain: Chain): number {
  return chain.hops.filter((h) => REDIRECT_STATUSES.has(h.status) && h.location !== null).length;
}

export async function followChain(start: string, route: Route, fetch: Fetch, maxHops = MAX_HOPS): Promise<Chain> {
  const chain: Chain = { start, hops: [], final: null };
  const seen = new Set<string>();
  let url = start;
  for (;;) {
    if (seen.has(url)) {
      chain.loop = url;
      return chain;
    }
    seen.add(url);
    const ip = route(new URL(url));
    if (ip === null) {
      chain.leftTo = url;
      return chain;
    }
    const res = await fetch(url, ip);
    if (!res.ok) {
      chain.error = { url, message: res.error, timedOut: res.timedOut };
      return chain;
    }
    const rawLocation = locationOf(res.headers);
    let location: string | null = null;
    if (REDIRECT_STATUSES.has(res.status) && rawLocation !== undefined) {
      try {
        location = new URL(rawLocation, url).toString();
      } catch {
        chain.badLocation = rawLocation;
      }
    }
    chain.hops.push({ url, status: res.status, location, ttfbMs: res.ttfbMs, cacheControl: headerValue(res.headers, 'cache-control') ?? null });
    if (location === null) {
      if (chain.badLocation === undefined) chain.final = res;
      return chain;
    }
    if (chain.hops.length > maxHops) {
      chain.tooManyHops = true;
      return chain;
    }
    url = location;
  }
}

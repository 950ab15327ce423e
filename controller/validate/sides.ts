// The two sides of a cutover as validation sees them, and which address a URL is sent to:
// a URL on a side's host goes to that side's IP (pinned mode) or through normal resolution
// (dns mode, after the switch); any other host is not ours to follow.
import type { Plan } from '../cutover/plan.js';

export interface Side {
  name: 'production' | 'staging';
  origin: URL;
  /** Undefined in dns mode: names resolve normally. */
  ip: string | undefined;
}

export function sidesOf(plan: Plan, mode: 'pinned' | 'dns'): { production: Side; staging: Side } {
  return {
    production: { name: 'production', origin: new URL(plan.production.origin), ip: mode === 'pinned' ? plan.production.ip : undefined },
    // Staging keeps its own name in DNS after the switch too, but pinning it costs nothing.
    staging: { name: 'staging', origin: new URL(plan.staging.origin), ip: plan.staging.ip },
  };
}

/** The URL is on this side's host (any scheme or port: http→https hops stay on the side). */
export function onSide(url: URL, side: Side): boolean {
  return url.hostname.toLowerCase() === side.origin.hostname.toLowerCase();
}

/** Same origin as the side: scheme, host and port. */
export function sameOrigin(url: URL, side: Side): boolean {
  return url.origin === side.origin.origin;
}

/**
 * Whether a URL names the staging site. By host name when the two sides have different names
 * (the usual staging.example.com / www.example.com), by host and port when they share one.
 */
export function isStagingUrl(url: URL, staging: Side, production: Side): boolean {
  const sh = staging.origin.hostname.toLowerCase();
  if (url.hostname.toLowerCase() !== sh) return false;
  if (sh !== production.origin.hostname.toLowerCase()) return true;
  return url.host.toLowerCase() === staging.origin.host.toLowerCase();
}

/** The page path joined to the side's origin. */
export function urlOn(side: Side, path: string): string {
  return new URL(path, side.origin).toString();
}

/** Where a request for `url` goes: the side's IP, undefined to resolve normally, null when not ours. */
export function routeFor(side: Side): (url: URL) => string | undefined | null {
  return (url) => (onSide(url, side) ? side.ip : null);
}

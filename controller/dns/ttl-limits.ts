// The TTLs a DNS provider accepts, known from its config alone, so a plan asking for one it would
// refuse is turned away when it is submitted, not at the switch hours into the cutover.
import type { DnsProviderConfig } from '../config.js';

export interface TtlLimits {
  kind: string;
  /** Lowest TTL accepted, `automatic` aside. */
  min: number;
  /** A value that means "the provider decides", and the TTL resolvers then get. */
  automatic?: { ttl: number; servedAs: number };
}

/** Cloudflare: 60 s unless the zone is Enterprise (30 s); 1 is "automatic", answered with 300 s. */
export const CLOUDFLARE_MIN_TTL = 60;
export const CLOUDFLARE_AUTOMATIC = { ttl: 1, servedAs: 300 } as const;

export function cloudflareTtlLimits(minTtl: number | undefined): TtlLimits {
  return { kind: 'cloudflare', min: minTtl ?? CLOUDFLARE_MIN_TTL, automatic: { ...CLOUDFLARE_AUTOMATIC } };
}

export function ttlLimitsOf(config: DnsProviderConfig): TtlLimits | undefined {
  if (config.type !== 'cloudflare') return undefined;
  return cloudflareTtlLimits(config.minTtl);
}

/** Per provider name, for the providers that have limits. */
export function ttlLimitsByProvider(configs: Readonly<Record<string, DnsProviderConfig>>): Record<string, TtlLimits> {
  const out: Record<string, TtlLimits> = {};
  for (const [name, config] of Object.entries(configs)) {
    const limits = ttlLimitsOf(config);
    if (limits !== undefined) out[name] = limits;
  }
  return out;
}

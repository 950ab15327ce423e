// The DNS providers named in controller.yaml, built once with their secrets resolved.
import type { ControllerConfig } from '../config.js';
import { resolveSecret } from '../../shared/config/secret.js';
import { SwitchyardError } from '../../shared/errors.js';
import { CloudflareProvider } from './cloudflare.js';
import { PowerDnsProvider } from './powerdns.js';
import type { RetryPolicy } from './http.js';
import type { DnsProvider } from './provider.js';

export type DnsProviders = ReadonlyMap<string, DnsProvider>;

export function buildDnsProviders(
  config: ControllerConfig['dnsProviders'],
  opts: { env?: NodeJS.ProcessEnv; policy?: Partial<RetryPolicy> } = {},
): DnsProviders {
  const out = new Map<string, DnsProvider>();
  for (const [name, p] of Object.entries(config)) {
    const key = `dnsProviders.${name}`;
    if (p.type === 'cloudflare') {
      out.set(name, new CloudflareProvider({ name, apiToken: resolveSecret(p.apiToken, `${key}.apiToken`, opts.env), baseUrl: p.baseUrl, authoritative: p.authoritative, minTtl: p.minTtl, policy: opts.policy }));
    } else {
      out.set(name, new PowerDnsProvider({ name, url: p.url, apiKey: resolveSecret(p.apiKey, `${key}.apiKey`, opts.env), serverId: p.serverId, authoritative: p.authoritative, policy: opts.policy }));
    }
  }
  return out;
}

/** The configured providers that front a site with a cache they can purge: Cloudflare's kind. */
export function cachePurgerNames(config: ControllerConfig['dnsProviders']): string[] {
  return Object.entries(config)
    .filter(([, p]) => p.type === 'cloudflare')
    .map(([name]) => name);
}

/** The provider a plan names; `field` is the plan field for the problem+json answer. */
export function requireDnsProvider(providers: DnsProviders, name: string, field = 'dns.provider'): DnsProvider {
  const p = providers.get(name);
  if (p === undefined) {
    const known = [...providers.keys()];
    throw new SwitchyardError('SY_VALIDATION', `${field}: no DNS provider '${name}' in the controller config${known.length ? ` (known: ${known.join(', ')})` : ''}`, { field });
  }
  return p;
}

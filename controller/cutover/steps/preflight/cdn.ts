// A plan with `cdn.purge` needs a provider that can purge, known before the freeze rather than
// discovered right after the switch.
import { canPurgeCache, type DnsProvider } from '../../../dns/provider.js';
import { fail, pass, type PreflightCheck } from './types.js';

export function cdnCheck(dns: ReadonlyMap<string, DnsProvider>): PreflightCheck {
  return async ({ step }) => {
    const cdn = step.plan.cdn;
    if (cdn === undefined || !cdn.purge) return [];
    const p = dns.get(cdn.provider);
    if (p === undefined) return [fail('cdn purge', `cdn.provider ${cdn.provider} is not configured in the controller`)];
    if (!canPurgeCache(p)) return [fail('cdn purge', `cdn.provider ${cdn.provider} is a ${p.kind} provider, which has no edge cache to purge; remove cdn or name a Cloudflare provider`)];
    return [pass('cdn purge', `${cdn.provider} (${p.kind}) will purge the edge cache of ${cdn.zone} right after the switch`)];
  };
}

// The plan's TTLs against what the DNS provider accepts now: a plan stored before its config
// changed fails here, before the freeze, not at the switch (see plan-ttl.ts).
import { requireDnsProvider } from '../../../dns/registry.js';
import type { DnsProvider } from '../../../dns/provider.js';
import { planTtlRefusal, storedPlanRefusal } from '../../plan-ttl.js';
import { fail, pass, type PreflightCheck } from './types.js';

export function ttlLimitsCheck(dns: ReadonlyMap<string, DnsProvider>): PreflightCheck {
  return async ({ step }) => {
    const { plan } = step;
    const provider = requireDnsProvider(dns, plan.dns.provider);
    const limits = provider.ttlLimits;
    if (limits === undefined) return [pass('dns ttl limits', `${provider.name} (${provider.kind}) takes any TTL`)];
    const refusal = planTtlRefusal(plan, provider.name, limits);
    if (refusal !== undefined) return [fail('dns ttl limits', storedPlanRefusal(refusal, provider.name).message, { field: refusal.field, min: limits.min })];
    return [pass('dns ttl limits', `dns.ttl and checks.maxTtl are TTLs ${provider.name} accepts (lowest ${limits.min})`, { min: limits.min })];
  };
}

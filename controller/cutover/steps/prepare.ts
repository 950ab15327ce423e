// Lowering the record's TTL ahead of the switch (POST /v1/cutovers/:id/prepare): the provider
// change itself, plus a sighting in ttl_lowered, since the DNS answer shows the TTL but not since
// when — preflight's lead-time check counts from these rows.
import { requireDnsProvider } from '../../dns/registry.js';
import { lowerTtl } from '../../dns/switch.js';
import { planTtlRefusal, storedPlanRefusal } from '../plan-ttl.js';
import { systemClock, type Clock } from '../executor.js';
import type { TtlPort } from '../machine.js';
import type { Plan } from '../plan.js';
import type { CutoverStore } from '../store/index.js';
import type { StepDeps } from './deps.js';

/** The TTL prepare sets: the plan's dns.ttl when given, never above checks.maxTtl. */
export const preparedTtl = (plan: Plan): number => Math.min(plan.dns.ttl ?? plan.checks.maxTtl, plan.checks.maxTtl);

/** For `new CutoverEngine({ttl})`: engine.prepare() records the sighting and the audit itself. */
export function dnsTtlPort(deps: Pick<StepDeps, 'dns'>): TtlPort {
  return {
    async lower(dns, ttl, plan) {
      const provider = requireDnsProvider(deps.dns, dns.provider);
      // The provider would refuse the write: say which key of the stored plan, before sending it.
      const refusal = plan === undefined ? undefined : planTtlRefusal(plan, provider.name, provider.ttlLimits);
      if (refusal !== undefined) throw storedPlanRefusal(refusal, provider.name);
      const r = await lowerTtl(provider, dns, ttl);
      return { previousTtl: r.before?.ttl ?? null, ttl: r.after?.ttl ?? ttl, changed: r.changed };
    },
  };
}

export interface PrepareTtlResult {
  previousTtl: number | null;
  ttl: number;
  changed: boolean;
  lowSince: string | null;
  switchNotBefore: string | null;
}

/** Standalone: lowers the TTL and records the sighting (use this OR engine.prepare, not both). */
export async function prepareTtl(deps: Pick<StepDeps, 'dns'> & { store: CutoverStore; clock?: Clock }, cutover: { id: string; plan: Plan }): Promise<PrepareTtlResult> {
  const { plan } = cutover;
  const r = await dnsTtlPort(deps).lower(plan.dns, preparedTtl(plan), plan);
  const at = (deps.clock ?? systemClock).now().toISOString();
  deps.store.ttlLowered.record({ zone: plan.dns.zone, name: plan.dns.name, type: plan.dns.type, ttl: r.ttl, at, cutoverId: cutover.id, source: 'prepare' });
  const lowSince = deps.store.ttlLowered.lowSince(plan.dns.zone, plan.dns.name, plan.dns.type, plan.checks.maxTtl) ?? null;
  return { ...r, lowSince, switchNotBefore: lowSince === null ? null : new Date(Date.parse(lowSince) + plan.checks.ttlLeadHours * 3_600_000).toISOString() };
}

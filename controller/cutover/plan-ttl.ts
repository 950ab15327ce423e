// A stored plan's TTLs against what its DNS provider accepts as configured now. Plans are checked
// when submitted, but one accepted earlier may ask for a TTL the provider now refuses (minTtl
// raised, or the provider name now a Cloudflare zone): prepare and preflight refuse it naming the
// key, before anything is written or frozen, instead of the switch being refused with staging
// frozen; the controller says at start-up which cutovers are affected.
import { SwitchyardError } from '../../shared/errors.js';
import type { TtlLimits } from '../dns/ttl-limits.js';
import { checkProviderTtl, type Plan } from './plan.js';
import type { CutoverState } from './states.js';
import type { CutoverStore } from './store/index.js';

/** Why the provider would refuse the plan's TTLs (SY_VALIDATION naming the key), or undefined. */
export function planTtlRefusal(plan: Plan, provider: string, limits: TtlLimits | undefined): SwitchyardError | undefined {
  try {
    checkProviderTtl(plan, provider, limits);
    return undefined;
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
}

/** The refusal as a stored plan's: the request is fine, the plan no longer fits the config. */
export function storedPlanRefusal(refusal: SwitchyardError, provider: string): SwitchyardError {
  const fix = `create a new cutover with TTLs the provider takes, or set dnsProviders.${provider}.minTtl to the lowest TTL the zone accepts`;
  return new SwitchyardError('SY_PRECONDITION', `${refusal.message} (the plan was accepted under an earlier controller config); ${fix}`, { field: refusal.field, cause: refusal });
}

/** States a cutover that has not switched yet can rest in; `running` ones are interrupted by then. */
const OPEN: readonly CutoverState[] = ['planned', 'paused', 'failed', 'interrupted'];

export interface StoredPlanTtlProblem {
  cutoverId: string;
  state: CutoverState;
  field: string | undefined;
  message: string;
}

/** Open cutovers that have not switched and whose plan the providers' limits now refuse. */
export function storedPlansRefused(store: CutoverStore, limits: Readonly<Record<string, TtlLimits>>): StoredPlanTtlProblem[] {
  const out: StoredPlanTtlProblem[] = [];
  for (const state of OPEN) {
    for (const row of store.cutovers.withState(state)) {
      const sw = store.steps.get(row.id, 'switch')?.state;
      if (sw === 'succeeded' || sw === 'skipped') continue;
      const refusal = planTtlRefusal(row.plan, row.plan.dns.provider, limits[row.plan.dns.provider]);
      if (refusal !== undefined) out.push({ cutoverId: row.id, state, field: refusal.field, message: storedPlanRefusal(refusal, row.plan.dns.provider).message });
    }
  }
  return out;
}

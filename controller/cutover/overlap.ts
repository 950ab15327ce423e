// Two cutovers must not hold the same things at once. The staging freeze is one per agent (the
// agent keeps the first lock's record, and any rollback's unlock restores it), so a second
// cutover's rollback would unfreeze staging under the first one, which then copies, verifies and
// switches while staging still takes orders that never reach production. A second presync into a
// production database another cutover has switched to would replace the live tables under its
// visitors. And two switches of one DNS record would each restore their own snapshot.
import { normalizeName } from '../dns/provider.js';
import type { Plan } from './plan.js';

/** What `plan` would take that `held` (another cutover's plan, under way) holds; undefined when nothing. */
export function overlapOf(plan: Plan, held: Plan): string | undefined {
  const heldAgents = [held.staging.agent, held.production.agent];
  if (heldAgents.includes(plan.staging.agent)) {
    return `agent ${plan.staging.agent}, which this cutover would freeze as staging (an agent holds one freeze at a time)`;
  }
  if (plan.production.agent === held.staging.agent) {
    return `agent ${held.staging.agent}, its staging, which this cutover would copy into as production`;
  }
  if (plan.production.agent === held.production.agent) {
    const db = plan.database?.production;
    if (db !== undefined && db === held.database?.production) return `database ${db} on agent ${plan.production.agent}`;
    const roots = new Set((held.assets ?? []).map((a) => a.production));
    const root = (plan.assets ?? []).find((a) => roots.has(a.production))?.production;
    if (root !== undefined) return `asset root ${root} on agent ${plan.production.agent}`;
  }
  if (plan.dns.provider === held.dns.provider && normalizeName(plan.dns.name) === normalizeName(held.dns.name) && plan.dns.type === held.dns.type) {
    return `the DNS record ${normalizeName(plan.dns.name)} ${plan.dns.type} at ${plan.dns.provider}`;
  }
  return undefined;
}

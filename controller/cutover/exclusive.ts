// What two cutovers' plans both touch. Two cutovers that share a schema, an asset root, the
// staging freeze or the DNS record must not interleave: one's preflight would record the other's
// half-copied rows, one's lock would record the other's freeze as staging's "prior" state (its
// rollback then leaves staging read-only), one's rollback would put back a record the other
// switched. The engine refuses to advance a cutover while another one holding any of these is
// neither planned nor over.
import { normalizeName } from '../dns/provider.js';
import type { Plan } from './plan.js';
import { FINAL_STATES, type CutoverState } from './states.js';

export type SharedKind = 'database' | 'assets' | 'staging-freeze' | 'dns';

export interface SharedResource {
  kind: SharedKind;
  /** How an operator names it, e.g. `database production_db on agent prod-1`. */
  description: string;
}

/**
 * A planned cutover has done nothing yet and a completed or rolled-back one is done with
 * everything: neither holds anything. Every other state may have a copy half made, staging
 * frozen or the record switched.
 */
export function holdsResources(state: CutoverState): boolean {
  return state !== 'planned' && !FINAL_STATES.has(state);
}

// NUL cannot occur in an agent, schema, root or DNS name, so keys built with it never collide.
const key = (...parts: string[]): string => parts.join('\u0000');

/**
 * A schema's key. On a server with lower_case_table_names=1 or 2 (Windows, macOS, and any server
 * set so) `Shop` and `shop` name one schema. The controller cannot know the setting (plans carry
 * names only, and a server's variables are read only when a step runs), so names that differ only
 * in case are taken as one schema everywhere: a false refusal is rolled back or waited out, two
 * runs that share a freeze and a copy lose data.
 */
const schemaKey = (agent: string, schema: string): string => key(agent, schema.toLowerCase());

/** Each side's schema, by agent: the same schema is shared whichever side each plan has it on. */
function schemas(plan: Plan): Map<string, string> {
  const out = new Map<string, string>();
  if (plan.database === undefined) return out;
  out.set(schemaKey(plan.staging.agent, plan.database.staging), plan.database.staging);
  out.set(schemaKey(plan.production.agent, plan.database.production), plan.database.production);
  return out;
}

/** `ours` as this plan writes it, and the other plan's spelling when only its case differs. */
function schemaDescription(k: string, ours: string, theirs: string): string {
  const agent = k.slice(0, k.indexOf('\u0000'));
  const also = theirs === ours ? '' : ` (${theirs} in the other plan: schema names that differ only in case are taken as one schema, as lower_case_table_names=1 or 2 makes them)`;
  return `database ${ours} on agent ${agent}${also}`;
}

function assetRoots(plan: Plan): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of plan.assets ?? []) {
    out.set(key(plan.staging.agent, a.staging), `asset root ${a.staging} on agent ${plan.staging.agent}`);
    out.set(key(plan.production.agent, a.production), `asset root ${a.production} on agent ${plan.production.agent}`);
  }
  return out;
}

/**
 * The lock step freezes the staging agent as a whole (its maintenance flag file and its server's
 * global read_only) and the agent keeps one record of what it was before: two cutovers from the
 * same staging agent share that freeze even with different schemas.
 */
function freezes(plan: Plan): boolean {
  return plan.database !== undefined || (plan.assets ?? []).length > 0;
}

function dnsKey(plan: Plan): string {
  return key(plan.dns.provider, normalizeName(plan.dns.zone), normalizeName(plan.dns.name), plan.dns.type);
}

/** What `a` and `b` both touch, each named once; empty when they can run side by side. */
export function sharedResources(a: Plan, b: Plan): SharedResource[] {
  const shared: SharedResource[] = [];
  const both = (kind: SharedKind, x: Map<string, string>, y: Map<string, string>): void => {
    for (const [k, description] of x) if (y.has(k)) shared.push({ kind, description });
  };
  const theirs = schemas(b);
  for (const [k, ours] of schemas(a)) {
    const other = theirs.get(k);
    if (other !== undefined) shared.push({ kind: 'database', description: schemaDescription(k, ours, other) });
  }
  both('assets', assetRoots(a), assetRoots(b));
  if (a.staging.agent === b.staging.agent && freezes(a) && freezes(b)) {
    shared.push({ kind: 'staging-freeze', description: `the write freeze of staging agent ${a.staging.agent} (maintenance flag and read_only)` });
  } else if (freezes(a) && freezes(b)) {
    // One plan's staging is the other's production: its freeze sets read_only on the server the
    // other copies into, and the other's copy changes the site this one holds frozen as fallback.
    const crossed = [a.staging.agent === b.production.agent ? a.staging.agent : undefined, b.staging.agent === a.production.agent ? b.staging.agent : undefined].filter((x): x is string => x !== undefined);
    for (const agent of new Set(crossed)) {
      shared.push({ kind: 'staging-freeze', description: `the write freeze of agent ${agent} (staging of one cutover, production of the other)` });
    }
  }
  if (dnsKey(a) === dnsKey(b)) {
    shared.push({ kind: 'dns', description: `DNS record ${normalizeName(a.dns.name)} ${a.dns.type} in zone ${normalizeName(a.dns.zone)} at provider ${a.dns.provider}` });
  }
  return shared;
}

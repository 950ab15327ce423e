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

/**
 * What the controller knows of its agents beyond the names plans use. The agent directory is
 * one; without it (tests of the engine alone) every name is its own agent and roots compare by
 * name.
 */
export interface AgentView {
  /** One string for every name the config gives one address: two names for one address are one agent here. */
  identity(agent: string): string;
  /**
   * The id the agent's last Hello reported (HelloResponse.instance_id); undefined before one
   * answered, or from an agent older than the field. Two names whose Hellos report one id reach
   * one agent, whatever their addresses (a DNS name and its address, 127.0.0.1 and 127.0.0.2 to
   * an agent on 0.0.0.0).
   */
  instance?(agent: string): string | undefined;
  /** Root name -> real path, from the agent's last Hello; undefined when not known. */
  rootPaths(agent: string): ReadonlyMap<string, string> | undefined;
  /** The address as the config writes it, for messages (two spellings of one address). */
  address?(agent: string): string | undefined;
}

export const BY_NAME: AgentView = { identity: (agent) => agent, rootPaths: () => undefined };

// NUL cannot occur in an agent, schema, root or DNS name, so keys built with it never collide.
const key = (...parts: string[]): string => parts.join('\u0000');

/**
 * The agent a name reaches, as far as the controller knows: the instance its Hello reported, else
 * its address. Two names of one address share one Hello, so they never come apart here.
 */
export function agentKey(agents: Pick<AgentView, 'identity' | 'instance'>, agent: string): string {
  const instance = agents.instance?.(agent);
  // A control character no address identity holds keeps the two kinds of key apart.
  return instance === undefined || instance === '' ? agents.identity(agent) : `\u0001instance ${instance}`;
}

const sameAgent = (agents: Pick<AgentView, 'identity' | 'instance'>, x: string, y: string): boolean => agentKey(agents, x) === agentKey(agents, y);

/** `agent X` as plan `a` names it, and the other plan's name when it is another name for that agent. */
function agentDescription(ours: string, theirs: string, agents: AgentView, other = 'in the other plan'): string {
  if (theirs === ours) return `agent ${ours}`;
  const [a, b] = [agents.address?.(ours) ?? agents.identity(ours), agents.address?.(theirs) ?? agents.identity(theirs)];
  const how =
    a === b
      ? `the controller config gives both the address ${a}`
      : agents.identity(ours) === agents.identity(theirs)
        ? `the controller config gives them ${a} and ${b}, one address (${agents.identity(ours)})`
        : `the controller config gives them ${a} and ${b}, and both answer Hello as one agent (instance ${agents.instance?.(ours) ?? ''})`;
  return `agent ${ours} (${theirs} ${other}: ${how})`;
}

interface Side {
  agent: string;
  name: string;
}

/**
 * Each side's schema, keyed by agent and name. On a server with lower_case_table_names=1 or 2
 * (Windows, macOS, and any server set so) `Shop` and `shop` name one schema. The controller
 * cannot know the setting (plans carry names only, and a server's variables are read only when
 * a step runs), so names that differ only in case are taken as one schema everywhere: a false
 * refusal is rolled back or waited out, two runs that share a freeze and a copy lose data. The
 * same schema is shared whichever side each plan has it on.
 */
function schemas(plan: Plan, agents: AgentView): Map<string, Side> {
  const out = new Map<string, Side>();
  if (plan.database === undefined) return out;
  for (const s of [{ agent: plan.staging.agent, name: plan.database.staging }, { agent: plan.production.agent, name: plan.database.production }]) {
    out.set(key(agentKey(agents, s.agent), s.name.toLowerCase()), s);
  }
  return out;
}

/** `ours` as this plan writes it, and the other plan's spelling when only its case differs. */
function schemaDescription(ours: Side, theirs: Side, agents: AgentView): string {
  const also = theirs.name === ours.name ? '' : ` (${theirs.name} in the other plan: schema names that differ only in case are taken as one schema, as lower_case_table_names=1 or 2 makes them)`;
  return `database ${ours.name} on ${agentDescription(ours.agent, theirs.agent, agents)}${also}`;
}

/** Each side's roots, once each (a plan may name one root on both sides of one agent). */
function assetRoots(plan: Plan): Side[] {
  const out = new Map<string, Side>();
  for (const a of plan.assets ?? []) {
    out.set(key(plan.staging.agent, a.staging), { agent: plan.staging.agent, name: a.staging });
    out.set(key(plan.production.agent, a.production), { agent: plan.production.agent, name: a.production });
  }
  return [...out.values()];
}

/** `inner` is `outer` or lies below it, on a '/' boundary (`/srv/up` does not hold `/srv/uploads`). */
const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);

/**
 * Roots on one agent are shared when they have one name, or (once the agent has said where its
 * roots lie) when their directories are one or one holds the other: a copy into either writes
 * files of the other, and a mirror's delete removes them.
 */
function sharedRoots(a: Plan, b: Plan, agents: AgentView): string[] {
  const out: string[] = [];
  for (const ours of assetRoots(a)) {
    for (const theirs of assetRoots(b)) {
      if (!sameAgent(agents, ours.agent, theirs.agent)) continue;
      const on = agentDescription(ours.agent, theirs.agent, agents);
      if (ours.name === theirs.name) {
        out.push(`asset root ${ours.name} on ${on}`);
        continue;
      }
      // One agent's Hello, whichever of its names was asked.
      const paths = agents.rootPaths(ours.agent) ?? agents.rootPaths(theirs.agent);
      const p = paths?.get(ours.name);
      const q = paths?.get(theirs.name);
      if (p === undefined || q === undefined || !(within(p, q) || within(q, p))) continue;
      const how = p === q ? 'one directory' : within(p, q) ? `${ours.name} lies inside ${theirs.name}` : `${theirs.name} lies inside ${ours.name}`;
      out.push(`asset root ${ours.name} (${p}) on ${on} and its asset root ${theirs.name} (${q}) in the other plan: ${how}`);
    }
  }
  return out;
}

/** One plan's two roots that share files, and the plan key of the later one. */
export interface OwnRootOverlap {
  field: string;
  message: string;
}

/**
 * Two entries of one plan's `assets` that write or read one directory, on one agent: the same
 * root twice (or one root on both sides of one agent, which copies it into itself), or (once the
 * agent has said where its roots lie) two roots whose directories are one or one inside the
 * other. The two transfers run side by side under each root's own lock, so one's delete removes
 * the files the other just wrote, and verify compares each tree with files the other put there.
 * Empty when every root is its own.
 */
export function ownRootOverlaps(plan: Plan, agents: AgentView = BY_NAME): OwnRootOverlap[] {
  const roots = (plan.assets ?? []).flatMap((a, i) => [
    { field: `assets[${i}].staging`, agent: plan.staging.agent, name: a.staging },
    { field: `assets[${i}].production`, agent: plan.production.agent, name: a.production },
  ]);
  const out: OwnRootOverlap[] = [];
  roots.forEach((y, j) => {
    for (const x of roots.slice(0, j)) {
      if (!sameAgent(agents, x.agent, y.agent)) continue;
      const on = agentDescription(x.agent, y.agent, agents, `for ${y.field}`);
      if (x.name === y.name) {
        out.push({ field: y.field, message: `${x.field} and ${y.field} both name asset root ${x.name} on ${on}; each entry of assets needs roots of its own: two entries on one directory (or a root copied into itself) run side by side, and one's copy and delete undo the other's` });
        continue;
      }
      const paths = agents.rootPaths(x.agent) ?? agents.rootPaths(y.agent);
      const p = paths?.get(x.name);
      const q = paths?.get(y.name);
      if (p === undefined || q === undefined || !(within(p, q) || within(q, p))) continue;
      const how = p === q ? 'are one directory' : within(q, p) ? `lie one inside the other (${y.name} inside ${x.name})` : `lie one inside the other (${x.name} inside ${y.name})`;
      out.push({
        field: y.field,
        message: `asset root ${y.name} (${q}) and asset root ${x.name} (${p}) of ${x.field}, on ${on}, ${how}, as the agent's Hello says; each entry of assets needs a directory of its own, outside the others: two entries on one directory run side by side, and one's copy and delete undo the other's`,
      });
    }
  });
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
export function sharedResources(a: Plan, b: Plan, agents: AgentView = BY_NAME): SharedResource[] {
  const shared: SharedResource[] = [];
  const theirs = schemas(b, agents);
  for (const [k, ours] of schemas(a, agents)) {
    const other = theirs.get(k);
    if (other !== undefined) shared.push({ kind: 'database', description: schemaDescription(ours, other, agents) });
  }
  for (const description of sharedRoots(a, b, agents)) shared.push({ kind: 'assets', description });
  const same = (x: string, y: string): boolean => sameAgent(agents, x, y);
  if (same(a.staging.agent, b.staging.agent) && freezes(a) && freezes(b)) {
    shared.push({ kind: 'staging-freeze', description: `the write freeze of staging ${agentDescription(a.staging.agent, b.staging.agent, agents)} (maintenance flag and read_only)` });
  } else if (freezes(a) && freezes(b)) {
    // One plan's staging is the other's production: its freeze sets read_only on the server the
    // other copies into, and the other's copy changes the site this one holds frozen as fallback.
    const crossed = new Map<string, string>();
    if (same(a.staging.agent, b.production.agent)) crossed.set(agentKey(agents, a.staging.agent), agentDescription(a.staging.agent, b.production.agent, agents));
    if (same(b.staging.agent, a.production.agent)) crossed.set(agentKey(agents, a.production.agent), agentDescription(a.production.agent, b.staging.agent, agents));
    for (const agent of crossed.values()) {
      shared.push({ kind: 'staging-freeze', description: `the write freeze of ${agent} (staging of one cutover, production of the other)` });
    }
  }
  if (dnsKey(a) === dnsKey(b)) {
    shared.push({ kind: 'dns', description: `DNS record ${normalizeName(a.dns.name)} ${a.dns.type} in zone ${normalizeName(a.dns.zone)} at provider ${a.dns.provider}` });
  }
  return shared;
}

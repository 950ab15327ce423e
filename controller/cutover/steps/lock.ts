// lock: the write freeze on staging — its maintenance flag file, then read_only=ON on its
// MySQL. The staging agent reads the state before it changes anything and answers with it;
// that prior state is the first thing this step writes to the store, so a rollback after any
// crash from here on knows exactly what to restore.
//
// Just before, while staging is still live, it records staging's pages again (status, <title>):
// preflight's record may be days old by now, and validate compares production's titles with the
// newest one once staging answers its maintenance page. That takes the same per-page limits as
// preflight, runs before the freeze so it does not lengthen it, and never fails the lock.
//
// Not idempotent: a forced rerun is safe only because the agent keeps its first record and
// answers `already_locked` with it; an agent that lost its state would read the locked state
// as "prior", which is why an operator has to look first.
//
// The agent keeps its record under the cutover that locked. Staging stays frozen after a release,
// and the agent with it keeps the released cutover's record (what staging was before THAT lock);
// the next cutover's lock finds it and is refused. It asks again vouching that the owner is over
// only when the owner is a cutover of this controller's in a final state, whose lock recorded that
// very freeze: the agent then records staging as it is now, frozen, and this cutover's rollback
// leaves it so. An owner this controller does not know is another controller's: refused.
//
// A record that names no owner (an agent older than owners made it, or a controller older than
// cutover_id asked for it) is refused the same way. The controller finds whose it is by its
// lockedAt among the locks it recorded: this cutover's own earlier attempt keeps it (own_lock: a
// cutover mid-freeze when the agent was upgraded goes on as before), another of its cutovers' is
// taken over when that one is over; one it never recorded is another controller's.
import { SwitchyardError } from '../../../shared/errors.js';
import type { FreezeState, FreezeState__Output } from '../../../shared/proto-gen/switchyard/v1/FreezeState.js';
import type { LockWritesRequest } from '../../../shared/proto-gen/switchyard/v1/LockWritesRequest.js';
import type { LockWritesResponse__Output } from '../../../shared/proto-gen/switchyard/v1/LockWritesResponse.js';
import { answeredNormally, recordStagingBaseline, storedStagingBaseline, type StagingBaseline } from '../../validate/index.js';
import { EVIDENCE_KEYS, type StepContext, type StepExecutor, type StepResult } from '../executor.js';
import type { CutoverStore, StepRow } from '../store/index.js';
import { FINAL_STATES } from '../states.js';
import { agentKey, type AgentView } from '../exclusive.js';
import { databaseClient, hasAssets, unary, type DataStepDeps } from './data-agents.js';

/** The freeze's prior state as stored in the lock step's evidence (flag content as base64). */
export interface FreezeEvidence {
  readOnly: boolean;
  /** '' when the server has no super_read_only (MariaDB). */
  superReadOnly: string;
  flagFile: string;
  flagFileExisted: boolean;
  flagFileContentBase64: string;
  lockedAt: string;
  /** The staging agent has no database: the freeze was its maintenance flag alone. */
  noDatabase?: boolean;
}

export const PRIOR_KEY = 'prior';

export function freezeEvidence(s: FreezeState__Output): FreezeEvidence {
  return {
    readOnly: s.read_only,
    superReadOnly: s.super_read_only,
    flagFile: s.flag_file,
    flagFileExisted: s.flag_file_existed,
    flagFileContentBase64: Buffer.from(s.flag_file_content).toString('base64'),
    lockedAt: s.locked_at,
    ...(s.no_database ? { noDatabase: true } : {}),
  };
}

export function freezeToWire(e: FreezeEvidence): FreezeState {
  return {
    read_only: e.readOnly,
    super_read_only: e.superReadOnly,
    flag_file: e.flagFile,
    flag_file_existed: e.flagFileExisted,
    flag_file_content: Buffer.from(e.flagFileContentBase64, 'base64'),
    locked_at: e.lockedAt,
    no_database: e.noDatabase === true,
  };
}

function evidenceOf(row: StepRow | undefined): Record<string, unknown> {
  const ev = row?.result?.evidence;
  return ev === null || typeof ev !== 'object' ? {} : (ev as Record<string, unknown>);
}

/** The prior state the lock step recorded, if it got that far. */
export function recordedPrior(lock: StepRow | undefined): FreezeEvidence | undefined {
  const prior = evidenceOf(lock)[PRIOR_KEY];
  if (prior === null || typeof prior !== 'object' || typeof (prior as FreezeEvidence).lockedAt !== 'string') return undefined;
  return prior as FreezeEvidence;
}

/** How long lock may spend recording staging's pages before it freezes anyway (preflight's record stands in). */
export const LOCK_RECORD_LIMIT_MS = 30_000;

/** Staging's pages now, or why there is no record; never throws but for the step's own abort. */
async function recordPages(ctx: StepContext): Promise<StagingBaseline | string> {
  try {
    return await recordStagingBaseline(ctx.plan, { signal: ctx.signal, now: () => ctx.clock.now(), by: 'lock', withinMs: LOCK_RECORD_LIMIT_MS });
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.logger.warn({ err }, "recording staging's pages before the freeze failed; validate falls back to preflight's record");
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The record this attempt keeps, and a note for the summary. Already locked, staging answered
 * its maintenance page to what was just recorded — a 503, or a 200 page titled "Maintenance"
 * that would pass for the site — so that record is dropped for the earlier attempt's, if any.
 */
function keptPages(fresh: StagingBaseline | string, earlier: StagingBaseline | undefined, alreadyLocked: boolean): { baseline?: StagingBaseline; note: string } {
  if (typeof fresh !== 'string' && !alreadyLocked) {
    return { baseline: fresh, note: `${fresh.pages.filter(answeredNormally).length} of ${fresh.pages.length} staging pages recorded with their titles` };
  }
  const why = typeof fresh === 'string' ? `recording them again failed (${fresh})` : 'staging was already locked';
  if (earlier !== undefined) return { baseline: earlier, note: `staging's pages as an earlier attempt recorded them (${earlier.recordedAt}) kept: ${why}` };
  return { note: `staging's pages not recorded: ${why}; validate compares with preflight's record` };
}

/** The freeze another cutover holds on the agent (owner '' for a record naming none), as the agent's refusal names it. */
function heldByOther(err: unknown): { owner: string; lockedAt: string } | undefined {
  if (!(err instanceof SwitchyardError) || err.code !== 'SY_PRECONDITION' || err.field !== 'cutover_id') return undefined;
  const { owner, lockedAt } = err.details ?? {};
  return typeof owner === 'string' && typeof lockedAt === 'string' && lockedAt !== '' ? { owner, lockedAt } : undefined;
}

/**
 * This controller's cutovers but `except` whose lock on `agent` (by any name of it: one address,
 * or one instance by the agents' Hellos) recorded the freeze taken at `lockedAt`, newest first: whose a record naming no owner
 * is. (More than one: an agent older than owners answered a later cutover's lock with an earlier
 * one's record.)
 */
export function lockedBy(store: CutoverStore, agents: Pick<AgentView, 'identity' | 'instance'>, agent: string, lockedAt: string, except: string): string[] {
  const at = agentKey(agents, agent);
  return store.steps
    .withResult('lock', `$.evidence.${PRIOR_KEY}.lockedAt`, lockedAt)
    .map((id) => store.cutovers.get(id))
    .filter((c) => c !== undefined && c.id !== except && agentKey(agents, c.plan.staging.agent) === at)
    .sort((a, b) => b!.createdAt.localeCompare(a!.createdAt))
    .map((c) => c!.id);
}

/** What the lock asks again with, and whose freeze that is; or why it may not. */
type Retry = { again: Pick<LockWritesRequest, 'finished_lock' | 'own_lock'>; owner: string } | { why: string; owner: string };

/** How this cutover may ask again for the freeze the agent refused it, or why it may not. */
function retryFor(ctx: StepContext, agents: Pick<AgentView, 'identity' | 'instance'>, agent: string, held: { owner: string; lockedAt: string }): Retry {
  if (held.owner !== '') {
    const why = whyNotOver(ctx.store, held.owner, held.lockedAt);
    return why === undefined ? { again: { finished_lock: held.lockedAt }, owner: held.owner } : { why, owner: held.owner };
  }
  const others = lockedBy(ctx.store, agents, agent, held.lockedAt, ctx.cutover.id);
  for (const other of others) {
    const why = whyNotOver(ctx.store, other, held.lockedAt);
    if (why !== undefined) return { why: `the agent's record names no cutover (made before it kept owners), and this controller's cutover ${other} recorded that lock: ${why}`, owner: other };
  }
  if (recordedPrior(ctx.previousAttempt)?.lockedAt === held.lockedAt) return { again: { own_lock: held.lockedAt }, owner: ctx.cutover.id };
  if (others.length > 0) return { again: { finished_lock: held.lockedAt }, owner: others[0]! };
  return {
    why: `no cutover of this controller recorded a lock taken at ${held.lockedAt} on agent ${agent}: it is another controller's — run this cutover from that controller (which knows whether its cutover is over), or roll that cutover back there`,
    owner: '',
  };
}

/**
 * Why this controller cannot vouch that `owner`'s freeze is over, or undefined when it can: the
 * owner is one of its cutovers, completed or rolled back, and its lock recorded this very freeze
 * (a cutover of the same id under another controller recorded another).
 */
function whyNotOver(store: CutoverStore, owner: string, lockedAt: string): string | undefined {
  const row = store.cutovers.get(owner);
  if (row === undefined) return `this controller has no cutover ${owner}: it belongs to another controller, and only that one knows whether it is over — run this cutover from that controller (which takes a finished cutover's freeze over), or roll ${owner} back there if it is not over`;
  if (!FINAL_STATES.has(row.state)) return `cutover ${owner} is ${row.state}, not over: roll it back or release it first`;
  const recorded = recordedPrior(store.steps.get(owner, 'lock'));
  if (recorded !== undefined && recorded.lockedAt !== lockedAt) return `cutover ${owner}'s lock recorded a freeze taken at ${recorded.lockedAt}, and the agent's was taken at ${lockedAt}: another controller's cutover of the same id?`;
  return undefined;
}

/**
 * The lock summary's words for a freeze taken over from a finished cutover, from staging as the
 * agent found it. The agent keeps a released cutover's record however staging changed since: a
 * person who unfroze staging by hand left the record behind, and "still frozen … a rollback
 * leaves it so" beside "read_only=ON (was OFF)" told the opposite of what the rollback then does
 * (put back what was found: writable).
 */
export function tookOverNote(owner: string, found: Pick<FreezeEvidence, 'readOnly' | 'flagFile' | 'flagFileExisted' | 'noDatabase'>): string {
  const db = found.noDatabase !== true;
  const flag = found.flagFile !== '';
  const frozen = [db && found.readOnly ? 'read_only=ON' : undefined, flag && found.flagFileExisted ? 'maintenance flag up' : undefined].filter((x) => x !== undefined);
  const thawed = [db && !found.readOnly ? 'read_only=OFF' : undefined, flag && !found.flagFileExisted ? 'no maintenance flag' : undefined].filter((x) => x !== undefined);
  if (thawed.length === 0) return `; staging was still frozen by cutover ${owner}, which is over: recorded as found (frozen), and a rollback leaves it so`;
  if (frozen.length === 0) return `; the agent still held the record of cutover ${owner}'s freeze, which is over, but staging was no longer frozen (${thawed.join(', ')}; undone by hand since?): recorded as found, and a rollback puts it back so`;
  return `; staging was still partly frozen by cutover ${owner}, which is over (${[...frozen, ...thawed].join(', ')}): recorded as found, and a rollback puts it back so`;
}

export function lockExecutor(deps: DataStepDeps): StepExecutor {
  return {
    idempotent: false,
    async run(ctx): Promise<StepResult> {
      const { plan } = ctx;
      // An assets-only plan still freezes uploads, by the staging agent's maintenance flag alone:
      // its database, if it has one, is not this plan's to freeze (it may serve production too).
      if (plan.database === undefined && !hasAssets(plan)) {
        return { outcome: 'skipped', summary: 'the plan has neither database nor assets: there are no writes to freeze' };
      }
      const flagOnly = plan.database === undefined;
      const agent = plan.staging.agent;
      // An earlier attempt's record, taken while staging was live, outlives a forced re-run.
      const earlier = storedStagingBaseline(evidenceOf(ctx.previousAttempt)[EVIDENCE_KEYS.stagingBaseline], plan, 'lock');
      const fresh = await recordPages(ctx);
      const client = databaseClient(deps, agent, 'staging.agent');
      const request: LockWritesRequest = { flag_only: flagOnly, cutover_id: ctx.cutover.id };
      const lock = (req: LockWritesRequest) => unary<typeof client, LockWritesRequest, LockWritesResponse__Output>(deps, agent, client, 'LockWrites', req, { signal: ctx.signal });
      let res: LockWritesResponse__Output;
      // Whose freeze this lock took over, as this controller knows it: the agent names none for a record without an owner.
      let vouchedOwner = '';
      try {
        res = await lock(request);
      } catch (err) {
        const held = heldByOther(err);
        if (held === undefined) throw err;
        const retry = retryFor(ctx, deps.agents, agent, held);
        if ('why' in retry) {
          throw new SwitchyardError('SY_CONFLICT', `${(err as Error).message}; ${retry.why}`, { details: { owner: retry.owner, lockedAt: held.lockedAt } });
        }
        if (retry.again.finished_lock !== undefined) vouchedOwner = retry.owner;
        res = await lock({ ...request, ...retry.again });
      }
      const tookOverFrom = res.took_over_from !== '' ? res.took_over_from : vouchedOwner;
      if (res.prior === null) {
        throw new SwitchyardError('SY_INTERNAL', `LockWrites on agent ${agent} answered without the prior state; staging may be locked — roll back to restore it`);
      }
      const prior = freezeEvidence(res.prior);
      ctx.record.put(PRIOR_KEY, prior);
      ctx.record.put('alreadyLocked', res.already_locked);
      if (tookOverFrom !== '' && !res.already_locked) ctx.record.put('tookOverFrom', tookOverFrom);
      const pages = keptPages(fresh, earlier, res.already_locked);
      if (pages.baseline !== undefined) ctx.record.put(EVIDENCE_KEYS.stagingBaseline, pages.baseline);
      if (flagOnly && prior.noDatabase !== true) {
        // An agent older than flag_only froze its database anyway; the record above lets the
        // rollback restore it.
        throw new SwitchyardError('SY_PRECONDITION', `agent ${agent} set read_only on its database although this plan moves no database (an agent older than the controller?); roll back to restore it, and upgrade the agent`);
      }

      const flag = prior.flagFile === '' ? 'no maintenance flag configured on the agent' : `maintenance flag ${prior.flagFile}${prior.flagFileExisted ? ' (existed before)' : ''}`;
      const ro = prior.noDatabase !== true ? `read_only=ON (was ${prior.readOnly ? 'ON' : 'OFF'})` : flagOnly ? 'no database frozen (the plan moves none)' : 'no database on the agent';
      const held = res.already_locked
        ? '; the agent was already locked and kept its first record'
        : tookOverFrom !== ''
          ? tookOverNote(tookOverFrom, prior)
          : '';
      return {
        summary: `staging writes frozen: ${flag}, ${ro}${held}; ${pages.note}`,
        evidence: { [PRIOR_KEY]: prior, alreadyLocked: res.already_locked, ...(tookOverFrom !== '' && !res.already_locked ? { tookOverFrom } : {}), agent },
      };
    },
  };
}

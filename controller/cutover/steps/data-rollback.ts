// The database and staging parts of a rollback, and the clean-up when the fallback window is
// released. Every part here may run again after a crash or next to a second rollback request:
// each asks the agent, which knows the state it holds, rather than trusting a flag.
import { SwitchyardError } from '../../../shared/errors.js';
import type { RollbackDatabaseResponse__Output } from '../../../shared/proto-gen/switchyard/v1/RollbackDatabaseResponse.js';
import type { ReleaseDatabaseResponse__Output } from '../../../shared/proto-gen/switchyard/v1/ReleaseDatabaseResponse.js';
import type { UnlockWritesResponse__Output } from '../../../shared/proto-gen/switchyard/v1/UnlockWritesResponse.js';
import type { Logger } from '../../../shared/logger.js';
import type { RollbackPart } from '../executor.js';
import type { Plan } from '../plan.js';
import type { CutoverView } from '../view.js';
import { databaseClient, longCallMs, unary, type DataStepDeps } from './data-agents.js';
import { freezeEvidence, freezeToWire, lockedBy, recordedPrior } from './lock.js';

const ranStep = (state: string | undefined): boolean => state !== undefined && state !== 'pending' && state !== 'skipped';

/**
 * The tables presync's copy brought from staging, as its evidence recorded them: an agent whose
 * copy predates its own record of them keeps every other table as possibly production's.
 */
export function presyncTables(result: Record<string, unknown> | null | undefined): string[] {
  const tables = ((result?.evidence as { database?: { tables?: unknown } } | undefined)?.database?.tables);
  return Array.isArray(tables) ? tables.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * Staging back to exactly how the lock found it: read_only and the maintenance flag file as
 * recorded. The staging agent's own record wins; the prior state the lock step stored is sent
 * along for an agent that lost its record.
 */
export function unlockStagingPart(deps: DataStepDeps): RollbackPart {
  return {
    name: 'unlock-staging',
    async run(ctx) {
      const lock = ctx.step('lock');
      if (!ranStep(lock?.state)) {
        return { outcome: 'skipped', detail: { reason: 'staging was never locked' } };
      }
      const agent = ctx.plan.staging.agent;
      const client = databaseClient(deps, agent, 'staging.agent');
      const prior = recordedPrior(lock);
      ctx.emit({ phase: 'unlock-staging', message: `restoring staging's write state on ${agent}` });
      const res = await unary<typeof client, object, UnlockWritesResponse__Output>(deps, agent, client, 'UnlockWrites', { cutover_id: ctx.cutover.id, ...(prior === undefined ? {} : { prior: freezeToWire(prior) }) });
      if (res.held_by !== '') {
        // This cutover's lock was refused (another controller's freeze stood), or a later cutover
        // took its freeze over: what staging was before that freeze is its owner's to put back.
        ctx.logger.warn({ agent, heldBy: res.held_by }, "staging left frozen: the freeze is another cutover's");
        return { detail: { agent, wasLocked: false, heldBy: res.held_by, note: `staging stays frozen: the freeze on ${agent} is cutover ${res.held_by}'s, not this one's` } };
      }
      if (res.held_locked_at !== '') {
        // A record naming no cutover (made before the agent kept owners) whose lock this cutover
        // did not record: whose it is, only the locks this controller recorded can tell.
        const owner = lockedBy(ctx.store, deps.agents, agent, res.held_locked_at, ctx.cutover.id)[0];
        const whose = owner === undefined ? `a lock taken at ${res.held_locked_at} that this controller did not record (another controller's?)` : `cutover ${owner}'s (its lock at ${res.held_locked_at}, recorded before the agent kept owners)`;
        ctx.logger.warn({ agent, heldBy: owner ?? null, heldLockedAt: res.held_locked_at }, "staging left frozen: the freeze is not this cutover's");
        return { detail: { agent, wasLocked: false, ...(owner === undefined ? {} : { heldBy: owner }), heldLockedAt: res.held_locked_at, note: `staging stays frozen: the freeze on ${agent} is ${whose}, not this one's` } };
      }
      const restored = res.restored === null ? null : freezeEvidence(res.restored);
      ctx.logger.warn({ agent, wasLocked: res.was_locked, readOnly: restored?.readOnly, flagFileExisted: restored?.flagFileExisted }, 'staging unlocked');
      return {
        detail: {
          agent,
          wasLocked: res.was_locked,
          restored: restored === null ? null : { readOnly: restored.readOnly, superReadOnly: restored.superReadOnly, flagFile: restored.flagFile, flagFileExisted: restored.flagFileExisted, noDatabase: restored.noDatabase === true },
        },
      };
    },
  };
}

/**
 * Production's tables back to the ones the copy replaced — only when the plan asks for it
 * (`database.rollbackSwap: true`); by default production keeps the copy, which is harmless once
 * DNS points at staging again and saves a second copy on the next attempt. After the DNS switch
 * the copy the agent swaps out is kept in `<db>__sy_served[N]`, not dropped.
 */
export function databaseRollbackPart(deps: DataStepDeps): RollbackPart {
  return {
    name: 'database',
    async run(ctx) {
      const db = ctx.plan.database;
      if (db === undefined) return { outcome: 'skipped', detail: { reason: 'the plan has no database' } };
      if (db.rollbackSwap !== true) {
        return { outcome: 'skipped', detail: { reason: 'plan.database.rollbackSwap is not set: production keeps the copied tables' } };
      }
      if (!ranStep(ctx.step('presync')?.state)) return { outcome: 'skipped', detail: { reason: 'presync never ran: production tables were not swapped' } };
      const agent = ctx.plan.production.agent;
      const client = databaseClient(deps, agent, 'production.agent');
      // The switch snapshots the record just before it calls the provider: from then on production
      // may have taken orders and sign-ups the copy alone holds, so the copy is kept, not dropped.
      const switched = ctx.store.dnsSnapshots.forCutover(ctx.cutover.id).length > 0;
      ctx.emit({ phase: 'database', message: `swapping the kept-aside tables of ${db.production} back on ${agent}${switched ? `; the live copy, which served traffic, is kept aside` : ''}` });
      try {
        const res = await unary<typeof client, object, RollbackDatabaseResponse__Output>(
          deps,
          agent,
          client,
          'RollbackDatabase',
          { target_schema: db.production, keep_live_copy: switched, attempt: ctx.cutover.id, copied_tables: presyncTables(ctx.step('presync')?.result) },
          { timeoutMs: longCallMs(deps) },
        );
        ctx.logger.warn({ agent, schema: db.production, tables: res.tables.length, servedSchema: res.served_schema || null }, 'production tables swapped back');
        const notes = res.notes.length > 0 ? { notes: res.notes } : {};
        if (res.notes.length > 0) ctx.logger.warn({ agent, schema: db.production, notes: res.notes }, 'the rollback kept tables aside');
        if (!switched) return { detail: { agent, schema: db.production, tablesRestored: res.tables, liveCopy: 'dropped: DNS was never switched, so it served no traffic', ...notes } };
        if (res.served_schema === '') {
          const liveCopy = 'not reported kept: the production agent predates keep_live_copy and dropped it; upgrade it before the next cutover';
          ctx.logger.error({ agent }, liveCopy);
          // An agent that old sends no notes today; one that does is heard all the same.
          return { detail: { agent, schema: db.production, tablesRestored: res.tables, liveCopy, ...notes } };
        }
        const servedCopy = {
          schema: res.served_schema,
          tables: res.served_tables.map((t) => ({ table: t.table, rows: Number(t.rows) })),
          note: 'the copy production served after the DNS switch: reconcile rows written since (README, "Reconciling a served copy") and drop the schema by hand when done',
        };
        return { detail: { agent, schema: db.production, tablesRestored: res.tables, servedCopy, ...notes } };
      } catch (err) {
        // Nothing kept aside: the swap never happened, or an earlier attempt of this part already
        // swapped back before the controller could record it.
        if (err instanceof SwitchyardError && err.code === 'SY_PRECONDITION') {
          // The agent records the served copy under the cutover's id and names it here: the
          // earlier attempt's answer, lost, said the same.
          const servedSchema = err.details?.servedSchema;
          if (typeof servedSchema === 'string' && servedSchema !== '') {
            ctx.logger.warn({ agent, schema: db.production, servedSchema }, 'an earlier attempt already swapped production tables back; the agent names the live copy it kept');
            const servedCopy = {
              schema: servedSchema,
              keptAt: typeof err.details?.servedAt === 'string' ? err.details.servedAt : null,
              ...servedTables(err.details),
              note: 'kept by an earlier attempt of this rollback, whose answer was lost: the copy production served after the DNS switch; reconcile rows written since (README, "Reconciling a served copy") and drop the schema by hand when done',
            };
            return { detail: { agent, schema: db.production, swappedBackBy: 'an earlier attempt', servedCopy } };
          }
          return { outcome: 'skipped', detail: { reason: switched ? `${err.message}; ${servedHint(db.production)}` : err.message } };
        }
        throw err;
      }
    },
  };
}

/**
 * The rows the served copy's tables hold, as the agent counted them on the retry: the first tables
 * by name (an error's details are bounded) and how many it left off. Nothing from an older agent.
 */
function servedTables(details: Record<string, unknown> | undefined): { tables?: Array<{ table: string; rows: number }>; tablesLeftOff?: number } {
  const list = details?.servedTables;
  if (!Array.isArray(list)) return {};
  const tables = list
    .filter((t): t is { table: string; rows: number } => typeof t === 'object' && t !== null && typeof (t as { table?: unknown }).table === 'string' && typeof (t as { rows?: unknown }).rows === 'number')
    .map((t) => ({ table: t.table, rows: t.rows }));
  const leftOff = details?.servedTablesLeftOff;
  return { tables, ...(typeof leftOff === 'number' && leftOff > 0 ? { tablesLeftOff: leftOff } : {}) };
}

/**
 * Where the live copy is when an earlier attempt swapped back and the agent cannot say (older
 * than its record of served copies, or its state file lost). Not the highest N: a rollback takes
 * the first free one, and an operator may have dropped a lower one since.
 */
function servedHint(schema: string): string {
  const like = `${schema}__sy_served`.replace(/[\\_%]/g, (c) => `\\${c}`);
  return `if an earlier attempt swapped back, it kept the live copy in the ${schema}__sy_served[N] schema (N is the first number that was free, not the highest) whose __sy_kept table was created last: SELECT TABLE_SCHEMA, CREATE_TIME FROM information_schema.TABLES WHERE TABLE_NAME = '__sy_kept' AND TABLE_SCHEMA LIKE '${like}%' ORDER BY CREATE_TIME DESC LIMIT 1`;
}

export interface ReleaseContext {
  cutover: CutoverView;
  plan: Plan;
  logger: Logger;
}

/** End of the fallback window: the tables kept aside for an instant DB rollback are dropped. */
export function releaseDatabase(deps: DataStepDeps): (ctx: ReleaseContext) => Promise<Record<string, unknown>> {
  return async ({ plan, logger }) => {
    const db = plan.database;
    if (db === undefined) return { database: 'none in the plan' };
    const agent = plan.production.agent;
    const client = databaseClient(deps, agent, 'production.agent');
    const res = await unary<typeof client, object, ReleaseDatabaseResponse__Output>(deps, agent, client, 'ReleaseDatabase', { target_schema: db.production }, { timeoutMs: longCallMs(deps) });
    logger.info({ agent, schema: db.production, dropped: res.dropped }, 'kept-aside production tables released');
    return { database: db.production, keptAsideDropped: res.dropped };
  };
}

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
import { freezeEvidence, freezeToWire, recordedPrior } from './lock.js';

const ranStep = (state: string | undefined): boolean => state !== undefined && state !== 'pending' && state !== 'skipped';

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
      const res = await unary<typeof client, object, UnlockWritesResponse__Output>(deps, agent, client, 'UnlockWrites', prior === undefined ? {} : { prior: freezeToWire(prior) });
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
 * DNS points at staging again and saves a second copy on the next attempt.
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
      ctx.emit({ phase: 'database', message: `swapping the kept-aside tables of ${db.production} back on ${agent}` });
      try {
        const res = await unary<typeof client, object, RollbackDatabaseResponse__Output>(deps, agent, client, 'RollbackDatabase', { target_schema: db.production }, { timeoutMs: longCallMs(deps) });
        ctx.logger.warn({ agent, schema: db.production, tables: res.tables.length }, 'production tables swapped back');
        return { detail: { agent, schema: db.production, tablesRestored: res.tables } };
      } catch (err) {
        // Nothing kept aside: the swap never happened, or an earlier attempt of this part already
        // swapped back before the controller could record it.
        if (err instanceof SwitchyardError && err.code === 'SY_PRECONDITION') {
          return { outcome: 'skipped', detail: { reason: err.message } };
        }
        throw err;
      }
    },
  };
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

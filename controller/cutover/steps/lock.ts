// lock: the write freeze on staging — its maintenance flag file, then read_only=ON on its
// MySQL. The staging agent reads the state before it changes anything and answers with it;
// that prior state is the first thing this step writes to the store, so a rollback after any
// crash from here on knows exactly what to restore.
//
// Not idempotent: a forced rerun is safe only because the agent keeps its first record and
// answers `already_locked` with it; an agent that lost its state would read the locked state
// as "prior", which is why an operator has to look first.
import { SwitchyardError } from '../../../shared/errors.js';
import type { FreezeState, FreezeState__Output } from '../../../shared/proto-gen/switchyard/v1/FreezeState.js';
import type { LockWritesRequest } from '../../../shared/proto-gen/switchyard/v1/LockWritesRequest.js';
import type { LockWritesResponse__Output } from '../../../shared/proto-gen/switchyard/v1/LockWritesResponse.js';
import type { StepExecutor, StepResult } from '../executor.js';
import type { StepRow } from '../store/index.js';
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

/** The prior state the lock step recorded, if it got that far. */
export function recordedPrior(lock: StepRow | undefined): FreezeEvidence | undefined {
  const ev = lock?.result?.evidence;
  if (ev === null || typeof ev !== 'object') return undefined;
  const prior = (ev as Record<string, unknown>)[PRIOR_KEY];
  if (prior === null || typeof prior !== 'object' || typeof (prior as FreezeEvidence).lockedAt !== 'string') return undefined;
  return prior as FreezeEvidence;
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
      const client = databaseClient(deps, agent, 'staging.agent');
      const res = await unary<typeof client, LockWritesRequest, LockWritesResponse__Output>(deps, agent, client, 'LockWrites', { flag_only: flagOnly }, { signal: ctx.signal });
      if (res.prior === null) {
        throw new SwitchyardError('SY_INTERNAL', `LockWrites on agent ${agent} answered without the prior state; staging may be locked — roll back to restore it`);
      }
      const prior = freezeEvidence(res.prior);
      ctx.record.put(PRIOR_KEY, prior);
      ctx.record.put('alreadyLocked', res.already_locked);
      if (flagOnly && prior.noDatabase !== true) {
        // An agent older than flag_only froze its database anyway; the record above lets the
        // rollback restore it.
        throw new SwitchyardError('SY_PRECONDITION', `agent ${agent} set read_only on its database although this plan moves no database (an agent older than the controller?); roll back to restore it, and upgrade the agent`);
      }

      const flag = prior.flagFile === '' ? 'no maintenance flag configured on the agent' : `maintenance flag ${prior.flagFile}${prior.flagFileExisted ? ' (existed before)' : ''}`;
      const ro = prior.noDatabase !== true ? `read_only=ON (was ${prior.readOnly ? 'ON' : 'OFF'})` : flagOnly ? 'no database frozen (the plan moves none)' : 'no database on the agent';
      return {
        summary: `staging writes frozen: ${flag}, ${ro}${res.already_locked ? '; the agent was already locked and kept its first record' : ''}`,
        evidence: { [PRIOR_KEY]: prior, alreadyLocked: res.already_locked, agent },
      };
    },
  };
}

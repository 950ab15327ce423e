// The database and asset side of a cutover, assembled: the executors of presync, lock, sync,
// verify and rewrite, the preflight findings about the database, the rollback parts that swap
// production tables back and unlock staging, and the clean-up on release.
import type { PreflightCheck } from './preflight/types.js';
import type { RollbackPart, StepExecutor } from '../executor.js';
import type { ReleaseHook } from '../machine.js';
import type { DataStepDeps } from './data-agents.js';
import { presyncExecutor } from './presync.js';
import { lockExecutor } from './lock.js';
import { syncExecutor } from './sync.js';
import { verifyExecutor } from './verify.js';
import { rewriteExecutor } from './rewrite.js';
import { databasePreflightChecks } from './preflight/database.js';
import { databaseRollbackPart, releaseDatabase, unlockStagingPart } from './data-rollback.js';

export type { DataStepDeps, DataStepOptions } from './data-agents.js';

export interface DataSteps {
  executors: { presync: StepExecutor; lock: StepExecutor; sync: StepExecutor; verify: StepExecutor; rewrite: StepExecutor };
  /** For the preflight step's list of checks. */
  preflightChecks: PreflightCheck;
  /** In rollback order: after DNS is back on staging, production tables back, then staging unlocked. */
  rollbackParts: { database: RollbackPart; unlockStaging: RollbackPart };
  onRelease: ReleaseHook;
}

export function buildDataSteps(deps: DataStepDeps): DataSteps {
  return {
    executors: {
      presync: presyncExecutor(deps),
      lock: lockExecutor(deps),
      sync: syncExecutor(deps),
      verify: verifyExecutor(deps),
      rewrite: rewriteExecutor(deps),
    },
    preflightChecks: databasePreflightChecks(deps),
    rollbackParts: { database: databaseRollbackPart(deps), unlockStaging: unlockStagingPart(deps) },
    onRelease: releaseDatabase(deps),
  };
}

// Which executor runs each step and which parts a rollback undoes, built from the controller's
// config and its agent directory. The engine knows none of this; it only runs what it is given.
import type { Logger } from '../../shared/logger.js';
import type { ControllerConfig } from '../config.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { RuntimeParityService } from '../parity/service.js';
import type { RollbackExecutor, StepExecutors } from './executor.js';
import type { ReleaseHook, TtlPort } from './machine.js';
import { fallbackExecutor } from './steps/fallback.js';
import { buildDataSteps } from './steps/data-steps.js';

export interface WiringDeps {
  config: ControllerConfig;
  agents: AgentDirectory;
  parity: RuntimeParityService;
  logger: Logger;
}

export interface CutoverWiring {
  executors: StepExecutors;
  rollback: RollbackExecutor;
  ttl?: TtlPort;
  onRelease?: ReleaseHook;
}

export function buildCutoverWiring(deps: WiringDeps): CutoverWiring {
  const data = buildDataSteps({ agents: deps.agents, logger: deps.logger.child({ component: 'cutover-data' }) });
  // Merge point: the preflight, validate, switch, propagate and monitor executors and the DNS
  // rollback part (steps/index.ts buildStepExecutors) join here; preflight takes
  // `data.preflightChecks` among its checks. Rollback order matters: DNS first (traffic back to
  // staging), then production tables, then staging unlocked.
  return {
    executors: { fallback: fallbackExecutor, ...data.executors },
    rollback: { parts: [data.rollbackParts.database, data.rollbackParts.unlockStaging] },
    onRelease: data.onRelease,
  };
}

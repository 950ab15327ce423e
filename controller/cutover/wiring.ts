// Which executor runs each step and which parts a rollback undoes, built from the controller's
// config and its agent directory. The engine knows none of this; it only runs what it is given.
import type { Logger } from '../../shared/logger.js';
import type { ControllerConfig } from '../config.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { RuntimeParityService } from '../parity/service.js';
import type { RollbackExecutor, StepExecutors } from './executor.js';
import type { TtlPort } from './machine.js';
import { fallbackExecutor } from './steps/fallback.js';

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
}

export function buildCutoverWiring(_deps: WiringDeps): CutoverWiring {
  return {
    executors: { fallback: fallbackExecutor },
    rollback: { parts: [] },
  };
}

// Which executor runs each step and which parts a rollback undoes, built from the controller's
// config and its agent directory. The engine knows none of this; it only runs what it is given.
import type { Logger } from '../../shared/logger.js';
import type { ControllerConfig } from '../config.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { RuntimeParityService } from '../parity/service.js';
import { buildDnsProviders } from '../dns/registry.js';
import type { RollbackExecutor, StepExecutors } from './executor.js';
import type { ReleaseHook, TtlPort } from './machine.js';
import { fallbackExecutor } from './steps/fallback.js';
import { buildDataSteps } from './steps/data-steps.js';
import { buildRollbackParts, buildStepExecutors, dnsTtlPort, named, withSwitchPreview, type StepDeps } from './steps/index.js';
import { validateExecutor } from './steps/validate.js';

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
  const stepDeps: StepDeps = { agents: deps.agents, dns: buildDnsProviders(deps.config.dnsProviders), parity: deps.parity, config: deps.config, logger: deps.logger };
  const data = buildDataSteps({ agents: deps.agents, logger: deps.logger.child({ component: 'cutover-data' }) });
  return {
    executors: {
      ...buildStepExecutors(stepDeps, { preflight: { extraChecks: [named('database', data.preflightChecks)] } }),
      ...data.executors,
      // validate also shows the DNS change switch will make (a dry run), before any is made.
      validate: withSwitchPreview(validateExecutor(stepDeps), stepDeps),
      fallback: fallbackExecutor,
    },
    // Order matters: DNS first (traffic back to staging), then production tables, then staging unlocked.
    rollback: { parts: [...buildRollbackParts(stepDeps), data.rollbackParts.database, data.rollbackParts.unlockStaging] },
    ttl: dnsTtlPort(stepDeps),
    onRelease: data.onRelease,
  };
}

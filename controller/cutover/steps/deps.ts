// What the step executors are built from: the controller's long-lived parts. Each executor
// takes only the ones it uses, so tests hand it exactly those.
import type { Logger } from '../../../shared/logger.js';
import type { AgentDirectory } from '../../agents/agent-directory.js';
import type { ControllerConfig } from '../../config.js';
import type { DnsProvider } from '../../dns/provider.js';
import type { RuntimeParityService } from '../../parity/service.js';

export interface StepDeps {
  agents: AgentDirectory;
  dns: ReadonlyMap<string, DnsProvider>;
  parity: RuntimeParityService;
  config: ControllerConfig;
  logger: Logger;
}

// Composition root of the agent process: config → logger → state → services → gRPC server.
import { createLogger, type Logger } from '../shared/logger.js';
import { loadAgentConfig, type AgentConfig } from './config.js';
import { startAgentServer, type RunningAgentServer } from './server.js';
import { AgentRpcService } from './agent-service.js';
import { collectFacts } from './facts/collect.js';
import type { AgentService } from './service.js';

export interface RunningAgent {
  config: AgentConfig;
  server: RunningAgentServer;
  logger: Logger;
  close(): Promise<void>;
}

export async function runAgent(configPath: string, opts: { logger?: Logger } = {}): Promise<RunningAgent> {
  const config = loadAgentConfig(configPath);
  const logger = opts.logger ?? createLogger({ level: config.logLevel, name: `switchyard-agent` }).child({ agent: config.name });
  const services: AgentService[] = [
    new AgentRpcService({ config, logger, getFacts: (salt) => collectFacts(config, salt, logger.child({ component: 'facts' })) }),
  ];
  const server = await startAgentServer({ config, logger, services });
  return {
    config,
    server,
    logger,
    async close() {
      await server.close();
      await Promise.all(services.map((s) => s.close?.()));
    },
  };
}

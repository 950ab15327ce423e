// Composition root of the agent process: config → logger → state → services → gRPC server.
import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { createLogger, type Logger } from '../shared/logger.js';
import { loadAgentConfig, type AgentConfig } from './config.js';
import { resolveSecret } from '../shared/config/secret.js';
import { startAgentServer, type RunningAgentServer } from './server.js';
import { AgentRpcService } from './agent-service.js';
import { collectFacts } from './facts/collect.js';
import type { AgentService } from './service.js';
import { openAgentState, type AgentState } from './state.js';
import { DatabaseService } from './db/service.js';
import { AssetsService } from './assets/service.js';

export interface RunningAgent {
  config: AgentConfig;
  server: RunningAgentServer;
  state: AgentState;
  logger: Logger;
  close(): Promise<void>;
}

export async function runAgent(configPath: string, opts: { logger?: Logger } = {}): Promise<RunningAgent> {
  const config = loadAgentConfig(configPath);
  // A secret reference that cannot be resolved fails now, naming its key — not at the first
  // database call, which may be the lock step in the middle of a cutover. (It is read again at
  // each use, so a rotated password file is picked up.)
  if (config.database?.password !== undefined) resolveSecret(config.database.password, 'database.password');
  const logger = opts.logger ?? createLogger({ level: config.logLevel, name: `switchyard-agent` }).child({ agent: config.name });
  // grpc-js writes its own lines to stderr ("E No address added out of total 1 resolved" above a
  // port-in-use refusal): into the agent's log instead, so stderr has the one line saying why.
  const grpcLog = logger.child({ component: 'grpc-js' });
  grpc.setLogger({
    error: (m: unknown, ...rest: unknown[]) => grpcLog.warn(format(m, ...rest)),
    info: (m: unknown, ...rest: unknown[]) => grpcLog.info(format(m, ...rest)),
    debug: (m: unknown, ...rest: unknown[]) => grpcLog.debug(format(m, ...rest)),
  });
  const state = openAgentState(config.stateFile, config.name);
  logger.info({ stateFile: config.stateFile, runs: state.runs }, 'agent state opened');
  const assets = new AssetsService({ config, logger, db: state.db });
  const services: AgentService[] = [
    new AgentRpcService({ config, logger, instanceId: state.instanceId, getFacts: (salt, site) => collectFacts(config, salt, logger.child({ component: 'facts' }), site === undefined ? {} : { site }) }),
    new DatabaseService({ config, logger, state: state.db }),
    assets,
  ];
  let server: RunningAgentServer;
  try {
    server = await startAgentServer({ config, logger, services });
  } catch (err) {
    state.close();
    throw err;
  }
  // The first scan of a large root takes a while; serve meanwhile, the manifest catches up.
  void assets.start().catch((err: unknown) => logger.error({ err }, 'asset watchers failed to start'));
  return {
    config,
    server,
    state,
    logger,
    async close() {
      await server.close();
      await Promise.all(services.map((s) => s.close?.()));
      state.close();
    },
  };
}

// Starts a real agent gRPC server on 127.0.0.1 port 0 and a controller AgentDirectory that
// talks to it; both are closed after the test.
import { AgentConfigSchema, type AgentConfig } from '../../agent/config.js';
import { join } from 'node:path';
import { AgentRpcService } from '../../agent/agent-service.js';
import { DatabaseService } from '../../agent/db/service.js';
import { openAgentState } from '../../agent/state.js';
import { startAgentServer, type RunningAgentServer } from '../../agent/server.js';
import type { AgentService } from '../../agent/service.js';
import { ControllerConfigSchema, type ControllerConfig } from '../../controller/config.js';
import { AgentDirectory } from '../../controller/agents/agent-directory.js';
import { validate } from '../../shared/config/load.js';
import type { TlsFiles } from '../../shared/config/common.js';
import { silentLogger } from '../../shared/logger.js';
import type { Facts } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { SiteQuery } from '../../shared/nginx-site.js';

interface Cleanup {
  after: (fn: () => void | Promise<void>) => void;
}

export interface TestAgentOptions {
  name?: string;
  host?: string;
  tls?: TlsFiles;
  insecure?: boolean;
  /** Extra agent.yaml keys (assets, commands, database...). */
  config?: Record<string, unknown>;
  getFacts?: (salt: string, site?: SiteQuery) => Promise<Facts>;
  services?: AgentService[];
  /** What its Hello reports as instance_id (none: empty, as an agent before the field). */
  instanceId?: string;
}

export async function startTestAgent(t: Cleanup, opts: TestAgentOptions = {}): Promise<RunningAgentServer & { config: AgentConfig }> {
  const config = validate(AgentConfigSchema, {
    name: opts.name ?? 'agent-1',
    listen: { host: opts.host ?? '127.0.0.1', port: 0 },
    ...(opts.tls ? { tls: opts.tls } : {}),
    insecure: opts.insecure ?? false,
    ...opts.config,
  }, 'test agent config');
  const logger = silentLogger();
  const getFacts = opts.getFacts ?? (async (salt: string): Promise<Facts> => ({ agent_name: config.name, notes: [`salt ${salt}`] }));
  const server = await startAgentServer({ config, logger, services: [new AgentRpcService({ config, logger, getFacts, instanceId: opts.instanceId }), ...(opts.services ?? [])] });
  t.after(() => server.close());
  return { ...server, config };
}

/**
 * Staging agent staging-1 (plaintext, 127.0.0.1 port 0, its state file in `dir`) with no database:
 * its database service's lock freezes staging by the maintenance flag alone. Closed after the test.
 */
export async function startFlagFreezeAgent(t: Cleanup, dir: string, maintenance: { flagFile: string; content: string }) {
  const config = validate(AgentConfigSchema, {
    name: 'staging-1',
    listen: { host: '127.0.0.1', port: 0 },
    insecure: true,
    stateFile: join(dir, 'staging-1.sqlite'),
    logLevel: 'silent',
    maintenance,
  }, 'agent staging-1');
  const state = openAgentState(config.stateFile, 'staging-1');
  const db = new DatabaseService({ config, logger: silentLogger(), state: state.db });
  const server = await startAgentServer({ config, logger: silentLogger(), services: [db] });
  t.after(async () => {
    await server.close();
    await db.close();
    state.close();
  });
  return { server, state };
}

export function testDirectory(t: Cleanup, config: Record<string, unknown>): AgentDirectory {
  const cfg: ControllerConfig = validate(ControllerConfigSchema, config, 'test controller config');
  const dir = new AgentDirectory({ config: cfg, logger: silentLogger() });
  t.after(() => dir.close());
  return dir;
}

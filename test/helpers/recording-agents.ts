// Agents for the data steps' transfer wrappers that only record what the controller asked them,
// so a test can check the wrapper's calls and what it hands on without any agent running.
import { createLogger } from '../../shared/logger.js';
import type { DataStepDeps } from '../../controller/cutover/steps/data-agents.js';

/**
 * Deps whose agents answer every call with {} and push the rpc's name onto `asked`, in order;
 * every agent is at `address`.
 */
export function recordingAgents(address: string): { deps: DataStepDeps; asked: string[] } {
  const asked: string[] = [];
  const agents = {
    // Each method a stub carrying its rpc's name, as the generated clients' methods do.
    makeClient: () => new Proxy({}, { get: (_t, rpc: string) => Object.assign(() => undefined, { rpcName: rpc }) }),
    get: () => ({ address, serverName: '' }),
    call: async (_agent: string, _client: unknown, method: { rpcName: string }) => (asked.push(method.rpcName), {}),
  };
  return { deps: { agents, logger: createLogger({ level: 'silent' }) } as unknown as DataStepDeps, asked };
}

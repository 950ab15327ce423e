// `switchyard healthcheck`: the container HEALTHCHECK. It reads the same config file as the
// process it checks and asks that process, locally, whether it serves.
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { loadConfigFile, parseConfigText, readConfigText } from '../../shared/config/load.js';
import { AgentConfigSchema } from '../../agent/config.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { loadTlsMaterial } from '../../shared/grpc/credentials.js';
import { joinHostPort, normalizeHost } from '../../shared/grpc/address.js';
import { loadProto } from '../../shared/grpc/load.js';
import { SwitchyardError } from '../../shared/errors.js';
import { configPath } from './serve.js';

const DEFAULT_AGENT_PORT = 7701;

function localHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

async function checkAgent(path: string): Promise<string> {
  const cfg = loadConfigFile(path, AgentConfigSchema);
  // Plaintext dials the loopback host as the agent bound it (plaintextAddress in address.ts says why).
  const host = cfg.tls ? localHost(cfg.listen.host) : normalizeHost(localHost(cfg.listen.host));
  const target = joinHostPort(host, cfg.listen.port ?? DEFAULT_AGENT_PORT);
  let creds: grpc.ChannelCredentials;
  if (cfg.tls) {
    const m = loadTlsMaterial(cfg.tls);
    // We dial ourselves on a local address the certificate need not name; the chain to the CA
    // is still verified, only the name check is skipped.
    creds = grpc.credentials.createSsl(m.ca, m.key, m.cert, { checkServerIdentity: () => undefined });
  } else {
    creds = grpc.credentials.createInsecure();
  }
  const Health = loadProto().grpc.health.v1.Health;
  const client = new Health(target, creds);
  try {
    const res = await new Promise<{ status?: string }>((resolve, reject) =>
      client.Check({ service: '' }, { deadline: Date.now() + 4000 }, (err, r) => (err ? reject(err) : resolve(r ?? {}))),
    );
    if (res.status !== 'SERVING') throw new SwitchyardError('SY_AGENT_UNREACHABLE', `agent at ${target} is ${res.status ?? 'UNKNOWN'}`);
    return `agent ${cfg.name} at ${target}: SERVING`;
  } catch (err) {
    if (err instanceof SwitchyardError) throw err;
    throw new SwitchyardError('SY_AGENT_UNREACHABLE', `agent at ${target}: ${(err as Error).message}`);
  } finally {
    client.close();
  }
}

async function checkController(path: string): Promise<string> {
  const cfg = loadConfigFile(path, ControllerConfigSchema);
  const url = `http://${joinHostPort(localHost(cfg.listen.host), cfg.listen.port)}/healthz`;
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) }).catch((err: Error) => {
    throw new SwitchyardError('SY_CONTROLLER_UNREACHABLE', `controller at ${url}: ${err.message}`);
  });
  if (!res.ok) throw new SwitchyardError('SY_CONTROLLER_UNREACHABLE', `controller at ${url}: HTTP ${res.status}`);
  return `controller at ${url}: ok`;
}

export function registerHealthcheckCommand(program: Command): void {
  program
    .command('healthcheck')
    .description('exit 0 when the agent or controller configured in FILE answers its health check')
    .option('--config <file>', 'agent.yaml or controller.yaml (default: $SWITCHYARD_CONFIG)')
    .action(async (o: { config?: string }) => {
      const path = configPath(o.config);
      // An agent config names the agent; a controller config never has a top-level `name`.
      const raw = parseConfigText(readConfigText(path), path) as { name?: unknown } | null;
      const line = raw !== null && typeof raw === 'object' && 'name' in raw ? await checkAgent(path) : await checkController(path);
      process.stdout.write(`${line}\n`);
    });
}

// The agent's gRPC server: binds the configured address with mutual TLS (or loopback-only
// plaintext), always serves grpc.health.v1, plus the feature services it is given.
import * as grpc from '@grpc/grpc-js';
import { SwitchyardError } from '../shared/errors.js';
import { joinHostPort, normalizeHost } from '../shared/grpc/address.js';
import { serverCredentials } from '../shared/grpc/credentials.js';
import type { Logger } from '../shared/logger.js';
import type { AgentConfig } from './config.js';
import { guardControllerOnly } from './caller-role.js';
import { HealthService } from './health-service.js';
import type { AgentService } from './service.js';

export const DEFAULT_AGENT_PORT = 7701;
const GRACEFUL_SHUTDOWN_MS = 5000;

export interface AgentServerOptions {
  config: AgentConfig;
  logger: Logger;
  services: AgentService[];
}

export interface RunningAgentServer {
  port: number;
  /** host:port actually bound (port resolved when the config asked for 0). */
  address: string;
  close(): Promise<void>;
}

/** Remembers the name of every service added, so the health service can answer for each. */
class ServiceNamingServer extends grpc.Server {
  readonly serviceNames = new Set<string>();

  /** `mutualTls`: controller-only methods refuse callers holding an agent certificate (caller-role.ts). */
  constructor(
    options: grpc.ServerOptions,
    private readonly mutualTls: boolean,
  ) {
    super(options);
  }

  override addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    const first = Object.values(service)[0];
    if (first !== undefined) this.serviceNames.add(first.path.split('/')[1]!);
    super.addService(service, this.mutualTls ? guardControllerOnly(service, implementation) : implementation);
  }
}

function bind(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
  });
}

function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    // In-flight calls get a grace period; a stuck stream must not keep the process alive.
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, GRACEFUL_SHUTDOWN_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function startAgentServer(opts: AgentServerOptions): Promise<RunningAgentServer> {
  const { config, logger } = opts;
  const log = logger.child({ component: 'grpc-server' });
  const creds = serverCredentials({ tls: config.tls, insecure: config.insecure, listenHost: config.listen.host });
  const server = new ServiceNamingServer({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 }, !config.insecure);
  const services = [new HealthService(() => server.serviceNames), ...opts.services];
  for (const s of services) s.addToServer(server);

  // Plaintext binds the loopback host as the check read it (plaintextAddress says why).
  const host = config.insecure ? normalizeHost(config.listen.host) : config.listen.host;
  let port: number;
  try {
    port = await bind(server, joinHostPort(host, config.listen.port ?? DEFAULT_AGENT_PORT), creds);
  } catch (err) {
    server.forceShutdown();
    throw new SwitchyardError('SY_CONFIG_INVALID', `listen: cannot bind ${joinHostPort(host, config.listen.port ?? DEFAULT_AGENT_PORT)}: ${(err as Error).message}`, { field: 'listen', cause: err });
  }
  const address = joinHostPort(host, port);
  log.info({ address, tls: !config.insecure, services: [...server.serviceNames] }, 'agent gRPC server listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    address,
    close() {
      closing ??= (async () => {
        await shutdown(server);
        const results = await Promise.allSettled(opts.services.map((s) => s.close?.()));
        for (const r of results) if (r.status === 'rejected') log.warn({ err: r.reason }, 'a service failed to close');
        log.info({ address }, 'agent gRPC server stopped');
      })();
      return closing;
    },
  };
}

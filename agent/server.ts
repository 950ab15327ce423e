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

/**
 * A bind failure as a line naming the key and what to do. grpc-js hands only text ("No address
 * added out of total 1 resolved errors: [listen EADDRINUSE: …]"), so the errno is read from it.
 */
function bindError(err: unknown, address: string, host: string): SwitchyardError {
  const text = err instanceof Error ? err.message : String(err);
  const errno = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(text)?.[1];
  const [field, why] =
    errno === 'EADDRINUSE'
      ? ['listen.port', `${address} is in use by another process (EADDRINUSE; another agent?); stop it or choose another listen.port`]
      : errno === 'EACCES'
        ? ['listen.port', `${address}: permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE); choose another listen.port`]
        : errno === 'EADDRNOTAVAIL'
          ? ['listen.host', `${host} is not an address of this host; set listen.host to one of its addresses (0.0.0.0 for all)`]
          : /resolution failed/i.test(text)
            ? ['listen.host', `${host} does not resolve; set listen.host to an address (0.0.0.0 for all)`]
            : ['listen', `cannot bind ${address}: ${text}`];
  return new SwitchyardError('SY_CONFIG_INVALID', `${field}: ${field === 'listen' ? why : `cannot listen: ${why}`}`, { field, cause: err });
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
    throw bindError(err, joinHostPort(host, config.listen.port ?? DEFAULT_AGENT_PORT), host);
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

// The base Agent service: Hello (who this agent is and what it offers) and GetFacts, whose
// gathering is injected so this file stays about the RPC edge.
import type * as grpc from '@grpc/grpc-js';
import { toGrpcError } from '../shared/errors.js';
import { loadProto } from '../shared/grpc/load.js';
import { packageVersion } from '../shared/paths.js';
import type { Logger } from '../shared/logger.js';
import type { AgentHandlers } from '../shared/proto-gen/switchyard/v1/Agent.js';
import type { Facts } from '../shared/proto-gen/switchyard/v1/Facts.js';
import type { HelloResponse } from '../shared/proto-gen/switchyard/v1/HelloResponse.js';
import type { AgentConfig } from './config.js';
import type { AgentService } from './service.js';

export interface AgentRpcServiceOptions {
  config: AgentConfig;
  logger: Logger;
  /** Gathers runtime facts; `salt` keys the env value digests. */
  getFacts: (salt: string) => Promise<Facts>;
  startedAt?: Date;
}

export class AgentRpcService implements AgentService {
  readonly #opts: AgentRpcServiceOptions;
  readonly #hello: HelloResponse;

  constructor(opts: AgentRpcServiceOptions) {
    this.#opts = opts;
    const { config } = opts;
    this.#hello = {
      name: config.name,
      version: packageVersion(),
      started_at: (opts.startedAt ?? new Date()).toISOString(),
      asset_roots: Object.keys(config.assets).sort(),
      commands: Object.keys(config.commands).sort(),
      database_configured: config.database !== undefined,
    };
  }

  hello(): HelloResponse {
    return structuredClone(this.#hello);
  }

  addToServer(server: grpc.Server): void {
    const log = this.#opts.logger;
    const handlers: AgentHandlers = {
      Hello: (_call, callback) => {
        callback(null, this.hello());
      },
      GetFacts: (call, callback) => {
        const started = Date.now();
        this.#opts.getFacts(call.request.env_salt).then(
          (facts) => {
            log.debug({ ms: Date.now() - started }, 'facts served');
            callback(null, facts);
          },
          (err: unknown) => {
            log.warn({ err }, 'facts failed');
            callback(toGrpcError(err));
          },
        );
      },
    };
    server.addService(loadProto().switchyard.v1.Agent.service, handlers);
  }
}

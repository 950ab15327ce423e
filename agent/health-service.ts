// The standard grpc.health.v1 service, so grpc_health_probe and load balancers can check an
// agent. The overall server ('') and every service the server carries answer SERVING.
import type * as grpc from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/load.js';
import type { HealthHandlers } from '../shared/proto-gen/grpc/health/v1/Health.js';
import type { AgentService } from './service.js';

export class HealthService implements AgentService {
  readonly #serving: () => ReadonlySet<string>;

  /** `serving` lists the fully qualified service names on the server, read at each check. */
  constructor(serving: () => ReadonlySet<string>) {
    this.#serving = serving;
  }

  addToServer(server: grpc.Server): void {
    const handlers: HealthHandlers = {
      Check: (call, callback) => {
        const name = call.request.service;
        if (name !== '' && !this.#serving().has(name)) {
          callback({ code: GrpcStatus.NOT_FOUND, details: `unknown service ${name}` });
          return;
        }
        callback(null, { status: 'SERVING' });
      },
    };
    server.addService(loadProto().grpc.health.v1.Health.service, handlers);
  }
}

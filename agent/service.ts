import type { Server } from '@grpc/grpc-js';

/** A gRPC service an agent offers. It never owns the server, so services compose and test alone. */
export interface AgentService {
  addToServer(server: Server): void;
  /** Called on shutdown: stop watchers, cancel streams. */
  close?(): Promise<void>;
}

// One unary gRPC call as a promise with a deadline; failures come back as typed errors.
import { Metadata, type CallOptions, type Client, type ClientUnaryCall, type requestCallback } from '@grpc/grpc-js';
import { fromGrpcError } from '../../shared/errors.js';

export type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: CallOptions, callback: requestCallback<Res>) => ClientUnaryCall;

export interface UnaryOptions {
  timeoutMs: number;
  /** Names the call in error messages, e.g. `agent staging-1 Hello`. */
  context: string;
  metadata?: Metadata;
  /** Aborting cancels the call; the promise rejects with the abort reason. */
  signal?: AbortSignal;
}

export function callUnary<Req, Res>(client: Client, method: UnaryMethod<Req, Res>, request: Req, opts: UnaryOptions): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const { signal } = opts;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => call.cancel();
    const call = method.call(client, request, opts.metadata ?? new Metadata(), { deadline: Date.now() + opts.timeoutMs }, (err, res) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (err) reject(fromGrpcError(err, opts.context));
      else resolve(res as Res);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

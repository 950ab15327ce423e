// One server-streaming gRPC call as an async iterator: messages as they come, the call cancelled
// when the caller stops reading or its signal aborts, failures as typed errors. Long transfers
// (a full database copy) run for hours, so there is no deadline unless the caller asks for one.
import { Metadata, type CallOptions, type Client, type ClientReadableStream } from '@grpc/grpc-js';
import { fromGrpcError } from '../../shared/errors.js';

export type ServerStreamMethod<Req, Res> = (request: Req, metadata: Metadata, options?: CallOptions) => ClientReadableStream<Res>;

export interface StreamOptions {
  /** Names the call in error messages, e.g. `agent prod-1 PullDatabase`. */
  context: string;
  /** Aborting cancels the call; the iterator throws the abort reason. */
  signal?: AbortSignal;
  /** Deadline for the whole stream; none by default. */
  timeoutMs?: number;
  metadata?: Metadata;
}

export async function* callServerStream<Req, Res>(client: Client, method: ServerStreamMethod<Req, Res>, request: Req, opts: StreamOptions): AsyncGenerator<Res> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const options: CallOptions = opts.timeoutMs === undefined ? {} : { deadline: Date.now() + opts.timeoutMs };
  const call = method.call(client, request, opts.metadata ?? new Metadata(), options);
  const onAbort = (): void => call.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  let ended = false;
  try {
    for await (const message of call) yield message as Res;
    ended = true;
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw fromGrpcError(err, opts.context);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // A consumer that stops early (break, throw) must not leave the agent streaming into the void.
    if (!ended) call.cancel();
  }
}

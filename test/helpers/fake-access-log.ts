// An agent client whose TailAccessLog streams are fakes the test drives.
import { EventEmitter } from 'node:events';

export interface FakeCall extends EventEmitter {
  cancel(): void;
  cancelled: boolean;
}

/**
 * Each TailAccessLog call opens a FakeCall, handed to `onOpen` with its number (from 1) and kept
 * in `calls`. `cancel()` marks it cancelled; with `cancelFails`, the call then also ends in a
 * CANCELLED error, as grpc-js's do.
 */
export function fakeTailAccessLog(onOpen: (call: FakeCall, n: number) => void, opts: { cancelFails?: boolean } = {}): { client: { TailAccessLog: () => FakeCall }; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const client = {
    TailAccessLog: () => {
      const call = new EventEmitter() as FakeCall;
      call.cancelled = false;
      call.cancel = () => {
        call.cancelled = true;
        if (opts.cancelFails) setImmediate(() => call.emit('error', Object.assign(new Error('1 CANCELLED: Cancelled on client'), { code: 1 })));
      };
      calls.push(call);
      onOpen(call, calls.length);
      return call;
    },
  };
  return { client, calls };
}

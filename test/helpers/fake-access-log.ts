// An agent client whose TailAccessLog streams are fakes the test drives.
import { EventEmitter } from 'node:events';

export interface FakeCall extends EventEmitter {
  cancel(): void;
  cancelled: boolean;
  /** What the controller asked for. */
  request: { interval_ms?: number; exclude_user_agent?: string };
}

/**
 * Each TailAccessLog call opens a FakeCall, handed to `onOpen` with its number (from 1) and kept
 * in `calls`. `cancel()` marks it cancelled; with `cancelFails`, the call then also ends in a
 * CANCELLED error, as grpc-js's do. Counts sent without `excluded_user_agent` get the one asked
 * for, as a current agent answers; with `predatesExclusion`, they keep none, as an older one's.
 */
export function fakeTailAccessLog(onOpen: (call: FakeCall, n: number) => void, opts: { cancelFails?: boolean; predatesExclusion?: boolean } = {}): { client: { TailAccessLog: (req?: FakeCall['request']) => FakeCall }; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const client = {
    TailAccessLog: (req: FakeCall['request'] = {}) => {
      const call = new EventEmitter() as FakeCall;
      call.cancelled = false;
      call.request = req;
      const emit = call.emit.bind(call);
      call.emit = (event: string | symbol, ...args: unknown[]): boolean => {
        if (event === 'data' && typeof args[0] === 'object' && args[0] !== null) {
          const c = args[0] as { excluded?: number; excluded_user_agent?: string };
          args[0] = { excluded: 0, ...c, excluded_user_agent: c.excluded_user_agent || (opts.predatesExclusion === true ? '' : (req.exclude_user_agent ?? '')) };
        }
        return emit(event, ...args);
      };
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

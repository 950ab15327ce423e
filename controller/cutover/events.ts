// Live delivery of a cutover's events. Events are written to the store inside the state
// change's transaction and published here after it commits; a subscriber first listens, then
// replays from the store, and drops duplicates by sequence number, so nothing falls between
// the replay and the live stream.
import { EventEmitter } from 'node:events';
import type { EventRow } from './store/index.js';

export type CutoverEventType =
  | 'created'
  | 'state-changed'
  | 'step-started'
  | 'step-finished'
  | 'progress'
  | 'rollback-requested'
  | 'rollback-started'
  | 'rollback-part'
  | 'rollback-finished'
  | 'ttl-lowered'
  | 'released'
  | 'warning';

/** An event as stored and streamed; `seq` is the SSE id, increasing per cutover from 1. */
export type CutoverEvent = EventRow;

const REPLAY_PAGE = 500;

export class EventHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per SSE client; many watchers of one cutover are normal.
    this.emitter.setMaxListeners(0);
  }

  publish(event: CutoverEvent): void {
    this.emitter.emit(event.cutoverId, event);
  }

  listenerCount(cutoverId: string): number {
    return this.emitter.listenerCount(cutoverId);
  }

  /**
   * Events with seq > `after`: the stored ones first, then live ones, until `signal` aborts.
   * Pass a signal: an async generator waiting for the next event only ends when woken.
   */
  async *subscribe(cutoverId: string, after: number, replay: (afterSeq: number, limit: number) => CutoverEvent[], signal?: AbortSignal): AsyncGenerator<CutoverEvent> {
    const queue: CutoverEvent[] = [];
    let wake: (() => void) | undefined;
    const onEvent = (e: CutoverEvent): void => {
      queue.push(e);
      wake?.();
    };
    const onAbort = (): void => wake?.();
    this.emitter.on(cutoverId, onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let last = after;
      for (;;) {
        const page = replay(last, REPLAY_PAGE);
        for (const e of page) {
          if (signal?.aborted) return;
          last = e.seq;
          yield e;
        }
        if (page.length < REPLAY_PAGE) break;
      }
      while (signal?.aborted !== true) {
        const e = queue.shift();
        if (e !== undefined) {
          if (e.seq > last) {
            last = e.seq;
            yield e;
          }
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.emitter.off(cutoverId, onEvent);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

// Server-Sent Events for a cutover's event log. Each event carries its per-cutover sequence
// number as the SSE id, so a client reconnecting with Last-Event-ID resumes exactly after the
// last event it saw; comment lines keep idle proxies from closing the stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../../../shared/errors.js';
import type { CutoverEvent } from '../../../cutover/events.js';
import { FINAL_STATES, type CutoverState } from '../../../cutover/states.js';

export interface SseOptions {
  /** Time between keep-alive comments. */
  heartbeatMs: number;
  /**
   * false: send the stored events and end (for scripts: `curl …/events?follow=false`). A
   * following stream ends too, once the cutover reaches a final state.
   */
  follow: boolean;
  /**
   * The cutover was already in a final state when the stream opened: a following stream sends
   * the stored events, then waits for what is still under way (a release's clean-up) to report,
   * sends that too and ends — as one that was following when the state was reached does.
   */
  over?: boolean;
}

export function formatEvent(e: CutoverEvent): string {
  const payload = JSON.stringify({ seq: e.seq, at: e.at, type: e.type, ...e.data }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  // JSON.stringify never emits raw newlines, so one data line holds the whole event.
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${payload}\n\n`;
}

/**
 * Where to resume: the Last-Event-ID header wins over ?after=, both mean "events after this seq".
 * One that is no event id is refused as a bad ?after is: skipped, the stream replayed from the
 * start, and a client resuming with it took old events for new ones. Empty is EventSource's "none
 * yet" (it resets to an empty id), so it is the whole stream.
 */
export function resumeAfter(request: FastifyRequest, after: number | undefined): number {
  const header = request.headers['last-event-id'];
  const value = (Array.isArray(header) ? header.join(', ') : header ?? '').trim();
  if (value === '') return after ?? 0;
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw new SwitchyardError(
    'SY_VALIDATION',
    `header Last-Event-ID: ${JSON.stringify(value)} is not an event id; expected the id (a whole number) of the last event received, as ?after=N takes`,
    { field: 'Last-Event-ID' },
  );
}

/** Where the events come from: stored ones (`history`) and stored-then-live ones (`live`). */
export interface EventSource {
  history(after: number): CutoverEvent[];
  live(after: number, signal: AbortSignal): AsyncIterable<CutoverEvent>;
  /**
   * Resolves once nothing more is under way for the cutover (a release's clean-up runs after
   * `completed` is recorded): a following stream that reached a final state sends what that
   * wrote before it ends.
   */
  settled?(): Promise<void>;
}

/**
 * Takes over the response and streams events until the client goes away (or, without follow,
 * until the stored ones are sent). Returns a function that ends the stream, for shutdown: a
 * server waits for open connections, and an event stream never ends by itself.
 */
export function streamEvents(request: FastifyRequest, reply: FastifyReply, source: EventSource, after: number, opts: SseOptions): () => void {
  const ac = new AbortController();
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // `curl -I`: the headers say what the stream is; a HEAD has no body, so nothing would ever end it.
  if (request.method === 'HEAD') {
    raw.end();
    return () => undefined;
  }
  raw.write(': switchyard cutover events\nretry: 2000\n\n');
  if (!opts.follow) {
    let last = after;
    for (let page = source.history(last); page.length > 0; page = source.history(last)) {
      for (const e of page) raw.write(formatEvent(e));
      last = page.at(-1)!.seq;
    }
    raw.end();
    return () => undefined;
  }
  const heartbeat = setInterval(() => raw.write(': ping\n\n'), opts.heartbeatMs);
  const stop = (): void => {
    clearInterval(heartbeat);
    ac.abort();
  };
  request.raw.on('close', stop);
  raw.on('close', stop);
  void (async () => {
    try {
      let last = after;
      let final = opts.over === true;
      const replay = async (): Promise<void> => {
        for (let page = source.history(last); page.length > 0 && !ac.signal.aborted; page = source.history(last)) {
          for (const e of page) if (!raw.write(formatEvent(e))) await drainedOrClosed(raw);
          last = page.at(-1)!.seq;
        }
      };
      // Already over: only stored events, and no final state-changed may be left to see (a
      // client resuming after it), so the live feed would never end.
      if (final) await replay();
      else {
        for await (const e of source.live(after, ac.signal)) {
          if (!raw.write(formatEvent(e))) await drainedOrClosed(raw);
          last = e.seq;
          // Nothing follows a final state: `curl -N …/events` ends instead of waiting forever.
          if (e.type === 'state-changed' && FINAL_STATES.has(e.data.to as CutoverState)) {
            final = true;
            break;
          }
        }
      }
      // But a release's clean-up (dropping the tables the copy kept aside) reports after
      // `completed`, its failure too: the stream ended before it, and whoever followed the
      // release never saw whether it went through.
      if (final && source.settled !== undefined && !ac.signal.aborted) {
        await Promise.race([source.settled(), aborted(ac.signal)]);
        await replay();
      }
    } catch (err) {
      request.log.warn({ err }, 'event stream ended with an error');
    } finally {
      stop();
      if (!raw.writableEnded) raw.end();
    }
  })();
  return stop;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** A slow client gets no more than the socket buffer ahead of it; a gone one ends the wait. */
function drainedOrClosed(raw: FastifyReply['raw']): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

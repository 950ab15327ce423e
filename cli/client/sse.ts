// Reads a Server-Sent Events stream from the controller with fetch, resuming after the last
// id seen whenever the connection drops or the controller restarts.
import { SwitchyardError } from '../../shared/errors.js';
import { apiUrl, problemError, type ClientOptions } from './rest.js';
import { backoffMs, DEFAULT_PATIENCE_MS, PASSING, sleep, transportReason, worthRetrying } from './retry.js';

export interface SseEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

export interface ReadEventsOptions {
  /**
   * How long to keep reconnecting while the controller cannot be reached (default 120 s): a
   * restart of the controller, recovery included, must not end a watch.
   */
  patienceMs?: number;
}

export async function* readEvents(opts: ClientOptions, path: string, signal?: AbortSignal, ro: ReadEventsOptions = {}): AsyncGenerator<SseEvent> {
  // Without follow the server sends what is stored and ends: that end is the answer, not a drop.
  const follow = apiUrl(opts.url, path).searchParams.get('follow') !== 'false';
  const patienceMs = ro.patienceMs ?? DEFAULT_PATIENCE_MS;
  let lastId = 0;
  let lastHeard = Date.now();
  let why = '';
  // A following stream the server ended twice in a row without a new event has nothing more to
  // send (the cutover is over); one end alone may be a controller shutting down for a restart.
  let quietEnds = 0;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      if (Date.now() - lastHeard > patienceMs) {
        throw new SwitchyardError('SY_CONTROLLER_UNREACHABLE', `event stream ${path}: the controller at ${opts.url} has not answered for ${Math.round(patienceMs / 1000)} s (${why})`);
      }
      await sleep(backoffMs(attempt), signal);
      if (signal?.aborted) return;
    }
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (lastId > 0) headers['last-event-id'] = String(lastId);
    let res: Response;
    try {
      res = await fetch(apiUrl(opts.url, path), { headers, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) return;
      why = transportReason(err);
      // A bad port or a name that does not resolve stays so for all 120 s: say it now.
      if (!worthRetrying(err)) throw new SwitchyardError('SY_CONTROLLER_UNREACHABLE', `event stream ${path}: cannot reach the controller at ${opts.url}: ${why}`);
      continue;
    }
    if (PASSING.has(res.status)) {
      why = `${res.status} ${res.statusText}`;
      await res.body?.cancel();
      continue;
    }
    if (!res.ok || !res.body) {
      throw problemError(res.status, res.statusText, await res.text());
    }
    lastHeard = Date.now();
    attempt = 0;
    let delivered = false;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        lastHeard = Date.now();
        buf += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          let id = 0;
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) id = Number(line.slice(3).trim());
            else if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (data === '') continue; // heartbeat comment
          lastId = id;
          delivered = true;
          yield { id, type, data: JSON.parse(data) as Record<string, unknown> };
        }
      }
      if (!follow) return;
      quietEnds = delivered ? 1 : quietEnds + 1;
      if (quietEnds >= 2) return;
      why = 'the controller ended the stream';
    } catch (err) {
      if (signal?.aborted) return;
      quietEnds = 0;
      why = transportReason(err);
    }
  }
}

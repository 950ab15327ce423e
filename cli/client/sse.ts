// Reads a Server-Sent Events stream from the controller with fetch, resuming after the last
// id seen if the connection drops.
import { SwitchyardError } from '../../shared/errors.js';
import { problemError, type ClientOptions } from './rest.js';

export interface SseEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

export async function* readEvents(opts: ClientOptions, path: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  let lastId = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (lastId > 0) headers['last-event-id'] = String(lastId);
    let res: Response;
    try {
      res = await fetch(new URL(path, opts.url), { headers, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) return;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      continue;
      void err;
    }
    if (!res.ok || !res.body) {
      throw problemError(res.status, res.statusText, await res.text());
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
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
          yield { id, type, data: JSON.parse(data) as Record<string, unknown> };
        }
      }
      return; // the server ended the stream: the cutover reached a resting state
    } catch (err) {
      if (signal?.aborted) return;
      void err;
    }
  }
  throw new SwitchyardError('SY_AGENT_UNREACHABLE', `event stream ${path} kept dropping`);
}

// The CLI's client of the controller's REST API. A problem+json answer becomes one clear line.
import { SwitchyardError, isErrorCode } from '../../shared/errors.js';

export interface ClientOptions {
  url: string;
  token?: string;
}

export function clientOptionsFrom(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const url = flags.url ?? env.SWITCHYARD_URL ?? 'http://127.0.0.1:7700';
  const token = flags.token ?? env.SWITCHYARD_TOKEN;
  return token === undefined ? { url } : { url, token };
}

export class RestClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(new URL(path, this.opts.url), { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch (err) {
      throw new SwitchyardError('SY_AGENT_UNREACHABLE', `cannot reach the controller at ${this.opts.url}: ${(err as Error & { cause?: { code?: string } }).cause?.code ?? String(err)}`);
    }
    const text = await res.text();
    if (!res.ok) throw problemError(res.status, res.statusText, text);
    return (text === '' ? undefined : (JSON.parse(text) as unknown)) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
}

/** A problem+json answer (or whatever came instead) as one clear error: its code, title and detail. */
export function problemError(status: number, statusText: string, text: string): SwitchyardError {
  let p: { code?: string; detail?: string; title?: string; field?: string } = {};
  try {
    p = (text === '' ? {} : JSON.parse(text)) as typeof p;
  } catch {
    p = {};
  }
  const code = isErrorCode(p.code) ? p.code : 'SY_INTERNAL';
  return new SwitchyardError(code, `${status} ${p.title ?? statusText}: ${p.detail ?? text.slice(0, 200)}`, p.field === undefined ? {} : { field: p.field });
}

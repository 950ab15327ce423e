// The CLI's client of the controller's REST API. A problem+json answer becomes one clear line.
import { SwitchyardError, isErrorCode } from '../../shared/errors.js';
import { backoffMs, DEFAULT_PATIENCE_MS, PASSING, sleep, transportReason, worthRetrying } from './retry.js';
import { UsageError } from '../usage-error.js';

/**
 * `path` (an API path such as `/v1/cutovers?limit=5`) under the controller's base URL, path
 * included: behind a proxy that serves the API under a prefix the base is
 * `https://ops.example/switchyard`, and `/v1/…` must land under it, not at the host's root.
 */
export function apiUrl(base: string, path: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(base);
  } catch {
    url = undefined;
  }
  // `ops.example:7700` parses too, as a URL of scheme `ops.example:`.
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`controller URL ${JSON.stringify(base)} is not an http(s) URL; give --url or $SWITCHYARD_URL as http(s)://host:port[/prefix]`, 'url');
  }
  return new URL(`${url.pathname.replace(/\/+$/, '')}${path}`, url.origin);
}

export interface PatienceOptions {
  /** Longest time to keep asking while the controller is not reached (default 120 s). */
  patienceMs?: number;
  /** Most tries in all, the first included (default: as many as the patience allows). */
  attempts?: number;
  /** Told before each retry, with why and when: the CLI says it on stderr. */
  onRetry?: (line: string) => void;
}

export interface ClientOptions {
  url: string;
  token?: string;
}

export function clientOptionsFrom(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const url = flags.url ?? env.SWITCHYARD_URL ?? 'http://127.0.0.1:7700';
  const token = flags.token ?? env.SWITCHYARD_TOKEN;
  return token === undefined ? { url } : { url, token };
}

/** Errors that mean the controller was not reached, or a proxy said it is away: a read may ask again. */
const NOT_REACHED = new WeakSet<Error>();

function notReached(err: SwitchyardError): SwitchyardError {
  NOT_REACHED.add(err);
  return err;
}

export class RestClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = apiUrl(this.opts.url, path);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
      text = await res.text();
    } catch (err) {
      const unreachable = new SwitchyardError('SY_CONTROLLER_UNREACHABLE', `cannot reach the controller at ${this.opts.url}: ${transportReason(err)}`);
      throw worthRetrying(err) ? notReached(unreachable) : unreachable;
    }
    if (!res.ok) {
      const err = problemError(res.status, res.statusText, text);
      // A proxy's 502/503/504 says the controller is away; the controller's own (an agent or the
      // DNS provider it asked failed) is its answer, and asking again only repeats that wait.
      throw PASSING.has(res.status) && !controllersProblem(text) ? notReached(err) : err;
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      // A proxy's login page or a web server's default page on the controller's URL answers 200
      // too; say so instead of a bare JSON syntax error.
      const type = res.headers.get('content-type') ?? 'no content-type';
      const start = text.slice(0, 80).replace(/\s+/g, ' ');
      throw new SwitchyardError(
        'SY_INTERNAL',
        `${method} ${url.toString()} answered ${res.status} with something that is not JSON (${type}: ${JSON.stringify(start)}): is ${this.opts.url} the controller's API, not a proxy's or a web server's page?`,
      );
    }
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /**
   * A GET that waits out a dropped connection or a restarting controller, with the pauses the
   * event stream uses, for up to `patienceMs` without an answer. Only for reads: a POST
   * retried after a drop may have acted already.
   */
  getPatiently<T>(path: string, patience: number | PatienceOptions = DEFAULT_PATIENCE_MS): Promise<T> {
    return this.patiently(() => this.get<T>(path), `GET ${path}`, typeof patience === 'number' ? { patienceMs: patience } : patience);
  }

  /**
   * A POST the API declares idempotent (rollback: "idempotent; safe when called twice at
   * once"; release: a completed cutover answers as it is), asked again like a read: if the lost
   * try did act, the next one finds it done or in progress and says so. Never for advance,
   * create or prepare.
   */
  postIdempotent<T>(path: string, body: unknown, patience: PatienceOptions): Promise<T> {
    return this.patiently(() => this.post<T>(path, body), `POST ${path}`, patience);
  }

  private async patiently<T>(call: () => Promise<T>, what: string, po: PatienceOptions): Promise<T> {
    const started = Date.now();
    const patienceMs = po.patienceMs ?? DEFAULT_PATIENCE_MS;
    const attempts = po.attempts ?? Number.POSITIVE_INFINITY;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const pause = backoffMs(attempt);
        if (!NOT_REACHED.has(err as Error) || attempt >= attempts || Date.now() + pause - started > patienceMs) throw err;
        const of = Number.isFinite(attempts) ? ` of ${attempts}` : '';
        po.onRetry?.(`${what}: ${(err as Error).message}; trying again in ${(pause / 1000).toFixed(1)} s (try ${attempt + 1}${of})`);
        await sleep(pause);
      }
    }
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
}

/** A problem document with one of the controller's error codes: the controller answered it, not a proxy. */
function controllersProblem(text: string): boolean {
  try {
    return isErrorCode((JSON.parse(text) as { code?: unknown } | null)?.code);
  } catch {
    return false;
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

// One HTTP(S) request sent to a chosen IP while the URL's name goes in the Host header and the
// TLS SNI — what `curl --resolve host:port:ip` does — so the production origin answers as it
// will once DNS points at it. Redirects are not followed here (redirect-chain.ts records every
// hop). Certificates are not judged here: tls-check.ts does that with its own evidence, and a
// page check must still see the page behind an expired certificate.
//
// Never throws for what a server does: a refused connection, a reset or a server that never
// answers comes back as `{ ok: false }` with the reason, so one bad page is a finding and the
// step goes on. Every request has a deadline covering connect, headers and body.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Transform } from 'node:stream';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { VALIDATE_USER_AGENT } from '../../shared/user-agents.js';

export interface FetchOk {
  ok: true;
  url: string;
  /** The address the request went to; undefined when the name was resolved normally. */
  ip: string | undefined;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body, once decoded, was longer than maxBodyBytes and cut there. */
  truncated: boolean;
  /** From sending the request (including connect and TLS) to the response headers, like curl's time_starttransfer. */
  ttfbMs: number;
  totalMs: number;
}

export interface FetchFailed {
  ok: false;
  url: string;
  ip: string | undefined;
  error: string;
  timedOut: boolean;
  totalMs: number;
}

export type FetchResult = FetchOk | FetchFailed;

export interface FetchOptions {
  /** Send the request here instead of resolving the URL's name. */
  ip?: string;
  method?: 'GET' | 'HEAD';
  timeoutMs?: number;
  maxBodyBytes?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** How much of a page is read (decoded); sitemaps ask for more. */
export const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
const USER_AGENT = VALIDATE_USER_AGENT;

/**
 * The body starts with a zlib header (RFC 1950: method 8, window up to 32 KiB, check bits): what
 * zlib's inflate reads first and refuses with "incorrect header check" when it is not there.
 */
function hasZlibHeader(body: Buffer): boolean {
  if (body.length < 2) return true; // too short to tell: zlib, the encoding as specified
  const cmf = body[0] as number;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | (body[1] as number)) % 31 === 0;
}

function decoderFor(encoding: string | undefined, cutOnWire: boolean, body: Buffer): Transform | null {
  // A body cut at the size limit ends mid-stream: flush what it holds instead of calling that an
  // error. A whole body that ends mid-stream is the server's fault and stays an error.
  const flush = cutOnWire ? { finishFlush: zlib.Z_SYNC_FLUSH } : {};
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip(flush);
    case 'deflate':
      // HTTP's deflate is zlib-wrapped, but some servers (old IIS, some PHP and Java stacks) send
      // the raw stream; browsers and curl accept both, trying zlib first. The same bounded
      // reading applies to either.
      return hasZlibHeader(body) ? createInflate(flush) : createInflateRaw(flush);
    case 'br':
      return createBrotliDecompress(cutOnWire ? { finishFlush: zlib.BROTLI_OPERATION_FLUSH } : {});
    default:
      return null;
  }
}

/**
 * The body with its Content-Encoding undone, at most `maxBody` bytes of it: the limit holds for
 * what is decoded, not only for what came over the wire, so a small gzip of gigabytes of zeros
 * (or a page that is simply huge) is cut like any other body over the limit, never unpacked
 * whole into memory. A body already cut on the wire is decoded as far as it goes.
 */
export function decodeBody(body: Buffer, encoding: string | undefined, maxBody: number, cutOnWire: boolean): Promise<{ body: Buffer; truncated: boolean }> {
  // No body at all (a redirect or a HEAD answer still naming its encoding) has nothing to undo.
  const z = body.length === 0 ? null : decoderFor(encoding, cutOnWire, body);
  if (z === null) return Promise.resolve({ body, truncated: cutOnWire });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (truncated: boolean): void => {
      if (settled) return;
      settled = true;
      resolve({ body: Buffer.concat(chunks), truncated });
    };
    z.on('data', (c: Buffer) => {
      if (settled) return;
      const room = maxBody - size;
      if (c.length > room) {
        chunks.push(c.subarray(0, room));
        size = maxBody;
        settle(true);
        z.destroy();
        return;
      }
      chunks.push(c);
      size += c.length;
    });
    z.once('end', () => settle(cutOnWire));
    z.once('error', (err) => {
      // A stream cut on the wire may break off mid-block: keep what decoded.
      if (cutOnWire) settle(true);
      else if (!settled) {
        settled = true;
        reject(err);
      }
    });
    z.end(body);
  });
}

function readBody(res: IncomingMessage, maxBody: number): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      const room = maxBody - size;
      if (c.length > room) {
        chunks.push(c.subarray(0, room));
        size = maxBody;
        // Settled before the destroy, which reports the cut body as 'aborted' there and then.
        resolve({ body: Buffer.concat(chunks), truncated: true });
        // Stop pulling a body we will not read; the socket is ours alone (agent: false).
        res.destroy();
        return;
      }
      chunks.push(c);
      size += c.length;
    });
    res.once('end', () => resolve({ body: Buffer.concat(chunks), truncated: false }));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('connection closed before the body ended')));
  });
}

export function pinnedFetch(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const ip = opts.ip;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);

  return new Promise<FetchResult>((resolve) => {
    let settled = false;
    const finish = (r: FetchResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const fail = (error: string, timedOut = false): void => {
      finish({ ok: false, url, ip, error, timedOut, totalMs: elapsed() });
      req.destroy();
    };
    const onAbort = (): void => fail('cancelled');

    const req = (https ? httpsRequest : httpRequest)({
      host: ip ?? hostname,
      port: u.port === '' ? (https ? 443 : 80) : Number(u.port),
      path: `${u.pathname}${u.search}`,
      method: opts.method ?? 'GET',
      headers: { host: u.host, 'user-agent': USER_AGENT, accept: '*/*', 'accept-encoding': 'identity', ...opts.headers },
      // SNI carries names only; an IP there is a protocol error.
      ...(https ? { servername: isIP(hostname) === 0 ? hostname : '', rejectUnauthorized: false } : {}),
      agent: false,
    });
    // Listening before anything can destroy the request, and for every error: a request destroyed
    // unanswered emits 'socket hang up' afterwards, and an error with no listener would take the
    // whole controller down (a validate step cancelled by a rollback did, its queued pages
    // starting with the signal already aborted).
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code !== undefined ? `${err.code}: ${err.message}` : err.message));
    const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs} ms`, true), timeoutMs);
    if (opts.signal?.aborted) return fail('cancelled');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    req.once('response', (res) => {
      const ttfbMs = elapsed();
      readBody(res, maxBody).then(
        ({ body, truncated: cut }) =>
          decodeBody(body, res.headers['content-encoding'], maxBody, cut).then(
            (d) => finish({ ok: true, url, ip, status: res.statusCode ?? 0, headers: res.headers, body: d.body, truncated: d.truncated, ttfbMs, totalMs: elapsed() }),
            (err: Error) => fail(`body does not decode as ${res.headers['content-encoding']}: ${err.message}`),
          ),
        (err: Error) => fail(err.message),
      );
    });
    req.end();
  });
}

/** The header's value as one string (repeated headers joined), or undefined. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The Location header as browsers and curl read it. Node hands header bytes over as Latin-1, so
 * a server writing the target in raw UTF-8 (nginx `return 301 /café/;`) would send us to
 * /caf%C3%83%C2%A9/ where a browser goes to /caf%C3%A9/. Bytes that are not UTF-8 stay Latin-1.
 */
export function locationOf(headers: IncomingHttpHeaders): string | undefined {
  const raw = headerValue(headers, 'location');
  if (raw === undefined || !/[\u0080-\u00ff]/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}

/** Every value of a header that may repeat. */
export function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

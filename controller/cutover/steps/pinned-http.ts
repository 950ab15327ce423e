// An HTTP(S) request to a site's URL sent to a chosen IP, like `curl --resolve host:port:ip`:
// the Host header and TLS SNI carry the site's name, so the production origin answers as it
// will once DNS points at it. Certificates are not judged here — validate and preflight's TLS
// check do that with their evidence; a probe only wants the status.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PinnedResponse {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than maxBodyBytes and cut. */
  truncated: boolean;
  latencyMs: number;
}

export interface PinnedRequestOptions {
  method?: 'GET' | 'HEAD';
  timeoutMs?: number;
  maxBodyBytes?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function pinnedRequest(url: string, ip: string, opts: PinnedRequestOptions = {}): Promise<PinnedResponse> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const started = performance.now();
  return new Promise<PinnedResponse>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)({
      host: ip,
      port: u.port === '' ? (https ? 443 : 80) : Number(u.port),
      path: `${u.pathname}${u.search}`,
      method: opts.method ?? 'GET',
      headers: { Host: u.host, 'User-Agent': 'switchyard', Accept: '*/*', ...opts.headers },
      // SNI carries names only; an IP there is a protocol error.
      ...(https ? { servername: isIP(hostname) === 0 ? hostname : '', rejectUnauthorized: false } : {}),
      agent: false,
      signal: opts.signal,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer from ${ip} in ${timeoutMs} ms`)), timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (c: Buffer) => {
        if (size >= maxBody) {
          truncated = true;
          return;
        }
        chunks.push(c.subarray(0, maxBody - size));
        if (c.length > maxBody - size) truncated = true;
        size += Math.min(c.length, maxBody - size);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ url, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated, latencyMs: Math.round(performance.now() - started) });
      });
      res.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.end();
  });
}

/** An origin (`https://www.example.com`) and a path joined into a URL. */
export function pageUrl(origin: string, path: string): string {
  return new URL(path, origin.endsWith('/') ? origin : `${origin}/`).toString();
}

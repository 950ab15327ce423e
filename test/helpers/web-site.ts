// A small web site for validation tests: one handler served over http and https on a chosen
// loopback address, the https side picking its certificate by SNI name. Closed after the test.
import { createServer as createHttp, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { PemPair } from '../../shared/tls/authority.js';

interface Cleanup {
  after: (fn: () => void | Promise<void>) => void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https') => void;

export interface WebSite {
  ip: string;
  httpPort: number;
  httpsPort: number;
  /** Requests seen, `scheme host path`. */
  hits: string[];
}

async function listen(t: Cleanup, server: Server, ip: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** `ports` asks for given ports (a second side on the same ports, as real sites both use 443). */
export async function startWebSite(
  t: Cleanup,
  ip: string,
  certs: { default: PemPair; byName?: Record<string, PemPair> },
  handler: Handler,
  ports: { http?: number; https?: number } = {},
): Promise<WebSite> {
  const hits: string[] = [];
  const contexts = new Map<string, SecureContext>(Object.entries(certs.byName ?? {}).map(([name, p]) => [name, createSecureContext({ cert: p.certPem, key: p.keyPem })]));
  const wrap = (scheme: 'http' | 'https') => (req: IncomingMessage, res: ServerResponse) => {
    hits.push(`${scheme} ${req.headers.host} ${req.url}`);
    handler(req, res, scheme);
  };
  const http = createHttp(wrap('http'));
  const fallback = createSecureContext({ cert: certs.default.certPem, key: certs.default.keyPem });
  // No certificate on the server itself: OpenSSL keeps one certificate per key type, so an RSA
  // certificate picked by SNI would lose to an ECDSA default. Every name goes through SNI.
  const https = createHttps({ SNICallback: (name, cb) => cb(null, contexts.get(name) ?? fallback) }, wrap('https'));
  const httpPort = await listen(t, http, ip, ports.http);
  const httpsPort = await listen(t, https, ip, ports.https);
  return { ip, httpPort, httpsPort, hits };
}

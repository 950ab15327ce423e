// The paths the API hands out (`Location`, the `next` page, its `Link` header) as the client
// sees them. Behind a reverse proxy that serves the API under a path prefix and strips it
// (https://ops.example/switchyard/v1/… → http://127.0.0.1:7700/v1/…), a bare `/v1/…` would send
// the client past the proxy's prefix. The proxy says its prefix in `X-Forwarded-Prefix`; it is
// believed only from an address listed in `trustedProxies`, so a client talking to the
// controller directly cannot steer where `Location` points.
import { BlockList, isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** `path` (which starts with `/`) as the client addresses it: with a trusted proxy's prefix in front. */
    publicPath(path: string): string;
  }
}

/** Addresses and CIDR ranges (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) as one lookup; a bad entry stops start-up naming it. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.trim().split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (family === 0 || rest.length > 0 || !(prefix >= 0 && prefix <= max)) {
      throw new SwitchyardError('SY_CONFIG_INVALID', `trustedProxies: ${JSON.stringify(entry)} is not an IP address or a CIDR range (10.0.0.5, 10.0.0.0/8, fd00::/8)`, { field: 'trustedProxies' });
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === max) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

/** Whether the peer of this connection is one of the trusted proxies (an IPv4-mapped IPv6 peer counts as its IPv4 address). */
function fromTrustedProxy(trusted: BlockList, remote: string | undefined): boolean {
  if (remote === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
  if (mapped !== undefined) return trusted.check(mapped, 'ipv4');
  const family = isIP(remote);
  return family !== 0 && trusted.check(remote, family === 4 ? 'ipv4' : 'ipv6');
}

// Path segments only: no scheme, no host (`//evil.example` would make Location leave the
// site), no query, fragment, backslash, dot segment or control character.
const PREFIX = /^(\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+\/?$/;

/** The prefix a trusted proxy sent, without a trailing slash; '' when none, untrusted or unusable. */
export function forwardedPrefix(request: FastifyRequest, trusted: BlockList): string {
  const header = request.headers['x-forwarded-prefix'];
  if (header === undefined || !fromTrustedProxy(trusted, request.socket.remoteAddress)) return '';
  // A list is not standard for this header; if one came, the first value is the outermost proxy's.
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim() ?? '';
  if (first === '' || first === '/') return '';
  if (!PREFIX.test(first)) {
    request.log.warn({ header: first.slice(0, 200) }, 'X-Forwarded-Prefix from a trusted proxy is not a path; links are given without it');
    return '';
  }
  return first.replace(/\/$/, '');
}

export function installPublicPath(app: FastifyInstance, trustedProxies: readonly string[]): void {
  const trusted = trustedProxyList(trustedProxies);
  app.decorateRequest('publicPath', function publicPath(this: FastifyRequest, path: string): string {
    return trustedProxies.length === 0 ? path : `${forwardedPrefix(this, trusted)}${path}`;
  });
}

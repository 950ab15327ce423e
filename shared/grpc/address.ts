// host:port handling for gRPC listen and target addresses, IPv6 in brackets.
import { isIP } from 'node:net';
import { SwitchyardError } from '../errors.js';

export function splitHostPort(address: string, field = 'address'): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new SwitchyardError('SY_CONFIG_INVALID', `${field}: expected host:port (IPv6 as [addr]:port), got ${JSON.stringify(address)}`, { field });
  }
  return { host: m[1]!, port };
}

export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A host written one way: lower case without a trailing dot (`Prod-1.Internal.` is
 * `prod-1.internal`), IPv4 in any form getaddrinfo reads as an address dotted (`127.1`, `0x7f.1`,
 * `2130706433` are `127.0.0.1`), IPv6 compressed (`[2001:DB8:0::1]` is `2001:db8::1`) and a
 * v4-mapped IPv6 address as its IPv4 one (`::ffff:203.0.113.5` is `203.0.113.5`). No name is
 * resolved. Anything but letters, digits, `.`, `-`, `_` and an IPv6 literal (a zone index
 * `fe80::1%eth0`, a `/` or `@` the URL parser would cut at) stands as written, lower-cased: it is
 * never taken for another host.
 */
export function normalizeHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const v6 = isIP(bare) === 6;
  let h = bare.toLowerCase();
  if (!v6 && !/^[a-z0-9._-]+$/.test(h)) return h;
  h = h.replace(/\.$/, '');
  try {
    // The WHATWG host parser writes an IPv4 address (in the forms inet_aton accepts) dotted and
    // an IPv6 one compressed; a DNS name comes back as it went in.
    h = new URL(v6 ? `http://[${bare}]/` : `http://${h}/`).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  } catch {
    // A name no URL takes (a last label of digits that is no IPv4 address): as written.
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped !== null) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    h = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return h;
}

/**
 * 127.0.0.0/8, ::1 and `localhost`, in every spelling normalizeHost writes as one of them
 * (`127.1`, `LOCALHOST.`, `::ffff:127.0.0.3`, `[0:0::1]`); nothing else counts (`localhost.example.com`,
 * `evil.localhost`, a zone index).
 */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host);
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The address plaintext dials or binds for one the loopback check let through: its host as
 * normalizeHost writes it. `LOCALHOST.` (a fully qualified name) is not in /etc/hosts, so
 * getaddrinfo asks the DNS server for it — a query that leaves the machine, and an answer that
 * may not be loopback at all; `localhost` is answered from /etc/hosts. With TLS the address stands
 * as configured: the server certificate is checked against it.
 */
export function plaintextAddress(address: string, field = 'address'): string {
  const { host, port } = splitHostPort(address, field);
  return joinHostPort(normalizeHost(host), port);
}

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

/** 127.0.0.0/8, ::1 (also as a v4-mapped address) and `localhost`; nothing else counts. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return mapped[1]!.startsWith('127.');
    return /^(0{0,4}:){2,7}0{0,3}1$/.test(h) || h === '::1';
  }
  return false;
}

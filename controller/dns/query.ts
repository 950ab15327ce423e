// Real DNS queries to one named server at a time (never the system's resolver cache): what an
// authoritative server or a given public resolver answers right now, with TTL and latency.
import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { SwitchyardError } from '../../shared/errors.js';
import { normalizeName } from './provider.js';

export interface DnsAnswer {
  /** host or host:port as queried. */
  server: string;
  /** Sorted; empty for NXDOMAIN or no data of this type. */
  answers: string[];
  /** Lowest TTL in the answer (remaining TTL at a resolver); null where the type carries none. */
  ttl: number | null;
  latencyMs: number;
}

export interface QueryOptions {
  timeoutMs?: number;
}

const EMPTY = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'NODATA']);

async function lookup(r: Resolver, name: string, type: string): Promise<{ answers: string[]; ttl: number | null }> {
  switch (type) {
    case 'A':
    case 'AAAA': {
      const rows = type === 'A' ? await r.resolve4(name, { ttl: true }) : await r.resolve6(name, { ttl: true });
      return { answers: rows.map((x) => x.address), ttl: rows.length ? Math.min(...rows.map((x) => x.ttl)) : null };
    }
    case 'CNAME':
      return { answers: (await r.resolveCname(name)).map(normalizeName), ttl: null };
    case 'NS':
      return { answers: (await r.resolveNs(name)).map(normalizeName), ttl: null };
    case 'TXT':
      return { answers: (await r.resolveTxt(name)).map((parts) => parts.join('')), ttl: null };
    default:
      throw new SwitchyardError('SY_VALIDATION', `DNS query type ${type} is not supported (A, AAAA, CNAME, NS, TXT)`, { field: 'dns.type' });
  }
}

/** One query to `server` (ip or ip:port). Fails with SY_DNS_QUERY on timeout, refusal or SERVFAIL. */
export async function queryDns(server: string, name: string, type: string, opts: QueryOptions = {}): Promise<DnsAnswer> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  // One try per query: the caller's polling loop is the retry, and latency stays honest.
  const r = new Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([server]);
  const guard = setTimeout(() => r.cancel(), timeoutMs + 500);
  const started = performance.now();
  try {
    const { answers, ttl } = await lookup(r, normalizeName(name), type.toUpperCase());
    return { server, answers: answers.sort(), ttl, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const latencyMs = Math.round(performance.now() - started);
    if (EMPTY.has(code)) return { server, answers: [], ttl: null, latencyMs };
    if (err instanceof SwitchyardError) throw err;
    const what = code === 'ETIMEOUT' || code === 'ECANCELLED' ? `no answer in ${timeoutMs} ms` : code || String(err);
    throw new SwitchyardError('SY_DNS_QUERY', `${server}: ${name} ${type}: ${what}`, { details: { server, code, latencyMs } });
  } finally {
    clearTimeout(guard);
  }
}

/** The same query; the name says what the caller trusts it for (no cache in between). */
export const queryAuthoritative = queryDns;

/**
 * host[:port] of the zone's authoritative servers, from its NS records looked up through `via`
 * (default: the system resolvers). A configured list wins: the demo's server has no public NS.
 */
export async function authoritativeServers(zone: string, opts: { override?: string[]; via?: string[]; port?: number; timeoutMs?: number } = {}): Promise<string[]> {
  if (opts.override !== undefined && opts.override.length > 0) return [...opts.override];
  const r = new Resolver({ timeout: opts.timeoutMs ?? 3000, tries: 2 });
  if (opts.via !== undefined) r.setServers(opts.via);
  let hosts: string[];
  try {
    hosts = await r.resolveNs(normalizeName(zone));
  } catch (err) {
    throw new SwitchyardError('SY_DNS_QUERY', `NS lookup of ${zone} failed: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const ips = await Promise.all(hosts.map((h) => r.resolve4(h).catch(() => [] as string[])));
  const out = [...new Set(ips.flat())].sort();
  if (out.length === 0) throw new SwitchyardError('SY_DNS_QUERY', `no address for the name servers of ${zone} (${hosts.join(', ')})`);
  return opts.port === undefined || opts.port === 53 ? out : out.map((ip) => `${ip}:${opts.port}`);
}

// TLS for every https host the plan serves (the site and checks.tlsHosts), on production by
// its IP: handshake with SNI, chain valid, SANs cover the name, days to expiry over
// checks.minCertDays, and the same issuer and key type as staging's certificate.
import { readFile } from 'node:fs/promises';
import { SwitchyardError } from '../../shared/errors.js';
import type { Plan } from '../cutover/plan.js';
import { findingsFor, type Finding } from './types.js';
import { tlsHandshake, type Handshake } from './tls-handshake.js';
import { mapLimit } from './limit.js';
import type { Side } from './sides.js';

export const DEFAULT_MIN_CERT_DAYS = 14;

export interface TlsTarget {
  /** Name as reported: host, or host:port when not 443. */
  label: string;
  host: string;
  port: number;
  /** The name to compare with on staging, when staging serves one. */
  stagingHost: string | null;
  stagingPort: number;
}

function splitHostPort(entry: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(`https://${entry}`);
  return { host: u.hostname, port: u.port === '' ? defaultPort : Number(u.port) };
}

export function tlsTargets(plan: Plan, sides: { production: Side; staging: Side }): TlsTarget[] {
  const targets: TlsTarget[] = [];
  const prod = sides.production.origin;
  const stg = sides.staging.origin;
  const port = (u: URL): number => (u.port === '' ? 443 : Number(u.port));
  const label = (host: string, p: number): string => (p === 443 ? host : `${host}:${p}`);
  if (prod.protocol === 'https:') targets.push({ label: label(prod.hostname, port(prod)), host: prod.hostname, port: port(prod), stagingHost: stg.protocol === 'https:' ? stg.hostname : null, stagingPort: port(stg) });
  for (const entry of plan.checks.tlsHosts ?? []) {
    const { host, port: p } = splitHostPort(entry, 443);
    if (targets.some((t) => t.host === host && t.port === p)) continue;
    targets.push({ label: label(host, p), host, port: p, stagingHost: host, stagingPort: p });
  }
  return targets;
}

export async function loadExtraCa(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new SwitchyardError('SY_VALIDATION', `plan: key checks.caFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { field: 'checks.caFile', cause: err });
  }
}

// What the usual OpenSSL verdicts mean for whoever has to fix the server at 3 a.m. Browsers
// may fetch a missing intermediate themselves (AIA); apps, API clients, curl and many crawlers
// do not, so a chain without it fails here as it does for them.
const CHAIN_HINTS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server sends only its own certificate, without the intermediate that links it to a trusted root: serve the full chain (e.g. fullchain.pem), or, for a private CA, name it in checks.caFile',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the chain the server sends stops at an issuer that is not trusted: an intermediate is missing from it, or, for a private CA, name it in checks.caFile',
  UNABLE_TO_GET_ISSUER_CERT: 'the chain the server sends stops at an issuer that is not trusted: an intermediate is missing from it, or, for a private CA, name it in checks.caFile',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'a self-signed certificate (a placeholder such as snakeoil, often a default vhost), not one from a trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends at a self-signed root that is not trusted; for a private CA, name it in checks.caFile',
  CERT_HAS_EXPIRED: 'a certificate in the chain has expired',
  CERT_NOT_YET_VALID: 'a certificate in the chain is not valid yet',
};

function chainMessage(error: string | null): string {
  const hint = error === null ? undefined : CHAIN_HINTS[error];
  return `certificate chain not valid: ${error ?? 'unknown reason'}${hint === undefined ? '' : ` — ${hint}`}`;
}

function parityFindings(label: string, prod: Handshake & { ok: true }, staging: Handshake): Finding[] {
  const f = findingsFor('tls-parity', label);
  if (!staging.ok) return [];
  const diffs: string[] = [];
  if (prod.cert.issuer !== staging.cert.issuer) diffs.push(`issuer ${JSON.stringify(prod.cert.issuer)} vs staging ${JSON.stringify(staging.cert.issuer)}`);
  if (prod.cert.keyType !== staging.cert.keyType) diffs.push(`key ${prod.cert.keyType} vs staging ${staging.cert.keyType}`);
  const evidence = { production: { issuer: prod.cert.issuer, keyType: prod.cert.keyType }, staging: { host: staging.host, issuer: staging.cert.issuer, keyType: staging.cert.keyType } };
  return diffs.length > 0 ? [f.warn(`certificate differs from staging's: ${diffs.join('; ')}`, evidence)] : [f.pass(`same issuer and key type as staging (${prod.cert.keyType})`, evidence)];
}

export interface TlsCheckOptions {
  timeoutMs: number;
  minCertDays: number;
  extraCa?: string;
  concurrency: number;
  signal?: AbortSignal;
  now?: Date;
}

export async function tlsFindings(targets: readonly TlsTarget[], sides: { production: Side; staging: Side }, opts: TlsCheckOptions): Promise<Finding[]> {
  const hs = { timeoutMs: opts.timeoutMs, ...(opts.extraCa === undefined ? {} : { extraCa: opts.extraCa }), ...(opts.signal === undefined ? {} : { signal: opts.signal }), ...(opts.now === undefined ? {} : { now: opts.now }) };
  const results = await mapLimit(targets, opts.concurrency, async (t): Promise<Finding[]> => {
    const [prod, staging] = await Promise.all([
      tlsHandshake(t.host, sides.production.ip, t.port, hs),
      t.stagingHost === null ? Promise.resolve(null) : tlsHandshake(t.stagingHost, sides.staging.ip, t.stagingPort, hs),
    ]);
    if (!prod.ok) return [findingsFor('tls-handshake', t.label).fail(`TLS handshake with ${t.label} at ${prod.ip ?? '(DNS)'} failed: ${prod.error}`, { ...prod })];
    const { cert } = prod;
    const evidence = { ip: prod.ip, port: prod.port, protocol: prod.protocol, chain: prod.chain, ...cert };
    const out: Finding[] = [];
    const chain = findingsFor('tls-chain', t.label);
    out.push(prod.chainValid ? chain.pass(`chain valid (${prod.chain.join(' ← ')})`, evidence) : chain.fail(chainMessage(prod.chainError), evidence));
    const name = findingsFor('tls-name', t.label);
    out.push(cert.coversName ? name.pass(`covers ${t.host}`, evidence) : name.fail(`certificate does not cover ${t.host} (${cert.sans.length > 0 ? `names: ${cert.sans.join(', ')}` : 'no subjectAltName; browsers ignore the subject CN'}; subject ${cert.subject})`, evidence));
    const exp = findingsFor('tls-expiry', t.label);
    if (cert.daysLeft < 0) out.push(exp.fail(`certificate expired on ${cert.validTo}`, evidence));
    else if (cert.daysLeft < opts.minCertDays) out.push(exp.fail(`certificate expires in ${cert.daysLeft} days (${cert.validTo}); at least ${opts.minCertDays} wanted`, evidence));
    else out.push(exp.pass(`${cert.daysLeft} days left`, evidence));
    if (staging !== null) out.push(...parityFindings(t.label, prod, staging));
    return out;
  });
  return results.flat();
}

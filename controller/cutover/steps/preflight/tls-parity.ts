// TLS parity from the agents' facts: the certificate production serves for its origin's name
// must be usable (no handshake error, not expired, the name among its SANs) and like staging's
// for the staging name. A different key type can break old clients and pinned apps, so it fails
// unless allowed (checks.allowDiffer: tls.key_type); a different issuer is only a warning,
// because CAs rotate intermediates (Let's Encrypt R10/R11) between two perfectly good certificates.
import type { TlsCertificateFacts__Output } from '../../../../shared/proto-gen/switchyard/v1/TlsCertificateFacts.js';
import { fail, pass, warn, type Check, type PreflightCheck } from './types.js';

const NAME = 'tls parity';

function hostOf(origin: string): { host: string; port: number; https: boolean } {
  const u = new URL(origin);
  return { host: u.hostname.toLowerCase(), port: u.port === '' ? 443 : Number(u.port), https: u.protocol === 'https:' };
}

function find(list: TlsCertificateFacts__Output[], host: string, port: number): TlsCertificateFacts__Output | undefined {
  return list.find((t) => t.host.toLowerCase() === host && (t.port === port || (t.port === 0 && port === 443)));
}

export function sanCovers(sans: string[], host: string): boolean {
  return sans.some((san) => {
    const s = san.toLowerCase().replace(/^dns:/, '');
    if (s === host) return true;
    // A wildcard covers exactly one label.
    return s.startsWith('*.') && host.endsWith(s.slice(1)) && !host.slice(0, host.length - s.length + 1).includes('.');
  });
}

const brief = (t: TlsCertificateFacts__Output) => ({ host: t.host, port: t.port, issuer: t.issuer, keyType: `${t.key_type} ${t.key_bits}`, sans: t.sans, validTo: t.valid_to });

export function tlsParityCheck(now: () => Date = () => new Date()): PreflightCheck {
  return async ({ step, facts }) => {
    const { plan } = step;
    const prodOrigin = hostOf(plan.production.origin);
    const stagingOrigin = hostOf(plan.staging.origin);
    if (!prodOrigin.https) return [pass(NAME, `production origin ${plan.production.origin} is plain HTTP: no certificate to compare`)];
    const [s, p] = await Promise.all([facts('staging'), facts('production')]);
    const prod = find(p.tls, prodOrigin.host, prodOrigin.port);
    if (prod === undefined) {
      return [warn(NAME, `${plan.production.agent} does not report a certificate for ${prodOrigin.host}:${prodOrigin.port}: add it to that agent's tlsHosts (with connectTo: 127.0.0.1) so preflight can check it`)];
    }
    if (prod.error) return [fail(NAME, `production certificate for ${prodOrigin.host}: ${prod.error}`, { production: { host: prod.host, error: prod.error } })];

    const out: Check[] = [];
    const problems: string[] = [];
    if (prod.valid_to && Date.parse(prod.valid_to) <= now().getTime()) problems.push(`expired on ${prod.valid_to}`);
    if (prod.valid_from && Date.parse(prod.valid_from) > now().getTime()) problems.push(`not valid before ${prod.valid_from}`);
    if (!sanCovers(prod.sans, prodOrigin.host)) problems.push(`its names (${prod.sans.join(', ') || 'none'}) do not cover ${prodOrigin.host}`);
    if (problems.length > 0) return [fail(NAME, `production certificate for ${prodOrigin.host}: ${problems.join('; ')}`, { production: brief(prod) })];

    const stag = stagingOrigin.https ? find(s.tls, stagingOrigin.host, stagingOrigin.port) : undefined;
    if (stag === undefined || stag.error) {
      const why = !stagingOrigin.https ? 'staging is plain HTTP' : stag === undefined ? `${plan.staging.agent} does not report ${stagingOrigin.host} in its tlsHosts` : stag.error;
      return [warn(NAME, `production certificate is valid, but there is nothing to compare it with: ${why}`, { production: brief(prod) })];
    }
    const evidence = { staging: brief(stag), production: brief(prod) };
    const allow = new Set(plan.checks.allowDiffer ?? []);
    const keyS = `${stag.key_type} ${stag.key_bits}`;
    const keyP = `${prod.key_type} ${prod.key_bits}`;
    if (keyS !== keyP && !allow.has('tls.key_type')) {
      out.push(fail(NAME, `key type differs: staging ${keyS}, production ${keyP} — old clients or pinned apps may refuse the new key; reissue, or allow it with checks.allowDiffer: [tls.key_type]`, evidence));
    } else if (stag.issuer !== prod.issuer && !allow.has('tls.issuer')) {
      out.push(warn(NAME, `issuer differs: staging "${stag.issuer}", production "${prod.issuer}" — fine for browsers if both chains are valid; check CAA records and any certificate pinning`, evidence));
    } else {
      out.push(pass(NAME, `production certificate for ${prodOrigin.host} is valid until ${prod.valid_to}, ${keyP}, same issuer as staging`, evidence));
    }
    return out;
  };
}

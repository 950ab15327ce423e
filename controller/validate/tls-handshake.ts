// A TLS handshake with SNI sent to a chosen IP, and the certificate it presents: chain
// verdict (against the system roots plus an optional extra CA), names, validity and key type.
// The name is checked separately from the chain, so an expired certificate and a missing SAN
// are reported as the two different problems they are.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, rootCertificates, type PeerCertificate } from 'node:tls';

export interface CertInfo {
  subject: string;
  issuer: string;
  sans: string[];
  validFrom: string;
  validTo: string;
  daysLeft: number;
  /** e.g. `ec prime256v1`, `rsa 2048`. */
  keyType: string;
  fingerprint256: string;
  /** The certificate covers the name the handshake asked for. */
  coversName: boolean;
}

export type Handshake =
  | { ok: true; host: string; ip: string | undefined; port: number; protocol: string | null; chainValid: boolean; chainError: string | null; cert: CertInfo; chain: string[] }
  | { ok: false; host: string; ip: string | undefined; port: number; error: string; timedOut: boolean };

export interface HandshakeOptions {
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), on top of the system roots. */
  extraCa?: string;
  signal?: AbortSignal;
  now?: Date;
}

const DAY_MS = 86_400_000;

function keyTypeOf(x: X509Certificate): string {
  const k = x.publicKey;
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'ec') return `ec ${d.namedCurve ?? '?'}`;
  if (k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss') return `${k.asymmetricKeyType} ${d.modulusLength ?? '?'}`;
  return k.asymmetricKeyType ?? 'unknown';
}

export function certInfo(x: X509Certificate, host: string, now: Date): CertInfo {
  // subject 'never': Node would fall back to the subject CN when there is no DNS SAN, but
  // browsers stopped doing that years ago (Chrome 58), so a CN-only certificate breaks for visitors.
  const covers = isIP(host) === 0 ? x.checkHost(host, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined : x.checkIP(host) !== undefined;
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    sans: (x.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
    daysLeft: Math.floor((Date.parse(x.validTo) - now.getTime()) / DAY_MS),
    keyType: keyTypeOf(x),
    fingerprint256: x.fingerprint256,
    coversName: covers,
  };
}

function chainSubjects(peer: PeerCertificate & { issuerCertificate?: PeerCertificate }): string[] {
  const out: string[] = [];
  let c: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = peer;
  while (c !== undefined && out.length < 10) {
    out.push(typeof c.subject?.CN === 'string' ? c.subject.CN : JSON.stringify(c.subject));
    if (c.issuerCertificate === undefined || c.issuerCertificate === c) break;
    c = c.issuerCertificate;
  }
  return out;
}

export function tlsHandshake(host: string, ip: string | undefined, port: number, opts: HandshakeOptions): Promise<Handshake> {
  return new Promise<Handshake>((resolve) => {
    let settled = false;
    const done = (h: Handshake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(h);
    };
    const fail = (error: string, timedOut = false): void => done({ ok: false, host, ip, port, error, timedOut });
    const onAbort = (): void => fail('cancelled');
    const socket = connect({
      host: ip ?? host,
      port,
      servername: isIP(host) === 0 ? host : '',
      ...(opts.extraCa === undefined ? {} : { ca: [...rootCertificates, opts.extraCa] }),
      rejectUnauthorized: false,
      // Names are judged from the certificate below; here only the chain.
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => fail(`no TLS handshake within ${opts.timeoutMs} ms`, true), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code !== undefined ? `${err.code}: ${err.message}` : err.message));
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      if (peer === null || peer.raw === undefined) return fail('no certificate presented');
      const x = new X509Certificate(peer.raw);
      const err = socket.authorizationError as unknown;
      done({
        ok: true,
        host,
        ip,
        port,
        protocol: socket.getProtocol(),
        chainValid: socket.authorized,
        chainError: socket.authorized ? null : err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err),
        cert: certInfo(x, host, opts.now ?? new Date()),
        chain: chainSubjects(peer),
      });
    });
  });
}

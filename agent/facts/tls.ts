// The certificate each configured hostname presents, fetched the way a browser would (SNI =
// the hostname) but from the address this host serves it on. Invalid certificates are
// reported, not refused: judging them is the controller's job.
import { connect } from 'node:tls';
import { isIP } from 'node:net';
import type { AgentConfig } from '../config.js';
import type { TlsCertificateFacts } from '../../shared/proto-gen/switchyard/v1/TlsCertificateFacts.js';
import { describeCertificate } from '../../shared/tls/describe.js';
import type { Collected } from './collected.js';
import { errorMessage } from './exec.js';

export type TlsHost = AgentConfig['tlsHosts'][number];

export const TLS_TIMEOUT_MS = 5_000;

function fetchPeerCertificate(target: string, port: number, servername: string | undefined, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target, port, ...(servername === undefined ? {} : { servername }), rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${target}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert === undefined) reject(new Error(`${target}:${port} presented no certificate`));
      else resolve(cert.raw);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

export async function probeTlsHost(h: TlsHost, timeoutMs = TLS_TIMEOUT_MS): Promise<TlsCertificateFacts> {
  const target = h.connectTo ?? h.host;
  const base: TlsCertificateFacts = { host: h.host, port: h.port, connect_to: target };
  try {
    // SNI carries names only; an IP there is a protocol error some servers punish.
    const der = await fetchPeerCertificate(target, h.port, isIP(h.host) === 0 ? h.host : undefined, timeoutMs);
    const c = describeCertificate(der);
    return {
      ...base,
      subject: c.subject,
      issuer: c.issuer,
      sans: c.sans,
      valid_from: c.validFrom,
      valid_to: c.validTo,
      key_type: c.keyType,
      key_bits: c.keyBits,
      fingerprint_sha256: c.fingerprintSha256,
    };
  } catch (err) {
    return { ...base, error: errorMessage(err) };
  }
}

export async function collectTlsFacts(hosts: TlsHost[], timeoutMs = TLS_TIMEOUT_MS): Promise<Collected<TlsCertificateFacts[]>> {
  const facts = await Promise.all(hosts.map((h) => probeTlsHost(h, timeoutMs)));
  return {
    facts,
    notes: facts.filter((f) => f.error).map((f) => `tls: ${f.host}:${f.port} via ${f.connect_to}: ${f.error}`),
  };
}

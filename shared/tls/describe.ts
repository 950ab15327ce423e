// A plain summary of a certificate, for `certs` output and runtime facts.
import { X509Certificate } from 'node:crypto';
import { SwitchyardError } from '../errors.js';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** `DNS:name` and `IP:address` entries, in certificate order. */
  sans: string[];
  validFrom: string;
  validTo: string;
  keyType: string;
  keyBits: number;
  /** SHA-256 of the DER, colon-separated upper-case hex as openssl prints it. */
  fingerprintSha256: string;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521 };
const FIXED_BITS: Record<string, number> = { ed25519: 256, x25519: 256, ed448: 456, x448: 448 };

function oneLine(dn: string): string {
  return dn.split('\n').filter((p) => p !== '').join(', ');
}

function parseSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined) return [];
  return subjectAltName.split(', ').map((entry) => entry.replace(/^IP Address:/, 'IP:'));
}

function keyBits(cert: X509Certificate): number {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (details.modulusLength !== undefined) return details.modulusLength;
  if (details.namedCurve !== undefined) return CURVE_BITS[details.namedCurve] ?? 0;
  return FIXED_BITS[key.asymmetricKeyType ?? ''] ?? 0;
}

export function describeCertificate(pem: string | Buffer): CertificateSummary {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new SwitchyardError('SY_TLS_MATERIAL', `not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    sans: parseSans(cert.subjectAltName),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    keyType: (cert.publicKey.asymmetricKeyType ?? 'unknown').toUpperCase(),
    keyBits: keyBits(cert),
    fingerprintSha256: cert.fingerprint256,
  };
}

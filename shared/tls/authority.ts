// A private certificate authority for the controller/agent mTLS: one CA, leaf certificates
// for agents (server to the controller and client of a peer agent) and for the controller.
import { isIP } from 'node:net';
import { SwitchyardError } from '../errors.js';
import { x509, subtle, KEY_ALGORITHM, SIGNING_ALGORITHM, type CryptoKey, type CryptoKeyPair } from './x509.js';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export type CertificateUsage = 'server' | 'client' | 'both';

export interface CreateCaOptions {
  commonName: string;
  days: number;
}

export interface IssueOptions {
  caCertPem: string;
  caKeyPem: string;
  commonName: string;
  /** DNS names and IP addresses the certificate is valid for. */
  sans: string[];
  usage: CertificateUsage;
  days: number;
}

const DAY_MS = 86_400_000;
// Backdated so a peer whose clock runs a little behind does not reject a fresh certificate.
const CLOCK_SKEW_MS = 5 * 60_000;

function validity(days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1) throw new SwitchyardError('SY_VALIDATION', `days must be a positive integer (got ${days})`, { field: 'days' });
  const now = Date.now();
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + days * DAY_MS) };
}

function distinguishedName(commonName: string): string {
  if (commonName.trim() === '') throw new SwitchyardError('SY_VALIDATION', 'common name must not be empty', { field: 'cn' });
  // RFC 4514 escaping, so a name with a comma cannot add attributes.
  return `CN=${commonName.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`)}`;
}

async function keyPemOf(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function createCa(opts: CreateCaOptions): Promise<PemPair> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: distinguishedName(opts.commonName),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    ...validity(opts.days),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPemOf(keys.privateKey) };
}

function sanEntries(sans: string[]): { type: 'dns' | 'ip'; value: string }[] {
  return [...new Set(sans.map((s) => s.trim()))].map((value) => {
    if (value === '' || /[\s,/]/.test(value)) throw new SwitchyardError('SY_VALIDATION', `not a DNS name or IP address: ${JSON.stringify(value)}`, { field: 'san' });
    return { type: isIP(value) === 0 ? 'dns' : 'ip', value };
  });
}

async function loadCa(caCertPem: string, caKeyPem: string): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  let cert: x509.X509Certificate;
  let key: CryptoKey;
  try {
    cert = new x509.X509Certificate(caCertPem);
  } catch (err) {
    throw new SwitchyardError('SY_TLS_MATERIAL', `CA certificate is not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  try {
    key = await subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), KEY_ALGORITHM, false, ['sign']);
  } catch (err) {
    throw new SwitchyardError('SY_TLS_MATERIAL', `CA key is not an ECDSA P-256 private key in PKCS#8 PEM: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key };
}

const EXTENDED_USAGES: Record<CertificateUsage, string[]> = {
  server: [x509.ExtendedKeyUsage.serverAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
  both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

export async function issueCertificate(opts: IssueOptions): Promise<PemPair> {
  const ca = await loadCa(opts.caCertPem, opts.caKeyPem);
  const sans = sanEntries(opts.sans);
  const keys = await generateKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension(EXTENDED_USAGES[opts.usage], false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const cert = await x509.X509CertificateGenerator.create({
    subject: distinguishedName(opts.commonName),
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: SIGNING_ALGORITHM,
    ...validity(opts.days),
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPemOf(keys.privateKey) };
}

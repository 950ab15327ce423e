// Web server certificates for TLS validation tests: a CA, and leaves with any names and any
// validity window — including already expired ones, which the production issuer refuses to
// make. ECDSA P-256 like the rest of the project unless RSA is asked for.
import { createCa, type PemPair } from '../../shared/tls/authority.js';
import { x509, subtle, KEY_ALGORITHM, SIGNING_ALGORITHM, type CryptoKey, type CryptoKeyPair } from '../../shared/tls/x509.js';

const DAY_MS = 86_400_000;

export interface WebCa extends PemPair {
  name: string;
  issue(opts: { cn: string; sans: string[]; notBefore?: Date; notAfter?: Date; days?: number; rsa?: boolean }): Promise<PemPair>;
}

/** A root (certPem: what a client trusts) and an intermediate under it that signs the leaves. */
export interface WebCaChain extends WebCa {
  /** The intermediate's certificate, which a server must send after its leaf. */
  intermediatePem: string;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

export async function makeWebCa(name = 'Validate Test CA'): Promise<WebCa> {
  return webCaFrom(await createCa({ commonName: name, days: 30 }), name);
}

async function webCaFrom(ca: PemPair, name: string): Promise<WebCa> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), KEY_ALGORITHM, false, ['sign']);
  return {
    ...ca,
    name,
    async issue(o) {
      const keys = (await subtle.generateKey(o.rsa === true ? RSA : KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
      const now = Date.now();
      const notBefore = o.notBefore ?? new Date(now - 60_000);
      const notAfter = o.notAfter ?? new Date(now + (o.days ?? 90) * DAY_MS);
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      ];
      if (o.sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(o.sans.map((value) => ({ type: 'dns' as const, value })), false));
      const cert = await x509.X509CertificateGenerator.create({
        subject: `CN=${o.cn}`,
        issuer: caCert.subject,
        publicKey: keys.publicKey,
        signingKey: caKey as CryptoKey,
        signingAlgorithm: SIGNING_ALGORITHM,
        notBefore,
        notAfter,
        serialNumber: Math.floor(Math.random() * 1e12).toString(16),
        extensions,
      });
      const keyPem = x509.PemConverter.encode(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
      return { certPem: cert.toString('pem'), keyPem };
    },
  };
}

/** Like a public CA: leaves are signed by an intermediate, so a server that sends only its leaf cannot be verified. */
export async function makeWebCaChain(name = 'Validate Test Root'): Promise<WebCaChain> {
  const rootKeys = (await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const window = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * DAY_MS) };
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys: rootKeys,
    signingAlgorithm: SIGNING_ALGORITHM,
    ...window,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true), await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey)],
  });
  const interKeys = (await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const inter = await x509.X509CertificateGenerator.create({
    subject: `CN=${name} Intermediate`,
    issuer: root.subject,
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    ...window,
    serialNumber: Math.floor(Math.random() * 1e12).toString(16),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root.publicKey),
    ],
  });
  const keyPem = async (k: CryptoKey): Promise<string> => x509.PemConverter.encode(await subtle.exportKey('pkcs8', k), 'PRIVATE KEY');
  // The intermediate signs; makeWebCa's issue() does the rest once given its certificate and key.
  const signer = await webCaFrom({ certPem: inter.toString('pem'), keyPem: await keyPem(interKeys.privateKey) }, `${name} Intermediate`);
  return { certPem: root.toString('pem'), keyPem: await keyPem(rootKeys.privateKey), name, issue: signer.issue, intermediatePem: inter.toString('pem') };
}

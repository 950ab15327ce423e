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

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

export async function makeWebCa(name = 'Validate Test CA'): Promise<WebCa> {
  const ca = await createCa({ commonName: name, days: 30 });
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

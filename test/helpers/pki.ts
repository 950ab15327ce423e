// A throw-away CA with an agent and a controller certificate in a temp dir, removed after the
// test. Use the returned TlsFiles directly in agent and controller configs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsFiles } from '../../shared/config/common.js';
import { createCa, issueCertificate, type CertificateUsage } from '../../shared/tls/authority.js';
import { x509, subtle, KEY_ALGORITHM, SIGNING_ALGORITHM, type CryptoKeyPair } from '../../shared/tls/x509.js';

interface Cleanup {
  after: (fn: () => void) => void;
}

export interface TestPki {
  dir: string;
  caPem: string;
  caPath: string;
  /** Issues NAME.pem / NAME-key.pem in the dir and returns tls files trusting this CA. */
  issue(name: string, sans: string[], usage: CertificateUsage): Promise<TlsFiles>;
  /**
   * Like issue, with the extended key usage OIDs given, or without the extension at all
   * (undefined): what another PKI than `switchyard certs` may hand out.
   */
  issueWithExtendedUsages(name: string, sans: string[], ekus: string[] | undefined): Promise<TlsFiles>;
}

export async function makePki(t: Cleanup, cn = 'Test CA'): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await createCa({ commonName: cn, days: 2 });
  const caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, ca.certPem);
  const write = (name: string, pair: { certPem: string; keyPem: string }): TlsFiles => {
    const cert = join(dir, `${name}.pem`);
    const key = join(dir, `${name}-key.pem`);
    writeFileSync(cert, pair.certPem);
    writeFileSync(key, pair.keyPem, { mode: 0o600 });
    return { ca: caPath, cert, key };
  };
  return {
    dir,
    caPem: ca.certPem,
    caPath,
    async issue(name, sans, usage) {
      return write(name, await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: name, sans, usage, days: 1 }));
    },
    async issueWithExtendedUsages(name, sans, ekus) {
      const caCert = new x509.X509Certificate(ca.certPem);
      const caKey = await subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), KEY_ALGORITHM, false, ['sign']);
      const keys = (await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      ];
      if (ekus !== undefined) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
      if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans.map((value) => ({ type: /^[\d.]+$/.test(value) ? 'ip' : 'dns', value })), false));
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create({
        subject: `CN=${name}`,
        issuer: caCert.subject,
        publicKey: keys.publicKey,
        signingKey: caKey,
        signingAlgorithm: SIGNING_ALGORITHM,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 86_400_000),
        extensions,
      });
      const keyPem = x509.PemConverter.encode(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
      return write(name, { certPem: cert.toString('pem'), keyPem });
    },
  };
}

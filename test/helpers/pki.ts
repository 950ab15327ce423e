// A throw-away CA with an agent and a controller certificate in a temp dir, removed after the
// test. Use the returned TlsFiles directly in agent and controller configs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsFiles } from '../../shared/config/common.js';
import { createCa, issueCertificate, type CertificateUsage } from '../../shared/tls/authority.js';

interface Cleanup {
  after: (fn: () => void) => void;
}

export interface TestPki {
  dir: string;
  caPem: string;
  caPath: string;
  /** Issues NAME.pem / NAME-key.pem in the dir and returns tls files trusting this CA. */
  issue(name: string, sans: string[], usage: CertificateUsage): Promise<TlsFiles>;
}

export async function makePki(t: Cleanup, cn = 'Test CA'): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await createCa({ commonName: cn, days: 2 });
  const caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, ca.certPem);
  return {
    dir,
    caPem: ca.certPem,
    caPath,
    async issue(name, sans, usage) {
      const pair = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: name, sans, usage, days: 1 });
      const cert = join(dir, `${name}.pem`);
      const key = join(dir, `${name}-key.pem`);
      writeFileSync(cert, pair.certPem);
      writeFileSync(key, pair.keyPem, { mode: 0o600 });
      return { ca: caPath, cert, key };
    },
  };
}

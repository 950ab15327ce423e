import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { certsInit, certsIssue, registerCertsCommand } from '../../cli/commands/certs.js';
import { SwitchyardError } from '../../shared/errors.js';
import { createCa, issueCertificate } from '../../shared/tls/authority.js';
import { describeCertificate } from '../../shared/tls/describe.js';

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-certs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

test('an issued certificate chains to its CA, carries its SANs and usages, and matches its key', async () => {
  const ca = await createCa({ commonName: 'Unit CA', days: 30 });
  const leaf = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'staging-1', sans: ['staging-1.internal', '127.0.0.1'], usage: 'both', days: 7 });
  const caCert = new X509Certificate(ca.certPem);
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(caCert.ca, true);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(caCert));
  assert.ok(cert.verify(caCert.publicKey));
  assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.keyPem)));
  assert.ok(cert.checkHost('staging-1.internal'));
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.equal(cert.checkHost('other.internal'), undefined);
  assert.deepEqual(cert.keyUsage.sort(), [SERVER_AUTH, CLIENT_AUTH]);

  const other = await createCa({ commonName: 'Other CA', days: 30 });
  assert.equal(cert.verify(new X509Certificate(other.certPem).publicKey), false);

  const d = describeCertificate(leaf.certPem);
  assert.equal(d.subject, 'CN=staging-1');
  assert.equal(d.issuer, 'CN=Unit CA');
  assert.deepEqual(d.sans, ['DNS:staging-1.internal', 'IP:127.0.0.1']);
  assert.equal(d.keyType, 'EC');
  assert.equal(d.keyBits, 256);
  assert.equal(d.fingerprintSha256, cert.fingerprint256);
  const days = (Date.parse(d.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7, `validity ${days} days`);
});

test('a controller certificate is for client auth only', async () => {
  const ca = await createCa({ commonName: 'Unit CA', days: 30 });
  const leaf = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'controller', sans: [], usage: 'client', days: 7 });
  assert.deepEqual(new X509Certificate(leaf.certPem).keyUsage, [CLIENT_AUTH]);
});

test('a CA key that is not a key is reported as TLS material, not a crash', async () => {
  const ca = await createCa({ commonName: 'Unit CA', days: 30 });
  await assert.rejects(
    issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.certPem, commonName: 'x', sans: ['x'], usage: 'server', days: 1 }),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_TLS_MATERIAL',
  );
});

test('certs init and issue write a CA and signed pairs; keys are 0600', async (t) => {
  const dir = join(tmpDir(t), 'pki');
  const written = await certsInit({ dir, cn: 'Ops CA', days: 10 });
  assert.deepEqual(written, [join(dir, 'ca.pem'), join(dir, 'ca-key.pem')]);
  assert.equal(statSync(join(dir, 'ca-key.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'ca.pem')).mode & 0o777, 0o644);

  await certsIssue({ dir, name: 'prod-1', sans: ['prod-1.example.net', '10.0.0.5'], role: 'agent' });
  assert.equal(statSync(join(dir, 'prod-1-key.pem')).mode & 0o777, 0o600);
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  const agent = new X509Certificate(readFileSync(join(dir, 'prod-1.pem')));
  assert.ok(agent.verify(ca.publicKey));
  assert.equal(agent.subjectAltName, 'DNS:prod-1.example.net, IP Address:10.0.0.5');
  assert.ok(agent.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'prod-1-key.pem')))));
});

test('nothing is overwritten without force, and with force the file is replaced', async (t) => {
  const dir = tmpDir(t);
  await certsInit({ dir });
  const before = readFileSync(join(dir, 'ca-key.pem'), 'utf8');
  await assert.rejects(certsInit({ dir }), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_CONFLICT');
    assert.match(err.message, /ca\.pem, .*ca-key\.pem already exist; pass --force/);
    return true;
  });
  assert.equal(readFileSync(join(dir, 'ca-key.pem'), 'utf8'), before);

  writeFileSync(join(dir, 'ctl-key.pem'), 'precious');
  await assert.rejects(certsIssue({ dir, name: 'ctl', role: 'controller' }), /ctl-key\.pem already exists/);
  assert.equal(readFileSync(join(dir, 'ctl-key.pem'), 'utf8'), 'precious');

  await certsInit({ dir, force: true });
  assert.notEqual(readFileSync(join(dir, 'ca-key.pem'), 'utf8'), before);
  assert.equal(statSync(join(dir, 'ca-key.pem')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left behind');
});

// `certs issue --force` used to write the key in place and then the certificate: a failure or a
// crash between the two left the new key beside the old certificate, and the agent refused to
// start. Every filesystem step of a replacement is made to fail in turn; whatever happens, the
// two paths hold a pair that belongs together, and the next --force run completes.
test('certs issue/init --force: a failure at any point of the replacement leaves a matching pair at the final paths, the old one until the new one is whole', async (t) => {
  const dir = tmpDir(t);
  await certsInit({ dir });
  await certsIssue({ dir, name: 'prod-1', sans: ['prod-1.lan'] });
  const cert = join(dir, 'prod-1.pem');
  const key = join(dir, 'prod-1-key.pem');
  const matching = (): boolean => new X509Certificate(readFileSync(cert)).checkPrivateKey(createPrivateKey(readFileSync(key)));
  const fs = (await import('node:fs')).default as unknown as Record<string, (...a: unknown[]) => unknown>;
  const { syncBuiltinESMExports } = await import('node:module');
  const steps = ['writeSync', 'fsyncSync', 'renameSync', 'symlinkSync', 'copyFileSync', 'mkdirSync'] as const;
  const real = Object.fromEntries(steps.map((n) => [n, fs[n]!])) as Record<(typeof steps)[number], (...a: unknown[]) => unknown>;
  let calls = 0;
  let failAt = -1;
  for (const n of steps) {
    fs[n] = (...a: unknown[]) => {
      if (++calls === failAt) throw Object.assign(new Error(`injected failure in ${n}`), { code: 'EIO' });
      return real[n](...a);
    };
  }
  syncBuiltinESMExports();
  t.after(() => {
    Object.assign(fs, real);
    syncBuiltinESMExports();
  });

  let failures = 0;
  for (let k = 1; ; k++) {
    const before = readFileSync(cert, 'utf8');
    calls = 0;
    failAt = k;
    const done = await certsIssue({ dir, name: 'prod-1', sans: ['prod-1.lan'], force: true }).then(
      () => true,
      (err: Error) => {
        assert.match(err.message, /injected failure/);
        return false;
      },
    );
    failAt = -1;
    assert.ok(matching(), `step ${k}: ${cert} and ${key} do not belong together`);
    if (done) break;
    failures++;
    assert.equal(readFileSync(cert, 'utf8'), before, `step ${k}: failed, yet the certificate changed`);
  }
  assert.ok(failures >= 5, `only ${failures} steps were made to fail`);
  const after = readFileSync(cert, 'utf8');
  await certsIssue({ dir, name: 'prod-1', sans: ['prod-1.lan'], force: true });
  assert.notEqual(readFileSync(cert, 'utf8'), after);
  assert.ok(matching());
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.equal(statSync(cert).mode & 0o777, 0o644);
  // Only the current set is left behind the paths; nothing a crash or a failure half made.
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.prod-1.')).length, 2, readdirSync(dir).join(' '));

  // The CA pair the same way, and certificates issued afterwards chain to the new CA.
  const caCert = join(dir, 'ca.pem');
  const oldCa = readFileSync(caCert, 'utf8');
  calls = 0;
  failAt = 3;
  await assert.rejects(certsInit({ dir, force: true }), /injected failure/);
  failAt = -1;
  assert.equal(readFileSync(caCert, 'utf8'), oldCa);
  await certsInit({ dir, force: true });
  await certsIssue({ dir, name: 'prod-1', sans: ['prod-1.lan'], force: true });
  assert.ok(new X509Certificate(readFileSync(cert)).verify(new X509Certificate(readFileSync(caCert)).publicKey));
  assert.ok(new X509Certificate(readFileSync(caCert)).checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'ca-key.pem')))));
});

test('issue needs a CA in the dir and a SAN for an agent, and names what is wrong', async (t) => {
  const dir = tmpDir(t);
  await assert.rejects(certsIssue({ dir, name: 'a1', sans: ['a1'] }), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_TLS_MATERIAL' && err.message.includes(join(dir, 'ca.pem')));
  await certsInit({ dir });
  await assert.rejects(certsIssue({ dir, name: 'a1' }), (err: unknown) => err instanceof SwitchyardError && err.field === 'san');
  await assert.rejects(certsIssue({ dir, name: '../evil', sans: ['x'] }), (err: unknown) => err instanceof SwitchyardError && err.field === 'name');
});

test('the certs command parses repeated --san and --role through commander', async (t) => {
  const dir = tmpDir(t);
  const lines: string[] = [];
  const program = new Command().exitOverride();
  registerCertsCommand(program, { out: (l) => lines.push(l) });
  await program.parseAsync(['certs', 'init', '--dir', dir, '--cn', 'CLI CA', '--days', '5'], { from: 'user' });
  await program.parseAsync(['certs', 'issue', '--dir', dir, '--name', 'staging-1', '--san', 'staging.lan', '--san', '127.0.0.2'], { from: 'user' });
  await program.parseAsync(['certs', 'issue', '--dir', dir, '--name', 'controller', '--role', 'controller'], { from: 'user' });
  const agent = describeCertificate(readFileSync(join(dir, 'staging-1.pem')));
  assert.equal(agent.issuer, 'CN=CLI CA');
  assert.deepEqual(agent.sans, ['DNS:staging.lan', 'IP:127.0.0.2']);
  assert.deepEqual(new X509Certificate(readFileSync(join(dir, 'controller.pem'))).keyUsage, [CLIENT_AUTH]);
  assert.ok(lines.includes(`wrote ${join(dir, 'staging-1-key.pem')}`));
  await assert.rejects(
    program.parseAsync(['certs', 'init', '--dir', dir, '--days', 'soon', '--force'], { from: 'user' }),
    (err: unknown) => err instanceof SwitchyardError && err.field === 'days',
  );
});

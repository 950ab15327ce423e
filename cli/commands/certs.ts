// `switchyard certs init|issue`: a private CA in one directory and the certificates signed by
// it. Keys are written 0600 and nothing is replaced without --force.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SwitchyardError } from '../../shared/errors.js';
import { UsageError } from '../usage-error.js';
import { createCa, issueCertificate, type CertificateUsage } from '../../shared/tls/authority.js';
import { describeCertificate } from '../../shared/tls/describe.js';
import { refuseExisting, replaceTogether, writeFileAtomic } from '../../shared/tls/write-file.js';

export type CertRole = 'agent' | 'controller';

export interface CertsInitOptions {
  dir: string;
  cn?: string;
  days?: number;
  force?: boolean;
}

export interface CertsIssueOptions {
  dir: string;
  name: string;
  sans?: string[];
  role?: CertRole;
  days?: number;
  force?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
// An agent serves the controller and is the client of its peer agent; the controller only calls.
const USAGE: Record<CertRole, CertificateUsage> = { agent: 'both', controller: 'client' };

function writePair(dir: string, base: string, pair: { certPem: string; keyPem: string }, force: boolean): string[] {
  const certPath = join(dir, `${base}.pem`);
  const keyPath = join(dir, `${base}-key.pem`);
  if (force) {
    // The old certificate and key stay in place together until the new pair replaces both.
    replaceTogether(dir, base, [
      { name: `${base}-key.pem`, data: pair.keyPem, mode: 0o600 },
      { name: `${base}.pem`, data: pair.certPem, mode: 0o644 },
    ]);
    return [certPath, keyPath];
  }
  refuseExisting([certPath, keyPath]);
  writeFileAtomic(keyPath, pair.keyPem, { mode: 0o600 });
  writeFileAtomic(certPath, pair.certPem, { mode: 0o644 });
  return [certPath, keyPath];
}

function readCaFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (run `switchyard certs init` first)' : String(err);
    throw new SwitchyardError('SY_TLS_MATERIAL', `${what} ${path}: ${why}`, { field: 'dir', cause: err });
  }
}

/** Creates ca.pem and ca-key.pem in `dir`; returns the paths written. */
export async function certsInit(opts: CertsInitOptions): Promise<string[]> {
  const force = opts.force === true;
  if (!force) refuseExisting([join(opts.dir, 'ca.pem'), join(opts.dir, 'ca-key.pem')]);
  const pair = await createCa({ commonName: opts.cn ?? 'Switchyard CA', days: opts.days ?? 3650 });
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  return writePair(opts.dir, 'ca', pair, force);
}

/** Creates NAME.pem and NAME-key.pem in `dir`, signed by the CA there; returns the paths written. */
export async function certsIssue(opts: CertsIssueOptions): Promise<string[]> {
  if (!NAME.test(opts.name) || opts.name === 'ca') {
    throw new UsageError(`name ${JSON.stringify(opts.name)}: use letters, digits, '.', '_' or '-' (and not "ca")`, 'name');
  }
  const role = opts.role ?? 'agent';
  if (!(role in USAGE)) throw new UsageError(`role ${JSON.stringify(role)}: expected agent or controller`, 'role');
  const sans = opts.sans ?? [];
  if (role === 'agent' && sans.length === 0) {
    throw new UsageError('an agent certificate needs at least one --san: the host name or IP address the controller dials', 'san');
  }
  const force = opts.force === true;
  if (!force) refuseExisting([join(opts.dir, `${opts.name}.pem`), join(opts.dir, `${opts.name}-key.pem`)]);
  const pair = await issueCertificate({
    caCertPem: readCaFile(join(opts.dir, 'ca.pem'), 'CA certificate'),
    caKeyPem: readCaFile(join(opts.dir, 'ca-key.pem'), 'CA key'),
    commonName: opts.name,
    sans,
    usage: USAGE[role],
    days: opts.days ?? 825,
  });
  return writePair(opts.dir, opts.name, pair, force);
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new UsageError(`--days ${JSON.stringify(value)}: expected a positive whole number`, 'days');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface CertsIo {
  out: (line: string) => void;
}

function report(io: CertsIo, paths: string[]): void {
  const [certPath] = paths;
  const d = describeCertificate(readFileSync(certPath!));
  for (const p of paths) io.out(`wrote ${p}`);
  io.out(`  subject ${d.subject}, issuer ${d.issuer}, valid until ${d.validTo}${d.sans.length > 0 ? `, ${d.sans.join(' ')}` : ''}`);
}

export function registerCertsCommand(program: Command, io: CertsIo = { out: (line) => process.stdout.write(`${line}\n`) }): void {
  const certs = program.command('certs').description('make a CA and the certificates agents and the controller need for mutual TLS');
  certs
    .command('init')
    .description('create a private CA: DIR/ca.pem and DIR/ca-key.pem (mode 0600)')
    .requiredOption('--dir <dir>', 'directory for the CA files (created if missing)')
    .option('--cn <name>', 'common name of the CA', 'Switchyard CA')
    .option('--days <n>', 'validity in days', parseDays, 3650)
    .option('--force', 'replace existing files', false)
    .action(async (o: { dir: string; cn: string; days: number; force: boolean }) => {
      report(io, await certsInit(o));
    });
  certs
    .command('issue')
    .description('issue DIR/NAME.pem and DIR/NAME-key.pem signed by the CA in DIR')
    .requiredOption('--dir <dir>', 'directory holding ca.pem and ca-key.pem')
    .requiredOption('--name <name>', 'certificate name: the agent or controller name, also its common name')
    .option('--san <host>', 'DNS name or IP address the certificate is valid for (repeatable)', collect, [] as string[])
    .option('--role <role>', 'agent (server and client auth) or controller (client auth)', 'agent')
    .option('--days <n>', 'validity in days', parseDays, 825)
    .option('--force', 'replace existing files', false)
    .action(async (o: { dir: string; name: string; san: string[]; role: CertRole; days: number; force: boolean }) => {
      report(io, await certsIssue({ ...o, sans: o.san }));
    });
}

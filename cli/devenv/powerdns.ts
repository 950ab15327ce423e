// Starts a private PowerDNS Authoritative server (own config dir, sqlite backend, API on loopback)
// so the demo and the tests switch a real record and check it with real DNS queries.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { freePort, requireBinary, waitFor } from './process.js';
import { SwitchyardError } from '../../shared/errors.js';

const PACKAGES = 'pdns-server pdns-backend-sqlite3';
const SCHEMAS = ['/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql'];

export interface PowerDnsRecord {
  /** Absolute name, with or without the trailing dot. */
  name: string;
  type: string;
  ttl: number;
  content: string;
}

export interface PowerDnsZone {
  name: string;
  records: PowerDnsRecord[];
}

export interface PowerDnsOptions {
  /** Loopback address the DNS listener binds, e.g. 127.0.0.4. */
  host: string;
  zones?: PowerDnsZone[];
  baseDir?: string;
}

export interface PowerDnsInstance {
  dnsHost: string;
  dnsPort: number;
  /** `host:port`, the form node:dns setServers and the demo's DNS_SERVER use. */
  dnsServer: string;
  /** API base without /api/v1, as controller.yaml's powerdns `url` takes it. */
  apiUrl: string;
  apiKey: string;
  serverId: string;
  dir: string;
  stop(): Promise<void>;
}

const dot = (name: string) => (name.endsWith('.') ? name : `${name}.`);

function schemaFile(): string {
  const found = SCHEMAS.find((p) => existsSync(p));
  if (found === undefined) throw new SwitchyardError('SY_PRECONDITION', `pdns sqlite schema not found: install it with 'apt-get install ${PACKAGES}'`);
  return found;
}

/** The zone as the API's POST /zones body: grouped into rrsets, with a SOA and NS that point here. */
function zoneBody(zone: PowerDnsZone): unknown {
  const apex = dot(zone.name);
  const ns = `ns1.${apex}`;
  const groups = new Map<string, { name: string; type: string; ttl: number; records: { content: string; disabled: boolean }[] }>();
  for (const r of zone.records) {
    const key = `${dot(r.name).toLowerCase()}/${r.type}`;
    const g = groups.get(key) ?? { name: dot(r.name), type: r.type, ttl: r.ttl, records: [] };
    g.records.push({ content: r.content, disabled: false });
    groups.set(key, g);
  }
  // A short SOA minimum keeps negative answers from lingering in caches between test steps.
  if (!groups.has(`${apex.toLowerCase()}/SOA`)) {
    groups.set(`${apex}/SOA`, { name: apex, type: 'SOA', ttl: 60, records: [{ content: `${ns} hostmaster.${apex} 1 10800 3600 604800 5`, disabled: false }] });
  }
  return { name: apex, kind: 'Native', nameservers: [ns], rrsets: [...groups.values()] };
}

async function api(inst: { apiUrl: string; apiKey: string }, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${inst.apiUrl}/api/v1/servers/localhost${path}`, {
    method,
    headers: { 'X-API-Key': inst.apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

interface Started {
  child: ChildProcess;
  exited: () => boolean;
  dnsPort: number;
  apiPort: number;
}

async function launch(pdns: string, dir: string, host: string, apiKey: string): Promise<Started> {
  const dnsPort = await freePort(host);
  const apiPort = await freePort('127.0.0.1');
  const args = [
    `--config-dir=${dir}`, // an empty pdns.conf there: nothing from /etc/powerdns leaks in
    '--launch=gsqlite3',
    `--gsqlite3-database=${join(dir, 'pdns.sqlite')}`,
    `--local-address=${host}`,
    `--local-port=${dnsPort}`,
    '--api=yes',
    `--api-key=${apiKey}`,
    '--webserver=yes',
    '--webserver-address=127.0.0.1',
    `--webserver-port=${apiPort}`,
    '--webserver-allow-from=127.0.0.0/8',
    '--guardian=no',
    '--daemon=no',
    '--disable-syslog',
    '--write-pid=no',
    `--socket-dir=${dir}`,
    // The security poll is a DNS query to the internet; tests stay on loopback.
    '--security-poll-suffix=',
    '--loglevel=6',
  ];
  const log = openSync(join(dir, 'pdns.log'), 'a');
  const child = spawn(pdns, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  return { child, exited: () => exited, dnsPort, apiPort };
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'pdns.log'), 'utf8').trim().split('\n').slice(-4).join(' | ');
  } catch {
    return '(no log)';
  }
}

export async function startPowerDns(opts: PowerDnsOptions): Promise<PowerDnsInstance> {
  const pdns = requireBinary(['pdns_server'], PACKAGES);
  const schema = schemaFile();
  const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'switchyard-pdns-'));
  writeFileSync(join(dir, 'pdns.conf'), '');
  const db = new Database(join(dir, 'pdns.sqlite'));
  db.exec(readFileSync(schema, 'utf8'));
  db.close();
  const apiKey = randomBytes(18).toString('base64url');

  // A free TCP port can still be taken for UDP; a bind failure is retried on fresh ports.
  let started: Started | undefined;
  let apiUrl = '';
  for (let attempt = 0; started === undefined; attempt++) {
    const s = await launch(pdns, dir, opts.host, apiKey);
    apiUrl = `http://127.0.0.1:${s.apiPort}`;
    try {
      await waitFor(`pdns_server on ${opts.host}:${s.dnsPort}`, 20_000, async () => {
        if (s.exited()) throw new SwitchyardError('SY_PRECONDITION', `pdns_server exited: ${logTail(dir)} (packages: ${PACKAGES})`);
        const res = await api({ apiUrl, apiKey }, 'GET', '');
        return res.ok ? true : undefined;
      });
      started = s;
    } catch (err) {
      s.child.kill('SIGKILL');
      if (attempt >= 2 || !/bind|in use/i.test(logTail(dir))) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const { child, exited, dnsPort } = started;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (!exited()) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const zone of opts.zones ?? []) {
      const res = await api({ apiUrl, apiKey }, 'POST', '/zones', zoneBody(zone));
      if (res.status !== 201) throw new SwitchyardError('SY_PRECONDITION', `creating zone ${zone.name} in pdns failed: HTTP ${res.status} ${await res.text()}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return { dnsHost: opts.host, dnsPort, dnsServer: `${opts.host}:${dnsPort}`, apiUrl, apiKey, serverId: 'localhost', dir, stop };
}

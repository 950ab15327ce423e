// The demo's world on one machine: a CA and certificates, two private MariaDB servers, a
// staging agent on 127.0.0.2 and a production agent on 127.0.0.3 over mutual TLS, and a
// controller on 127.0.0.1 — each a real `switchyard` process with its own config file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { certsInit, certsIssue } from '../commands/certs.js';
import { startMariaDb, type MariaDbInstance } from '../devenv/mariadb.js';
import { freePort, waitFor } from '../devenv/process.js';
import { generateToken, hashToken } from '../../controller/api/auth.js';
import { assertAlive, spawnSwitchyard, type ChildHandle } from './processes.js';
import { RestClient } from '../client/rest.js';
import { startPowerDns, type PowerDnsInstance } from '../devenv/powerdns.js';
import { startDemoSite, type DemoSite } from './site.js';
import { seedWordPress } from './wordpress-fixture.js';
import { createConnection } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';

export interface DemoSide {
  agentName: string;
  ip: string;
  origin: string;
  site: DemoSite;
  accessLog: string;
  maintenanceFlag: string;
  db: MariaDbInstance;
  database: string;
  assetsDir: string;
  agentConfig: string;
  agentAddress: string;
}

export interface DemoEnvironment {
  dir: string;
  staging: DemoSide;
  production: DemoSide;
  controllerUrl: string;
  dns: PowerDnsInstance;
  /** The record the cutover switches, e.g. www.example.test */
  dnsName: string;
  dnsZone: string;
  dnsProvider: string;
  operatorToken: string;
  viewerToken: string;
  client: RestClient;
  /** SIGKILL the controller process, as a crash would. */
  killController(): Promise<void>;
  /** Start it again on the same config and state file. */
  restartController(): Promise<void>;
  stop(): Promise<void>;
}

export interface DemoOptions {
  log?: (line: string) => void;
  keep?: boolean;
  /** Tests introduce runtime differences through these. */
  mariadbArgs?: { staging?: string[]; production?: string[] };
  extraEnv?: { staging?: string; production?: string };
}

const ZONE = 'example.test';
const DNS_NAME = `www.${ZONE}`;
const DNS_HOST = '127.0.0.4';
const PROVIDER = 'pdns-demo';
const SIDES = [
  { key: 'staging', agentName: 'staging-1', ip: '127.0.0.2', database: 'wp_staging', hostName: `staging.${ZONE}` },
  { key: 'production', agentName: 'prod-1', ip: '127.0.0.3', database: 'wp_production', hostName: DNS_NAME },
] as const;

/** A port free on every one of `hosts`, so both sites can share it (the origin URL names it). */
async function portFreeOnAll(hosts: readonly string[]): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort(hosts[0]);
    const ok = await Promise.all(
      hosts.slice(1).map(
        (h) =>
          new Promise<boolean>((resolve) => {
            const srv = createServer();
            srv.once('error', () => resolve(false));
            srv.listen(port, h, () => srv.close(() => resolve(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no port free on all demo hosts');
}

export async function startDemoEnvironment(opts: DemoOptions = {}): Promise<DemoEnvironment> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
  const children: ChildHandle[] = [];
  const dbs: MariaDbInstance[] = [];
  const sites: DemoSite[] = [];
  let dns: PowerDnsInstance | undefined;
  const stop = async () => {
    await Promise.allSettled(children.reverse().map((c) => c.stop()));
    await Promise.allSettled(sites.map((x) => x.close()));
    await Promise.allSettled(dbs.map((d) => d.stop()));
    await dns?.stop().catch(() => {});
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pki = join(dir, 'pki');
    log(`work dir ${dir}`);
    await certsInit({ dir: pki, cn: 'Switchyard demo CA' });
    for (const s of SIDES) await certsIssue({ dir: pki, name: s.agentName, role: 'agent', sans: [s.ip, 'localhost'] });
    await certsIssue({ dir: pki, name: 'controller', role: 'controller' });
    log('made a CA and certificates for staging-1, prod-1 and the controller');

    const started = await Promise.all(SIDES.map((s) => startMariaDb({ host: s.ip, databases: [s.database], baseDir: dir, extraArgs: opts.mariadbArgs?.[s.key] ?? [] })));
    dbs.push(...started);
    log(`MariaDB staging on ${started[0]!.host}:${started[0]!.port}, production on ${started[1]!.host}:${started[1]!.port}`);

    const sitePort = await portFreeOnAll(SIDES.map((s) => s.ip));
    const origin = (s: (typeof SIDES)[number]) => `http://${s.hostName}:${sitePort}`;
    // The record starts at staging, as it would before a cutover; TTL already low.
    dns = await startPowerDns({ host: DNS_HOST, baseDir: dir, zones: [{ name: ZONE, records: [{ name: DNS_NAME, type: 'A', ttl: 60, content: SIDES[0].ip }, { name: SIDES[0].hostName, type: 'A', ttl: 60, content: SIDES[0].ip }] }] });
    log(`PowerDNS authoritative for ${ZONE} on ${dns.dnsServer}: ${DNS_NAME} A ${SIDES[0].ip}`);

    // Staging holds the validated site; production holds an older test install of it, as a new
    // host usually does before its cutover.
    for (const [i, size] of [{ posts: 2000, orders: 5000 }, { posts: 1500, orders: 3000 }].entries()) {
      const side = SIDES[i]!;
      const seed = await createConnection({ socketPath: started[i]!.socket, user: 'root', database: side.database, multipleStatements: true });
      await seedWordPress(seed, origin(side), size);
      await seed.end();
    }
    log(`seeded a WordPress-like shop into ${SIDES[0].database} on staging (and an older copy on production)`);

    const sides: DemoSide[] = [];
    for (const [i, s] of SIDES.entries()) {
      const db = started[i]!;
      const home = join(dir, s.key);
      const assetsDir = join(home, 'uploads');
      mkdirSync(assetsDir, { recursive: true });
      if (s.key === 'staging') seedUploads(assetsDir);
      const accessLog = join(home, 'access.log');
      writeFileSync(accessLog, '');
      const maintenanceFlag = join(home, '.maintenance');
      const site = await startDemoSite({ host: s.ip, port: sitePort, accessLog, maintenanceFlag, db: { host: db.host, port: db.port, user: db.site.user, password: db.site.password, database: s.database } });
      sites.push(site);
      // The site's env file: same keys on both sides, values that differ where they must.
      writeFileSync(join(home, '.env'), `APP_URL=${origin(s)}\nDB_NAME=${s.database}\nDB_PASSWORD=${db.site.password}-${s.key}\nAUTH_SALT=demo-shared-salt\n${opts.extraEnv?.[s.key] ?? ''}`);
      const port = await freePort(s.ip);
      const config = {
        name: s.agentName,
        listen: { host: s.ip, port },
        tls: { ca: join(pki, 'ca.pem'), cert: join(pki, `${s.agentName}.pem`), key: join(pki, `${s.agentName}-key.pem`) },
        stateFile: join(home, 'agent.sqlite'),
        logLevel: 'info',
        database: { host: db.host, port: db.port, user: db.admin.user, password: { env: 'SWITCHYARD_DB_PASSWORD' } },
        assets: { uploads: { path: assetsDir } },
        maintenance: { flagFile: maintenanceFlag, content: '<?php $upgrading = time(); ?>' },
        envFiles: [join(home, '.env')],
        accessLog,
      };
      const agentConfig = join(home, 'agent.yaml');
      writeFileSync(agentConfig, stringify(config));
      children.push(spawnSwitchyard(s.agentName, ['agent', '--config', agentConfig], join(home, 'agent.log'), { SWITCHYARD_DB_PASSWORD: db.admin.password }));
      sides.push({ agentName: s.agentName, ip: s.ip, origin: origin(s), site, accessLog, maintenanceFlag, db, database: s.database, assetsDir, agentConfig, agentAddress: `${s.ip}:${port}` });
    }

    const operatorToken = generateToken();
    const viewerToken = generateToken();
    const controllerPort = await freePort('127.0.0.1');
    const controllerConfig = join(dir, 'controller.yaml');
    writeFileSync(
      controllerConfig,
      stringify({
        listen: { host: '127.0.0.1', port: controllerPort },
        stateFile: join(dir, 'controller.sqlite'),
        tls: { ca: join(pki, 'ca.pem'), cert: join(pki, 'controller.pem'), key: join(pki, 'controller-key.pem') },
        agents: sides.map((s) => ({ name: s.agentName, address: s.agentAddress })),
        dnsProviders: { [PROVIDER]: { type: 'powerdns', url: dns.apiUrl, apiKey: { env: 'SWITCHYARD_PDNS_API_KEY' }, serverId: dns.serverId, authoritative: [dns.dnsServer] } },
        // No internet here: the authoritative server is the only resolver there is to ask.
        resolvers: [dns.dnsServer],
        tokens: [
          { name: 'demo-operator', role: 'operator', hash: hashToken(operatorToken) },
          { name: 'demo-viewer', role: 'viewer', hash: hashToken(viewerToken) },
        ],
      }),
    );
    const pdnsKey = dns.apiKey;
    const spawnController = () => spawnSwitchyard('controller', ['controller', '--config', controllerConfig], join(dir, 'controller.log'), { SWITCHYARD_PDNS_API_KEY: pdnsKey });
    let controller = spawnController();
    children.push(controller);
    const controllerUrl = `http://127.0.0.1:${controllerPort}`;
    const client = new RestClient({ url: controllerUrl, token: operatorToken });
    await waitFor('the controller and both agents', 30_000, async () => {
      for (const c of children) assertAlive(c);
      const res = await client.get<{ agents: Array<{ reachable: boolean }> }>('/v1/agents');
      return res.agents.length === 2 && res.agents.every((a) => a.reachable) ? true : undefined;
    });
    log(`controller on ${controllerUrl}; agents staging-1 (${sides[0]!.agentAddress}) and prod-1 (${sides[1]!.agentAddress}) reachable over mutual TLS`);
    const killController = async () => {
      const exited = new Promise<void>((r) => controller.child.once('exit', () => r()));
      controller.child.kill('SIGKILL');
      await exited;
    };
    const restartController = async () => {
      children.splice(children.indexOf(controller), 1);
      controller = spawnController();
      children.push(controller);
      await waitFor('the restarted controller', 30_000, async () => {
        assertAlive(controller);
        await client.get('/v1/agents');
        return true;
      });
    };
    return { dir, staging: sides[0]!, production: sides[1]!, controllerUrl, dns, dnsName: DNS_NAME, dnsZone: ZONE, dnsProvider: PROVIDER, operatorToken, viewerToken, client, killController, restartController, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Uploads as a site has them: images, a larger media file, nested folders, a unicode name. */
function seedUploads(root: string): void {
  mkdirSync(join(root, '2026', '11'), { recursive: true });
  writeFileSync(join(root, 'logo.png'), randomBytes(24 * 1024));
  for (let i = 0; i < 20; i++) writeFileSync(join(root, `img-${i}.jpg`), randomBytes(8 * 1024 + i * 512));
  writeFileSync(join(root, '2026', '11', 'promo video.mp4'), randomBytes(6 * 1024 * 1024));
  writeFileSync(join(root, '2026', '11', 'café-menü.pdf'), randomBytes(64 * 1024));
  writeFileSync(join(root, 'empty.txt'), '');
}

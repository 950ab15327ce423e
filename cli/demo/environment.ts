// The demo's world on one machine: a CA and certificates, two private MariaDB servers, a
// staging agent on 127.0.0.2 and a production agent on 127.0.0.3 over mutual TLS, and a
// controller on 127.0.0.1 — each a real `switchyard` process with its own config file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { certsInit, certsIssue } from '../commands/certs.js';
import { startMariaDb, type MariaDbInstance } from '../devenv/mariadb.js';
import { freePort, waitFor } from '../devenv/process.js';
import { generateToken, hashToken } from '../../controller/api/auth.js';
import { assertAlive, spawnSwitchyard, type ChildHandle } from './processes.js';
import { RestClient } from '../client/rest.js';

export interface DemoSide {
  agentName: string;
  ip: string;
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
  operatorToken: string;
  viewerToken: string;
  client: RestClient;
  stop(): Promise<void>;
}

export interface DemoOptions {
  log?: (line: string) => void;
  keep?: boolean;
  /** Tests introduce runtime differences through these. */
  mariadbArgs?: { staging?: string[]; production?: string[] };
  extraEnv?: { staging?: string; production?: string };
}

const SIDES = [
  { key: 'staging', agentName: 'staging-1', ip: '127.0.0.2', database: 'wp_staging', appUrl: 'https://staging.example.test' },
  { key: 'production', agentName: 'prod-1', ip: '127.0.0.3', database: 'wp_production', appUrl: 'https://www.example.test' },
] as const;

export async function startDemoEnvironment(opts: DemoOptions = {}): Promise<DemoEnvironment> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
  const children: ChildHandle[] = [];
  const dbs: MariaDbInstance[] = [];
  const stop = async () => {
    await Promise.allSettled(children.reverse().map((c) => c.stop()));
    await Promise.allSettled(dbs.map((d) => d.stop()));
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

    const sides: DemoSide[] = [];
    for (const [i, s] of SIDES.entries()) {
      const db = started[i]!;
      const home = join(dir, s.key);
      const assetsDir = join(home, 'uploads');
      mkdirSync(assetsDir, { recursive: true });
      // The site's env file: same keys on both sides, values that differ where they must.
      writeFileSync(join(home, '.env'), `APP_URL=${s.appUrl}\nDB_NAME=${s.database}\nDB_PASSWORD=${db.site.password}-${s.key}\nAUTH_SALT=demo-shared-salt\n${opts.extraEnv?.[s.key] ?? ''}`);
      const port = await freePort(s.ip);
      const config = {
        name: s.agentName,
        listen: { host: s.ip, port },
        tls: { ca: join(pki, 'ca.pem'), cert: join(pki, `${s.agentName}.pem`), key: join(pki, `${s.agentName}-key.pem`) },
        stateFile: join(home, 'agent.sqlite'),
        logLevel: 'info',
        database: { host: db.host, port: db.port, user: db.admin.user, password: { env: 'SWITCHYARD_DB_PASSWORD' } },
        assets: { uploads: { path: assetsDir } },
        maintenance: { flagFile: join(home, '.maintenance'), content: '<?php $upgrading = time(); ?>' },
        envFiles: [join(home, '.env')],
      };
      const agentConfig = join(home, 'agent.yaml');
      writeFileSync(agentConfig, stringify(config));
      children.push(spawnSwitchyard(s.agentName, ['agent', '--config', agentConfig], join(home, 'agent.log'), { SWITCHYARD_DB_PASSWORD: db.admin.password }));
      sides.push({ agentName: s.agentName, ip: s.ip, db, database: s.database, assetsDir, agentConfig, agentAddress: `${s.ip}:${port}` });
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
        tokens: [
          { name: 'demo-operator', role: 'operator', hash: hashToken(operatorToken) },
          { name: 'demo-viewer', role: 'viewer', hash: hashToken(viewerToken) },
        ],
      }),
    );
    const controller = spawnSwitchyard('controller', ['controller', '--config', controllerConfig], join(dir, 'controller.log'));
    children.push(controller);
    const controllerUrl = `http://127.0.0.1:${controllerPort}`;
    const client = new RestClient({ url: controllerUrl, token: operatorToken });
    await waitFor('the controller and both agents', 30_000, async () => {
      for (const c of children) assertAlive(c);
      const res = await client.get<{ agents: Array<{ reachable: boolean }> }>('/v1/agents');
      return res.agents.length === 2 && res.agents.every((a) => a.reachable) ? true : undefined;
    });
    log(`controller on ${controllerUrl}; agents staging-1 (${sides[0]!.agentAddress}) and prod-1 (${sides[1]!.agentAddress}) reachable over mutual TLS`);
    return { dir, staging: sides[0]!, production: sides[1]!, controllerUrl, operatorToken, viewerToken, client, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

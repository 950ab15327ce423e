// Starts a private mariadbd (own datadir, port, socket under a temp dir) so a "staging" and a
// "production" server can live on one machine without sharing any state — read_only on one
// must never touch the other. Used by `switchyard demo` and by the integration tests.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { freePort, requireBinary, waitFor } from './process.js';
import { SwitchyardError } from '../../shared/errors.js';

export interface MariaDbUser {
  user: string;
  password: string;
}

export interface MariaDbInstance {
  host: string;
  port: number;
  socket: string;
  dir: string;
  /** Privileged account for the agent (dump/restore, read_only, checksums). */
  admin: MariaDbUser;
  /** The site's ordinary account: DML on its schemas only, no SUPER — read_only applies to it. */
  site: MariaDbUser;
  /** A root connection over the socket, for test setup and assertions. */
  rootConnection(database?: string): Promise<Connection>;
  url(user: MariaDbUser, database: string): string;
  stop(): Promise<void>;
}

export interface MariaDbOptions {
  host: string;
  port?: number;
  /** Schemas to create, with the site user granted DML on them. */
  databases?: string[];
  /** Extra mariadbd options, e.g. ['--sql-mode=...']. */
  extraArgs?: string[];
  baseDir?: string;
}

const ADMIN: MariaDbUser = { user: 'switchyard', password: 'agent-secret-pw' };
const SITE: MariaDbUser = { user: 'site', password: 'site-secret-pw' };

function templateDir(installDb: string): string {
  // Initialising a datadir takes seconds; do it once per machine and copy it per instance.
  const version = execFileSync(requireBinary(['mariadbd', 'mysqld'], 'mariadb-server'), ['--version'], { encoding: 'utf8' }).trim().split(/\s+/)[2] ?? 'x';
  const dir = join(tmpdir(), `switchyard-mariadb-template-${version}`);
  if (existsSync(join(dir, 'mysql', 'user.frm')) || existsSync(join(dir, 'mysql', 'global_priv.frm'))) return dir;
  const staging = mkdtempSync(join(tmpdir(), 'switchyard-mariadb-init-'));
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  execFileSync(installDb, ['--no-defaults', `--datadir=${staging}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user], { stdio: 'pipe' });
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process won the race
  }
  return dir;
}

export async function startMariaDb(opts: MariaDbOptions): Promise<MariaDbInstance> {
  const mariadbd = requireBinary(['mariadbd', 'mysqld'], 'mariadb-server');
  const installDb = requireBinary(['mariadb-install-db', 'mysql_install_db'], 'mariadb-server');
  const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'switchyard-mariadb-'));
  const datadir = join(dir, 'data');
  cpSync(templateDir(installDb), datadir, { recursive: true });
  mkdirSync(join(dir, 'tmp'));
  const port = opts.port ?? (await freePort(opts.host));
  const socket = join(dir, 'mysqld.sock');
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--port=${port}`,
    `--bind-address=${opts.host}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--tmpdir=${join(dir, 'tmp')}`,
    '--skip-name-resolve',
    '--local-infile=1',
    '--max-allowed-packet=64M',
    '--innodb-buffer-pool-size=128M',
    // Throwaway servers: durability of each commit is not what they are for.
    '--innodb-flush-log-at-trx-commit=2',
    '--skip-log-bin',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ...(opts.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(mariadbd, args, { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const root = (database?: string) => createConnection({ socketPath: socket, user: 'root', database, multipleStatements: true });
  try {
    await waitFor(`mariadbd on ${opts.host}:${port}`, 60_000, async () => {
      if (exited) throw new SwitchyardError('SY_PRECONDITION', `mariadbd exited: ${readFileSync(join(dir, 'error.log'), 'utf8').split('\n').slice(-5).join(' ')}`);
      const c = await root();
      await c.end();
      return true;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  const conn = await root();
  const dbs = opts.databases ?? [];
  await conn.query(
    [
      `CREATE USER '${ADMIN.user}'@'%' IDENTIFIED BY '${ADMIN.password}'`,
      `GRANT ALL PRIVILEGES ON *.* TO '${ADMIN.user}'@'%' WITH GRANT OPTION`,
      `CREATE USER '${SITE.user}'@'%' IDENTIFIED BY '${SITE.password}'`,
      ...dbs.flatMap((db) => [
        `CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES ON \`${db}\`.* TO '${SITE.user}'@'%'`,
      ]),
    ].join(';'),
  );
  await conn.end();

  let stopped = false;
  return {
    host: opts.host,
    port,
    socket,
    dir,
    admin: ADMIN,
    site: SITE,
    rootConnection: root,
    url: (u, database) => `mysql://${encodeURIComponent(u.user)}:${encodeURIComponent(u.password)}@${opts.host}:${port}/${database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      if (!exited) {
        const done = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await done;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

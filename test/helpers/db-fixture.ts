// A WordPress-like schema with the cases that break naive copies and search-replace:
// serialized options (nested, objects, serialized-in-serialized, mixed text, broken), JSON,
// BLOB/BIT/binary, 4-byte emoji, latin1, control bytes, a table without a key, generated columns,
// a FLOAT whose text drops digits (1234567 is written 1234570), zero dates, composite keys, a
// trigger, a view, routines and an event. Plus helpers that run agents' Database services on
// loopback for the integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type { Connection } from 'mysql2/promise';
import type { TestContext } from 'node:test';
import type { MariaDbInstance } from './mariadb.js';
import type { AgentConfig } from '../../agent/config.js';
import { DatabaseService } from '../../agent/db/service.js';
import type { Db } from '../../shared/state/sqlite.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import type { DatabaseClient } from '../../shared/proto-gen/switchyard/v1/Database.js';
import type { DbEvent__Output } from '../../shared/proto-gen/switchyard/v1/DbEvent.js';

export const STAGING_ORIGIN = 'https://staging.example.com';
export const PRODUCTION_ORIGIN = 'https://www.example.com';

/** PHP serialize of a plain value, byte lengths in UTF-8; written independently of agent/db/rewrite. */
export function phpSerialize(v: unknown): string {
  if (v === null) return 'N;';
  if (typeof v === 'boolean') return `b:${v ? 1 : 0};`;
  if (typeof v === 'number') return Number.isInteger(v) ? `i:${v};` : `d:${v};`;
  if (typeof v === 'string') return `s:${Buffer.byteLength(v, 'utf8')}:"${v}";`;
  if (Array.isArray(v)) return `a:${v.length}:{${v.map((x, i) => `i:${i};${phpSerialize(x)}`).join('')}}`;
  const o = v as Record<string, unknown>;
  const cls = typeof o.__class === 'string' ? o.__class : undefined;
  const entries = Object.entries(o).filter(([k]) => k !== '__class');
  const body = entries.map(([k, x]) => `${phpSerialize(k)}${phpSerialize(x)}`).join('');
  return cls === undefined ? `a:${entries.length}:{${body}}` : `O:${Buffer.byteLength(cls)}:"${cls}":${entries.length}:{${body}}`;
}

const S = STAGING_ORIGIN;

export const SERIALIZED_OPTIONS: Array<[string, string]> = [
  ['siteurl', S],
  ['home', `${S}/`],
  ['widget_nested', phpSerialize({ title: 'Links', urls: [`${S}/a`, `${S}/b/😀`], deep: { deeper: { url: `${S}/deep`, n: 3, f: 1.5, ok: true, none: null } } })],
  ['theme_mods', phpSerialize({ __class: 'stdClass', logo: `${S}/logo.png`, name: 'Ünïcödé 😀' })],
  ['serialized_in_serialized', phpSerialize({ inner: phpSerialize({ url: `${S}/inner`, list: [`${S}/x`] }) })],
  ['mixed_text', `prefix ${S}/p and then ${phpSerialize({ url: `${S}/m` })} suffix`],
  ['broken_serialized', `a:2:{s:3:"url";s:99:"${S}/broken";}`],
  ['json_escaped', JSON.stringify({ url: `${S}/json`, nested: { u: `${S}/n` } }).replace(/\//g, '\\/')],
  ['url_encoded', `redirect=${encodeURIComponent(`${S}/enc?x=1`)}`],
  ['plain_text', 'no origin here'],
];

export function fixtureStatements(): string[] {
  const opts = SERIALIZED_OPTIONS.map(([n, v], i) => `(${i + 1}, ${q(n)}, ${q(v)}, 'yes')`).join(',\n');
  return [
    "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION', SESSION max_recursive_iterations = 10000000",
    `CREATE TABLE wp_options (option_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, option_name VARCHAR(191) NOT NULL DEFAULT '', option_value LONGTEXT NOT NULL, autoload VARCHAR(20) NOT NULL DEFAULT 'yes', PRIMARY KEY (option_id), UNIQUE KEY option_name (option_name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    `INSERT INTO wp_options VALUES ${opts}`,
    `CREATE TABLE wp_posts (ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, post_title TEXT NOT NULL, post_content LONGTEXT NOT NULL, guid VARCHAR(255) NOT NULL DEFAULT '', post_date DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00', KEY post_date (post_date), KEY title_date (post_title(50), post_date) COMMENT 'listing, (by date)') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    `INSERT INTO wp_posts (post_title, post_content, guid, post_date) VALUES ('Hello 😀', ${q(`<a href="${S}/hello">x</a> ${S}/img.png`)}, ${q(`${S}/?p=1`)}, '0000-00-00 00:00:00'), ('Tabs\\tand\\nnewlines\\\\', 'back\\\\slash \\0 nul', ${q(`${S}/?p=2`)}, '2024-02-29 12:34:56')`,
    `CREATE TABLE docs (id INT PRIMARY KEY, doc JSON, note VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_swedish_ci) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `INSERT INTO docs VALUES (1, '{"url": "${S}/j", "n": [1, 2.5, null, true], "emoji": "😀"}', 'café'), (2, NULL, NULL), (3, '[]', '')`,
    `CREATE TABLE files (id INT PRIMARY KEY, data LONGBLOB, bin VARBINARY(16), flags BIT(5), u TINYINT UNSIGNED, big BIGINT UNSIGNED) ENGINE=InnoDB`,
    `INSERT INTO files VALUES (1, UNHEX('00FF0A0D095C4E1A'), UNHEX('DEADBEEF00'), b'10101', 255, 18446744073709551615), (2, REPEAT(UNHEX('00010203'), 300000), '', b'00000', 0, 0), (3, NULL, NULL, NULL, NULL, NULL)`,
    `CREATE TABLE nopk (a INT, b VARCHAR(10)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (2, NULL), (NULL, 'y')`,
    `CREATE TABLE gen (id INT PRIMARY KEY, price DECIMAL(10,2), qty INT, total DECIMAL(12,2) AS (price * qty) STORED, dbl INT AS (qty * 2) VIRTUAL) ENGINE=InnoDB`,
    `INSERT INTO gen (id, price, qty) VALUES (1, 9.99, 3), (2, 0.01, 100), (3, NULL, 1)`,
    `CREATE TABLE dates (id INT PRIMARY KEY, d DATE, dt DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL, z DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00', y YEAR, t TIME(3), f FLOAT, dd DOUBLE) ENGINE=InnoDB`,
    `INSERT INTO dates VALUES (1, '0000-00-00', '0000-00-00 00:00:00.000000', NULL, '0000-00-00 00:00:00', 0000, '-838:59:59.000', 1234567, 0.1), (2, '2024-01-31', '2024-01-31 23:59:59.123456', '2024-03-10 02:30:00', '2024-01-01 00:00:00', 2024, '12:00:00.5', -1.5e-10, 1e308), (3, '2024-00-10', NULL, '1970-01-01 00:00:01', '0000-00-00 00:00:00', NULL, NULL, NULL, NULL)`,
    `CREATE TABLE compound (a INT NOT NULL, b VARCHAR(20) NOT NULL, c INT, PRIMARY KEY (a, b)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    `INSERT INTO compound SELECT n DIV 10, CONCAT('k', n MOD 10, CASE WHEN n MOD 3 = 0 THEN 'É' ELSE 'e' END), n FROM (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) SELECT n FROM s) x`,
    `CREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(64) NOT NULL, total DECIMAL(10,2) NOT NULL, created DATETIME NOT NULL, KEY customer (customer)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `INSERT INTO orders (customer, total, created) SELECT CONCAT('cust', n), n / 7, '2024-01-01' + INTERVAL n MINUTE FROM (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000) SELECT n FROM s) x`,
    `CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(100) NOT NULL) ENGINE=InnoDB`,
    `CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (msg) VALUES (CONCAT('order ', NEW.id))`,
    `CREATE VIEW v_big_orders AS SELECT id, customer, total FROM orders WHERE total > 100`,
    `CREATE VIEW v_view_on_view AS SELECT COUNT(*) AS n FROM v_big_orders`,
    `CREATE PROCEDURE p_count(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM orders; END`,
    `CREATE FUNCTION f_double(x INT) RETURNS INT DETERMINISTIC RETURN x * 2`,
    `CREATE EVENT ev_cleanup ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM audit WHERE id < 0`,
  ];
}

function q(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

export async function loadFixture(conn: Connection, schema: string): Promise<void> {
  await conn.query(`USE \`${schema}\``);
  for (const s of fixtureStatements()) await conn.query(s);
}

// ---- agents on loopback -------------------------------------------------------------------

export function agentConfig(name: string, db: MariaDbInstance, extra: Partial<AgentConfig> = {}): AgentConfig {
  return {
    name,
    listen: { host: db.host },
    insecure: true,
    stateFile: ':memory:',
    logLevel: 'silent',
    database: { host: db.host, port: db.port, user: db.admin.user, password: db.admin.password },
    assets: {},
    envFiles: [],
    tlsHosts: [],
    commands: {},
    binaries: { php: 'php', nginx: 'nginx', apache: 'apache2ctl' },
    ...extra,
  } as AgentConfig;
}

export interface RunningAgent {
  address: string;
  client: DatabaseClient;
  service: DatabaseService;
  stop(): Promise<void>;
}

/** A Database service on host:0, plaintext on loopback, with a client to it; its state in `state` (with DB_MIGRATIONS) or in memory. */
export async function startDbAgent(t: Pick<TestContext, 'after'>, config: AgentConfig, opts: { state?: Db; logger?: Logger } = {}): Promise<RunningAgent> {
  const server = new grpc.Server();
  const service = new DatabaseService({ config, logger: opts.logger ?? createLogger({ level: process.env.SWITCHYARD_LOG_LEVEL ?? 'silent', destination: process.stderr }), ...(opts.state === undefined ? {} : { state: opts.state }) });
  service.addToServer(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${config.listen.host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const address = `${config.listen.host}:${port}`;
  const client = dbClient(address);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    await service.close();
    server.forceShutdown();
  };
  t.after(stop);
  return { address, client, service, stop };
}

export function dbClient(address: string): DatabaseClient {
  const proto = loadProto<DatabaseProto>();
  return new proto.switchyard.v1.Database(address, grpc.credentials.createInsecure());
}

/** A production agent in its own process, so a test can SIGKILL it mid-restore. */
export async function startDbAgentProcess(t: Pick<TestContext, 'after'>, config: AgentConfig): Promise<{ address: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL(`./db-agent-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void child.kill('SIGKILL'));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`agent process exited with ${code}`)));
  });
  return { address, child };
}

export function unaryCall<Req, Res>(client: DatabaseClient, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: Req, cb: (e: Error | null, r: Res) => void) => void>)[method]!.call(client, req, (e, r) => (e ? reject(e) : resolve(r)));
  });
}

/** Collects a DbEvent stream; `onEvent` may act mid-stream (e.g. kill a process). */
export function streamCall(client: DatabaseClient, method: 'PullDatabase' | 'SyncDatabase' | 'VerifyDatabase', req: object, onEvent?: (e: DbEvent__Output) => void): Promise<DbEvent__Output[]> {
  return new Promise((resolve, reject) => {
    const call = (client as unknown as Record<string, (r: object) => grpc.ClientReadableStream<DbEvent__Output>>)[method]!.call(client, req);
    const events: DbEvent__Output[] = [];
    call.on('data', (e: DbEvent__Output) => {
      events.push(e);
      onEvent?.(e);
    });
    call.on('error', reject);
    call.on('end', () => resolve(events));
  });
}

/** CHECKSUM TABLE of every base table, as an independent parity check. */
export async function checksumTables(conn: Connection, schema: string): Promise<Record<string, string>> {
  const [tabs] = await conn.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [schema]);
  const out: Record<string, string> = {};
  for (const { n } of tabs as Array<{ n: string }>) {
    const [r] = await conn.query(`CHECKSUM TABLE \`${schema}\`.\`${n}\` EXTENDED`);
    out[n] = String((r as Array<{ Checksum: unknown }>)[0]!.Checksum);
  }
  return out;
}

/** mariadb-dump of a schema, data ordered by primary key, without volatile lines. */
export function dump(db: MariaDbInstance, schema: string): string {
  let out: string;
  try {
    out = execFileSync('mariadb-dump', ['--no-defaults', `--socket=${db.socket}`, '-uroot', '--skip-dump-date', '--order-by-primary', '--routines', '--events', '--triggers', '--skip-extended-insert', '--skip-comments', '--tz-utc', schema], { encoding: 'utf8', maxBuffer: 512 << 20 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('mariadb-dump not found: apt-get install mariadb-client');
    throw err;
  }
  // Row order of a table without a key is not defined; compare those rows as a sorted multiset.
  return out.replace(/ AUTO_INCREMENT=\d+/g, '').split('\n').sort().join('\n');
}

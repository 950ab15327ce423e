// The database and asset steps of a cutover, end to end through the engine: two real MariaDB
// servers, two real agents (Database + Assets services) on 127.0.0.2/.3, the controller's
// executors talking to them over gRPC, fakes only for the steps that are not about data.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { withTwoMariaDbs, type MariaDbInstance } from '../helpers/mariadb.js';
import { PRODUCTION_ORIGIN, SERIALIZED_OPTIONS, STAGING_ORIGIN, dbClient, unaryCall } from '../helpers/db-fixture.js';
import { FakeWorld, fakeSteps } from '../helpers/cutover-fakes.js';
import { AgentConfigSchema } from '../../agent/config.js';
import { startAgentServer } from '../../agent/server.js';
import { openAgentState } from '../../agent/state.js';
import { DatabaseService } from '../../agent/db/service.js';
import { AssetsService } from '../../agent/assets/service.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { AgentDirectory } from '../../controller/agents/agent-directory.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { CutoverEngine } from '../../controller/cutover/machine.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { EVIDENCE_KEYS } from '../../controller/cutover/executor.js';
import { buildDataSteps, type DataSteps } from '../../controller/cutover/steps/data-steps.js';
import { assetsClient } from '../../controller/cutover/steps/data-agents.js';
import { named, preflightExecutor } from '../../controller/cutover/steps/index.js';
import type { CutoverView } from '../../controller/cutover/view.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/logger.js';

const SCHEMA = 'wp';
const FLAG_CONTENT = '<?php $upgrading = 1700000000; ?>';
const PRODUCTION_ONLY_ID = 100000;

// ---- an independent PHP unserialize: byte lengths checked, nothing borrowed from the agent ----

type Php = null | boolean | number | string | Php[] | { [k: string]: Php };

function unserialize(text: string): Php {
  const buf = Buffer.from(text, 'utf8');
  let at = 0;
  const bad = (why: string): never => {
    throw new Error(`not PHP-serialized at byte ${at}: ${why}`);
  };
  const expect = (s: string): void => {
    if (buf.toString('latin1', at, at + s.length) !== s) bad(`expected ${s}`);
    at += s.length;
  };
  const until = (ch: string): string => {
    const end = buf.indexOf(ch, at);
    if (end < 0) bad(`no ${ch}`);
    const v = buf.toString('latin1', at, end);
    at = end + 1;
    return v;
  };
  const str = (): string => {
    const len = Number(until(':'));
    expect('"');
    const v = buf.toString('utf8', at, at + len);
    at += len;
    expect('"');
    return v;
  };
  const value = (): Php => {
    const t = String.fromCharCode(buf[at] ?? 0);
    at += 2;
    switch (t) {
      case 'N':
        return null;
      case 'b':
        return until(';') === '1';
      case 'i':
      case 'd':
        return Number(until(';'));
      case 's': {
        const v = str();
        expect(';');
        return v;
      }
      case 'a':
      case 'O': {
        if (t === 'O') {
          str();
          expect(':');
        }
        const n = Number(until(':'));
        expect('{');
        const out: Record<string, Php> = {};
        for (let i = 0; i < n; i++) {
          const k = value();
          out[String(k)] = value();
        }
        expect('}');
        return out;
      }
      default:
        return bad(`type ${t}`);
    }
  };
  const v = value();
  if (at !== buf.length) bad('trailing bytes');
  return v;
}

// ---- the site ------------------------------------------------------------------------------

const q = (s: string): string => "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";

const WP_TABLES = [
  `CREATE TABLE wp_options (option_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, option_name VARCHAR(191) NOT NULL DEFAULT '', option_value LONGTEXT NOT NULL, autoload VARCHAR(20) NOT NULL DEFAULT 'yes', PRIMARY KEY (option_id), UNIQUE KEY option_name (option_name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE wp_posts (ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, post_title TEXT NOT NULL, post_content LONGTEXT NOT NULL, guid VARCHAR(255) NOT NULL DEFAULT '') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE wp_comments (comment_ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, comment_post_ID BIGINT UNSIGNED NOT NULL, comment_content TEXT NOT NULL, comment_date DATETIME NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
];

async function loadStagingSite(conn: Connection): Promise<void> {
  await conn.query(`USE ${SCHEMA}`);
  for (const s of WP_TABLES) await conn.query(s);
  await conn.query(`INSERT INTO wp_options VALUES ${SERIALIZED_OPTIONS.map(([n, v], i) => `(${i + 1}, ${q(n)}, ${q(v)}, 'yes')`).join(', ')}`);
  const posts = Array.from({ length: 40 }, (_, i) => `(${q(`Post ${i} 😀`)}, ${q(`<a href="${STAGING_ORIGIN}/p/${i}/">x</a> <img src="${STAGING_ORIGIN}/wp-content/uploads/2024/01/a.jpg">`)}, ${q(`${STAGING_ORIGIN}/?p=${i + 1}`)})`);
  await conn.query(`INSERT INTO wp_posts (post_title, post_content, guid) VALUES ${posts.join(', ')}`);
  await conn.query(`INSERT INTO wp_comments (comment_post_ID, comment_content, comment_date) VALUES (1, 'first', '2024-01-01 00:00:00'), (2, 'second', '2024-01-02 00:00:00')`);
}

/** The old production site: same tables, older content, keys that staging also has. */
async function loadProductionSite(conn: Connection, productionOnly: boolean): Promise<void> {
  await conn.query(`USE ${SCHEMA}`);
  for (const s of WP_TABLES) await conn.query(s);
  await conn.query(`INSERT INTO wp_options VALUES (1, 'siteurl', 'https://old.example.com', 'yes'), (2, 'home', 'https://old.example.com/', 'yes')`);
  await conn.query(`INSERT INTO wp_posts (ID, post_title, post_content, guid) VALUES (1, 'Old home', 'old', 'https://old.example.com/?p=1')`);
  if (productionOnly) {
    // A webhook that already reached the new host: a row staging will never have.
    await conn.query(`INSERT INTO wp_comments VALUES (${PRODUCTION_ONLY_ID}, 1, 'order webhook on production', '2024-02-01 00:00:00')`);
    // A plugin installed on production only: its table is moved aside by the copy, never merged.
    await conn.query('CREATE TABLE wp_prod_plugin_log (id INT PRIMARY KEY, msg VARCHAR(50)) ENGINE=InnoDB');
    await conn.query("INSERT INTO wp_prod_plugin_log VALUES (1, 'a'), (2, 'b')");
  }
}

interface Env {
  staging: MariaDbInstance;
  production: MariaDbInstance;
  stagingRoot: Connection;
  productionRoot: Connection;
  stagingUploads: string;
  productionUploads: string;
  flagFile: string;
  engine: CutoverEngine;
  data: DataSteps;
  world: FakeWorld;
  site(): Promise<Connection>;
  /** Stops the production agent (host down); `startProductionAgent` brings it back on the same address. */
  stopProductionAgent(): Promise<void>;
  startProductionAgent(): Promise<void>;
  /** A Database client straight to the production agent, as the controller's own calls reach it. */
  productionAddress(): string;
  /** What `GET /v1/agents` says of the production agent. */
  productionReachable(): Promise<boolean>;
  plan(extra?: Record<string, unknown>, opts?: { assetsOnly?: boolean }): Plan;
  /** Another controller (its own state file) pointed at the same two agents. */
  secondController(): CutoverEngine;
}

/** An agent from before LockWritesRequest.flag_only: it never sees the field. */
class OlderDatabaseService extends DatabaseService {
  override handlers(): ReturnType<DatabaseService['handlers']> {
    const h = super.handlers();
    const lock = h.LockWrites;
    return { ...h, LockWrites: (call, cb) => lock(Object.create(call, { request: { value: {} } }) as typeof call, cb) };
  }
}

/** `db` undefined: an agent with no database configured (an assets-only site). */
async function startAgent(t: TestContext, name: string, host: string, db: MariaDbInstance | undefined, dir: string, extra: Record<string, unknown>, older = false) {
  const config = validate(AgentConfigSchema, {
    name,
    listen: { host, port: 0 },
    insecure: true,
    stateFile: join(dir, `${name}.sqlite`),
    logLevel: 'silent',
    ...(db === undefined ? {} : { database: { host: db.host, port: db.port, user: db.admin.user, password: db.admin.password, schemas: [SCHEMA] } }),
    ...extra,
  }, `agent ${name}`);
  const logger = silentLogger();
  const state = openAgentState(config.stateFile, name);
  const services = [new (older ? OlderDatabaseService : DatabaseService)({ config, logger, state: state.db }), new AssetsService({ config, logger, db: state.db, watch: false })];
  const server = await startAgentServer({ config, logger, services });
  let stopped: Promise<void> | undefined;
  // As the agent's process ending would: its state file is let go too, so one started again on it
  // is not refused as a second agent on one state file.
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await server.close();
      await Promise.all(services.map((s) => s.close()));
      state.close();
    })());
  stopAgents.set(server, stop);
  t.after(stop);
  return server;
}

/** Each started agent's stop: its server, services and state file. */
const stopAgents = new WeakMap<object, () => Promise<void>>();

/** The controller's engine with the real data steps against two agents; the other steps are fakes. */
function controllerFor(t: TestContext, dir: string, stagingAddress: string, productionAddress: string, world: FakeWorld) {
  const controllerConfig = validate(ControllerConfigSchema, {
    insecure: true,
    agents: [
      { name: 'staging-1', address: stagingAddress },
      { name: 'prod-1', address: productionAddress },
    ],
  }, 'controller config');
  const logger = silentLogger();
  const agents = new AgentDirectory({ config: controllerConfig, logger });
  t.after(() => agents.close());
  const data = buildDataSteps({ agents, logger, chunkTargetMs: 50 });
  const preflight = preflightExecutor({ agents, dns: new Map() }, { checks: [named('database', data.preflightChecks)] });
  const store = CutoverStore.open(join(dir, 'controller.sqlite'));
  const engine = new CutoverEngine({
    store,
    // validate, switch, propagate and monitor are not about data: fakes stand in for them.
    executors: { ...fakeSteps(world), preflight, ...data.executors },
    rollback: { parts: [data.rollbackParts.database, data.rollbackParts.unlockStaging] },
    onRelease: data.onRelease,
    logger,
    progressIntervalMs: 0,
  });
  t.after(async () => {
    await engine.close();
    store.close();
  });
  return { engine, data, agents, logger };
}

async function setup(t: TestContext, opts: { productionOnly?: boolean; olderStagingAgent?: boolean } = {}): Promise<Env> {
  const { staging, production } = await withTwoMariaDbs(t, { staging: [SCHEMA], production: [SCHEMA] });
  const dir = mkdtempSync(join(tmpdir(), 'sy-cutover-data-'));
  const stagingRoot = await staging.rootConnection();
  const productionRoot = await production.rootConnection();
  const open: Connection[] = [];
  t.after(async () => {
    for (const c of [stagingRoot, productionRoot, ...open]) await c.end().catch(() => c.destroy());
    rmSync(dir, { recursive: true, force: true });
  });
  await loadStagingSite(stagingRoot);
  await loadProductionSite(productionRoot, opts.productionOnly === true);

  const stagingUploads = join(dir, 'staging-uploads');
  const productionUploads = join(dir, 'production-uploads');
  mkdirSync(join(stagingUploads, '2024/01'), { recursive: true });
  mkdirSync(productionUploads, { recursive: true });
  writeFileSync(join(stagingUploads, '2024/01/a.jpg'), randomBytes(300_000));
  writeFileSync(join(stagingUploads, '2024/01/menu card.pdf'), randomBytes(70_000));
  writeFileSync(join(stagingUploads, 'index.php'), '<?php // Silence is golden.\n');
  writeFileSync(join(productionUploads, 'stale-from-old-site.txt'), 'old');
  const flagFile = join(dir, 'staging-site', '.maintenance');
  mkdirSync(join(dir, 'staging-site'));

  const stagingAgent = await startAgent(t, 'staging-1', '127.0.0.2', staging, dir, {
    assets: { uploads: { path: stagingUploads } },
    maintenance: { flagFile, content: FLAG_CONTENT },
  }, opts.olderStagingAgent === true);
  let productionAgent = await startAgent(t, 'prod-1', '127.0.0.3', production, dir, { assets: { uploads: { path: productionUploads } } });
  const productionPort = productionAgent.port;

  const world = new FakeWorld();
  const { engine, data, agents } = controllerFor(t, dir, stagingAgent.address, productionAgent.address, world);

  return {
    staging,
    production,
    stagingRoot,
    productionRoot,
    stagingUploads,
    productionUploads,
    flagFile,
    engine,
    data,
    world,
    async stopProductionAgent() {
      await stopAgents.get(productionAgent)!();
    },
    async startProductionAgent() {
      productionAgent = await startAgent(t, 'prod-1', '127.0.0.3', production, dir, { listen: { host: '127.0.0.3', port: productionPort }, assets: { uploads: { path: productionUploads } } });
    },
    productionAddress() {
      return productionAgent.address;
    },
    secondController() {
      const other = join(dir, 'second-controller');
      mkdirSync(other, { recursive: true });
      return controllerFor(t, other, stagingAgent.address, productionAgent.address, new FakeWorld()).engine;
    },
    async productionReachable() {
      return (await agents.health('prod-1')).reachable;
    },
    async site() {
      const c = await createConnection({ host: staging.host, port: staging.port, user: staging.site.user, password: staging.site.password, database: SCHEMA });
      open.push(c);
      return c;
    },
    plan(extra = {}, opts: { assetsOnly?: boolean } = {}) {
      const data = opts.assetsOnly === true ? {} : { database: { staging: SCHEMA, production: SCHEMA }, rewrite: [{ from: STAGING_ORIGIN, to: PRODUCTION_ORIGIN }] };
      return parsePlan(
        {
          site: 'example.com',
          staging: { agent: 'staging-1', origin: STAGING_ORIGIN, ip: '127.0.0.2' },
          production: { agent: 'prod-1', origin: PRODUCTION_ORIGIN, ip: '127.0.0.3' },
          ...data,
          assets: [{ staging: 'uploads', production: 'uploads', delete: true }],
          dns: { provider: 'pdns', zone: 'example.com', name: 'www.example.com' },
          checks: { pages: ['/'] },
          fallbackHours: 24,
          ...extra,
        },
        { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns'] },
      );
    },
  };
}

async function advance(env: Env, id: string, until: string): Promise<CutoverView> {
  return env.engine.advance(id, until, 'tester').done;
}

function step(view: CutoverView, name: string) {
  const s = view.steps.find((x) => x.name === name);
  assert.ok(s, `step ${name}`);
  return s;
}

function evidence(view: CutoverView, name: string): Record<string, unknown> {
  return (step(view, name).result?.evidence ?? {}) as Record<string, unknown>;
}

async function query<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await conn.query(sql, params);
  return rows as T[];
}

async function readOnly(conn: Connection): Promise<number> {
  return Number((await query<{ v: number }>(conn, 'SELECT @@GLOBAL.read_only AS v'))[0]!.v);
}

test('presync → lock → sync → verify → rewrite on real agents; production-only rows kept; rollback unlocks staging', async (t) => {
  const env = await setup(t, { productionOnly: true });

  // Preflight finds the production-only row and stops a plan that does not say what to do with it.
  const blind = env.engine.create(env.plan(), 'tester');
  const refused = await advance(env, blind.id, 'preflight');
  assert.equal(refused.state, 'failed');
  assert.match(step(refused, 'preflight').error?.message ?? '', /database production-only rows/);
  const checks = evidence(refused, 'preflight')[EVIDENCE_KEYS.checks] as Array<{ name: string; status: string; message: string }>;
  const po = checks.find((c) => c.name === 'database production-only rows')!;
  assert.equal(po.status, 'fail');
  assert.match(po.message, /wp_comments: 1 row/);
  assert.match(po.message, new RegExp(String(PRODUCTION_ONLY_ID)));
  assert.match(po.message, /productionOnlyRows: keep/);
  assert.ok(checks.some((c) => c.name === 'database auto-increment'), 'auto-increment alignment is reported');
  // Cancelled before the freeze: nothing to undo.
  assert.equal((await env.engine.rollback(blind.id, 'plan incomplete', 'tester').done).state, 'rolled_back');

  const view0 = env.engine.create(env.plan({ productionOnlyRows: 'keep' }), 'tester');
  const id = view0.id;
  const kept = await advance(env, id, 'preflight');
  assert.equal(step(kept, 'preflight').state, 'succeeded');
  // Only the rows of tables both sides have are merged back; the message says what becomes of the others.
  const keptCheck = (evidence(kept, 'preflight')[EVIDENCE_KEYS.checks] as Array<{ name: string; message: string }>).find((c) => c.name === 'database production-only rows')!;
  assert.match(keptCheck.message, /^1 production-only rows? will be merged back/, keptCheck.message);
  assert.match(keptCheck.message, /wp_prod_plugin_log: 2 rows/);
  assert.match(keptCheck.message, /not merged back/);
  assert.match(keptCheck.message, /wp__sy_prev/);

  // The site keeps writing through its ordinary user while presync copies.
  const site = await env.site();
  const committed: number[] = [];
  let duringPresync = 0;
  let presyncDone = false;
  let writerError: unknown;
  const writer = (async () => {
    for (let i = 0; ; i++) {
      try {
        const [r] = await site.query('INSERT INTO wp_comments (comment_post_ID, comment_content, comment_date) VALUES (?, ?, NOW())', [1 + (i % 40), `live comment ${i}`]);
        committed.push((r as { insertId: number }).insertId);
        if (!presyncDone) duringPresync++;
        if (i % 10 === 0) await site.query('UPDATE wp_posts SET post_title = ? WHERE ID = ?', [`Edited ${i}`, 1 + (i % 40)]);
      } catch (err) {
        writerError = err;
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const afterPresync = await advance(env, id, 'presync');
  presyncDone = true;
  assert.equal(step(afterPresync, 'presync').state, 'succeeded', JSON.stringify(step(afterPresync, 'presync').error));
  assert.ok(duringPresync > 0, 'the site wrote while presync ran');
  const presync = evidence(afterPresync, 'presync') as { database: { tables: string[]; rows: number; keptAsideSchema: string }; assets: Array<{ filesCopied: number; entriesDeleted: number }> };
  assert.deepEqual([...presync.database.tables].sort(), ['wp_comments', 'wp_options', 'wp_posts']);
  assert.ok(presync.database.rows > 40);
  assert.ok(presync.database.keptAsideSchema !== '', 'the replaced tables are kept aside');
  assert.equal(presync.assets[0]!.filesCopied, 3);
  assert.equal(presync.assets[0]!.entriesDeleted, 1, 'delete: true removes what staging lacks');
  // A first pass that copied files is followed by a second while staging is live; nothing
  // changed in the uploads between them here, so it moves nothing and ends equal.
  const secondPass = (presync.assets[0] as { secondPass?: { filesCopied: number; equal: boolean } }).secondPass;
  assert.ok(secondPass !== undefined, 'a second pass after a first that copied files');
  assert.equal(secondPass.equal, true);
  assert.equal(secondPass.filesCopied, 0);
  assert.match(String(step(afterPresync, 'presync').result?.summary ?? ''), /second pass 0 files/);
  assert.equal(existsSync(join(env.productionUploads, 'stale-from-old-site.txt')), false);
  const progress = env.engine.history(id).filter((e) => e.type === 'progress' && e.data.step === 'presync');
  assert.ok(progress.some((e) => typeof e.data.bytes === 'number' && String(e.data.phase).startsWith('database')), 'database progress with bytes');
  assert.ok(progress.some((e) => typeof e.data.files === 'number' && String(e.data.phase).startsWith('assets')), 'asset progress with files');

  // Staging changes after presync: a new upload, a replaced one.
  writeFileSync(join(env.stagingUploads, '2024/01/late upload ✓.jpg'), randomBytes(50_000));
  writeFileSync(join(env.stagingUploads, 'index.php'), '<?php // changed after presync\n');
  await new Promise((r) => setTimeout(r, 200));

  // lock: the site user is refused from now on, and the maintenance flag is up.
  const locked = await advance(env, id, 'lock');
  assert.equal(step(locked, 'lock').state, 'succeeded');
  await writer;
  assert.match(String((writerError as Error | undefined)?.message), /read-only|read_only/i, 'read_only stopped the site user');
  await assert.rejects(site.query("INSERT INTO wp_comments (comment_post_ID, comment_content, comment_date) VALUES (1, 'late', NOW())"), /read-only|read_only/i);
  assert.equal(readFileSync(env.flagFile, 'utf8'), FLAG_CONTENT);
  const prior = evidence(locked, 'lock').prior as { readOnly: boolean; flagFileExisted: boolean; flagFile: string };
  assert.equal(prior.readOnly, false);
  assert.equal(prior.flagFileExisted, false);
  assert.equal(prior.flagFile, env.flagFile);

  // sync, verify, rewrite.
  const done = await advance(env, id, 'rewrite');
  for (const s of ['sync', 'verify', 'rewrite']) assert.equal(step(done, s).state, 'succeeded', `${s}: ${JSON.stringify(step(done, s).error)}`);
  assert.equal(done.state, 'paused');

  const sync = evidence(done, 'sync') as { database: { tables: Array<{ table: string; rowsCopied: number }> }; assets: Array<{ filesCopied: number }> };
  assert.ok(sync.database.tables.find((x) => x.table === 'wp_comments')!.rowsCopied > 0, 'the delta moved the comments written during presync');
  assert.equal(sync.assets[0]!.filesCopied, 2, 'only the changed and the new upload move');

  const verify = evidence(done, 'verify');
  const dbParity = verify[EVIDENCE_KEYS.databaseParity] as { equal: boolean; tables: Array<{ equal: boolean }> };
  assert.equal(dbParity.equal, true);
  assert.equal(dbParity.tables.length, 3);
  const assetParity = verify[EVIDENCE_KEYS.assetsParity] as Array<{ equal: boolean; staging: { digest: string }; production: { digest: string } }>;
  assert.equal(assetParity[0]!.equal, true);
  assert.equal(assetParity[0]!.staging.digest, assetParity[0]!.production.digest);
  const report = env.engine.report(id);
  assert.deepEqual(report.parity.database, dbParity);
  assert.deepEqual(report.parity.assets, assetParity);

  // Every comment the site committed before the freeze is on production.
  const onProduction = new Set((await query<{ id: number }>(env.productionRoot, `SELECT comment_ID AS id FROM ${SCHEMA}.wp_comments`)).map((r) => Number(r.id)));
  for (const c of committed) assert.ok(onProduction.has(c), `comment ${c} arrived`);
  // The production-only row was merged back after the parity proof.
  assert.ok(onProduction.has(PRODUCTION_ONLY_ID), 'the kept production-only row survives the copy, the delta and the proof');
  const merge = (evidence(done, 'rewrite') as { productionOnlyRows: { rowsMerged: number; rowsNotFound: number; notFound: string[] } }).productionOnlyRows;
  assert.deepEqual([merge.rowsMerged, merge.rowsNotFound, merge.notFound], [1, 0, []], 'every recorded row found and merged, and so reported');
  assert.equal(onProduction.size, committed.length + 2 + 1);
  assert.equal(readFileSync(join(env.productionUploads, 'index.php'), 'utf8'), '<?php // changed after presync\n');
  assert.ok(existsSync(join(env.productionUploads, '2024/01/late upload ✓.jpg')));

  // The rewrite: no staging origin left but in skipped columns and the listed broken value.
  const rw = evidence(done, 'rewrite') as {
    dryRun: { valuesChanged: number; columns: Array<{ table: string; column: string; valuesChanged: number }> };
    rewrite: { valuesChanged: number };
    postCheck: { passed: boolean; originsLeft: number };
    broken: Array<{ table: string; column: string; key: string }>;
  };
  assert.equal(rw.postCheck.passed, true);
  assert.ok(rw.dryRun.valuesChanged > 0);
  assert.equal(rw.rewrite.valuesChanged, rw.dryRun.valuesChanged, 'the dry run counted what the rewrite changed');
  assert.ok(rw.dryRun.columns.some((c) => c.table === 'wp_posts' && c.column === 'post_content' && c.valuesChanged === 40));
  assert.ok(!rw.dryRun.columns.some((c) => c.column === 'guid' && c.valuesChanged > 0), 'guid is skipped by default');
  assert.deepEqual(rw.broken.map((b) => `${b.table}.${b.column}`), ['wp_options.option_value']);

  const options = new Map((await query<{ n: string; v: string }>(env.productionRoot, `SELECT option_name AS n, option_value AS v FROM ${SCHEMA}.wp_options`)).map((r) => [r.n, r.v]));
  const broken = SERIALIZED_OPTIONS.find(([n]) => n === 'broken_serialized')![1];
  assert.equal(options.get('broken_serialized'), broken, 'a value that does not parse is left exactly as it was');
  for (const [name, value] of options) {
    if (name === 'broken_serialized') continue;
    assert.ok(!value.includes('staging.example.com'), `${name} still mentions staging: ${value}`);
    assert.ok(!value.includes(encodeURIComponent(STAGING_ORIGIN)), `${name} keeps a URL-encoded staging origin`);
  }
  assert.equal(options.get('siteurl'), PRODUCTION_ORIGIN);
  const nested = unserialize(options.get('widget_nested')!) as { urls: Record<string, string>; deep: { deeper: { url: string } } };
  assert.equal(nested.urls['1'], `${PRODUCTION_ORIGIN}/b/😀`);
  assert.equal(nested.deep.deeper.url, `${PRODUCTION_ORIGIN}/deep`);
  assert.equal((unserialize(options.get('theme_mods')!) as { logo: string }).logo, `${PRODUCTION_ORIGIN}/logo.png`);
  const outer = unserialize(options.get('serialized_in_serialized')!) as { inner: string };
  assert.deepEqual(unserialize(outer.inner), { url: `${PRODUCTION_ORIGIN}/inner`, list: { '0': `${PRODUCTION_ORIGIN}/x` } });
  const embedded = /a:1:\{.*\}/.exec(options.get('mixed_text')!)![0];
  assert.deepEqual(unserialize(embedded), { url: `${PRODUCTION_ORIGIN}/m` });
  const posts = await query<{ c: string; g: string }>(env.productionRoot, `SELECT post_content AS c, guid AS g FROM ${SCHEMA}.wp_posts`);
  assert.ok(posts.every((p) => !p.c.includes(STAGING_ORIGIN) && p.c.includes(PRODUCTION_ORIGIN)));
  assert.ok(posts.every((p) => p.g.startsWith(STAGING_ORIGIN)), 'guid keeps the staging origin (skipColumns)');

  // Rollback: the database part has nothing to do by default, staging comes back writable.
  const rolled = await env.engine.rollback(id, 'test rollback', 'tester').done;
  assert.equal(rolled.state, 'rolled_back');
  const parts = Object.fromEntries(rolled.rollback!.parts.map((p) => [p.name, p]));
  assert.equal(parts.database!.state, 'skipped');
  assert.equal(parts['unlock-staging']!.state, 'done');
  assert.equal((parts['unlock-staging']!.detail as { wasLocked: boolean }).wasLocked, true);
  assert.equal(existsSync(env.flagFile), false, 'the maintenance flag is gone');
  assert.equal(await readOnly(env.stagingRoot), 0);
  await site.query("INSERT INTO wp_comments (comment_post_ID, comment_content, comment_date) VALUES (1, 'after rollback', NOW())");

  // Rolling back again changes nothing and fails nothing.
  assert.equal((await env.engine.rollback(id, 'again', 'tester').done).state, 'rolled_back');
});

test('rollback with database.rollbackSwap puts production tables back; release drops the kept-aside tables', async (t) => {
  const env = await setup(t);
  const oldSiteurl = async () => (await query<{ v: string }>(env.productionRoot, `SELECT option_value AS v FROM ${SCHEMA}.wp_options WHERE option_name = 'siteurl'`))[0]?.v;
  const schemas = async () => (await query<{ s: string }>(env.productionRoot, `SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${SCHEMA}\\_\\_%'`)).map((r) => r.s);

  // First cutover: copied, frozen, synced — then production is touched behind its back, verify
  // names every difference and stops, and the rollback swaps production's own tables back.
  const first = env.engine.create(env.plan({ database: { staging: SCHEMA, production: SCHEMA, rollbackSwap: true } }), 'tester');
  const synced = await advance(env, first.id, 'sync');
  assert.equal(step(synced, 'sync').state, 'succeeded', JSON.stringify(synced.error));
  assert.equal(await oldSiteurl(), STAGING_ORIGIN, 'production holds the copy');
  assert.equal(await readOnly(env.stagingRoot), 1);
  await env.productionRoot.query(`UPDATE ${SCHEMA}.wp_posts SET post_title = 'tampered' WHERE ID = 7`);
  writeFileSync(join(env.productionUploads, 'extra.txt'), 'not on staging');
  const unproven = await advance(env, first.id, 'verify');
  assert.equal(unproven.state, 'failed');
  const verifyError = step(unproven, 'verify').error?.message ?? '';
  assert.match(verifyError, /parity not proven/);
  assert.match(verifyError, /table wp_posts: 1 of \d+ chunks differ/);
  assert.match(verifyError, /assets uploads: 1 differences: extra\.txt extra/);
  const failedParity = evidence(unproven, 'verify')[EVIDENCE_KEYS.databaseParity] as { equal: boolean; tables: Array<{ table: string; equal: boolean }> };
  assert.deepEqual(failedParity.tables.filter((x) => !x.equal).map((x) => x.table), ['wp_posts']);
  await assert.rejects(async () => env.engine.advance(first.id, 'rewrite', 'tester'), /nothing is patched mid-transition/);
  const rolled = await env.engine.rollback(first.id, 'changed our mind', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  const parts = Object.fromEntries(rolled.rollback!.parts.map((p) => [p.name, p]));
  assert.equal(parts.database!.state, 'done');
  assert.deepEqual([...(parts.database!.detail as { tablesRestored: string[] }).tablesRestored].sort(), ['wp_comments', 'wp_options', 'wp_posts']);
  assert.equal(await oldSiteurl(), 'https://old.example.com', 'production has its own tables back');
  assert.match(String((parts.database!.detail as { liveCopy?: string }).liveCopy), /^dropped: DNS was never switched/);
  assert.deepEqual(await schemas(), [], 'before the switch the copy served nothing: it is dropped, no served copy is kept');
  assert.equal(await readOnly(env.stagingRoot), 0);
  assert.equal(existsSync(env.flagFile), false);

  // Second cutover: all the way to the fallback window, then released.
  const second = env.engine.create(env.plan(), 'tester');
  const fallback = await advance(env, second.id, 'fallback');
  assert.equal(fallback.state, 'fallback', JSON.stringify(fallback.error));
  assert.equal(await oldSiteurl(), PRODUCTION_ORIGIN, 'copied and rewritten');
  assert.ok((await schemas()).length > 0, 'the replaced tables are kept aside during the fallback window');
  assert.equal(env.engine.release(second.id, 'tester').state, 'completed');
  await env.engine.idle(second.id);
  assert.deepEqual(await schemas(), [], 'release dropped the kept-aside tables');
  const cleanup = env.engine.history(second.id).find((e) => e.type === 'progress' && e.data.phase === 'release');
  assert.equal(cleanup?.data.keptAsideDropped, true, JSON.stringify(cleanup?.data));
  assert.equal(await readOnly(env.stagingRoot), 1, 'staging stays frozen after release');
});

test('a rollback after the DNS switch keeps the live copy, with an order written on production since, in <db>__sy_served; a second rollback keeps the first; release leaves both', async (t) => {
  const env = await setup(t);
  const siteurl = async () => (await query<{ v: string }>(env.productionRoot, `SELECT option_value AS v FROM ${SCHEMA}.wp_options WHERE option_name = 'siteurl'`))[0]?.v;
  const served = async (schema: string) => (await query<{ c: string }>(env.productionRoot, `SELECT comment_content AS c FROM ${schema}.wp_comments ORDER BY comment_ID`)).map((r) => r.c);
  // Copied with the site: a trigger cannot follow its table to another schema, so it is recorded.
  await env.stagingRoot.query(`CREATE TRIGGER ${SCHEMA}.wp_comments_bi BEFORE INSERT ON ${SCHEMA}.wp_comments FOR EACH ROW SET NEW.comment_content = NEW.comment_content`);

  type Served = { schema: string; tables: Array<{ table: string; rows: number }> };
  const cycle = async (order: string, keptIn: string): Promise<Served> => {
    const co = env.engine.create(env.plan({ database: { staging: SCHEMA, production: SCHEMA, rollbackSwap: true } }), 'tester');
    const live = await advance(env, co.id, 'monitor');
    assert.equal(step(live, 'switch').state, 'succeeded', JSON.stringify(live.error));
    assert.equal(await siteurl(), PRODUCTION_ORIGIN, 'production serves the copy');
    // A visitor's order, written on production once DNS pointed there.
    await env.productionRoot.query(`INSERT INTO ${SCHEMA}.wp_comments (comment_post_ID, comment_content, comment_date) VALUES (1, ?, NOW())`, [order]);
    const rolled = await env.engine.rollback(co.id, '5xx above the limit', 'tester').done;
    assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
    const db = rolled.rollback!.parts.find((p) => p.name === 'database')!;
    assert.equal(db.state, 'done');
    assert.equal(await siteurl(), 'https://old.example.com', 'production has its own tables back');
    const orders = await query<{ n: number }>(env.productionRoot, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [keptIn, 'wp_comments']);
    assert.equal(Number(orders[0]!.n), 1, `the live copy's wp_comments, with the order, is kept in ${keptIn}`);
    assert.ok((await served(keptIn)).includes(order));
    const copy = (db.detail as { servedCopy?: Served }).servedCopy;
    assert.ok(copy !== undefined, `the rollback says where the served copy is: ${JSON.stringify(db.detail)}`);
    // GET /v1/cutovers/:id shows the same.
    assert.deepEqual((env.engine.get(co.id).rollback!.parts.find((p) => p.name === 'database')!.detail as { servedCopy: Served }).servedCopy, copy);
    return copy;
  };

  const first = await cycle('order placed after the switch', `${SCHEMA}__sy_served`);
  assert.equal(first.schema, `${SCHEMA}__sy_served`);
  assert.deepEqual([...first.tables].sort((a, b) => a.table.localeCompare(b.table)), [{ table: 'wp_comments', rows: 3 }, { table: 'wp_options', rows: SERIALIZED_OPTIONS.length }, { table: 'wp_posts', rows: 40 }]);
  assert.deepEqual(await served(first.schema), ['first', 'second', 'order placed after the switch'], 'the order written on production since the switch is kept');
  const kept = await query<{ kind: string; name: string }>(env.productionRoot, `SELECT kind, name FROM ${first.schema}.__sy_kept WHERE kind <> 'TABLE'`);
  assert.deepEqual(kept.map((k) => `${k.kind} ${k.name}`), ['TRIGGER wp_comments_bi'], 'the trigger the served tables had is recorded beside them');

  const second = await cycle('second order', `${SCHEMA}__sy_served2`);
  assert.equal(second.schema, `${SCHEMA}__sy_served2`, 'a second rollback never replaces the first served copy');
  assert.deepEqual(await served(second.schema), ['first', 'second', 'second order']);
  assert.deepEqual(await served(first.schema), ['first', 'second', 'order placed after the switch'], 'the first served copy is untouched');

  // A later cutover released: release drops what its copy kept aside, never a served copy.
  const later = env.engine.create(env.plan(), 'tester');
  assert.equal((await advance(env, later.id, 'fallback')).state, 'fallback');
  assert.equal(env.engine.release(later.id, 'tester').state, 'completed');
  await env.engine.idle(later.id);
  assert.deepEqual(await served(first.schema), ['first', 'second', 'order placed after the switch']);
  assert.deepEqual(await served(second.schema), ['first', 'second', 'second order']);
});

/**
 * A cutover with rollbackSwap up to monitor, an order written on production since the switch, and
 * an operator's leftovers: `wp__sy_served2` kept from an earlier rollback, `wp__sy_served` dropped.
 * Then the controller's first rollback attempt reaches the agent and dies before recording the
 * answer (the call made here, under `attempt`), and the production agent restarts too.
 */
async function rollbackAnswerLost(t: TestContext, attempt: (id: string) => string) {
  const env = await setup(t);
  await env.productionRoot.query(`CREATE DATABASE ${SCHEMA}__sy_served2`);
  await env.productionRoot.query(`CREATE TABLE ${SCHEMA}__sy_served2.__sy_kept (seq INT PRIMARY KEY)`);
  const co = env.engine.create(env.plan({ database: { staging: SCHEMA, production: SCHEMA, rollbackSwap: true } }), 'tester');
  const live = await advance(env, co.id, 'monitor');
  assert.equal(step(live, 'switch').state, 'succeeded', JSON.stringify(live.error));
  await env.productionRoot.query(`INSERT INTO ${SCHEMA}.wp_comments (comment_post_ID, comment_content, comment_date) VALUES (1, 'order after the switch', NOW())`);
  const client = dbClient(env.productionAddress());
  const first = await unaryCall<object, { served_schema: string }>(client, 'RollbackDatabase', { target_schema: SCHEMA, keep_live_copy: true, attempt: attempt(co.id) });
  client.close();
  assert.equal(first.served_schema, `${SCHEMA}__sy_served`, 'the first free name, below the one the operator kept');
  await env.stopProductionAgent();
  await env.startProductionAgent();
  const deadline = Date.now() + 30_000;
  while (!(await env.productionReachable())) {
    assert.ok(Date.now() < deadline, 'the production agent never answered again');
    await new Promise((r) => setTimeout(r, 200));
  }
  const rolled = await env.engine.rollback(co.id, '5xx above the limit', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  return { env, part: rolled.rollback!.parts.find((p) => p.name === 'database')! };
}

test('a rollback whose first attempt swapped back and lost the answer: the retry names the exact served copy from the agent, not the newest-looking one', async (t) => {
  const { env, part } = await rollbackAnswerLost(t, (id) => id);
  assert.equal(part.state, 'done', JSON.stringify(part.detail));
  const copy = (part.detail as { servedCopy?: { schema: string; keptAt: string | null; tables?: Array<{ table: string; rows: number }> } }).servedCopy;
  assert.equal(copy?.schema, `${SCHEMA}__sy_served`, JSON.stringify(part.detail));
  assert.match(copy?.keptAt ?? '', /^\d{4}-\d\d-\d\dT/);
  const [count] = await query<{ n: number }>(env.productionRoot, `SELECT COUNT(*) AS n FROM ${SCHEMA}__sy_served.wp_comments`);
  assert.deepEqual(copy?.tables?.find((x) => x.table === 'wp_comments'), { table: 'wp_comments', rows: Number(count!.n) }, `the rows the served copy holds are told: ${JSON.stringify(copy)}`);
  const orders = await query<{ c: string }>(env.productionRoot, `SELECT comment_content AS c FROM ${copy!.schema}.wp_comments`);
  assert.ok(orders.some((o) => o.c === 'order after the switch'), 'the schema named holds the order');
});

test('a rollback whose first attempt swapped back under no name the agent recorded: the hint finds the served copy by when it was kept, not by the highest N', async (t) => {
  const { env, part } = await rollbackAnswerLost(t, () => '');
  assert.equal(part.state, 'skipped');
  const reason = (part.detail as { reason: string }).reason;
  assert.doesNotMatch(reason, /newest/);
  const sql = /(SELECT TABLE_SCHEMA, CREATE_TIME .*)$/.exec(reason)?.[1];
  assert.ok(sql !== undefined, reason);
  const [found] = await query<{ TABLE_SCHEMA: string }>(env.productionRoot, sql);
  assert.equal(found?.TABLE_SCHEMA, `${SCHEMA}__sy_served`, 'the query in the hint finds the copy the rollback kept');
});

test('a rollback after presync but before lock, with database.rollbackSwap, puts production tables back instead of only cancelling', async (t) => {
  const env = await setup(t);
  const siteurl = async () => (await query<{ v: string }>(env.productionRoot, `SELECT option_value AS v FROM ${SCHEMA}.wp_options WHERE option_name = 'siteurl'`))[0]?.v;
  const co = env.engine.create(env.plan({ database: { staging: SCHEMA, production: SCHEMA, rollbackSwap: true } }), 'tester');
  const copied = await advance(env, co.id, 'presync');
  assert.equal(step(copied, 'presync').state, 'succeeded', JSON.stringify(copied.error));
  assert.equal(await siteurl(), STAGING_ORIGIN, 'presync put the copy in place of production\'s tables');
  assert.equal(await readOnly(env.stagingRoot), 0, 'staging was never frozen');
  // A payment plugin on production, before the switch, logs a test order's webhook in a table of its own.
  await env.productionRoot.query(`CREATE TABLE ${SCHEMA}.wp_pay_webhooks (id INT PRIMARY KEY, payload VARCHAR(40)) ENGINE=InnoDB`);
  await env.productionRoot.query(`INSERT INTO ${SCHEMA}.wp_pay_webhooks VALUES (1, 'test order paid')`);

  const rolled = await env.engine.rollback(co.id, 'not tonight', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  const parts = Object.fromEntries(rolled.rollback!.parts.map((p) => [p.name, p.state]));
  assert.deepEqual(parts, { database: 'done', 'unlock-staging': 'skipped' });
  assert.equal(await siteurl(), 'https://old.example.com', 'production has its own tables back');
  assert.deepEqual(await query(env.productionRoot, `SELECT payload FROM ${SCHEMA}.wp_pay_webhooks`), [{ payload: 'test order paid' }], 'the table production created on the copy is not dropped with it');
  const notes = (rolled.rollback!.parts.find((p) => p.name === 'database')!.detail as { notes?: string[] }).notes ?? [];
  assert.match(notes.join('\n'), /wp_pay_webhooks: only production has this table .*left in wp beside production's own tables/);
});

test("a rollback of a copy an older agent made (no record of the tables it brought): the controller sends presync's list, so the copy's tables go and the one production created stays", async (t) => {
  const env = await setup(t);
  const tables = async (schema: string) => (await query<{ n: string }>(env.productionRoot, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1', [schema])).map((r) => r.n);
  const own = await tables(SCHEMA);
  const co = env.engine.create(env.plan({ database: { staging: SCHEMA, production: SCHEMA, rollbackSwap: true } }), 'tester');
  const copied = await advance(env, co.id, 'presync');
  assert.equal(step(copied, 'presync').state, 'succeeded', JSON.stringify(copied.error));
  // As an agent before the record of copied tables left the copy.
  await env.productionRoot.query(`DELETE FROM ${SCHEMA}__sy_prev.__sy_kept WHERE kind = 'COPIED' AND name LIKE 'TABLE %'`);
  await env.productionRoot.query(`CREATE TABLE ${SCHEMA}.wp_pay_webhooks (id INT PRIMARY KEY, payload VARCHAR(40)) ENGINE=InnoDB`);
  await env.productionRoot.query(`INSERT INTO ${SCHEMA}.wp_pay_webhooks VALUES (1, 'test order paid')`);

  const rolled = await env.engine.rollback(co.id, 'not tonight', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.deepEqual(await tables(SCHEMA), [...own, 'wp_pay_webhooks'].sort(), "production's own tables, and the one it created on the copy");
  assert.deepEqual(await tables(`${SCHEMA}__sy_last`), [], "nothing of the copy kept: presync's list names its tables");
  const notes = (rolled.rollback!.parts.find((p) => p.name === 'database')!.detail as { notes?: string[] }).notes ?? [];
  assert.equal(notes.length, 1, notes.join('\n'));
  assert.match(notes[0]!, /^wp_pay_webhooks: not provably staging's: .*presync's list of them lacks it.*left in wp beside production's own tables/);
});

test('production agent down during a rollback: staging is unlocked anyway, the report says the database part is not done, and a retry once it is back finishes', async (t) => {
  const env = await setup(t);
  const siteurl = async () => (await query<{ v: string }>(env.productionRoot, `SELECT option_value AS v FROM ${SCHEMA}.wp_options WHERE option_name = 'siteurl'`))[0]?.v;
  const co = env.engine.create(env.plan({ database: { staging: SCHEMA, production: SCHEMA, rollbackSwap: true } }), 'tester');
  const synced = await advance(env, co.id, 'sync');
  assert.equal(step(synced, 'sync').state, 'succeeded', JSON.stringify(synced.error));
  assert.equal(await readOnly(env.stagingRoot), 1);
  assert.equal(existsSync(env.flagFile), true);

  await env.stopProductionAgent();
  const failed = await env.engine.rollback(co.id, 'production host lost', 'tester').done;
  assert.equal(failed.state, 'rollback_failed');
  const parts = Object.fromEntries(failed.rollback!.parts.map((p) => [p.name, p]));
  assert.equal(parts.database!.state, 'failed');
  assert.equal(parts.database!.error!.code, 'SY_AGENT_UNREACHABLE', JSON.stringify(parts.database!.error));
  assert.equal(parts['unlock-staging']!.state, 'done', 'staging does not wait for the production host');
  assert.equal(await readOnly(env.stagingRoot), 0, 'staging takes writes again');
  assert.equal(existsSync(env.flagFile), false);
  assert.match(failed.error!.message, /^rollback part database failed: .*prod-1.*\. done: unlock-staging\. fix the cause and POST \/v1\/cutovers\/co_\w+\/rollback again/);
  assert.equal(await siteurl(), STAGING_ORIGIN, 'production still holds the copy');

  await env.startProductionAgent();
  // As an operator would: GET /v1/agents until the host answers again (the channel's reconnect
  // backoff may hold it for a moment), then the same curl once more.
  const deadline = Date.now() + 30_000;
  while (!(await env.productionReachable())) {
    assert.ok(Date.now() < deadline, 'the production agent never answered again');
    await new Promise((r) => setTimeout(r, 200));
  }
  const done = await env.engine.rollback(co.id, undefined, 'tester').done;
  assert.equal(done.state, 'rolled_back', JSON.stringify(done.error));
  const again = Object.fromEntries(done.rollback!.parts.map((p) => [p.name, p]));
  assert.deepEqual([again.database!.state, again.database!.attempt, again['unlock-staging']!.attempt], ['done', 2, 1]);
  assert.equal(await siteurl(), 'https://old.example.com', 'production has its own tables back');
});

test('an assets-only cutover: the second pull of presync takes an upload made after the first, the maintenance flag goes up at lock, uploads after presync arrive at sync, rollback takes the flag down', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cutover-assets-only-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stagingUploads = join(dir, 'staging-uploads');
  const productionUploads = join(dir, 'production-uploads');
  mkdirSync(stagingUploads);
  mkdirSync(productionUploads);
  writeFileSync(join(stagingUploads, 'a.jpg'), randomBytes(200_000));
  mkdirSync(join(dir, 'site'));
  const flagFile = join(dir, 'site', '.maintenance');
  const stagingAgent = await startAgent(t, 'staging-1', '127.0.0.2', undefined, dir, { assets: { uploads: { path: stagingUploads } }, maintenance: { flagFile, content: FLAG_CONTENT } });
  const productionAgent = await startAgent(t, 'prod-1', '127.0.0.3', undefined, dir, { assets: { uploads: { path: productionUploads } } });
  const { engine, agents, logger } = controllerFor(t, dir, stagingAgent.address, productionAgent.address, new FakeWorld());
  // The site uploads a file after presync's first pull of the root has ended and before its
  // second begins: the controller revokes the first pull's transfer token in between, so the
  // write rides on that call (the controller's cached client for the staging agent's Assets).
  const stagingAssets = assetsClient({ agents, logger }, 'staging-1', 'staging.agent');
  const revoke = stagingAssets.RevokeTransfer;
  const betweenPasses = randomBytes(80_000);
  let revokes = 0;
  Object.assign(stagingAssets, {
    RevokeTransfer(this: unknown, ...args: unknown[]) {
      if (revokes++ === 0) writeFileSync(join(stagingUploads, 'between passes.png'), betweenPasses);
      return (revoke as (...a: unknown[]) => unknown).apply(this, args);
    },
  });
  const plan = parsePlan(
    {
      site: 'example.com',
      staging: { agent: 'staging-1', origin: STAGING_ORIGIN, ip: '127.0.0.2' },
      production: { agent: 'prod-1', origin: PRODUCTION_ORIGIN, ip: '127.0.0.3' },
      assets: [{ staging: 'uploads', production: 'uploads', delete: true }],
      dns: { provider: 'pdns', zone: 'example.com', name: 'www.example.com' },
      checks: { pages: ['/'] },
      fallbackHours: 24,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns'] },
  );
  const { id } = engine.create(plan, 'tester');
  const presynced = await engine.advance(id, 'presync', 'tester').done;
  assert.equal(presynced.state, 'paused', JSON.stringify(step(presynced, 'presync').error));
  assert.ok(revokes >= 2, 'both passes revoked their transfer tokens');
  const passes = (evidence(presynced, 'presync').assets as Array<{ filesCopied: number; secondPass?: { filesCopied: number; entriesDeleted: number; equal: boolean } }>)[0]!;
  assert.equal(passes.filesCopied, 1, 'the first pass copied a.jpg');
  assert.ok(passes.secondPass !== undefined, 'a second pass after a first that copied a file');
  assert.equal(passes.secondPass.filesCopied, 1, 'the second pass moved the upload made between the passes');
  assert.equal(passes.secondPass.entriesDeleted, 0);
  assert.equal(passes.secondPass.equal, true);
  assert.match(String(step(presynced, 'presync').result?.summary ?? ''), /second pass 1 files/);
  assert.equal(readFileSync(join(productionUploads, 'between passes.png')).equals(betweenPasses), true, 'the upload made between the passes is on production before the freeze');
  // An upload while staging is still live, after the bulk copy.
  writeFileSync(join(stagingUploads, 'late.png'), randomBytes(50_000));
  const locked = await engine.advance(id, 'lock', 'tester').done;
  assert.equal(step(locked, 'lock').state, 'succeeded', JSON.stringify(step(locked, 'lock')));
  assert.match(String(step(locked, 'lock').result?.summary ?? ''), /maintenance flag .*\.maintenance, no database frozen \(the plan moves none\)/);
  assert.equal(readFileSync(flagFile, 'utf8'), FLAG_CONTENT);
  const prior = evidence(locked, 'lock').prior as { noDatabase?: boolean; flagFileExisted: boolean };
  assert.equal(prior.noDatabase, true);
  assert.equal(prior.flagFileExisted, false);
  const verified = await engine.advance(id, 'verify', 'tester').done;
  assert.equal(step(verified, 'verify').state, 'succeeded', JSON.stringify(step(verified, 'verify').error));
  assert.equal(readFileSync(join(productionUploads, 'late.png')).equals(readFileSync(join(stagingUploads, 'late.png'))), true, 'the late upload arrived');
  const rolled = await engine.rollback(id, 'test rollback', 'tester').done;
  assert.equal(rolled.state, 'rolled_back');
  const unlock = rolled.rollback!.parts.find((p) => p.name === 'unlock-staging')!;
  assert.equal(unlock.state, 'done', JSON.stringify(unlock));
  assert.equal((unlock.detail as { wasLocked?: boolean }).wasLocked, true);
  assert.equal(existsSync(flagFile), false, 'the maintenance flag is gone');
});

test('an assets-only plan leaves the staging agent\'s database writable (it may serve production too): the flag alone freezes', async (t) => {
  const env = await setup(t);
  const { id } = env.engine.create(env.plan({}, { assetsOnly: true }), 'tester');
  const locked = await advance(env, id, 'lock');
  assert.equal(step(locked, 'lock').state, 'succeeded', JSON.stringify(step(locked, 'lock')));
  assert.match(String(step(locked, 'lock').result?.summary ?? ''), /no database frozen \(the plan moves none\)/);
  assert.equal(readFileSync(env.flagFile, 'utf8'), FLAG_CONTENT, 'the maintenance flag is up');
  assert.equal(await readOnly(env.stagingRoot), 0, 'read_only was not set');
  const site = await env.site();
  await site.query("INSERT INTO wp_comments (comment_post_ID, comment_content, comment_date) VALUES (1, 'through the freeze', NOW())");
  const rolled = await env.engine.rollback(id, 'test rollback', 'tester').done;
  assert.equal(rolled.state, 'rolled_back');
  assert.equal(existsSync(env.flagFile), false, 'the maintenance flag is gone');
  assert.equal(await readOnly(env.stagingRoot), 0);
});

test('an agent that ignores flag_only (older than the field) fails the lock of an assets-only plan, and the rollback restores read_only from the record', async (t) => {
  const env = await setup(t, { olderStagingAgent: true });
  const { id } = env.engine.create(env.plan({}, { assetsOnly: true }), 'tester');
  const failed = await advance(env, id, 'lock');
  const lock = step(failed, 'lock');
  assert.equal(lock.state, 'failed', JSON.stringify(lock));
  assert.match(String(lock.error?.message), /set read_only on its database although this plan moves no database/);
  assert.equal(await readOnly(env.stagingRoot), 1, 'the older agent did freeze its database');
  const rolled = await env.engine.rollback(id, 'test rollback', 'tester').done;
  assert.equal(rolled.state, 'rolled_back');
  assert.equal(await readOnly(env.stagingRoot), 0, 'the recorded prior read_only=OFF came back');
  assert.equal(existsSync(env.flagFile), false);
});

/** A cutover taken to its fallback window and released: staging stays frozen under its record. */
async function releasedCutover(env: Env) {
  const a = env.engine.create(env.plan(), 'tester');
  const fallback = await advance(env, a.id, 'fallback');
  assert.equal(fallback.state, 'fallback', JSON.stringify(fallback.error));
  assert.equal(env.engine.release(a.id, 'tester').state, 'completed');
  await env.engine.idle(a.id);
  return a;
}

test("a cutover after a released one finds staging frozen and its rollback leaves it so; another controller's cutover cannot take that freeze over or undo it", async (t) => {
  const env = await setup(t);
  // A: all the way, then released: staging stays frozen, the agent keeps A's record (read_only OFF).
  const a = await releasedCutover(env);
  assert.equal(await readOnly(env.stagingRoot), 1, 'staging stays frozen after release');
  assert.equal(existsSync(env.flagFile), true);

  // Another controller's cutover on the same staging: it knows nothing of A, so its lock is refused
  // naming A, and its rollback leaves A's freeze as it is.
  const other = env.secondController();
  const c = other.create(env.plan(), 'tester');
  const refused = await other.advance(c.id, 'lock', 'tester').done;
  const cLock = step(refused, 'lock');
  assert.equal(cLock.state, 'failed', JSON.stringify(cLock));
  assert.equal(cLock.error?.code, 'SY_CONFLICT');
  assert.match(String(cLock.error?.message), new RegExp(`frozen by cutover ${a.id}.*this controller has no cutover ${a.id}: it belongs to another controller`));
  const cRolled = await other.rollback(c.id, 'test rollback', 'tester').done;
  assert.equal(cRolled.state, 'rolled_back', JSON.stringify(cRolled.error));
  const cUnlock = cRolled.rollback!.parts.find((p) => p.name === 'unlock-staging')!;
  assert.equal((cUnlock.detail as { heldBy?: string }).heldBy, a.id, JSON.stringify(cUnlock));
  assert.equal(await readOnly(env.stagingRoot), 1, "another controller's rollback leaves the freeze");
  assert.equal(existsSync(env.flagFile), true);

  // B, same controller, same staging: A is over, so B's lock records staging as it found it.
  const b = env.engine.create(env.plan(), 'tester');
  const locked = await advance(env, b.id, 'lock');
  const bLock = step(locked, 'lock');
  assert.equal(bLock.state, 'succeeded', JSON.stringify(bLock));
  const prior = evidence(locked, 'lock').prior as { readOnly: boolean; flagFileExisted: boolean };
  assert.deepEqual([prior.readOnly, prior.flagFileExisted], [true, true], 'B found staging frozen');
  assert.equal(evidence(locked, 'lock').tookOverFrom, a.id);
  assert.match(String(bLock.result?.summary), new RegExp(`still frozen by cutover ${a.id}, which is over`));

  // B's rollback puts staging back as B's lock found it: frozen, flagged.
  const rolled = await env.engine.rollback(b.id, 'test rollback', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  const unlock = rolled.rollback!.parts.find((p) => p.name === 'unlock-staging')!;
  assert.equal(unlock.state, 'done', JSON.stringify(unlock));
  assert.equal(await readOnly(env.stagingRoot), 1, 'staging stays read_only as B found it');
  assert.equal(readFileSync(env.flagFile, 'utf8'), FLAG_CONTENT, 'the maintenance flag stays up');
});

test('a cutover after a released one whose freeze a person undid by hand is told staging was not frozen, and its rollback puts it back writable', async (t) => {
  const env = await setup(t);
  const a = await releasedCutover(env);
  // Days later a person opens staging again by hand; the agent still holds A's record.
  await env.stagingRoot.query('SET GLOBAL read_only = OFF');
  rmSync(env.flagFile);

  const b = env.engine.create(env.plan(), 'tester');
  const locked = await advance(env, b.id, 'lock');
  const bLock = step(locked, 'lock');
  assert.equal(bLock.state, 'succeeded', JSON.stringify(bLock));
  assert.equal(evidence(locked, 'lock').tookOverFrom, a.id);
  const summary = String(bLock.result?.summary);
  assert.doesNotMatch(summary, /still frozen|leaves it so/, summary);
  assert.match(summary, new RegExp(`record of cutover ${a.id}'s freeze, which is over, but staging was no longer frozen \\(read_only=OFF, no maintenance flag`));
  assert.equal(await readOnly(env.stagingRoot), 1, "B's own lock froze staging");

  const rolled = await env.engine.rollback(b.id, 'test rollback', 'tester').done;
  assert.equal(rolled.state, 'rolled_back', JSON.stringify(rolled.error));
  assert.equal(await readOnly(env.stagingRoot), 0, 'writable again, as B found it');
  assert.equal(existsSync(env.flagFile), false);
});

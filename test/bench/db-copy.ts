// Benchmark: Switchyard's agent-to-agent copy and final delta against
// `mariadb-dump --single-transaction --routines --triggers | mariadb` on one generated database
// (default ≥ 1 GB across several tables), on this machine, in one run. Agents run as separate
// processes so their peak RSS can be read. Not part of `npm test`:
//   npm run build && node dist/test/bench/db-copy.js [--gb 1.0] [--parallelism N] [--cold] [--no-pipeline [--warm]]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startMariaDb, type MariaDbInstance } from '../../cli/devenv/mariadb.js';
import { shebangNodeFlags } from '../../cli/node-flags.js';
import { agentConfig, dbClient, streamCall, unaryCall } from '../helpers/db-fixture.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const GB = arg('gb', 1.0);
// 0: none sent, so the agents use their own default, as a cutover does (the controller sends none).
const PAR = arg('parallelism', 0);
// --no-pipeline: skip the pipeline (for profiling presync alone; prints no ratios).
const NO_PIPELINE = process.argv.includes('--no-pipeline');
// The pipeline runs once untimed first, so that both timed runs meet a production server whose
// buffer pool has been written through once: a fresh server's first write to each page of its
// pool costs it a page fault the next run does not pay (measured: the timed pipeline 30.4-31.0 s
// after the warm-up against 31.0-34.5 s when it ran first; our presync 16.1-16.4 s on a fresh
// server against 14.7-15.2 s after a pipeline). --cold skips it;
// --no-pipeline skips it too unless --warm is given.
const WARM = process.argv.includes('--warm') || (!process.argv.includes('--cold') && !NO_PIPELINE);

const secs = (ms: number) => (ms / 1000).toFixed(1);

async function generate(db: MariaDbInstance): Promise<void> {
  const c = await db.rootConnection('shop');
  const n = (x: number) => Math.max(1, Math.round(x * GB));
  await c.query(`
    CREATE TABLE posts (id INT UNSIGNED PRIMARY KEY, title VARCHAR(200) NOT NULL, content LONGTEXT NOT NULL, status VARCHAR(20) NOT NULL, created DATETIME NOT NULL, KEY (created)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE postmeta (meta_id BIGINT UNSIGNED PRIMARY KEY, post_id INT UNSIGNED NOT NULL, meta_key VARCHAR(255) NOT NULL, meta_value LONGTEXT, KEY (post_id), KEY (meta_key(191))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE orders (id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(64) NOT NULL, total DECIMAL(10,2) NOT NULL, status VARCHAR(16) NOT NULL, created DATETIME NOT NULL, KEY (customer)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE media (id INT UNSIGNED PRIMARY KEY, name VARCHAR(100) NOT NULL, data LONGBLOB NOT NULL) ENGINE=InnoDB;
  `);
  const t0 = Date.now();
  await c.query(`INSERT INTO posts SELECT seq, CONCAT('Post ', seq, ' ', MD5(seq)), REPEAT(CONCAT(MD5(seq), ' lorem ipsum dolor sit amet 😀 ', SHA1(seq)), 24), IF(seq % 7 = 0, 'draft', 'publish'), '2020-01-01' + INTERVAL seq MINUTE FROM seq_1_to_${n(260000)}`);
  await c.query(`INSERT INTO postmeta SELECT seq, seq DIV 8 + 1, CONCAT('_meta_', seq % 40), CONCAT('a:2:{s:3:"url";s:40:"', SHA1(seq), '";s:1:"n";i:', seq, ';}', REPEAT('x', 60)) FROM seq_1_to_${n(2000000)}`);
  await c.query(`INSERT INTO orders SELECT seq, CONCAT('customer', seq % 50000), (seq % 10000) / 7, ELT(1 + seq % 3, 'paid', 'shipped', 'refunded'), '2021-01-01' + INTERVAL seq SECOND FROM seq_1_to_${n(1000000)}`);
  await c.query(`INSERT INTO media SELECT seq, CONCAT('file', seq, '.bin'), REPEAT(UNHEX(SHA2(seq, 256)), 2048) FROM seq_1_to_${n(2000)}`);
  await c.query(`CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.status = LOWER(NEW.status)`);
  await c.query(`CREATE PROCEDURE count_orders(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM orders; END`);
  await c.query('ANALYZE TABLE posts, postmeta, orders, media');
  const [[size]] = (await c.query("SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS b, SUM(DATA_LENGTH) AS d FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'")) as unknown as [[{ b: string; d: string }]];
  console.log(`generated: ${(Number(size.b) / 2 ** 30).toFixed(2)} GiB on disk (data ${(Number(size.d) / 2 ** 30).toFixed(2)} GiB) in ${secs(Date.now() - t0)} s`);
  await c.end();
}

/** Shell-quoted, so the pipeline below is the one an admin would type. */
const sq = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

function pipeline(src: MariaDbInstance, dst: MariaDbInstance, schema: string): Promise<number> {
  const t0 = Date.now();
  // A shell pipe: the dump flows from one process to the other through the kernel, as
  // `mariadb-dump | mariadb` does at a prompt, not relayed through this process.
  const dump = ['mariadb-dump', '--no-defaults', `-h${src.host}`, `-P${src.port}`, `-u${src.admin.user}`, `-p${src.admin.password}`, '--single-transaction', '--routines', '--triggers', 'shop'];
  const load = ['mariadb', '--no-defaults', `-h${dst.host}`, `-P${dst.port}`, `-u${dst.admin.user}`, `-p${dst.admin.password}`, schema];
  return new Promise((resolve, reject) => {
    const sh = spawn('bash', ['-o', 'pipefail', '-c', `${dump.map(sq).join(' ')} | ${load.map(sq).join(' ')}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    sh.on('error', reject);
    sh.on('exit', (code) => (code === 0 ? resolve(Date.now() - t0) : reject(new Error(`pipeline exited ${code}`))));
  });
}

function agentProcess(config: object): Promise<{ address: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL(`../helpers/db-agent-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  // The flags the installed binary runs with (its shebang's), as the assets bench's agents do.
  const child = spawn(process.execPath, [...shebangNodeFlags(), ...process.execArgv, script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ address: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`agent exited ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used so far. */
const cpuSecs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
async function serverPid(db: MariaDbInstance): Promise<number> {
  const c = await db.rootConnection();
  const [[r]] = (await c.query('SELECT @@pid_file AS f')) as unknown as [[{ f: string }]];
  await c.end();
  return Number(readFileSync(r.f, 'utf8').trim());
}

/**
 * Waits until the server has no background work left from what ran before (InnoDB's history to
 * purge, and under 5% of a core busy): each timed step starts on a quiet server, not on the
 * previous step's leftovers. A guard: the eighteenth session's runs found the servers quiet at
 * once. Prints what it waited for.
 */
async function settle(db: MariaDbInstance, pid: number, label: string): Promise<void> {
  const c = await db.rootConnection();
  const t0 = Date.now();
  const cpu0 = cpuSecs(pid);
  try {
    let history = 0;
    for (;;) {
      const [[h]] = (await c.query("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'")) as unknown as [[{ Value: string }]];
      history = Number(h.Value);
      const before = cpuSecs(pid);
      await new Promise((r) => setTimeout(r, 500));
      const busy = (cpuSecs(pid) - before) / 0.5;
      if ((history === 0 && busy < 0.05) || Date.now() - t0 > 300_000) break;
    }
    console.log(`  ${label} settled in ${secs(Date.now() - t0)} s (${(cpuSecs(pid) - cpu0).toFixed(1)} CPU-s of leftover work; history list ${history})`);
  } finally {
    await c.end();
  }
}

const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main(): Promise<void> {
  const extra = ['--innodb-buffer-pool-size=1G', '--innodb-log-file-size=512M'];
  const [staging, production] = await Promise.all([
    startMariaDb({ host: '127.0.0.2', databases: ['shop'], extraArgs: extra }),
    startMariaDb({ host: '127.0.0.3', databases: ['shop', 'shop_dump', 'shop_warm'], extraArgs: extra }),
  ]);
  const agents: ChildProcess[] = [];
  // The machine is shared: the load average says how much else ran during the measurement.
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 5000);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; parallelism ${PAR > 0 ? PAR : "the agents' default, as a cutover runs"}`);
  try {
    await generate(staging);
    const serverPids = { staging: await serverPid(staging), production: await serverPid(production) };
    const settleBoth = () => Promise.all([settle(staging, serverPids.staging, 'staging server'), settle(production, serverPids.production, 'production server')]);
    await settleBoth();

    if (WARM) {
      console.log(`untimed warm-up pipeline: ${secs(await pipeline(staging, production, 'shop_warm'))} s`);
      const w = await production.rootConnection();
      await w.query('DROP DATABASE shop_warm');
      await w.end();
      await settleBoth();
    }
    const pipeMs = NO_PIPELINE ? NaN : await pipeline(staging, production, 'shop_dump');
    if (!NO_PIPELINE) console.log(`mariadb-dump | mariadb: ${secs(pipeMs)} s`);

    const s = await agentProcess(agentConfig('staging-1', staging));
    const p = await agentProcess(agentConfig('prod-1', production));
    agents.push(s.child, p.child);
    const sc = dbClient(s.address);
    const pc = dbClient(p.address);
    const token = randomBytes(24).toString('hex');
    await unaryCall(sc, 'AuthorizeTransfer', { token, schema: 'shop', ttl_seconds: 3600 });
    const peer = { peer_address: s.address, transfer_token: token, source_schema: 'shop', target_schema: 'shop' };

    await settleBoth();
    const pids = { 'staging agent': s.child.pid!, 'production agent': p.child.pid!, 'staging mariadbd': serverPids.staging, 'production mariadbd': serverPids.production };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, v]) => [k, cpuSecs(v)]));
    const cpuUsed = () => Object.entries(pids).map(([k, v]) => `${k} ${(cpuSecs(v) - cpu0[k]!).toFixed(1)}`).join(', ');
    let t0 = Date.now();
    const ev = await streamCall(pc, 'PullDatabase', { peer, parallelism: PAR });
    const copyMs = Date.now() - t0;
    const copy = ev.find((e) => e.copy)!.copy!;
    console.log(`switchyard presync: ${secs(copyMs)} s (${copy.rows} rows, ${(Number(copy.bytes) / 2 ** 30).toFixed(2)} GiB streamed, ${copy.load_methods.join('+')})`);
    console.log(`  CPU seconds during presync: ${cpuUsed()}`);

    // 1% of rows change the way a live shop changes: new rows appended, recent rows edited.
    const c = await staging.rootConnection('shop');
    const [[cnt]] = (await c.query('SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM postmeta) + (SELECT COUNT(*) FROM orders) + (SELECT COUNT(*) FROM media) AS n')) as unknown as [[{ n: number }]];
    const onePct = Math.round(Number(cnt.n) / 100);
    await c.query(`INSERT INTO orders (customer, total, status, created) SELECT CONCAT('new', seq), 1, 'PAID', NOW() FROM seq_1_to_${Math.round(onePct / 2)}`);
    await c.query(`UPDATE postmeta SET meta_value = CONCAT(meta_value, '!') ORDER BY meta_id DESC LIMIT ${Math.round(onePct / 2)}`);
    await c.end();
    console.log(`changed: ${onePct} rows (1% of ${cnt.n})`);

    t0 = Date.now();
    await unaryCall(sc, 'LockWrites', {});
    const sync = (await streamCall(pc, 'SyncDatabase', { peer, parallelism: PAR, target_ms: 500 })).find((e) => e.parity)!.parity!;
    const syncMs = Date.now() - t0;
    const verify = (await streamCall(pc, 'VerifyDatabase', { peer, target_ms: 500, parallelism: PAR })).find((e) => e.parity)!.parity!;
    const freezeMs = Date.now() - t0;
    await unaryCall(sc, 'UnlockWrites', {});
    const moved = sync.tables.reduce((n, x) => n + x.differing_chunks, 0);
    const chunks = sync.tables.reduce((n, x) => n + x.chunks, 0);
    console.log(`switchyard delta: lock+sync ${secs(syncMs)} s (${moved}/${chunks} chunks re-copied; checksummed ${sync.staging_chunks_checked} on staging, ${sync.production_chunks_checked} on production), verify done at ${secs(freezeMs)} s (${verify.mode}: ${verify.staging_chunks_checked}+${verify.production_chunks_checked} chunks), parity ${verify.equal ? 'EQUAL' : 'DIFFERS'}`);
    for (const [what, r] of [['sync', sync], ['verify', verify]] as const) {
      for (const x of r.tables) console.log(`  ${what} ${x.table}: staging ${x.staging_chunks_checked}/${x.chunks} (${x.staging_check}); production ${x.production_chunks_checked}/${x.chunks} (${x.production_check})`);
    }
    t0 = Date.now();
    const full = (await streamCall(pc, 'VerifyDatabase', { peer, target_ms: 500, parallelism: PAR, full: true })).find((e) => e.parity)!.parity!;
    console.log(`(a full verify, every chunk on both sides, for comparison: ${secs(Date.now() - t0)} s, parity ${full.equal ? 'EQUAL' : 'DIFFERS'})`);

    console.log('');
    if (!NO_PIPELINE) {
      console.log(`full copy:   ${secs(pipeMs)} s pipeline vs ${secs(copyMs)} s switchyard -> ${(pipeMs / copyMs).toFixed(2)}x faster (goal 2x)`);
      console.log(`final delta: ${secs(pipeMs)} s pipeline vs ${secs(freezeMs)} s sync+verify -> ${(pipeMs / freezeMs).toFixed(2)}x faster (goal 10x)`);
      console.log(`freeze window (lock -> verify done): ${secs(freezeMs)} s = ${((100 * freezeMs) / pipeMs).toFixed(1)}% of the pipeline's time`);
    }
    console.log(`peak RSS: staging agent ${peakRss(s.child.pid!).toFixed(0)} MiB, production agent ${peakRss(p.child.pid!).toFixed(0)} MiB`);
    console.log(`load average (1 min) during the run: mean ${(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)).toFixed(2)}, max ${Math.max(0, ...loads).toFixed(2)}; at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    sc.close();
    pc.close();
  } finally {
    clearInterval(sampler);
    // SIGTERM: each agent exits cleanly (and writes its CPU profile when run with --cpu-prof).
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all([staging.stop(), production.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// Peak memory of the asset code against the number of entries. Not part of `npm test`.
//   npx tsc -p . && node dist/test/bench/assets-memory.js [--rows 100000,1000000] [--files 10000,100000] [--only rows|files] [--dir DIR] [--keep]
//   … --only flat [--flat 100000,1000000]: the scanner over one directory holding every file.
// rows: both agents are the real binary (`node dist/cli/main.js agent`), each its own process.
//   N synthetic manifest rows (files of 1 KB, 500 to a directory, no bytes on disk) are written
//   straight into both agents' SQLite manifests, equal on both sides, beside a few real files
//   on staging only. Then TreeDigest on both (the digest walk), and a pull with refresh 'none':
//   staging's ListManifest streams all N entries over gRPC, production merges them with its own
//   N rows into the plan, copies the few real files and digests again. Per agent and phase: peak
//   RSS (VmHWM, reset through /proc/PID/clear_refs before each phase) and peak V8 heap (largest
//   heap-before-GC that --trace-gc printed in the phase).
// files: real trees of N empty files (500 to a directory, made by python3), each probe in a
//   fresh child process: the scanner's first scan and its stat scan (the walk behind verify
//   and every 'stat' refresh), and chokidar watching the tree as the agent's watcher does (heap
//   retained after a forced GC once 'ready': chokidar's own per-path state).
// The figures are printed with the ratio between the largest and smallest N.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { watch } from 'chokidar';
import { packageRoot } from '../../shared/paths.js';
import { shebangNodeFlags } from '../../cli/node-flags.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import { connectAssetsPeer } from '../../agent/assets/peer-client.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { scanRoot } from '../../agent/assets/scanner.js';
import { isPartName } from '../../agent/assets/path-safety.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import { call, pull } from '../helpers/tree-fixture.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function status(pid: number | 'self', key: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) / 1024;
}

/** Starts a new peak: the kernel's high-water mark goes back to the current RSS. */
function resetPeak(pid: number | 'self'): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

function inotifyWatchLimit(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const mb = (n: number): string => `${n.toFixed(0)} MB`;

// ---------------------------------------------------------------- probes (child processes)

interface ProbeResult {
  [k: string]: number;
}

/** Largest heapUsed seen while fn runs (sampled every 10 ms, plus once at the end). */
async function withHeapPeak<T>(fn: () => Promise<T>): Promise<{ value: T; peakHeapMb: number }> {
  let peak = process.memoryUsage().heapUsed;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { value, peakHeapMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(t);
  }
}

async function probeScan(root: string, dbPath: string): Promise<ProbeResult> {
  const store = new ManifestStore(openDatabase(dbPath, ASSET_MIGRATIONS));
  const gc = globalThis.gc!;
  gc();
  const baseRss = status('self', 'VmRSS');
  const baseHeap = process.memoryUsage().heapUsed / 1024 / 1024;
  resetPeak('self');
  const first = await withHeapPeak(() => scanRoot(store, 'site', root));
  const firstHwm = status('self', 'VmHWM');
  gc();
  resetPeak('self');
  const again = await withHeapPeak(() => scanRoot(store, 'site', root));
  const statHwm = status('self', 'VmHWM');
  return {
    entries: first.value.entries, baseRss, baseHeap,
    firstHwm, firstHeap: first.peakHeapMb, firstSeconds: first.value.seconds,
    statHwm, statHeap: again.peakHeapMb, statSeconds: again.value.seconds, rehashed: again.value.hashed,
  };
}

async function probeChokidar(root: string): Promise<ProbeResult> {
  const gc = globalThis.gc!;
  gc();
  const baseRss = status('self', 'VmRSS');
  const baseHeap = process.memoryUsage().heapUsed / 1024 / 1024;
  resetPeak('self');
  const t = performance.now();
  // The agent's options (watcher.ts).
  const w = watch(root, { ignoreInitial: true, followSymlinks: false, ignored: (p: string) => isPartName(p.slice(p.lastIndexOf('/') + 1)) });
  await new Promise<void>((r) => w.once('ready', () => r()));
  const seconds = (performance.now() - t) / 1000;
  const hwm = status('self', 'VmHWM');
  gc();
  await sleep(200);
  gc();
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  const rss = status('self', 'VmRSS');
  await w.close();
  return { baseRss, baseHeap, seconds, hwm, heap, rss };
}

function runProbe(kind: 'scan' | 'chokidar', root: string, dbPath: string): ProbeResult {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--probe', kind, '--root', root, '--db', dbPath], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ProbeResult;
}

// ---------------------------------------------------------------- agents (rows mode)

interface Agent {
  pid: number;
  address: string;
  client: AssetsClient;
  /** Largest heap-before-GC from --trace-gc since the last call, and the largest heap after a full GC (0: none ran). */
  takeHeapPeak(): { peak: number; live: number };
  watched(count: number): Promise<void>;
  stop(): Promise<void>;
}

async function startAgent(base: string, name: string, host: string, root: string): Promise<Agent> {
  const cfg = join(base, `${name}.yaml`);
  writeFileSync(cfg, [`name: ${name}`, `listen: { host: ${host}, port: 0 }`, 'insecure: true', `stateFile: ${join(base, `${name}.sqlite`)}`, 'logLevel: info', 'assets:', `  site: { path: ${JSON.stringify(root)} }`, ''].join('\n'));
  const main = join(packageRoot(), 'dist', 'cli', 'main.js');
  // The flags the installed binary runs with (its shebang's), as in the other benches.
  const child: ChildProcess = spawn(process.execPath, [...shebangNodeFlags(main), '--trace-gc', main, 'agent', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  let heapPeak = 0;
  // Heap in use after the last GC: where a phase without any GC starts (and stays below its next peak).
  let heapAfter = 0;
  // Largest heap left after a full (mark-compact) GC: what is really held, garbage aside.
  let liveHeap = 0;
  let onListen: (a: string) => void = () => undefined;
  const listening = new Promise<string>((r) => (onListen = r));
  let watchedCount = 0;
  let onWatched = (): void => undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    // "[pid:0x…]  1234 ms: Mark-Compact 312.4 (330.1) -> 290.2 (331.0) MB, …"
    const gcLine = /: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) /.exec(line);
    if (gcLine !== null) {
      heapPeak = Math.max(heapPeak, Number(gcLine[1]));
      heapAfter = Number(gcLine[2]);
      if (/Mark-Compact|Mark-sweep/.test(line) && !/Minor/.test(line)) liveHeap = Math.max(liveHeap, heapAfter);
      return;
    }
    let msg: { msg?: string; address?: string; level?: number };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.msg === 'agent gRPC server listening' && msg.address !== undefined) onListen(msg.address);
    if (msg.msg === 'asset root watched') {
      watchedCount++;
      onWatched();
    }
    if ((msg.level ?? 0) >= 50) console.error(`[${name}] ${line}`);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const address = await Promise.race([listening, exited.then(() => Promise.reject(new Error(`${name} agent exited before listening`)))]);
  const client = connectAssetsPeer(address, {});
  return {
    pid: child.pid!, address, client,
    takeHeapPeak() {
      const p = { peak: heapPeak, live: liveHeap };
      heapPeak = heapAfter;
      liveHeap = 0;
      return p;
    },
    async watched(count) {
      while (watchedCount < count) await new Promise<void>((r) => (onWatched = r));
    },
    async stop() {
      client.close();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** n file rows (plus their directories) under syn/, the same on every call with the same seed. */
function insertSyntheticRows(dbPath: string, n: number, seed: Buffer): void {
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 10000');
  const ins = db.prepare(
    `INSERT INTO asset_entries (root, path, parent, type, mode, size, mtime_ns, ctime_ns, ino, sha256, chunks, target)
     VALUES ('site', ?, ?, ?, ?, ?, '1700000000000000000', '1700000000000000000', '0', ?, ?, NULL)`,
  );
  const PER_DIR = 500;
  db.transaction(() => {
    ins.run('syn', '', 'dir', 0o755, 0, null, null);
    for (let i = 0; i < n; i++) {
      const d = `syn/d${String(Math.floor(i / PER_DIR)).padStart(5, '0')}`;
      if (i % PER_DIR === 0) ins.run(d, 'syn', 'dir', 0o755, 0, null, null);
      const sha = Buffer.alloc(32);
      seed.copy(sha);
      sha.writeUInt32BE(i, 28);
      ins.run(`${d}/f${String(i % PER_DIR).padStart(3, '0')}.bin`, d, 'file', 0o644, 1024, sha, sha);
    }
    db.prepare("UPDATE asset_roots SET digest = NULL WHERE root = 'site'").run();
  })();
  db.close();
}

interface RowFigures {
  n: number;
  load: string;
  phases: Record<string, { staging: { hwm: number; heap: { peak: number; live: number } }; production: { hwm: number; heap: { peak: number; live: number } } }>;
  seconds: Record<string, number>;
}

async function measureRows(baseDir: string, n: number): Promise<RowFigures> {
  const base = mkdtempSync(join(baseDir, `sy-mem-rows-${n}-`));
  const src = join(base, 'staging');
  const dst = join(base, 'production');
  mkdirSync(join(src, 'real'), { recursive: true });
  mkdirSync(dst, { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(src, 'real', `r${i}.txt`), randomBytes(2000));
  const staging = await startAgent(base, 'staging', '127.0.0.2', src);
  const production = await startAgent(base, 'production', '127.0.0.3', dst);
  const fig: RowFigures = { n, load: '', phases: {}, seconds: {} };
  const phase = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
    for (const a of [staging, production]) {
      resetPeak(a.pid);
      a.takeHeapPeak();
    }
    const t = performance.now();
    await fn();
    fig.seconds[name] = (performance.now() - t) / 1000;
    fig.phases[name] = {
      staging: { hwm: status(staging.pid, 'VmHWM'), heap: staging.takeHeapPeak() },
      production: { hwm: status(production.pid, 'VmHWM'), heap: production.takeHeapPeak() },
    };
  };
  try {
    await Promise.all([staging.watched(1), production.watched(1)]);
    const seed = randomBytes(32);
    await phase('rows inserted', async () => {
      insertSyntheticRows(join(base, 'staging.sqlite'), n, seed);
      insertSyntheticRows(join(base, 'production.sqlite'), n, seed);
    });
    // A tree digest is answered under a transfer token, as a pull asks for it.
    const token = randomBytes(16).toString('hex');
    for (const a of [staging, production]) await call((r, cb) => a.client.AuthorizeTransfer(r, cb), { token, root: 'site', ttl_seconds: 3600 });
    await phase('tree digest', () =>
      Promise.all([staging, production].map((a) => call((r, cb) => a.client.TreeDigest(r, cb), { root: 'site', refresh: 'ASSET_REFRESH_NONE' as const, token }))),
    );
    await phase('pull', async () => {
      const { result } = await pull(production.client, {
        peer_address: staging.address, transfer_token: token, staging_root: 'site', production_root: 'site', delete: true,
        staging_refresh: 'ASSET_REFRESH_NONE' as const, production_refresh: 'ASSET_REFRESH_NONE' as const,
      });
      if (!result.equal || Number(result.files_copied) !== 50 || Number(result.staging?.files) !== n + 50) {
        throw new Error(`pull did not end as expected: ${JSON.stringify({ equal: result.equal, copied: result.files_copied, files: result.staging?.files })}`);
      }
    });
    fig.load = load();
    return fig;
  } finally {
    await Promise.all([staging.stop(), production.stop()]);
    if (!process.argv.includes('--keep')) rmSync(base, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

function makeEmptyTree(root: string, n: number, flat = false): void {
  execFileSync('python3', ['-c', `
import os, sys
root, n, flat = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'flat'
for i in range(n):
    d = os.path.join(root, 'all') if flat else os.path.join(root, 'd%03d' % (i // 50000), 'e%05d' % (i // 500))
    if i % 500 == 0: os.makedirs(d, exist_ok=True)
    os.close(os.open(os.path.join(d, ('f%07d.txt' % i) if flat else ('f%03d.txt' % (i % 500))), os.O_CREAT | os.O_WRONLY, 0o644))
`, root, String(n), flat ? 'flat' : 'tree']);
}

function ratioLine(label: string, small: number, large: number, nSmall: number, nLarge: number, baseline = 0): string {
  const perEntry = ((large - small) * 1024 * 1024) / (nLarge - nSmall);
  return `  ${label.padEnd(44)} ${mb(small).padStart(8)} -> ${mb(large).padStart(8)}  x${(large / small).toFixed(2)}  ${perEntry >= 0 ? '+' : ''}${perEntry.toFixed(0)} B/entry${baseline > 0 ? ` (above the ${mb(baseline)} baseline)` : ''}`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--probe')) {
    const kind = arg('probe', '');
    const r = kind === 'scan' ? await probeScan(arg('root', ''), arg('db', '')) : await probeChokidar(arg('root', ''));
    console.log(JSON.stringify(r));
    return;
  }
  const only = arg('only', '');
  const baseDir = arg('dir', tmpdir());
  console.log(`load average at start: ${load()}`);

  if (only === '' || only === 'rows') {
    const sizes = arg('rows', '100000,1000000').split(',').map(Number);
    const figs: RowFigures[] = [];
    for (const n of sizes) {
      console.log(`\nrows: ${n} synthetic manifest entries on both agents`);
      const f = await measureRows(baseDir, n);
      figs.push(f);
      for (const [name, p] of Object.entries(f.phases)) {
        const side = (x: { hwm: number; heap: { peak: number; live: number } }): string =>
          `peak RSS ${mb(x.hwm).padStart(7)} heap ${mb(x.heap.peak).padStart(7)} (after full GC ${x.heap.live > 0 ? mb(x.heap.live) : '-'})`;
        console.log(`  ${name.padEnd(14)} staging ${side(p.staging)} | production ${side(p.production)} | ${f.seconds[name]!.toFixed(1)} s`);
      }
      console.log(`  load average: ${f.load}`);
    }
    for (let i = 1; i < figs.length; i++) {
      const [a, b] = [figs[i - 1]!, figs[i]!];
      console.log(`\nrows ${a.n} -> ${b.n} (peak over the phase; ratio and growth per entry):`);
      for (const name of ['tree digest', 'pull']) {
        for (const side of ['staging', 'production'] as const) {
          const pa = a.phases[name]![side];
          const pb = b.phases[name]![side];
          console.log(ratioLine(`${name}, ${side}, peak RSS`, pa.hwm, pb.hwm, a.n, b.n));
          console.log(ratioLine(`${name}, ${side}, peak heap`, pa.heap.peak, pb.heap.peak, a.n, b.n));
          if (pa.heap.live > 0 && pb.heap.live > 0) console.log(ratioLine(`${name}, ${side}, heap after full GC`, pa.heap.live, pb.heap.live, a.n, b.n));
        }
      }
    }
  }

  if (only === '' || only === 'files') {
    const sizes = arg('files', '10000,100000').split(',').map(Number);
    const scans: Array<ProbeResult & { n: number }> = [];
    const watches: Array<ProbeResult & { n: number }> = [];
    for (const n of sizes) {
      const base = mkdtempSync(join(baseDir, `sy-mem-files-${n}-`));
      try {
        const root = join(base, 'tree');
        const t = performance.now();
        makeEmptyTree(root, n);
        console.log(`\nfiles: ${n} empty files, 500 to a directory (made in ${((performance.now() - t) / 1000).toFixed(0)} s)`);
        const s = runProbe('scan', root, join(base, 'scan.sqlite'));
        scans.push({ ...s, n });
        console.log(`  scanner (${s.entries} entries) first scan peak RSS ${mb(s.firstHwm!)} heap ${mb(s.firstHeap!)} (${s.firstSeconds!.toFixed(1)} s); stat scan peak RSS ${mb(s.statHwm!)} heap ${mb(s.statHeap!)} (${s.statSeconds!.toFixed(1)} s, re-hashed ${s.rehashed}); baseline RSS ${mb(s.baseRss!)} heap ${mb(s.baseHeap!)}`);
        if (n > inotifyWatchLimit() * 0.75) {
          console.log(`  chokidar: not run — it takes an inotify watch per file and this machine allows ${inotifyWatchLimit()} per user (fs.inotify.max_user_watches)`);
          continue;
        }
        const c = runProbe('chokidar', root, '');
        watches.push({ ...c, n });
        console.log(`  chokidar watching    peak RSS ${mb(c.hwm!)}; after GC heap ${mb(c.heap!)} RSS ${mb(c.rss!)} (ready in ${c.seconds!.toFixed(1)} s); baseline RSS ${mb(c.baseRss!)} heap ${mb(c.baseHeap!)}`);
        console.log(`  load average: ${load()}`);
      } finally {
        if (!process.argv.includes('--keep')) rmSync(base, { recursive: true, force: true });
      }
    }
    // Each step on its own: the first includes warm-up (SQLite's page cache, V8's heap settling).
    for (let i = 1; i < scans.length; i++) {
      const [a, b] = [scans[i - 1]!, scans[i]!];
      const ca = watches.find((w) => w.n === a.n);
      const cb = watches.find((w) => w.n === b.n);
      console.log(`\nfiles ${a.n} -> ${b.n}:`);
      console.log(ratioLine('scanner first scan, peak RSS', a.firstHwm!, b.firstHwm!, a.n, b.n));
      console.log(ratioLine('scanner first scan, peak heap', a.firstHeap!, b.firstHeap!, a.n, b.n));
      console.log(ratioLine('scanner stat scan, peak RSS', a.statHwm!, b.statHwm!, a.n, b.n));
      console.log(ratioLine('scanner stat scan, peak heap', a.statHeap!, b.statHeap!, a.n, b.n));
      if (ca !== undefined && cb !== undefined) {
        console.log(ratioLine('chokidar, peak RSS', ca.hwm!, cb.hwm!, ca.n, cb.n));
        console.log(ratioLine('chokidar, heap retained after GC', ca.heap!, cb.heap!, ca.n, cb.n, ca.baseHeap));
        console.log(ratioLine('chokidar, RSS after GC', ca.rss!, cb.rss!, ca.n, cb.n));
      }
    }
  }
  if (only === 'flat') {
    // One directory holding every file: the scanner's per-directory state at its worst.
    const sizes = arg('flat', '100000,1000000').split(',').map(Number);
    const scans: Array<ProbeResult & { n: number }> = [];
    for (const n of sizes) {
      const base = mkdtempSync(join(baseDir, `sy-mem-flat-${n}-`));
      try {
        const root = join(base, 'tree');
        const t = performance.now();
        makeEmptyTree(root, n, true);
        console.log(`\nflat: ${n} empty files in one directory (made in ${((performance.now() - t) / 1000).toFixed(0)} s)`);
        const s = runProbe('scan', root, join(base, 'scan.sqlite'));
        scans.push({ ...s, n });
        console.log(`  scanner (${s.entries} entries) first scan peak RSS ${mb(s.firstHwm!)} heap ${mb(s.firstHeap!)} (${s.firstSeconds!.toFixed(1)} s); stat scan peak RSS ${mb(s.statHwm!)} heap ${mb(s.statHeap!)} (${s.statSeconds!.toFixed(1)} s, re-hashed ${s.rehashed}); baseline RSS ${mb(s.baseRss!)} heap ${mb(s.baseHeap!)}`);
        console.log(`  load average: ${load()}`);
      } finally {
        if (!process.argv.includes('--keep')) rmSync(base, { recursive: true, force: true });
      }
    }
    for (let i = 1; i < scans.length; i++) {
      const [a, b] = [scans[i - 1]!, scans[i]!];
      console.log(`\nflat ${a.n} -> ${b.n}:`);
      console.log(ratioLine('scanner first scan, peak RSS', a.firstHwm!, b.firstHwm!, a.n, b.n));
      console.log(ratioLine('scanner first scan, peak heap', a.firstHeap!, b.firstHeap!, a.n, b.n));
      console.log(ratioLine('scanner stat scan, peak RSS', a.statHwm!, b.statHwm!, a.n, b.n));
      console.log(ratioLine('scanner stat scan, peak heap', a.statHeap!, b.statHeap!, a.n, b.n));
    }
  }
  console.log(`\nload average at end: ${load()}`);
}

await main();

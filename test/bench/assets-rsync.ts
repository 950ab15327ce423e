// Asset transfer against rsync over loopback, in one run on this machine.
//   npx tsc -p . && node dist/test/bench/assets-rsync.js [--size MB] [--dir DIR] [--keep] [--prof DIR]
// Default 2048 MB: ~60% in large files (8–64 MB), the rest in small files (~32 KiB average,
// tens of thousands of them). rsync runs as a daemon on 127.0.0.1; the staging and production
// agents are the real binary (`node dist/cli/main.js agent`), each its own process, on
// 127.0.0.2/.3. Page cache: equally warm for both — the tree was just written and fits in RAM,
// and `sync` runs (untimed) before every timed step so neither side pays the other's writeback.
// --deltas N runs the delta step N times (fresh changes each time).
// --only initial|delta|append stops after that step (append: the delta, then 4 large files appended to).
// --prof DIR writes V8 CPU profiles of each agent under DIR/<agent>/, one per thread. Not part of `npm test`.
// --idle S waits S seconds at the end, then prints each agent's RSS (what it holds at rest).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../shared/paths.js';
import { shebangNodeFlags } from '../../cli/node-flags.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { VerifyAssetsResponse__Output } from '../../shared/proto-gen/switchyard/v1/VerifyAssetsResponse.js';
import type { AssetScanRootResponse__Output } from '../../shared/proto-gen/switchyard/v1/AssetScanRootResponse.js';
import { connectAssetsPeer } from '../../agent/assets/peer-client.js';
import { call, pull, writeRandomFile } from '../helpers/tree-fixture.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const sizeMb = Number(arg('size', '2048'));
const profDir = arg('prof', '');
const only = arg('only', '');
const smallShare = Number(arg('small-share', '0.4'));
const base = mkdtempSync(join(arg('dir', tmpdir()), 'sy-bench-'));
const src = join(base, 'staging');
const ours = join(base, 'production');
const theirs = join(base, 'rsync-dst');
// A second destination for rsync with --fsync: the same durability as ours (every file on disk
// before it counts), shown beside the goal, which is against plain rsync.
const theirsDurable = join(base, 'rsync-dst-fsync');

function requireBinary(bin: string, pkg: string): void {
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
  } catch {
    console.error(`${bin} not found: apt-get install ${pkg}`);
    process.exit(1);
  }
}

function makeBenchTree(): { small: string[]; large: string[] } {
  const small: string[] = [];
  const large: string[] = [];
  const largeBudget = sizeMb * 1024 * 1024 * (1 - smallShare);
  mkdirSync(join(src, 'media'), { recursive: true });
  for (let done = 0, i = 0; done < largeBudget; i++) {
    const size = (8 + Math.floor(Math.random() * 56)) * 1024 * 1024;
    const p = join(src, 'media', `v${i}.bin`);
    writeRandomFile(p, size);
    large.push(p);
    done += size;
  }
  const smallBudget = sizeMb * 1024 * 1024 * smallShare;
  for (let done = 0, i = 0; done < smallBudget; i++) {
    const dir = join(src, 'uploads', `${2020 + (Math.floor(i / 200) % 5)}`, `${String(Math.floor(i / 1000) % 12).padStart(2, '0')}`, `b${Math.floor(i / 12000)}`);
    if (i % 200 === 0) mkdirSync(dir, { recursive: true });
    const size = Math.floor(Math.random() * 64 * 1024);
    const p = join(dir, `img ${i}.jpg`);
    writeFileSync(p, randomBytes(size));
    small.push(p);
    done += size;
  }
  return { small, large };
}

async function startRsyncd(): Promise<{ child: ChildProcess; url: string }> {
  const conf = join(base, 'rsyncd.conf');
  // Same user as the agents, so neither side gains or loses by permissions.
  writeFileSync(conf, `use chroot = false\nread only = false\nuid = ${process.getuid?.() ?? 0}\ngid = ${process.getgid?.() ?? 0}\n[dst]\npath = ${theirs}\n[dstfsync]\npath = ${theirsDurable}\n`);
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const child = spawn('rsync', ['--daemon', '--no-detach', `--config=${conf}`, '--port', String(port), '--address', '127.0.0.1'], { stdio: 'ignore' });
    await sleep(300);
    if (child.exitCode === null) return { child, url: `rsync://127.0.0.1:${port}/dst/` };
  }
  throw new Error('rsync daemon would not start');
}

interface AgentProcess {
  name: string;
  child: ChildProcess;
  address: string;
  client: AssetsClient;
  /** Resolves when the asset root is scanned and watched (again, after a pull: `count` times in all). */
  watched(count: number): Promise<number>;
  stop(): Promise<void>;
}

/** The real agent binary with a config of its own; its JSON log tells where it listens and when it watches. */
async function startAgent(name: string, host: string, root: string): Promise<AgentProcess> {
  const cfg = join(base, `${name}.yaml`);
  writeFileSync(
    cfg,
    [
      `name: ${name}`,
      `listen: { host: ${host}, port: 0 }`,
      'insecure: true',
      `stateFile: ${join(base, `${name}.sqlite`)}`,
      'logLevel: info',
      'assets:',
      `  site: { path: ${JSON.stringify(root)} }`,
      '',
    ].join('\n'),
  );
  // A directory per agent, one profile per thread in it (the watcher runs in a thread of its own).
  const nodeArgs = profDir === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profDir, name)];
  // BENCH_AGENT_NODE_ARGS="--trace-gc": extra V8/Node flags for both agents; their non-JSON output goes to BASE/NAME.out.
  nodeArgs.push(...(process.env.BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''));
  const main = join(packageRoot(), 'dist', 'cli', 'main.js');
  // The flags the installed binary runs with (its shebang's), then the bench's own (profiling).
  const child = spawn(process.execPath, [...shebangNodeFlags(main), ...nodeArgs, main, 'agent', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  let onListen: (a: string) => void = () => undefined;
  const listening = new Promise<string>((r) => (onListen = r));
  const watchedTimes: number[] = [];
  let onWatched = (): void => undefined;
  const watched = async (count: number): Promise<number> => {
    while (watchedTimes.length < count) await new Promise<void>((r) => (onWatched = r));
    return watchedTimes[count - 1]!;
  };
  // With extra flags (--trace-gc), the JSON lines go to NAME.out too, in order with the flags' output.
  const keepAll = nodeArgs.length > 0 && profDir === '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (keepAll && line.startsWith('{')) appendFileSync(join(base, `${name}.out`), `${line}\n`);
    let msg: { msg?: string; address?: string; seconds?: number; level?: number };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      appendFileSync(join(base, `${name}.out`), `${line}\n`);
      return;
    }
    if (msg.msg === 'agent gRPC server listening' && msg.address !== undefined) onListen(msg.address);
    if (msg.msg === 'asset root watched') {
      watchedTimes.push(msg.seconds ?? 0);
      onWatched();
    }
    if ((msg.level ?? 0) >= 40) console.error(`[${name}] ${line}`);
    if (msg.msg === 'paths queued during the write dropped; the catch-up scan reads them') console.log(`  ${name}: ${(msg as { dropped?: number }).dropped} paths queued during the pull dropped (the catch-up scan reads every entry)`);
    if (msg.msg === 'watcher settled') {
      const m = msg as { pending?: number; sample?: string[]; quietForMs?: number; waitMs?: number; drainMs?: number; recheckMs?: number; seconds?: number };
      console.log(`  ${name} watcher settled: ${m.pending} paths pending (${JSON.stringify(m.sample)}), quiet for ${m.quietForMs} ms, ${m.seconds?.toFixed(3)} s (wait ${m.waitMs} ms, drain ${m.drainMs} ms, fresh dirs ${m.recheckMs} ms)`);
    }
    if (msg.msg === 'tree digest answered') {
      const m = msg as { refresh?: string; refreshSeconds?: number; digestSeconds?: number };
      console.log(`  ${name} tree digest (${m.refresh}): refresh ${m.refreshSeconds?.toFixed(3)} s, digest ${m.digestSeconds?.toFixed(3)} s`);
    }
    if (msg.msg === 'asset pull finished') {
      const m = msg as { phases?: Record<string, number>; scan?: Record<string, number>; plan?: Record<string, number>; finish?: Record<string, number>; journalsMoved?: object };
      const round = (o: Record<string, number> | undefined): string => JSON.stringify(Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, Number(v.toFixed(3))])));
      console.log(`  ${name} pull phases (s): ${round(m.phases)}, scan parts: ${round(m.scan)}, plan parts: ${round(m.plan)}, finish parts: ${round(m.finish)}${m.journalsMoved ? `, digests equal but journals moved: ${JSON.stringify(m.journalsMoved)}` : ''}`);
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Should the bench itself die, its agents go with it rather than watch a deleted tree forever.
  process.once('exit', () => child.kill('SIGKILL'));
  const address = await Promise.race([listening, exited.then(() => Promise.reject(new Error(`${name} agent exited before listening`)))]);
  const client = connectAssetsPeer(address, {});
  return {
    name, child, address, client, watched,
    async stop() {
      client.close();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * TCP payload both ways so far on each of `pid`'s established connections to `port`, from the
 * kernel's own per-socket counters (`ss -i`: tcp_info's bytes_sent and bytes_received): what our
 * pulls put on the wire, framing and listing included, as rsync's --stats counts its own. Earlier
 * sessions counted through a relay process in front of staging, which added a hop, an event-loop
 * wake per segment and its CPU to every pull it measured — rsync's run had no such middleman.
 */
function tcpCounters(pid: number, port: number): Map<string, number> {
  const out = execFileSync('ss', ['-tinpH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  const counters = new Map<string, number>();
  let socket: string | undefined;
  for (const line of out.split('\n')) {
    if (/^\S/.test(line)) {
      // "0 0 127.0.0.1:47698 127.0.0.2:34235 users:(("node",pid=19768,fd=20))"
      socket = line.includes(`pid=${pid},`) ? line.split(/\s+/).slice(2, 4).join(' ') : undefined;
      continue;
    }
    const sent = /bytes_sent:(\d+)/.exec(line);
    const received = /bytes_received:(\d+)/.exec(line);
    // The line under each socket holds its counters (none yet on a connection that moved nothing).
    if (socket !== undefined && line.trim() !== '') counters.set(socket, Number(sent?.[1] ?? 0) + Number(received?.[1] ?? 0));
  }
  return counters;
}

/** Bytes on production's connections to staging since `before`; a connection that closed meanwhile would hide its bytes, so that fails. */
function wireSince(before: Map<string, number>, pid: number, port: number): number {
  const after = tcpCounters(pid, port);
  let bytes = 0;
  for (const [socket, n] of before) {
    const now = after.get(socket);
    if (now === undefined) throw new Error(`production's connection ${socket} to staging closed during the step: its bytes cannot be counted`);
    bytes += now - n;
  }
  for (const [socket, n] of after) if (!before.has(socket)) bytes += n;
  return bytes;
}

/** Peak resident set of a live process, from the kernel's high-water mark. */
function peakRssMb(pid: number | undefined): number {
  return statusMb(pid, 'VmHWM');
}

/** A `/proc/PID/status` size field (VmHWM, VmRSS) in MB. */
function statusMb(pid: number | undefined, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) / 1024;
}

/**
 * The fields of a `/proc/…/stat` file after the command name, in seconds where they are clock
 * ticks (100 per second here): utime, stime, and the reaped children's cutime, cstime.
 */
function procTimes(path: string): { utime: number; stime: number; cutime: number; cstime: number } {
  const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return { utime: Number(f[11]) / 100, stime: Number(f[12]) / 100, cutime: Number(f[13]) / 100, cstime: Number(f[14]) / 100 };
}

/** User + system CPU seconds a live process has used so far. */
function cpuSeconds(pid: number | undefined, which: 'all' | 'sys' | 'main' = 'all'): number {
  // 'main': the main thread alone (its task has the process's id). A profile's busy thread can
  // be its shutdown; the kernel's per-thread count cannot.
  const t = procTimes(which === 'main' ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`);
  return (which === 'sys' ? 0 : t.utime) + t.stime;
}

/**
 * CPU seconds per thread of a process, keyed by thread id ("main" for the main thread). On
 * Node 20 every thread of the agent — workers, V8's helpers, libuv's pool — is named "node", so
 * the id is all there is to tell them apart.
 */
function threadCpu(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = procTimes(`/proc/${pid}/task/${tid}/stat`);
      out.set(tid === String(pid) ? 'main' : tid, t.utime + t.stime);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Threads that used at least 20 ms since `before`, busiest first. */
function threadCpuSince(pid: number | undefined, before: Map<string, number>): string {
  return [...threadCpu(pid)]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, d]) => d >= 0.02)
    .sort((a, b) => b[1] - a[1])
    .map(([k, d]) => `${k} ${fmt(d)}`)
    .join(', ');
}

/**
 * User + system CPU seconds of the children `pid` has reaped: the rsync client's (this process
 * waits for it) or the daemon's (it waits for the receiver it forked per connection).
 */
function reapedCpu(pid: number | 'self'): number {
  const t = procTimes(`/proc/${pid}/stat`);
  return t.cutime + t.cstime;
}

let rsyncdPid = 0;

function rsync(args: string[], url = rsyncUrl): { seconds: number; wire: number; cpu: () => string } {
  const client0 = reapedCpu('self');
  const daemon0 = reapedCpu(rsyncdPid);
  const t = performance.now();
  const out = execFileSync('rsync', [...args, '--stats', `${src}/`, url], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - t) / 1000;
  const client = reapedCpu('self') - client0;
  const sent = Number(/Total bytes sent: ([\d,]+)/.exec(out)?.[1]?.replace(/,/g, '') ?? 0);
  const received = Number(/Total bytes received: ([\d,]+)/.exec(out)?.[1]?.replace(/,/g, '') ?? 0);
  // The daemon's receiver may be reaped a moment after the client ends: read it when asked.
  return { seconds, wire: sent + received, cpu: () => `client ${fmt(client)} s, daemon's receiver ${fmt(reapedCpu(rsyncdPid) - daemon0)} s` };
}

function mutate(small: string[], large: string[], fraction: number, tag: string): void {
  const all = [...small, ...large];
  const isLarge = new Set(large);
  const n = Math.max(2, Math.floor(all.length * fraction));
  for (let i = 0; i < n; i++) {
    const p = all[Math.floor(Math.random() * all.length)]!;
    if (i % 2 === 0) appendFileSync(p, randomBytes(4096 + Math.floor(Math.random() * 16384)));
    else if (isLarge.has(p)) appendFileSync(p, randomBytes(65536));
    else writeFileSync(p, randomBytes(Math.floor(Math.random() * 64 * 1024)));
  }
  mkdirSync(join(src, 'uploads', `new-${tag}`), { recursive: true });
  for (let i = 0; i < Math.max(1, n / 2); i++) writeFileSync(join(src, 'uploads', `new-${tag}`, `n${i}.jpg`), randomBytes(20000));
}

const fmt = (x: number): string => x.toFixed(2);
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
let rsyncUrl = '';

/** Untimed: writeback of the previous step must not land on the next one. */
function settleDisk(): void {
  execFileSync('sync');
}

async function main(): Promise<void> {
  requireBinary('rsync', 'rsync');
  requireBinary('ss', 'iproute2');
  if (!existsSync(join(packageRoot(), 'dist', 'cli', 'main.js'))) throw new Error('build first: npx tsc -p .');
  if (profDir !== '') mkdirSync(profDir, { recursive: true });
  console.log(`tree: ${sizeMb} MB under ${base}`);
  let t = performance.now();
  const tree = makeBenchTree();
  console.log(`generated ${tree.small.length} small + ${tree.large.length} large files in ${fmt((performance.now() - t) / 1000)} s`);
  mkdirSync(theirs);
  mkdirSync(theirsDurable);
  mkdirSync(ours);
  const rsyncd = await startRsyncd();
  rsyncUrl = rsyncd.url;
  rsyncdPid = rsyncd.child.pid!;
  settleDisk();

  const staging = await startAgent('staging', '127.0.0.2', src);
  const production = await startAgent('production', '127.0.0.3', ours);
  const stagingScan = await staging.watched(1);
  await production.watched(1);
  // A pull pauses production's watcher; it restarts (with a stat scan) after the pull, off the
  // clock. Each step waits for it, so no step pays for — or steals CPU from — the one before.
  let productionWatches = 1;
  const rewatched: number[] = [];
  const awaitRewatch = async (): Promise<void> => {
    productionWatches++;
    rewatched.push(await production.watched(productionWatches));
  };
  const token = randomBytes(16).toString('hex');
  await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token, root: 'site', ttl_seconds: 3600 });
  const parallelism = Number(arg('parallelism', '0'));
  const req = { peer_address: staging.address, transfer_token: token, staging_root: 'site', production_root: 'site', delete: true, parallelism };
  const verifyReq = { ...req, refresh: 'ASSET_REFRESH_STAT' as const };
  const rows: string[][] = [];
  const row = (name: string, goal: string, oursS: number, rsyncS: number, oursWire: string, rsyncWire: string): void => {
    rows.push([name, goal, fmt(oursS), fmt(rsyncS), `${fmt(rsyncS / oursS)}×`, oursWire, rsyncWire]);
  };
  /** CPU seconds of both agents from now: call the result when the step is done. */
  const agentsCpu = (): (() => string) => {
    const pids = { staging: staging.child.pid, production: production.child.pid };
    const at = Object.entries(pids).map(([name, pid]) => ({ name, pid, all: cpuSeconds(pid), sys: cpuSeconds(pid, 'sys'), main: cpuSeconds(pid, 'main') }));
    return () => at.map((a) => `${a.name} ${fmt(cpuSeconds(a.pid) - a.all)} s (system ${fmt(cpuSeconds(a.pid, 'sys') - a.sys)} s, main thread ${fmt(cpuSeconds(a.pid, 'main') - a.main)} s)`).join(', ');
  };
  const stagingPort = Number(staging.address.slice(staging.address.lastIndexOf(':') + 1));
  const wireMark = (): Map<string, number> => tcpCounters(production.child.pid!, stagingPort);
  const wireAfter = (mark: Map<string, number>): number => wireSince(mark, production.child.pid!, stagingPort);
  const ourPull = async (): Promise<{ seconds: number; result: Awaited<ReturnType<typeof pull>>['result']; wire: number }> => {
    const w0 = wireMark();
    const t0 = performance.now();
    const p = await pull(production.client, req);
    const seconds = (performance.now() - t0) / 1000;
    const wire = wireAfter(w0);
    if (wire < Number(p.result.bytes_wire)) throw new Error(`counted ${wire} B on the wire for a pull that received ${p.result.bytes_wire} B of chunks: production's connection to staging was not found`);
    return { seconds, result: p.result, wire };
  };

  console.log(`staging first scan (before any freeze; the watcher keeps it from then on): ${fmt(stagingScan)} s`);
  // 1. initial copy
  settleDisk();
  const r1 = rsync(['-a', '--delete']);
  settleDisk();
  const cpu1 = agentsCpu();
  const p1 = await ourPull();
  if (!p1.result.equal) throw new Error('initial copy not equal');
  console.log(`initial copy CPU: ${cpu1()}; rsync wall ${fmt(r1.seconds)} s`);
  row('initial copy', '≥ 1×', p1.seconds, r1.seconds, mb(p1.wire), mb(r1.wire));
  // After production's catch-up: its stat scan of the tree just written (seconds of a core)
  // must not share the CPU with rsync's timed run.
  const cpuCatchUp = agentsCpu();
  await awaitRewatch();
  console.log(`production catch-up after the initial copy (off the clock): ${fmt(rewatched[rewatched.length - 1]!)} s; CPU from the pull's end: ${cpuCatchUp()}`);
  settleDisk();
  const r1f = rsync(['-a', '--delete', '--fsync'], rsyncUrl.replace(/\/dst\/$/, '/dstfsync/'));
  rmSync(theirsDurable, { recursive: true, force: true });
  row('initial copy vs `rsync --fsync` (same durability; no goal)', '–', p1.seconds, r1f.seconds, '', mb(r1f.wire));
  // --idle S: what each agent holds once it has sat idle for S seconds, as between presync and the freeze.
  const reportIdle = async (): Promise<void> => {
    const idle = Number(arg('idle', '0'));
    if (idle <= 0) return;
    await sleep(idle * 1000);
    for (const a of [staging, production]) console.log(`${a.name} agent after ${idle} s idle: RSS ${fmt(statusMb(a.child.pid, 'VmRSS'))} MB (peak ${fmt(peakRssMb(a.child.pid))} MB)`);
  };
  const finish = async (): Promise<void> => {
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    await reportIdle();
    await production.stop();
    await staging.stop();
    rsyncd.child.kill('SIGTERM');
    if (!process.argv.includes('--keep')) rmSync(base, { recursive: true, force: true });
  };
  if (only === 'initial') {
    await finish();
    return;
  }

  // 2. delta after 1% replaced/appended and some added (--deltas N: N of them, one after another)
  const deltas = Math.max(1, Number(arg('deltas', '1')));
  let p2: Awaited<ReturnType<typeof ourPull>> | undefined;
  for (let k = 0; k < deltas; k++) {
    if (k > 0) await awaitRewatch();
    mutate(tree.small, tree.large, 0.01, k === 0 ? 'a' : `a${k}`);
    await sleep(500);
    settleDisk();
    const r2 = rsync(['-a', '--delete']);
    settleDisk();
    const cpu2 = agentsCpu();
    const threads2 = threadCpu(production.child.pid);
    p2 = await ourPull();
    if (!p2.result.equal) throw new Error('delta not equal');
    console.log(`delta CPU: ${cpu2()}; production's threads: ${threadCpuSince(production.child.pid, threads2)}; rsync's: ${r2.cpu()}`);
    // What the pull moved: a large file appended to (rebuilt whole on both sides) weighs on a delta.
    console.log(`delta pull: copied ${p2.result.files_copied} files (${p2.result.bytes_copied} B), chunk payload ${p2.result.bytes_wire} B, reused ${p2.result.bytes_reused} B`);
    row(k === 0 ? 'delta 1%' : `delta 1% (again, ${k + 1} of ${deltas})`, `≥ 1×, wire ≤ 1.5× (ours ${fmt(p2.wire / r2.wire)}×)`, p2.seconds, r2.seconds, mb(p2.wire), mb(r2.wire));
  }
  if (only === 'delta') {
    // Stops right after the delta, so the tail of a --prof profile is the delta itself.
    await finish();
    return;
  }
  await awaitRewatch();

  // 2b. the delta's costliest shape: large files appended to (each rebuilt whole on both sides)
  for (const p of tree.large.slice(0, 4)) appendFileSync(p, randomBytes(65536));
  await sleep(500);
  settleDisk();
  const r2b = rsync(['-a', '--delete']);
  settleDisk();
  const p2b = await ourPull();
  if (!p2b.result.equal) throw new Error('large-file append not equal');
  row('4 large files appended 64 KiB (part of the delta case; no goal of its own)', '–', p2b.seconds, r2b.seconds, mb(p2b.wire), mb(r2b.wire));
  if (only === 'append') {
    await finish();
    return;
  }
  await awaitRewatch();

  // 3. freeze window: delta + proof
  mutate(tree.small, tree.large, 0.01, 'b');
  await sleep(500);
  settleDisk();
  t = performance.now();
  const r3a = rsync(['-a', '--delete']);
  const r3b = rsync(['-ac', '--delete', '--dry-run']);
  const rsyncFreeze = (performance.now() - t) / 1000;
  settleDisk();
  t = performance.now();
  const w3 = wireMark();
  const p3 = await pull(production.client, req);
  const v3 = await call<object, VerifyAssetsResponse__Output>((r, cb) => production.client.VerifyAssets(r, cb), verifyReq);
  const oursFreeze = (performance.now() - t) / 1000;
  if (!p3.result.equal || !v3.equal) throw new Error('freeze window not equal');
  row('freeze window: delta + proof', '≥ 1×', oursFreeze, rsyncFreeze, mb(wireAfter(w3)), mb(r3a.wire + r3b.wire));
  await awaitRewatch();

  // 4. nothing changed
  settleDisk();
  const r4 = rsync(['-a', '--delete']);
  const p4 = await ourPull();
  if (Number(p4.result.bytes_wire) !== 0) throw new Error('no-change pull moved bytes');
  row('re-sync, nothing changed', '≥ 3×', p4.seconds, r4.seconds, mb(p4.wire), mb(r4.wire));

  // 5. verify throughput: a full re-hash of one tree vs sha256sum over it
  t = performance.now();
  const scan = await call<object, AssetScanRootResponse__Output>((r, cb) => staging.client.ScanRoot(r, cb), { root: 'site', refresh: 'ASSET_REFRESH_FULL' });
  const oursHash = (performance.now() - t) / 1000;
  t = performance.now();
  execFileSync('bash', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: src });
  const shaS = (performance.now() - t) / 1000;
  row(`full re-hash (verify: full) vs sha256sum, ${fmt(Number(scan.hashed_bytes) / oursHash / 1e6)} MB/s`, '≥ 0.8×', oursHash, shaS, '–', '–');

  console.log('\n| case | goal | ours s | rsync s | ratio (rsync/ours, >1 = faster) | wire ours | wire rsync |\n| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\npeak RSS: staging agent ${fmt(peakRssMb(staging.child.pid))} MB, production agent ${fmt(peakRssMb(production.child.pid))} MB`);
  console.log(`production watcher catch-up after each pull (off the clock): ${rewatched.map(fmt).join(', ')} s`);
  console.log('wire ours: TCP payload both ways on production\'s connections to staging (the kernel\'s tcp_info counters, read with ss); rsync: --stats sent + received');
  await reportIdle();

  await production.stop();
  await staging.stop();
  rsyncd.child.kill('SIGTERM');
  if (!process.argv.includes('--keep')) rmSync(base, { recursive: true, force: true });
}

await main();

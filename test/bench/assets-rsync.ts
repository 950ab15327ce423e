// Asset transfer against rsync over loopback, in one run on this machine.
//   node dist/test/bench/assets-rsync.js [--size MB] [--dir DIR] [--keep]
// Default 2048 MB: ~60% in large files (8–64 MB), the rest in small files (~32 KiB average,
// tens of thousands of them). rsync runs as a daemon on 127.0.0.1; the agents on 127.0.0.2/.3.
// Not part of `npm test`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VerifyAssetsResponse__Output } from '../../shared/proto-gen/switchyard/v1/VerifyAssetsResponse.js';
import type { AssetScanRootResponse__Output } from '../../shared/proto-gen/switchyard/v1/AssetScanRootResponse.js';
import { call, pull, startAssetsAgent, writeRandomFile } from '../helpers/tree-fixture.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const sizeMb = Number(arg('size', '2048'));
const base = mkdtempSync(join(arg('dir', tmpdir()), 'sy-bench-'));
const src = join(base, 'staging');
const ours = join(base, 'production');
const theirs = join(base, 'rsync-dst');

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
  const largeBudget = sizeMb * 1024 * 1024 * 0.6;
  mkdirSync(join(src, 'media'), { recursive: true });
  for (let done = 0, i = 0; done < largeBudget; i++) {
    const size = (8 + Math.floor(Math.random() * 56)) * 1024 * 1024;
    const p = join(src, 'media', `v${i}.bin`);
    writeRandomFile(p, size);
    large.push(p);
    done += size;
  }
  const smallBudget = sizeMb * 1024 * 1024 * 0.4;
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
  writeFileSync(conf, `use chroot = false\nread only = false\nuid = ${process.getuid?.() ?? 0}\ngid = ${process.getgid?.() ?? 0}\n[dst]\npath = ${theirs}\n`);
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const child = spawn('rsync', ['--daemon', '--no-detach', `--config=${conf}`, '--port', String(port), '--address', '127.0.0.1'], { stdio: 'ignore' });
    await sleep(300);
    if (child.exitCode === null) return { child, url: `rsync://127.0.0.1:${port}/dst/` };
  }
  throw new Error('rsync daemon would not start');
}

function rsync(args: string[]): { seconds: number; wire: number } {
  const t = performance.now();
  const out = execFileSync('rsync', [...args, '--stats', `${src}/`, rsyncUrl], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - t) / 1000;
  const sent = Number(/Total bytes sent: ([\d,]+)/.exec(out)?.[1]?.replace(/,/g, '') ?? 0);
  const received = Number(/Total bytes received: ([\d,]+)/.exec(out)?.[1]?.replace(/,/g, '') ?? 0);
  return { seconds, wire: sent + received };
}

function mutate(small: string[], large: string[], fraction: number, tag: string): void {
  const all = [...small, ...large];
  const n = Math.max(2, Math.floor(all.length * fraction));
  for (let i = 0; i < n; i++) {
    const p = all[Math.floor(Math.random() * all.length)]!;
    if (i % 2 === 0) appendFileSync(p, randomBytes(4096 + Math.floor(Math.random() * 16384)));
    else if (large.includes(p)) appendFileSync(p, randomBytes(65536));
    else writeFileSync(p, randomBytes(Math.floor(Math.random() * 64 * 1024)));
  }
  mkdirSync(join(src, 'uploads', `new-${tag}`), { recursive: true });
  for (let i = 0; i < Math.max(1, n / 2); i++) writeFileSync(join(src, 'uploads', `new-${tag}`, `n${i}.jpg`), randomBytes(20000));
}

const fmt = (x: number): string => x.toFixed(2);
let rsyncUrl = '';

async function main(): Promise<void> {
  requireBinary('rsync', 'rsync');
  console.log(`tree: ${sizeMb} MB under ${base}`);
  let t = performance.now();
  const tree = makeBenchTree();
  console.log(`generated ${tree.small.length} small + ${tree.large.length} large files in ${fmt((performance.now() - t) / 1000)} s`);
  mkdirSync(theirs);
  const rsyncd = await startRsyncd();
  rsyncUrl = rsyncd.url;

  t = performance.now();
  const staging = await startAssetsAgent('127.0.0.2', join(base, 's.sqlite'), { site: { path: src } }, true);
  const stagingScan = (performance.now() - t) / 1000;
  const production = await startAssetsAgent('127.0.0.3', join(base, 'p.sqlite'), { site: { path: ours } }, true);
  const token = randomBytes(16).toString('hex');
  await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token, root: 'site', ttl_seconds: 3600 });
  const req = { peer_address: staging.address, transfer_token: token, staging_root: 'site', production_root: 'site', delete: true };
  const verifyReq = { ...req, refresh: 'ASSET_REFRESH_STAT' as const };
  const rows: Array<[string, string, string, string]> = [];
  const row = (name: string, oursS: number, rsyncS: number, extra = ''): void => {
    rows.push([name, fmt(oursS), fmt(rsyncS), `${fmt(rsyncS / oursS)}x${extra}`]);
  };

  console.log(`staging first scan (before any freeze, watcher then keeps it): ${fmt(stagingScan)} s`);
  // 1. initial copy
  const r1 = rsync(['-a', '--delete']);
  t = performance.now();
  const p1 = await pull(production.client, req);
  row('initial copy', (performance.now() - t) / 1000, r1.seconds);
  if (!p1.result.equal) throw new Error('initial copy not equal');

  // 2. delta after 1% replaced/appended and some added
  mutate(tree.small, tree.large, 0.01, 'a');
  await sleep(300);
  const r2 = rsync(['-a', '--delete']);
  t = performance.now();
  const p2 = await pull(production.client, req);
  row('delta 1%', (performance.now() - t) / 1000, r2.seconds, `  wire ours/rsync ${fmt(Number(p2.result.bytes_wire) / r2.wire)} (${p2.result.bytes_wire} vs ${r2.wire})`);

  // 3. freeze window: delta + proof
  mutate(tree.small, tree.large, 0.01, 'b');
  await sleep(300);
  t = performance.now();
  const r3a = rsync(['-a', '--delete']);
  const r3b = rsync(['-ac', '--delete', '--dry-run']);
  const rsyncFreeze = (performance.now() - t) / 1000;
  void r3a;
  void r3b;
  t = performance.now();
  const p3 = await pull(production.client, req);
  const v3 = await call<object, VerifyAssetsResponse__Output>((r, cb) => production.client.VerifyAssets(r, cb), verifyReq);
  row('freeze: delta + proof', (performance.now() - t) / 1000, rsyncFreeze);
  if (!p3.result.equal || !v3.equal) throw new Error('freeze window not equal');

  // 4. nothing changed
  const r4 = rsync(['-a', '--delete']);
  t = performance.now();
  const p4 = await pull(production.client, req);
  row('re-sync, nothing changed', (performance.now() - t) / 1000, r4.seconds);
  if (Number(p4.result.bytes_wire) !== 0) throw new Error('no-change pull moved bytes');

  // 5. verify throughput: a full re-hash of one tree vs sha256sum over it
  t = performance.now();
  const scan = await call<object, AssetScanRootResponse__Output>((r, cb) => staging.client.ScanRoot(r, cb), { root: 'site', refresh: 'ASSET_REFRESH_FULL' });
  const oursHash = (performance.now() - t) / 1000;
  t = performance.now();
  execFileSync('bash', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: src });
  const shaS = (performance.now() - t) / 1000;
  row('full re-hash (verify: full) vs sha256sum', oursHash, shaS, `  (${fmt(Number(scan.hashed_bytes) / oursHash / 1e6)} MB/s)`);

  console.log('\n| case | switchyard s | rsync s | ratio (rsync/ours, >1 = faster) |\n| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\npeak RSS of this process (both agents + bench): ${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
  console.log(`delta pull: copied ${p2.result.files_copied} files, wire ${p2.result.bytes_wire} B, reused ${p2.result.bytes_reused} B`);

  await production.stop();
  await staging.stop();
  rsyncd.child.kill('SIGTERM');
  if (!process.argv.includes('--keep')) rmSync(base, { recursive: true, force: true });
  void readdirSync;
}

await main();

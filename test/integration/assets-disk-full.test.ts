// Production's asset root on a small file system of its own (a tmpfs this test mounts): a pull
// that fills it, or finds it read-only, fails with SY_FILESYSTEM naming the errno's meaning, the
// path inside the root and what to do; no file at a final path is half written, no half-written
// temporary file takes space, and the pull run again once the file system is fixed ends equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromGrpcError, type SwitchyardError } from '../../shared/errors.js';
import { call, pull, snapshotTree, startAssetPair, startAssetsAgent, writeRandomFile } from '../helpers/tree-fixture.js';

function mountTmpfs(t: { after(fn: () => void): void }, at: string, size: string): void {
  mkdirSync(at);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test mounts a ${size} tmpfs and needs root with mount(8) for it: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
  t.after(() => execFileSync('umount', ['-l', at]));
}

async function pullError(run: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await run;
  } catch (err) {
    return fromGrpcError(err);
  }
  assert.fail('the pull succeeded');
}

/** Every regular file outside temporary names has staging's bytes: none is half written. */
function assertNoPartialFile(stagingRoot: string, productionRoot: string): void {
  const staging = new Map(snapshotTree(stagingRoot).files.split('\n').map((l) => [l.slice(66), l.slice(0, 64)]));
  for (const line of snapshotTree(productionRoot).files.split('\n').filter((l) => l !== '')) {
    const path = line.slice(66);
    if (path.split('/').pop()!.startsWith('.sy-part-')) continue;
    assert.equal(line.slice(0, 64), staging.get(path), `${path} is complete or absent`);
  }
}

const partFiles = (root: string): string => execFileSync('find', ['.', '-name', '.sy-part-*', '-size', '+0'], { cwd: root, encoding: 'utf8' }).trim();

test('a disk full during a pull: SY_FILESYSTEM naming ENOSPC, the path and what to do; nothing half written; the rerun after freeing space ends equal; then a read-only file system', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-disk-full-'));
  const mnt = join(dir, 'mnt');
  mountTmpfs(t, mnt, '4m');
  const stagingRoot = join(dir, 'staging');
  mkdirSync(join(stagingRoot, 'small'), { recursive: true });
  // 6 MB of small files and a 3 MB large one, for 4 MB of room.
  for (let i = 0; i < 200; i++) writeFileSync(join(stagingRoot, 'small', `f${String(i).padStart(3, '0')}`), randomBytes(30_000));
  mkdirSync(join(stagingRoot, 'big'));
  writeRandomFile(join(stagingRoot, 'big/b.bin'), 3 * 1024 * 1024);
  const productionRoot = join(mnt, 'root');
  mkdirSync(productionRoot);
  const pair = await startAssetPair(t, dir, stagingRoot, productionRoot, 'disk-full-token-0123456789');

  const full = await pullError(pull(pair.production.client, pair.req));
  assert.equal(full.code, 'SY_FILESYSTEM', full.message);
  assert.match(full.message, /no space left on device \(ENOSPC/);
  assert.match(full.message, /asset root "uploads"/);
  assert.match(full.message, /free space on the file system that holds .*then run the pull again/);
  const path = full.details?.path;
  assert.equal(typeof path, 'string', 'the path travels in the details');
  assert.ok(existsSync(join(stagingRoot, path as string)), `${String(path)} is a path of the tree, relative to the root`);
  assert.ok(full.message.includes(`at ${JSON.stringify(path)}`), 'the message names the path');
  assert.equal(full.details?.errno, 'ENOSPC');
  assertNoPartialFile(stagingRoot, productionRoot);
  // Small files' temporary files that could not be written whole are gone (a large file's stays, to resume).
  assert.deepEqual(partFiles(productionRoot).split('\n').filter((l) => l !== '' && !l.startsWith('./big/')), []);

  execFileSync('mount', ['-o', 'remount,size=32m', mnt]);
  const again = await pull(pair.production.client, pair.req);
  assert.equal(again.result.equal, true);
  const a = snapshotTree(stagingRoot);
  const b = snapshotTree(productionRoot);
  assert.equal(b.files, a.files);
  assert.equal(b.modes, a.modes);
  assert.equal(partFiles(productionRoot), '');

  // The file system turned read-only (as the kernel does after disk errors).
  writeFileSync(join(stagingRoot, 'small/f007'), 'changed on staging');
  execFileSync('mount', ['-o', 'remount,ro', mnt]);
  const ro = await pullError(pull(pair.production.client, { ...pair.req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' }));
  assert.equal(ro.code, 'SY_FILESYSTEM', ro.message);
  assert.match(ro.message, /read-only file system \(EROFS/);
  assert.match(ro.message, /at "small\/f007"/);
  assert.match(ro.message, /remount it read-write/);
  execFileSync('mount', ['-o', 'remount,rw', mnt]);
  const rw = await pull(pair.production.client, { ...pair.req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
  assert.equal(rw.result.equal, true);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

// Before, this pull never ended: bounded, so that is a failure rather than a hang.
test('the disk that fills holds the production agent\'s state file too: SY_FILESYSTEM, the agent lives on, and the rerun after freeing space ends equal', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-disk-full-'));
  const mnt = join(dir, 'mnt');
  mountTmpfs(t, mnt, '4m');
  const stagingRoot = join(dir, 'staging');
  mkdirSync(join(stagingRoot, 'small'), { recursive: true });
  // Many small files: the manifest's rows grow the state file's log as the root fills.
  for (let i = 0; i < 2000; i++) writeFileSync(join(stagingRoot, 'small', `f${String(i).padStart(4, '0')}`), randomBytes(2500));
  const productionRoot = join(mnt, 'root');
  mkdirSync(productionRoot);
  const staging = await startAssetsAgent('127.0.0.2', join(dir, 's.sqlite'), { uploads: { path: stagingRoot } });
  const production = await startAssetsAgent('127.0.0.3', join(mnt, 'p.sqlite'), { uploads: { path: productionRoot } });
  t.after(async () => {
    await production.stop();
    await staging.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: 'state-full-token-0123456789', root: 'uploads', ttl_seconds: 600 });
  const req = { peer_address: staging.address, transfer_token: 'state-full-token-0123456789', staging_root: 'uploads', production_root: 'uploads', delete: true };

  const full = await pullError(pull(production.client, req));
  assert.equal(full.code, 'SY_FILESYSTEM', full.message);
  assert.match(full.message, /(no space left on device \(ENOSPC|database or disk is full \(SQLITE_FULL\))/);
  assertNoPartialFile(stagingRoot, productionRoot);
  // Still answering.
  await call((r, cb) => production.client.ScanRoot(r, cb), { root: 'uploads' }).catch((err: unknown) => assert.equal(fromGrpcError(err).code, 'SY_FILESYSTEM'));

  execFileSync('mount', ['-o', 'remount,size=32m', mnt]);
  const again = await pull(production.client, req);
  assert.equal(again.result.equal, true);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
  assert.equal(partFiles(productionRoot), '');
});

test('a large file changed on staging after a disk-full failure: the rerun reuses its partial file instead of writing a second one beside it, and the ENOSPC message says how much partial files hold', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-disk-full-'));
  const mnt = join(dir, 'mnt');
  mountTmpfs(t, mnt, '2m');
  const stagingRoot = join(dir, 'staging');
  mkdirSync(stagingRoot);
  const big = join(stagingRoot, 'big.bin');
  writeRandomFile(big, 3 * 1024 * 1024);
  const productionRoot = join(mnt, 'root');
  mkdirSync(productionRoot);
  const pair = await startAssetPair(t, dir, stagingRoot, productionRoot, 'disk-full-token-0123456789');

  const full = await pullError(pull(pair.production.client, pair.req));
  assert.equal(full.code, 'SY_FILESYSTEM', full.message);
  assert.equal(full.details?.errno, 'ENOSPC');
  assert.match(full.message, /1 partial file kept to resume a large file \(\.sy-part-\* in the root\) holds [\d.]+ MB of that space/);
  assert.ok(Number(full.details?.partialBytes) > 1024 * 1024, `partial bytes in the details: ${String(full.details?.partialBytes)}`);
  assert.equal(partFiles(productionRoot).split('\n').length, 1);

  // Staging changes the file's last bytes; production's disk gets room for one copy, not two.
  const fd = openSync(big, 'r+');
  writeSync(fd, randomBytes(100_000), 0, 100_000, 3 * 1024 * 1024 - 100_000);
  closeSync(fd);
  execFileSync('mount', ['-o', 'remount,size=4m', mnt]);
  const again = await pull(pair.production.client, { ...pair.req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
  assert.equal(again.result.equal, true);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
  assert.equal(partFiles(productionRoot), '');
  // The chunks the partial file held that the changed file still has were not fetched again.
  assert.ok(Number(again.result.bytes_resumed) > 1024 * 1024, `resumed ${again.result.bytes_resumed}`);
  assert.ok(Number(again.result.bytes_wire) < 2 * 1024 * 1024, `fetched ${again.result.bytes_wire}`);
});

test('a large file made small on staging after a disk-full failure: the rerun removes its partial file before writing the small one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-disk-full-'));
  const mnt = join(dir, 'mnt');
  mountTmpfs(t, mnt, '2m');
  const stagingRoot = join(dir, 'staging');
  mkdirSync(stagingRoot);
  writeRandomFile(join(stagingRoot, 'big.bin'), 3 * 1024 * 1024);
  const productionRoot = join(mnt, 'root');
  mkdirSync(productionRoot);
  const pair = await startAssetPair(t, dir, stagingRoot, productionRoot, 'disk-full-token-0123456789');
  const full = await pullError(pull(pair.production.client, pair.req));
  assert.equal(full.details?.errno, 'ENOSPC', full.message);
  assert.notEqual(partFiles(productionRoot), '');

  // No space freed: the partial file alone fills the disk.
  writeFileSync(join(stagingRoot, 'big.bin'), randomBytes(100_000));
  const again = await pull(pair.production.client, { ...pair.req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
  assert.equal(again.result.equal, true);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
  assert.equal(partFiles(productionRoot), '');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { VerifyAssetsResponse__Output } from '../../shared/proto-gen/switchyard/v1/VerifyAssetsResponse.js';
import Database from 'better-sqlite3';
import { DIGEST_PAGE_SQL, forEachDigestPage } from '../../agent/assets/manifest-store.js';
import { digestOfBlocks } from '../../agent/assets/tree-digest.js';
import { ESCAPING_LINKS, call, makeTree, pull, snapshotTree, startAssetPair, writeRandomFile } from '../helpers/tree-fixture.js';

const TOKEN = 'tok-0123456789abcdef-assets';

function partFiles(root: string): string {
  return execFileSync('bash', ['-c', "find . -name '.sy-part-*'"], { cwd: root, encoding: 'utf8' }).trim();
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, withTree = true) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-assets-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  if (withTree) makeTree(stagingRoot, { smallFiles: 2000, largeFiles: [50 * 1024 * 1024] });
  else mkdirSync(stagingRoot);
  const { staging, production, req, productionState } = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  return { dir, stagingRoot, productionRoot, staging, production, req, productionState };
}

/**
 * The digest production keeps cached for the root (the pull's own answer, read ahead on a file
 * thread while directories were finished) is the digest of its manifest's rows as they are now.
 */
function assertCachedDigestCurrent(stateFile: string, equalTo: string | undefined): void {
  const db = new Database(stateFile, { readonly: true });
  try {
    const cached = (db.prepare("SELECT digest FROM asset_roots WHERE root = 'uploads'").get() as { digest: string | null }).digest;
    assert.notEqual(cached, null, 'the pull left its digest cached');
    const page = db.prepare(DIGEST_PAGE_SQL);
    const fresh = digestOfBlocks((visit) => forEachDigestPage(page, 'uploads', visit));
    assert.deepEqual(JSON.parse(cached!), fresh);
    if (equalTo !== undefined) assert.equal(fresh.digest, equalTo);
  } finally {
    db.close();
  }
}

function assertSameTrees(stagingRoot: string, productionRoot: string): void {
  const a = snapshotTree(stagingRoot, ESCAPING_LINKS);
  const b = snapshotTree(productionRoot);
  assert.equal(b.files, a.files, 'sha256sum of every file');
  assert.equal(b.modes, a.modes, 'types and modes');
  assert.equal(b.links, a.links, 'symlink targets');
  assert.equal(b.mtimes, a.mtimes, "every entry's mtime, to the microsecond");
}

test('initial copy, delta with reuse, delete, and verify: trees identical by sha256sum, modes and link targets', async (t) => {
  const { stagingRoot, productionRoot, staging, production, req, productionState } = await setup(t);

  const first = await pull(production.client, req);
  assert.ok(first.progress.length > 0, 'progress events flow');
  assert.ok(Number(first.result.files_copied) > 2000);
  assert.deepEqual(first.result.refused.map((r) => r.split(':')[0]).sort(), [...ESCAPING_LINKS].sort());
  assert.equal(first.result.equal, false, 'escaping links are refused, so the digests differ by exactly them');
  assertSameTrees(stagingRoot, productionRoot);
  assert.ok(!existsSync(join(productionRoot, 'link-escape')) && !existsSync(join(productionRoot, 'link-abs')));
  assert.equal(partFiles(productionRoot), '');

  // Escaping links removed on staging: from here the trees must be equal by digest too.
  for (const l of ESCAPING_LINKS) unlinkSync(join(stagingRoot, l));
  // Delta: a renamed large file, an appended file, a replaced one, new files, a deleted one, a duplicate.
  renameSync(join(stagingRoot, 'media/big-0.bin'), join(stagingRoot, 'media/renamed big.bin'));
  appendFileSync(join(stagingRoot, 'uploads/d0001/f100.dat'), randomBytes(5000));
  writeFileSync(join(stagingRoot, 'uploads/d0002/f200.dat'), randomBytes(7000));
  writeFileSync(join(stagingRoot, 'new file ✓.txt'), 'new\n');
  unlinkSync(join(stagingRoot, 'uploads/d0003/f300.dat'));
  execFileSync('cp', ['-p', join(stagingRoot, 'media/renamed big.bin'), join(stagingRoot, 'uploads/dup.bin')]);
  const second = await pull(production.client, req);
  assert.equal(second.result.equal, true);
  assert.deepEqual(second.result.refused, []);
  assert.ok(Number(second.result.bytes_wire) < 1024 * 1024, `only changed bytes travel, got ${second.result.bytes_wire}`);
  assert.ok(Number(second.result.bytes_reused) >= 2 * 50 * 1024 * 1024, 'rename and duplicate come from local chunks');
  assert.ok(Number(second.result.entries_deleted) >= 2, 'old name and deleted file are gone');
  assertSameTrees(stagingRoot, productionRoot);
  assertCachedDigestCurrent(productionState, second.result.staging?.digest);

  // A directory's mode changed, a new directory: their rows change after the digest was read ahead.
  chmodSync(join(stagingRoot, 'uploads/d0001'), 0o750);
  mkdirSync(join(stagingRoot, 'fresh dir'), { mode: 0o700 });
  writeFileSync(join(stagingRoot, 'fresh dir/a.txt'), 'a');
  const modes = await pull(production.client, req);
  assert.equal(modes.result.equal, true);
  // Equal at its first ending: a wrong digest there would have been redone from whole listings.
  assert.equal(modes.result.from_journal, true);
  assertSameTrees(stagingRoot, productionRoot);
  assertCachedDigestCurrent(productionState, modes.result.staging?.digest);

  // Nothing changed: the digests agree and nothing moves.
  const third = await pull(production.client, { ...req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
  assert.equal(third.result.equal, true);
  assert.equal(Number(third.result.files_copied), 0);
  assert.equal(Number(third.result.bytes_wire), 0);

  const verifyReq = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads' };
  const verify = (refresh: 'ASSET_REFRESH_FULL' | 'ASSET_REFRESH_STAT') =>
    call<object, VerifyAssetsResponse__Output>((r, cb) => production.client.VerifyAssets(r, cb), { ...verifyReq, refresh });
  const ok = await verify('ASSET_REFRESH_FULL');
  assert.equal(ok.equal, true);
  assert.equal(ok.staging?.digest, ok.production?.digest);

  // Tamper with production behind the manifest's back: same size, new bytes; and an extra file.
  writeFileSync(join(productionRoot, 'with space.txt'), 'SPACES are fine\n');
  writeFileSync(join(productionRoot, 'extra.txt'), 'x');
  const bad = await verify('ASSET_REFRESH_STAT');
  assert.equal(bad.equal, false);
  const byPath = Object.fromEntries(bad.differences.map((d) => [d.path, d.kind]));
  assert.deepEqual(byPath, { 'with space.txt': 'differs', 'extra.txt': 'extra' });
});

test('staging changes during the copy: a modified file is sent again, a deleted one is handled', async (t) => {
  const { stagingRoot, productionRoot, production, req } = await setup(t, false);
  makeTree(stagingRoot, { smallFiles: 200, largeFiles: [] });
  for (const l of ESCAPING_LINKS) unlinkSync(join(stagingRoot, l));
  // Many large files so the copy is still running when we touch two of them.
  for (let i = 0; i < 12; i++) writeRandomFile(join(stagingRoot, `media/m${String(i).padStart(2, '0')}.bin`), 8 * 1024 * 1024);
  const running = pull(production.client, { ...req, parallelism: 1, bandwidth_limit_bytes_per_second: 40 * 1024 * 1024 });
  await new Promise((r) => setTimeout(r, 700));
  writeRandomFile(join(stagingRoot, 'media/m11.bin'), 9 * 1024 * 1024);
  unlinkSync(join(stagingRoot, 'media/m10.bin'));
  const { result } = await running;
  assert.ok(Number(result.files_changed_during_copy) + Number(result.files_vanished_during_copy) >= 1, JSON.stringify(result));
  // A rerun settles anything that changed after its file had already been copied.
  const again = await pull(production.client, req);
  assert.equal(again.result.equal, true);
  assertSameTrees(stagingRoot, productionRoot);
  assert.ok(!existsSync(join(productionRoot, 'media/m10.bin')));
  assert.equal(partFiles(productionRoot), '');
});

test('bandwidth limit holds the rate down', async (t) => {
  const { stagingRoot, production, req } = await setup(t, false);
  makeTree(stagingRoot, { smallFiles: 0, largeFiles: [6 * 1024 * 1024] });
  const started = performance.now();
  const { result } = await pull(production.client, { ...req, bandwidth_limit_bytes_per_second: 4 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds >= 1.2, `6 MiB at 4 MiB/s took ${seconds.toFixed(2)} s`);
  assert.ok(Number(result.bytes_wire) >= 6 * 1024 * 1024);
  assert.ok(readdirSync(join(stagingRoot, 'media')).length === 1);
});

// Production's write and delete paths against a hostile or awkward staging: a staging agent faked
// here (its listing and its bytes are whatever the test says), or a real one whose tree the test
// shapes. Nothing may be written, chmod'ed or deleted outside production's root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { VerifyAssetsResponse__Output } from '../../shared/proto-gen/switchyard/v1/VerifyAssetsResponse.js';
import type { AssetManifestEntry } from '../../shared/proto-gen/switchyard/v1/AssetManifestEntry.js';
import { CHUNK_SIZE } from '../../agent/assets/chunking.js';
import { partName } from '../../agent/assets/copy-file.js';
import { call, pull, startAssetPair } from '../helpers/tree-fixture.js';
import { fakeAssetsStaging, productionFacing, type FakeStaging } from '../helpers/fake-staging.js';

interface FakeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode?: number;
  data?: Buffer;
  target?: string;
}

function wire(e: FakeEntry): AssetManifestEntry {
  const mtime = '1700000000000000000';
  if (e.type === 'file') {
    const data = e.data ?? Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for (let off = 0; off < data.length; off += CHUNK_SIZE) chunks.push(createHash('sha256').update(data.subarray(off, off + CHUNK_SIZE)).digest());
    return { path: e.path, type: 'file', mode: e.mode ?? 0o644, size: data.length, mtime_ns: mtime, sha256: createHash('sha256').update(data).digest(), chunks: chunks.length > 1 ? Buffer.concat(chunks) : Buffer.alloc(0), target: '' };
  }
  return { path: e.path, type: e.type, mode: e.mode ?? (e.type === 'dir' ? 0o755 : 0o777), size: 0, mtime_ns: mtime, sha256: Buffer.alloc(0), chunks: Buffer.alloc(0), target: e.target ?? '' };
}

/** A staging agent that lists `tree.entries` (settable between pulls) and serves their bytes. */
function fakeStaging(tree: { entries: FakeEntry[]; served?: Map<string, Buffer> }): Promise<FakeStaging> {
  return fakeAssetsStaging({
    TreeDigest: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { digest: 'fake', files: 1 }),
    ListManifest: (call: grpc.ServerWritableStream<{ paths: string[] }, object>) => {
      const wanted = call.request.paths;
      const entries = tree.entries.filter((e) => wanted.length === 0 || wanted.includes(e.path)).map(wire);
      call.write({ entries, chunk_size: CHUNK_SIZE, summary: { digest: 'fake' }, journal_epoch: 'e', journal_seq: 1, complete: true });
      call.end();
    },
    Fetch: (call: grpc.ServerDuplexStream<{ request_id: string; path: string; chunk_indexes: number[] }, object>) => {
      call.on('data', (req) => {
        const e = tree.entries.find((x) => x.path === req.path);
        const data = tree.served?.get(req.path) ?? e?.data ?? Buffer.alloc(0);
        for (const index of req.chunk_indexes) call.write({ request_id: req.request_id, chunk: { index, data: data.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE) } });
        call.write({ request_id: req.request_id, end: { status: 'ok' } });
      });
      call.on('end', () => call.end());
    },
  });
}

async function fakePair(t: { after: (fn: () => Promise<void>) => void }, allowExternalSymlinks: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-wsafe-'));
  const root = join(dir, 'root');
  const outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const tree: { entries: FakeEntry[]; served?: Map<string, Buffer> } = { entries: [] };
  const evil = await fakeStaging(tree);
  const { production, req } = await productionFacing(t, dir, evil, { path: root, allowExternalSymlinks });
  return { dir, root, outside, tree, production, req };
}

const TOKEN = 'tok-0123456789abcdef-wsafe';

/** A real staging agent and a production agent, both over empty roots. */
async function realPair(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-wsafe-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  mkdirSync(stagingRoot);
  const pair = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  return { dir, stagingRoot, productionRoot, ...pair };
}

test('a directory listed below a link made in the same pull is not finished through that link', async (t) => {
  // allowExternalSymlinks: the link itself may point outside; nothing may be written through it.
  const { root, outside, tree, production, req } = await fakePair(t, true);
  mkdirSync(join(outside, 'victim'));
  chmodSync(join(outside, 'victim'), 0o755);
  const before = statSync(join(outside, 'victim'));
  tree.entries = [{ path: 'a', type: 'dir' }];
  await pull(production.client, req);
  assert.ok(lstatSync(join(root, 'a')).isDirectory());
  // Staging now says `a` is a link out of the root, and lists a directory "below" it: the
  // directory is made while `a` is still a real directory, then `a` is replaced by the link,
  // and the directories' modes and mtimes are set last.
  tree.entries = [
    { path: 'a', type: 'symlink', target: outside },
    { path: 'a/victim', type: 'dir', mode: 0o777 },
  ];
  await pull(production.client, req).catch(() => undefined);
  assert.ok(lstatSync(join(root, 'a')).isSymbolicLink());
  const after = statSync(join(outside, 'victim'));
  assert.equal((after.mode & 0o7777).toString(8), '755', 'the mode of a directory outside the root is untouched');
  assert.equal(after.mtimeMs, before.mtimeMs, 'its mtime too');
});

test('a directory replaced by a link on staging: its old rows leave the manifest, and a pull without delete ends equal', async (t) => {
  const { stagingRoot, productionRoot, production, req } = await realPair(t);
  mkdirSync(join(stagingRoot, 'a'));
  writeFileSync(join(stagingRoot, 'a/x'), 'x');
  mkdirSync(join(stagingRoot, 'b'));
  const first = await pull(production.client, { ...req, delete: false });
  assert.equal(first.result.equal, true);
  rmSync(join(stagingRoot, 'a'), { recursive: true });
  symlinkSync('b', join(stagingRoot, 'a'));
  const second = await pull(production.client, { ...req, delete: false });
  assert.ok(lstatSync(join(productionRoot, 'a')).isSymbolicLink());
  assert.deepEqual(readdirSync(join(productionRoot, 'a')), [], 'the link leads to the empty b');
  assert.equal(second.result.production?.files, '0', 'a/x is gone from the manifest with its directory');
  assert.equal(second.result.equal, true);
});

test('a link left from an earlier pull that a link made now leads out of the root is removed and refused', async (t) => {
  const { stagingRoot, productionRoot, production, req } = await realPair(t);
  mkdirSync(join(stagingRoot, 'a/b/s'), { recursive: true });
  writeFileSync(join(stagingRoot, 'a/b/s/f'), 'f');
  symlinkSync('a/b/s/..', join(stagingRoot, 't')); // lexically a/b: inside
  const first = await pull(production.client, req);
  assert.equal(first.result.equal, true);
  assert.equal(realpathSync.native(join(productionRoot, 't')), join(realpathSync.native(productionRoot), 'a/b'));
  // a/b/s becomes a link to the root (inside, lexically and on disk): t, unchanged, now leads
  // to the root's parent.
  rmSync(join(stagingRoot, 'a/b/s'), { recursive: true });
  symlinkSync('../..', join(stagingRoot, 'a/b/s'));
  const second = await pull(production.client, req);
  assert.ok(lstatSync(join(productionRoot, 'a/b/s')).isSymbolicLink(), 'the link made is inside and stays');
  assert.ok(!existsSync(join(productionRoot, 't')), 't, which now leads out of the root, is gone');
  // Named again by the pull from whole listings that follows one from the journals not ending equal.
  assert.deepEqual([...new Set(second.result.refused.map((r) => r.split(':')[0]))], ['t']);
  assert.equal(second.result.equal, false, 'production lacks t, which staging has');
});

test('set-user-ID and set-group-ID bits from staging are not put on production files, and the pull says so', async (t) => {
  const { stagingRoot, productionRoot, production, req } = await realPair(t);
  writeFileSync(join(stagingRoot, 'tool'), '#!/bin/sh\nid\n');
  chmodSync(join(stagingRoot, 'tool'), 0o6755);
  writeFileSync(join(stagingRoot, 'big-tool'), Buffer.alloc(2 * CHUNK_SIZE, 1));
  chmodSync(join(stagingRoot, 'big-tool'), 0o4711);
  mkdirSync(join(stagingRoot, 'shared'));
  chmodSync(join(stagingRoot, 'shared'), 0o2775);
  const modeOf = (p: string): string => (statSync(join(productionRoot, p)).mode & 0o7777).toString(8);
  const first = await pull(production.client, req);
  assert.equal(modeOf('tool'), '755');
  assert.equal(modeOf('big-tool'), '711');
  assert.equal(modeOf('shared'), '2775', "a directory's set-group-ID bit is mirrored");
  assert.deepEqual(first.result.refused.map((r) => r.split(':')[0]).sort(), ['big-tool', 'tool']);
  assert.equal(first.result.equal, false, 'the modes differ from staging');
  // The next pull fixes metadata only — and again leaves the bits off, and says so.
  const second = await pull(production.client, req);
  assert.equal(Number(second.result.files_copied), 0);
  assert.equal(modeOf('tool'), '755');
  assert.equal(modeOf('big-tool'), '711');
  assert.deepEqual([...new Set(second.result.refused.map((r) => r.split(':')[0]))].sort(), ['big-tool', 'tool']);
});

test('a peer listing a path with a temporary file name is refused: production would never see that file again', async (t) => {
  const { root, tree, production, req } = await fakePair(t, false);
  const part = '.sy-part-0123456789abcdef-0123456789abcdef';
  for (const path of [part, `d/${part}/x.php`]) {
    tree.entries = [{ path: 'd', type: 'dir' }, { path, type: 'file', data: Buffer.from('<?php evil();') }].sort((a, b) => (a.path < b.path ? -1 : 1)) as FakeEntry[];
    await assert.rejects(pull(production.client, req), (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT && err.metadata.get('switchyard-error-code')[0] === 'SY_PATH_UNSAFE', path);
    assert.ok(!existsSync(join(root, path)), `${path} not written`);
  }
});

test("a site's own file whose name merely starts like a temporary file's is mirrored and verified", async (t) => {
  const { stagingRoot, productionRoot, staging, production, req } = await realPair(t);
  writeFileSync(join(stagingRoot, '.sy-part-notes.txt'), 'the site keeps notes here');
  mkdirSync(join(stagingRoot, '.sy-part-old'));
  writeFileSync(join(stagingRoot, '.sy-part-old/x'), 'x');
  // A real temporary file's name (a leftover on staging, from when it was a pull's target) stays out.
  writeFileSync(join(stagingRoot, '.sy-part-0123456789abcdef-0123456789abcdef'), 'half a file');
  const { result } = await pull(production.client, req);
  assert.equal(result.equal, true);
  assert.deepEqual(readdirSync(productionRoot).sort(), ['.sy-part-notes.txt', '.sy-part-old']);
  assert.equal(result.production?.files, '2');
  // verify from disk sees a difference in such a file
  writeFileSync(join(productionRoot, '.sy-part-notes.txt'), 'changed on production');
  const verify = await call<object, VerifyAssetsResponse__Output>((r, cb) => production.client.VerifyAssets(r, cb), {
    peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', refresh: 'ASSET_REFRESH_STAT',
  });
  assert.equal(verify.equal, false);
  assert.deepEqual(verify.differences.map((d) => d.path), ['.sy-part-notes.txt']);
});

test('a temporary file left in a directory that became a link is not removed through the link', async (t) => {
  const { root, outside, tree, production, req } = await fakePair(t, true);
  const big = Buffer.alloc(2 * CHUNK_SIZE, 3);
  tree.entries = [{ path: 'a', type: 'dir' }, { path: 'a/big', type: 'file', data: big }];
  // Staging breaks off mid-file (a short chunk): the temporary file stays, recorded, for a resume.
  tree.served = new Map([['a/big', big.subarray(0, CHUNK_SIZE + 5)]]);
  await assert.rejects(pull(production.client, req));
  const part = partName('a/big', createHash('sha256').update(big).digest());
  assert.ok(existsSync(join(root, 'a', part)), 'left for a resume');
  // Outside the root, a file of the same name (another root's own leftover, say).
  writeFileSync(join(outside, part), 'not the pull\'s to remove');
  tree.served = undefined;
  tree.entries = [{ path: 'a', type: 'symlink', target: outside }];
  await pull(production.client, req);
  assert.ok(lstatSync(join(root, 'a')).isSymbolicLink());
  assert.ok(existsSync(join(outside, part)), 'the file outside the root is still there');
});

test('temporary files a crash left, for files that changed since, are removed by the next pull', async (t) => {
  const { stagingRoot, productionRoot, production, req } = await realPair(t);
  mkdirSync(join(stagingRoot, 'd'));
  writeFileSync(join(stagingRoot, 'd/f'), 'v1');
  symlinkSync('f', join(stagingRoot, 'd/l'));
  await pull(production.client, req);
  // What a kill between writing and renaming leaves: a small file's and a link's temporary files,
  // for versions staging no longer has.
  const smallPart = partName('d/f', createHash('sha256').update('v2').digest());
  const linkPart = partName('d/l', Buffer.from('g'));
  writeFileSync(join(productionRoot, 'd', smallPart), 'v2');
  symlinkSync('g', join(productionRoot, 'd', linkPart));
  writeFileSync(join(stagingRoot, 'd/f'), 'v3');
  const { result } = await pull(production.client, { ...req, production_refresh: 'ASSET_REFRESH_STAT' });
  assert.equal(result.equal, true);
  assert.deepEqual(readdirSync(join(productionRoot, 'd')).sort(), ['f', 'l']);
});

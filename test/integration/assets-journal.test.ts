// Pulls planned from the change journals: after one equal pull, the next lists only what either
// side changed since — and still ends in a tree equal byte for byte, checked with sha256sum, not
// with the agents' digests. A journal that misses a change costs a second, whole-listing pull,
// never a wrong tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { call, pull, snapshotTree, startAssetPair, startAssetsAgent } from '../helpers/tree-fixture.js';
import { connectAssetsPeer } from '../../agent/assets/peer-client.js';
import { sameMtime } from '../../agent/assets/mtime.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { AssetListManifestRequest } from '../../shared/proto-gen/switchyard/v1/AssetListManifestRequest.js';
import type { AssetManifestBatch__Output } from '../../shared/proto-gen/switchyard/v1/AssetManifestBatch.js';
import type { AssetTreeSummary__Output } from '../../shared/proto-gen/switchyard/v1/AssetTreeSummary.js';

const TOKEN = 'tok-journal-0123456789abcdef';

function writeTree(root: string): void {
  for (const d of ['a', 'b/c', 'd']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'a', '1.txt'), randomBytes(5_000));
  writeFileSync(join(root, 'a', '2.txt'), randomBytes(6_000));
  writeFileSync(join(root, 'b', 'c', '3.txt'), randomBytes(7_000));
  writeFileSync(join(root, 'b', 'c', '4.txt'), randomBytes(300_000));
  writeFileSync(join(root, 'd', '5.txt'), randomBytes(8_000));
  writeFileSync(join(root, 'top.txt'), randomBytes(9_000));
}

test('a pull after an equal one is planned from both journals and ends byte-identical; a missed change costs a whole listing, not a wrong tree', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-journal-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  writeTree(stagingRoot);
  const { staging, production, stagingState, productionState, req: base } = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  // A second connection to each state file, as an operator's sqlite3 would have.
  const sdb = new Database(stagingState);
  const pdb = new Database(productionState);
  t.after(async () => {
    sdb.close();
    pdb.close();
  });
  const req = { ...base, staging_refresh: 'ASSET_REFRESH_STAT' as const, production_refresh: 'ASSET_REFRESH_STAT' as const };
  const same = (): void => {
    const s = snapshotTree(stagingRoot);
    const p = snapshotTree(productionRoot);
    assert.equal(p.files, s.files, 'sha256sum of every file');
    assert.equal(p.modes, s.modes, 'types and modes of every entry');
  };

  const first = (await pull(production.client, req)).result;
  assert.equal(first.equal, true);
  assert.equal(first.from_journal, false, 'the first pull has no journal position to start from');
  same();

  // Staging: a change, an addition in new directories, a removed file, a removed directory, a rename.
  appendFileSync(join(stagingRoot, 'a', '1.txt'), randomBytes(1_000));
  mkdirSync(join(stagingRoot, 'new', 'x'), { recursive: true });
  writeFileSync(join(stagingRoot, 'new', 'x', '6.txt'), randomBytes(4_000));
  unlinkSync(join(stagingRoot, 'd', '5.txt'));
  rmSync(join(stagingRoot, 'b', 'c'), { recursive: true });
  renameSync(join(stagingRoot, 'top.txt'), join(stagingRoot, 'top2.txt'));
  // Production: someone edited a file and left a stray one; only production's journal knows.
  writeFileSync(join(productionRoot, 'a', '2.txt'), randomBytes(6_000));
  writeFileSync(join(productionRoot, 'stray.txt'), 'not on staging');

  const second = (await pull(production.client, req)).result;
  assert.equal(second.equal, true);
  assert.equal(second.from_journal, true, 'planned from the journals');
  same();
  assert.equal(Number(second.files_copied), 4, 'a/1.txt, a/2.txt (restored), new/x/6.txt, top2.txt');
  assert.equal(Number(second.bytes_reused), 9_000, "top2.txt's bytes came from production's own top.txt");
  assert.ok(Number(second.entries_deleted) >= 4, `d/5.txt, b/c and its files, top.txt, stray.txt removed (${second.entries_deleted})`);

  // A journal that misses a change: production is told it has seen staging's journal up to
  // where it now stands, after a change. The pull planned from it is not equal; a whole
  // listing follows and the tree ends equal.
  writeFileSync(join(stagingRoot, 'a', '1.txt'), randomBytes(5_500));
  await call((r, cb) => staging.client.TreeDigest(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_STAT' as const, token: TOKEN });
  const stagingSeq = (sdb.prepare('SELECT seq FROM asset_roots WHERE root = ?').get('uploads') as { seq: number }).seq;
  pdb.prepare('UPDATE asset_roots SET peer_seq = ? WHERE root = ?').run(stagingSeq, 'uploads');
  const third = (await pull(production.client, req)).result;
  assert.equal(third.equal, true);
  assert.equal(third.from_journal, false, 'redone from whole listings');
  same();

  // Staging's state recreated (another epoch): it answers with the whole tree.
  writeFileSync(join(stagingRoot, 'a', '7.txt'), randomBytes(2_000));
  sdb.prepare('UPDATE asset_roots SET epoch = ? WHERE root = ?').run('another-epoch', 'uploads');
  const fourth = (await pull(production.client, req)).result;
  assert.equal(fourth.equal, true);
  assert.equal(fourth.from_journal, false);
  same();

  // And the journal is used again from there on.
  writeFileSync(join(stagingRoot, 'a', '8.txt'), randomBytes(2_000));
  const fifth = (await pull(production.client, req)).result;
  assert.equal(fifth.equal, true);
  assert.equal(fifth.from_journal, true);
  assert.equal(Number(fifth.files_copied), 1);
  same();

  // Staging forgot old removals (its tombstones pruned up to where it now stands, as a site that
  // deletes many files makes it do): asked for changes since production's position, it answers
  // with the whole tree, and the removed files still go on production.
  const before = (sdb.prepare('SELECT seq FROM asset_roots WHERE root = ?').get('uploads') as { seq: number }).seq;
  unlinkSync(join(stagingRoot, 'a', '8.txt'));
  unlinkSync(join(stagingRoot, 'a', '7.txt'));
  await call((r, cb) => staging.client.TreeDigest(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_STAT' as const, token: TOKEN });
  const after = (sdb.prepare('SELECT seq, epoch FROM asset_roots WHERE root = ?').get('uploads') as { seq: number; epoch: string });
  assert.ok(after.seq > before, 'the removals took journal positions');
  sdb.prepare('DELETE FROM asset_tombstones WHERE root = ?').run('uploads');
  sdb.prepare('UPDATE asset_roots SET tomb_floor = ? WHERE root = ?').run(after.seq, 'uploads');
  const listing = await new Promise<Array<{ complete: boolean; deleted: string[] }>>((resolve, reject) => {
    const out: Array<{ complete: boolean; deleted: string[] }> = [];
    const stream = staging.client.ListManifest({ token: TOKEN, root: 'uploads', refresh: 'ASSET_REFRESH_NONE', paths: [], since_epoch: after.epoch, since_seq: before });
    stream.on('data', (b: { complete: boolean; deleted: string[] }) => out.push(b));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
  assert.ok(listing.length > 0 && listing.every((b) => b.complete), 'a changes-only listing from before the floor is refused: the whole tree comes');
  const sixth = (await pull(production.client, req)).result;
  assert.equal(sixth.equal, true);
  assert.equal(sixth.from_journal, false);
  assert.ok(Number(sixth.entries_deleted) >= 2, `a/7.txt and a/8.txt removed (${sixth.entries_deleted})`);
  same();
});

test('a changes-only listing also names the directories holding what changed, as the disk has them, and the pull that follows sets their mtimes on production', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-journal-dirs-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  writeTree(stagingRoot);
  const { staging, production, stagingState, productionState, req } = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  const sdb = new Database(stagingState);
  const pdb = new Database(productionState);
  t.after(async () => {
    sdb.close();
    pdb.close();
  });
  assert.equal((await pull(production.client, req)).result.equal, true);
  const mark = pdb.prepare('SELECT peer_epoch AS epoch, peer_seq AS seq FROM asset_roots WHERE root = ?').get('uploads') as { epoch: string; seq: number };

  // A content change (its directory's mtime stays) and a removal (its directory's moves), taken
  // into staging's manifest; then a's mtime changed on disk behind the manifest's back.
  appendFileSync(join(stagingRoot, 'b', 'c', '4.txt'), randomBytes(1_000));
  unlinkSync(join(stagingRoot, 'd', '5.txt'));
  await call((r, cb) => staging.client.TreeDigest(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_STAT' as const, token: TOKEN });
  const journalSeq = (sdb.prepare('SELECT seq FROM asset_roots WHERE root = ?').get('uploads') as { seq: number }).seq;
  utimesSync(join(stagingRoot, 'b'), 1_000_000_000, 1_000_000_000);

  const batches = await new Promise<Array<{ entries: Array<{ path: string; mtime_ns: string }>; deleted: string[]; complete: boolean }>>((resolve, reject) => {
    const out: Array<{ entries: Array<{ path: string; mtime_ns: string }>; deleted: string[]; complete: boolean }> = [];
    const stream = staging.client.ListManifest({ token: TOKEN, root: 'uploads', refresh: 'ASSET_REFRESH_NONE', paths: [], since_epoch: mark.epoch, since_seq: mark.seq });
    stream.on('data', (b: (typeof out)[number]) => out.push(b));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
  assert.ok(batches.every((b) => !b.complete), 'a changes-only listing');
  const entries = batches.flatMap((b) => b.entries);
  const paths = entries.map((e) => e.path).sort();
  assert.deepEqual(paths, ['b', 'b/c', 'b/c/4.txt', 'd'], "the changed file, the removal's directory, and every directory holding the change — each once; a and the root's other entries not at all");
  assert.deepEqual(batches.flatMap((b) => b.deleted), ['d/5.txt']);
  assert.equal(entries.find((e) => e.path === 'b')!.mtime_ns, String(1_000_000_000n * 1_000_000_000n), "b's mtime as the disk has it, not as the manifest had it");
  const afterSeq = (sdb.prepare('SELECT seq FROM asset_roots WHERE root = ?').get('uploads') as { seq: number }).seq;
  assert.ok(afterSeq > journalSeq, "reading b from disk brought staging's manifest up to date (a journal position of its own)");

  const second = (await pull(production.client, req)).result;
  assert.equal(second.equal, true);
  assert.equal(second.from_journal, true);
  assert.equal(statSync(join(productionRoot, 'b')).mtimeMs, statSync(join(stagingRoot, 'b')).mtimeMs, "b's mtime on production is staging's");
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

test('a directory on production where staging has a file (small or large) is replaced by the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-dir2file-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  mkdirSync(stagingRoot);
  writeFileSync(join(stagingRoot, 'small'), randomBytes(3_000));
  writeFileSync(join(stagingRoot, 'large'), randomBytes(600_000));
  for (const d of ['small', 'large']) {
    mkdirSync(join(productionRoot, d, 'inner'), { recursive: true });
    writeFileSync(join(productionRoot, d, 'inner', 'f.txt'), 'production only');
  }
  const { production, req } = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  const { result } = await pull(production.client, req);
  assert.equal(result.equal, true);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
  assert.equal(snapshotTree(productionRoot).modes, snapshotTree(stagingRoot).modes);
});

/**
 * A staging agent and a production agent whose client to staging is `wrapPeer` around the real
 * one, staging authorized for a pull, over a fresh copy of writeTree.
 */
async function pairWithPeer(t: { after(fn: () => Promise<void>): void }, prefix: string, wrapPeer: (real: AssetsClient) => AssetsClient, stagingWatched = false) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  writeTree(stagingRoot);
  mkdirSync(productionRoot);
  const staging = await startAssetsAgent('127.0.0.2', join(dir, 's.sqlite'), { uploads: { path: stagingRoot } }, stagingWatched);
  const production = await startAssetsAgent('127.0.0.3', join(dir, 'p.sqlite'), { uploads: { path: productionRoot } }, false, (address) => wrapPeer(connectAssetsPeer(address, {})));
  t.after(async () => {
    await production.stop();
    await staging.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });
  const req = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', delete: true };
  return { stagingRoot, productionRoot, staging, production, req };
}

/**
 * A staging agent from before the listing named the directories holding a change: its
 * changes-only listing carries the journal's own paths and no directory beside them. Production
 * then asks for those directories by name, as it always did.
 */
function asOlderStaging(real: AssetsClient, askedByName: string[][]): AssetsClient {
  return withListManifest(real, (req) => {
    if ((req.paths ?? []).length > 0) askedByName.push([...req.paths!].sort());
    const call = real.ListManifest(req);
    if ((req.since_epoch ?? '') === '') return call;
    return {
      cancel: () => call.cancel(),
      async *[Symbol.asyncIterator]() {
        for await (const b of call as AsyncIterable<AssetManifestBatch__Output>) yield { ...b, entries: b.entries.filter((e) => e.type !== 'dir') };
      },
    };
  });
}

/** The real client with its ListManifest replaced; every other call passes through. */
function withListManifest(real: AssetsClient, listManifest: (req: AssetListManifestRequest) => unknown): AssetsClient {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'ListManifest') return listManifest;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('against a staging agent whose changes-only listing names no directories, production asks for them by name and ends equal, their mtimes set', async (t) => {
  const askedByName: string[][] = [];
  const { stagingRoot, productionRoot, staging, production, req } = await pairWithPeer(t, 'sy-journal-older-', (real) => asOlderStaging(real, askedByName));
  assert.equal((await pull(production.client, req)).result.equal, true);

  appendFileSync(join(stagingRoot, 'b', 'c', '4.txt'), randomBytes(1_000));
  unlinkSync(join(stagingRoot, 'd', '5.txt'));
  await call((r, cb) => staging.client.TreeDigest(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_STAT' as const, token: TOKEN });
  utimesSync(join(stagingRoot, 'b'), 1_000_000_000, 1_000_000_000);
  askedByName.length = 0;

  const second = (await pull(production.client, req)).result;
  assert.equal(second.equal, true);
  assert.equal(second.from_journal, true, 'still planned from the journals');
  const asked = [...new Set(askedByName.flat())].sort();
  for (const d of ['b', 'b/c', 'd']) assert.ok(asked.includes(d), `production asked staging for ${d} by name (asked: ${asked.join(', ')})`);
  assert.equal(statSync(join(productionRoot, 'b')).mtimeMs, statSync(join(stagingRoot, 'b')).mtimeMs, "b's mtime on production is staging's");
  // Set through Node's utimes, which keeps microseconds: staging's, exactly (mtime.ts).
  const [pd, sd] = [statSync(join(productionRoot, 'd'), { bigint: true }).mtimeNs, statSync(join(stagingRoot, 'd'), { bigint: true }).mtimeNs];
  assert.equal(pd, (sd / 1000n) * 1000n, `d's mtime (moved by the removal) on production is staging's microsecond (off by ${pd - sd} ns)`);
  assert.ok(sameMtime(pd, sd) && !sameMtime(pd, sd - 1000n), 'which the plan counts as equal, and a microsecond off not');
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
  assert.equal(snapshotTree(productionRoot).modes, snapshotTree(stagingRoot).modes);
});

/** The real client, counting the listings production asks staging for. */
function countingListings(real: AssetsClient, listings: { count: number }): AssetsClient {
  return withListManifest(real, (req) => {
    listings.count++;
    return real.ListManifest(req);
  });
}

test('a file and a directory only touched on staging (same bytes, new mtime) get that mtime on production; with nothing changed the pull ends at the digests', async (t) => {
  const listings = { count: 0 };
  const { stagingRoot, productionRoot, production, req: base } = await pairWithPeer(t, 'sy-journal-touch-', (real) => countingListings(real, listings));
  const req = { ...base, staging_refresh: 'ASSET_REFRESH_STAT' as const, production_refresh: 'ASSET_REFRESH_STAT' as const };
  // The root itself is production's own (README): its mode is not staging's.
  chmodSync(stagingRoot, 0o711);
  chmodSync(productionRoot, 0o750);
  assert.equal((await pull(production.client, req)).result.equal, true);
  listings.count = 0;
  assert.equal((await pull(production.client, req)).result.equal, true);
  assert.equal(listings.count, 0, 'nothing changed: the digests and journals agree and staging is asked for no listing');

  // Nanoseconds on staging, as a file system keeps them; production can set the microsecond.
  execFileSync('touch', ['-m', '-d', '@1500000000.123456789', join(stagingRoot, 'a', '1.txt')]);
  execFileSync('touch', ['-m', '-d', '@1400000000.987654321', join(stagingRoot, 'b')]);
  const touched = (await pull(production.client, req)).result;
  assert.equal(touched.equal, true);
  assert.ok(listings.count > 0, 'the journals moved, so production listed what changed although the digests were equal');
  assert.equal(Number(touched.files_copied), 0, 'no bytes to copy');
  assert.ok(Number(touched.metadata_fixed) >= 1, JSON.stringify(touched));
  assert.equal(statSync(join(productionRoot, 'a', '1.txt'), { bigint: true }).mtimeNs, 1_500_000_000_123_456_000n);
  assert.equal(statSync(join(productionRoot, 'b'), { bigint: true }).mtimeNs, 1_400_000_000_987_654_000n);
  assert.equal(snapshotTree(productionRoot).mtimes, snapshotTree(stagingRoot).mtimes);

  listings.count = 0;
  assert.equal((await pull(production.client, req)).result.equal, true);
  assert.equal(listings.count, 0, 'and once mirrored, the next pull ends at the digests again');
  assert.equal(statSync(productionRoot).mode & 0o7777, 0o750, "production's root keeps its own mode");

  // Touched on production instead: production's own journal moved, and staging's mtime comes back.
  execFileSync('touch', ['-m', '-d', '@1600000000.5', join(productionRoot, 'top.txt')]);
  const back = (await pull(production.client, req)).result;
  assert.equal(back.equal, true);
  assert.equal(Number(back.files_copied), 0);
  assert.equal(statSync(join(productionRoot, 'top.txt'), { bigint: true }).mtimeNs / 1000n, statSync(join(stagingRoot, 'top.txt'), { bigint: true }).mtimeNs / 1000n);
});

test("the directories a changes-only listing reads from disk do not make the next pull list again: with nothing changed since, it ends at the digests", async (t) => {
  const listings = { count: 0 };
  // Staging watched, as an agent runs: a file's creation reaches the manifest by its event, its
  // directory's new mtime only when something reads the directory (the listing does).
  const { stagingRoot, productionRoot, production, req } = await pairWithPeer(t, 'sy-journal-dirs-', (real) => countingListings(real, listings), true);
  assert.equal((await pull(production.client, req)).result.equal, true);

  writeFileSync(join(stagingRoot, 'b', 'c', 'new.txt'), randomBytes(2_000));
  appendFileSync(join(stagingRoot, 'a', '2.txt'), randomBytes(100));
  listings.count = 0;
  const delta = (await pull(production.client, req)).result;
  assert.equal(delta.equal, true);
  assert.equal(delta.from_journal, true);
  assert.equal(Number(delta.files_copied), 2);
  assert.ok(listings.count > 0);
  assert.equal(snapshotTree(productionRoot).mtimes, snapshotTree(stagingRoot).mtimes, 'b/c and a have their new mtimes on production');

  listings.count = 0;
  const again = (await pull(production.client, req)).result;
  assert.equal(again.equal, true);
  assert.equal(listings.count, 0, 'nothing changed since the delta: no listing');
});

test('mtimes before 1970 reach production to the microsecond, on every path that sets one: a small file, a large file, a touched file, a directory, a symlink', async (t) => {
  const { stagingRoot, productionRoot, production, req: base } = await pairWithPeer(t, 'sy-journal-1969-', (real) => real);
  const req = { ...base, staging_refresh: 'ASSET_REFRESH_STAT' as const, production_refresh: 'ASSET_REFRESH_STAT' as const };
  mkdirSync(join(stagingRoot, 'old'));
  writeFileSync(join(stagingRoot, 'old', 'small.txt'), randomBytes(3_000));
  writeFileSync(join(stagingRoot, 'old', 'large.bin'), randomBytes(5 * 1024 * 1024));
  symlinkSync('small.txt', join(stagingRoot, 'old', 'link'));
  // `touch -h` sets the link's own time; the directory last, after its children were made.
  const stamp = (rel: string, at: string, link = false) => execFileSync('touch', [...(link ? ['-h'] : []), '-m', '-d', at, join(stagingRoot, rel)]);
  stamp('old/small.txt', '@-86400.123456789');
  stamp('old/large.bin', '@-1.000000001');
  stamp('old/link', '@-999.5', true);
  stamp('old', '@-31536000.000000999');
  const expected: Record<string, bigint> = {
    'old/small.txt': -86_400_123_457_000n, // the microsecond it falls in, as production can set it
    'old/large.bin': -1_000_001_000n,
    'old/link': -999_500_000_000n,
    old: -31_536_000_000_001_000n,
  };
  const mtimeOf = (root: string, rel: string) => lstatSync(join(root, rel), { bigint: true }).mtimeNs;
  assert.equal(mtimeOf(stagingRoot, 'old/small.txt'), -86_400_123_456_789n, 'this file system keeps nanoseconds before 1970');
  assert.equal((await pull(production.client, req)).result.equal, true);
  for (const [rel, ns] of Object.entries(expected)) assert.equal(mtimeOf(productionRoot, rel), ns, rel);

  // Only touched, further back: set again by the metadata path.
  stamp('a/1.txt', '@-5.25');
  const touched = (await pull(production.client, req)).result;
  assert.equal(touched.equal, true);
  assert.equal(Number(touched.files_copied), 0);
  assert.equal(mtimeOf(productionRoot, 'a/1.txt'), -5_250_000_000n);
});

test('against a staging agent that does not say where its journal stands, equal digests end the pull, as they did before', async (t) => {
  const listings = { count: 0 };
  // TreeDigest answered without the journal fields, as an agent before them answers.
  const older = (real: AssetsClient): AssetsClient => {
    const counting = countingListings(real, listings);
    return new Proxy(counting, {
      get(target, prop) {
        if (prop === 'TreeDigest') {
          return (req: object, cb: (err: unknown, res?: AssetTreeSummary__Output) => void) =>
            real.TreeDigest(req, (err: unknown, res?: AssetTreeSummary__Output) => cb(err, res && { ...res, journal_epoch: '', journal_seq: '0' }));
        }
        return Reflect.get(target, prop, target);
      },
    });
  };
  const { stagingRoot, productionRoot, production, req: base } = await pairWithPeer(t, 'sy-journal-nojournal-', older);
  const req = { ...base, staging_refresh: 'ASSET_REFRESH_STAT' as const, production_refresh: 'ASSET_REFRESH_STAT' as const };
  assert.equal((await pull(production.client, req)).result.equal, true);
  execFileSync('touch', ['-m', '-d', '@1500000000.5', join(stagingRoot, 'a', '1.txt')]);
  listings.count = 0;
  const r = (await pull(production.client, req)).result;
  assert.equal(r.equal, true);
  assert.equal(listings.count, 0, 'no listing: the digests were equal and staging named no journal');
  assert.notEqual(statSync(join(productionRoot, 'a', '1.txt'), { bigint: true }).mtimeNs, 1_500_000_000_500_000_000n, 'so the touch is not carried over (the limit of such a staging agent)');

  // Production's own journal needs nothing from staging: a file touched there still gets staging's mtime back.
  execFileSync('touch', ['-m', '-d', '@1600000000.5', join(productionRoot, 'top.txt')]);
  const back = (await pull(production.client, req)).result;
  assert.equal(back.equal, true);
  assert.ok(listings.count > 0, 'production listed what its own journal shows changed');
  assert.equal(statSync(join(productionRoot, 'top.txt'), { bigint: true }).mtimeNs / 1000n, statSync(join(stagingRoot, 'top.txt'), { bigint: true }).mtimeNs / 1000n);
});

// A file appended to on staging: only the new tail crosses the wire, and only when production's
// old bytes really are the start of staging's file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, openSync, closeSync, renameSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pull, snapshotTree, startAssetPair } from '../helpers/tree-fixture.js';

const TOKEN = 'tok-append-0123456789abcdef';

/** Staging with these files of random bytes (name: size), already pulled to production once. */
async function smallFilesPulled(t: Parameters<typeof startAssetPair>[0], files: Record<string, number>) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-append-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  mkdirSync(stagingRoot);
  for (const [name, size] of Object.entries(files)) writeFileSync(join(stagingRoot, name), randomBytes(size));
  const pair = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  assert.equal((await pull(pair.production.client, pair.req)).result.equal, true);
  return { stagingRoot, productionRoot, ...pair };
}

/** Overwrites `length` bytes at `offset` with random ones, size and mtime as they were: a change a manifest trusting both cannot see. */
function overwriteBehindManifest(path: string, offset: number, length: number): void {
  const before = statSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, randomBytes(length), 0, length, offset);
  closeSync(fd);
  utimesSync(path, before.atime, before.mtime);
}

test('an appended small file sends only its tail; a production copy that is no prefix gets the whole file', async (t) => {
  const { stagingRoot, productionRoot, production, req } = await smallFilesPulled(t, { 'log.txt': 10_000, 'other.txt': 8_000 });

  appendFileSync(join(stagingRoot, 'log.txt'), randomBytes(3_000));
  // Production's other.txt is changed behind the manifest's back: its bytes are no prefix of staging's.
  appendFileSync(join(stagingRoot, 'other.txt'), randomBytes(1_000));
  writeFileSync(join(productionRoot, 'other.txt'), randomBytes(8_000));
  const { result } = await pull(production.client, { ...req, production_refresh: 'ASSET_REFRESH_STAT' });
  assert.equal(result.equal, true);
  assert.equal(Number(result.files_copied), 2);
  assert.equal(Number(result.bytes_wire), 3_000 + 9_000, 'the tail of log.txt, all of other.txt');
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

test("an appended small file whose production copy changed behind the manifest (same size, mtime put back) is fetched whole, never built on those bytes", async (t) => {
  const { stagingRoot, productionRoot, production, req } = await smallFilesPulled(t, { 'log.txt': 10_000, 'plain.txt': 6_000 });

  appendFileSync(join(stagingRoot, 'log.txt'), randomBytes(3_000));
  appendFileSync(join(stagingRoot, 'plain.txt'), randomBytes(500));
  // Production's log.txt still matches its manifest in size and mtime, and the pull trusts the
  // manifest (refresh none): staging, whose file does start with what the manifest says, sends
  // only the tail — which must not be put after production's other bytes.
  overwriteBehindManifest(join(productionRoot, 'log.txt'), 0, 100);

  const { result } = await pull(production.client, { ...req, production_refresh: 'ASSET_REFRESH_NONE' });
  assert.equal(result.equal, true);
  assert.equal(Number(result.files_copied), 2);
  assert.equal(Number(result.files_changed_during_copy), 0, 'production\'s own change is no change on staging');
  // log.txt: its tail, then (the old bytes refused) the whole file; plain.txt: its tail.
  assert.equal(Number(result.bytes_wire), 3_000 + 13_000 + 500);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

const CHUNK = 256 * 1024;

/** Staging with video.bin (12 chunks) and clip.bin (6 chunks), already pulled to production once. */
async function largeFilesPulled(t: Parameters<typeof startAssetPair>[0]) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-append-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  mkdirSync(stagingRoot);
  writeFileSync(join(stagingRoot, 'video.bin'), randomBytes(12 * CHUNK));
  writeFileSync(join(stagingRoot, 'clip.bin'), randomBytes(6 * CHUNK));
  const pair = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  assert.equal((await pull(pair.production.client, pair.req)).result.equal, true);
  return { stagingRoot, productionRoot, ...pair };
}

test("a large file appended to is rebuilt from production's own chunks, taken unchecked; one that no longer matches the manifest is caught by the whole-file hash and fetched", async (t) => {
  const { stagingRoot, productionRoot, production, req } = await largeFilesPulled(t);

  appendFileSync(join(stagingRoot, 'video.bin'), randomBytes(1000));
  appendFileSync(join(stagingRoot, 'clip.bin'), randomBytes(1000));
  // Chunk 5 of production's clip.bin is overwritten behind its manifest's back (same size, mtime
  // put back), and the pull trusts the manifest (refresh none): its chunk index still names it.
  overwriteBehindManifest(join(productionRoot, 'clip.bin'), 5 * CHUNK, CHUNK);

  const { result } = await pull(production.client, { ...req, production_refresh: 'ASSET_REFRESH_NONE' });
  assert.equal(result.equal, true);
  assert.equal(Number(result.files_copied), 2);
  assert.equal(Number(result.files_changed_during_copy), 0, 'a second, checked attempt is no change on staging');
  // Each file's new last chunk (the 1000 bytes appended), and clip.bin's chunk 5 once checked.
  assert.equal(Number(result.bytes_wire), 1000 + 1000 + CHUNK);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

test('a large file appended to, or renamed, is copied in whole from the local file with its chunks at the same places, without the chunk index', async (t) => {
  const { stagingRoot, productionRoot, production, productionState, req } = await largeFilesPulled(t);

  appendFileSync(join(stagingRoot, 'video.bin'), randomBytes(1000));
  renameSync(join(stagingRoot, 'clip.bin'), join(stagingRoot, 'moved.bin'));
  // Production's chunk index forgets every chunk: chunk by chunk, nothing local would be found
  // and both files would cross the wire whole.
  const db = new Database(productionState);
  db.pragma('busy_timeout = 5000');
  const forgotten = db.prepare('DELETE FROM asset_chunk_index').run().changes;
  db.close();
  assert.ok(forgotten >= 18, `chunk index rows removed: ${forgotten}`);

  const { result } = await pull(production.client, { ...req, production_refresh: 'ASSET_REFRESH_NONE' });
  assert.equal(result.equal, true);
  assert.equal(Number(result.files_copied), 2);
  assert.equal(Number(result.bytes_wire), 1000, "only video.bin's appended tail");
  assert.equal(Number(result.bytes_reused), 12 * CHUNK + 6 * CHUNK);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

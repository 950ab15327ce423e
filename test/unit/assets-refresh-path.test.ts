// Re-reading one path into the manifest, with the lstat through the promise API (the watcher's
// way) or blocking (staging's answer to a pull's lookup): the same entry and the same manifest
// either way, for every kind of path, including one that is gone or cannot exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { refreshPath } from '../../agent/assets/scanner.js';

test('refreshPath finds the same entries with a blocking lstat as through the promise API, and forgets what is gone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-refresh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'd'), { recursive: true });
  writeFileSync(join(root, 'd', 'f.txt'), 'hello');
  symlinkSync('d/f.txt', join(root, 'link'));
  const stores = [false, true].map((blocking) => {
    const db = openDatabase(join(dir, `state-${blocking}.sqlite`), ASSET_MIGRATIONS);
    t.after(() => db.close());
    return { blocking, store: new ManifestStore(db) };
  });
  const paths = ['d', 'd/f.txt', 'link', 'missing', 'd/f.txt/below'];
  const read = async () =>
    Promise.all(stores.map(async ({ blocking, store }) => Promise.all(paths.map((p) => refreshPath(store, 'r', root, p, blocking)))));
  const [viaPromise, blocking] = await read();
  assert.deepEqual(blocking, viaPromise);
  assert.deepEqual(blocking!.map((e) => e?.type), ['dir', 'file', 'symlink', undefined, undefined]);
  assert.equal(blocking![1]!.size, 5);
  assert.equal(blocking![2]!.target, 'd/f.txt');
  for (const { store } of stores) assert.deepEqual(paths.map((p) => store.get('r', p)?.type), ['dir', 'file', 'symlink', undefined, undefined]);

  unlinkSync(join(root, 'd', 'f.txt'));
  const [gonePromise, goneBlocking] = await read();
  assert.deepEqual(goneBlocking, gonePromise);
  assert.equal(goneBlocking![1], undefined);
  for (const { store } of stores) {
    assert.equal(store.get('r', 'd/f.txt'), undefined, 'a path gone from disk is gone from the manifest');
    assert.deepEqual([...store.removedSince('r', 0, store.journal('r').seq)], ['d/f.txt']);
  }
});

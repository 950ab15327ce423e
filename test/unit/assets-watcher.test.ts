// What the watcher keeps ready for the freeze: the tree digest, computed ahead once changes have
// settled (and equal to a fresh one; not while a peer pulls from the root), and the whole subtree
// of a directory that appears, without waiting for chokidar to list it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../shared/logger.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { AssetRoots } from '../../agent/assets/roots.js';
import { AssetWatcher } from '../../agent/assets/watcher.js';
import { DigestBuilder, manifestDigest } from '../../agent/assets/tree-digest.js';

/** A root 'site' at `dir` with its manifest and (not yet started) watcher; `cleanup` is removed after. */
function watchedRoot(t: { after: (fn: () => Promise<void>) => void }, dir: string, cleanup: string) {
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  const store = new ManifestStore(db);
  const root = { name: 'site', path: dir, allowExternalSymlinks: false };
  const roots = new AssetRoots({ site: { path: dir, allowExternalSymlinks: false } }, store);
  const watcher = new AssetWatcher(roots, root, createLogger({ level: 'silent' }));
  t.after(async () => {
    await watcher.close();
    db.close();
    rmSync(cleanup, { recursive: true, force: true });
  });
  return { store, root, roots, watcher };
}

test('watcher: after changes settle the cached tree digest is ready and current', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-warm-'));
  const { store, roots, watcher } = watchedRoot(t, dir, dir);
  const fresh = (): string => {
    const b = new DigestBuilder();
    for (const e of store.iterate('site')) b.add(e);
    return b.finish().digest;
  };
  const cached = (): string | undefined => {
    const d = store.rootState('site').digest;
    return d === null ? undefined : (JSON.parse(d) as { digest: string }).digest;
  };
  writeFileSync(join(dir, 'a.txt'), 'a');
  await watcher.start();
  for (let i = 0; i < 100 && cached() === undefined; i++) await sleep(20);
  assert.equal(cached(), fresh(), 'ready after the first scan');

  writeFileSync(join(dir, 'b.txt'), 'b');
  writeFileSync(join(dir, 'a.txt'), 'changed');
  // The change invalidates the cache as it is applied; the warm-up follows once it is quiet.
  for (let i = 0; i < 100 && store.get('site', 'b.txt') === undefined; i++) await sleep(20);
  assert.ok(store.get('site', 'b.txt') !== undefined, 'the watcher applied the new file');
  for (let i = 0; i < 100 && (cached() === undefined || store.get('site', 'a.txt')?.size !== 7); i++) await sleep(20);
  assert.equal(store.get('site', 'a.txt')?.size, 7);
  assert.notEqual(cached(), undefined, 'computed ahead, without anyone asking');
  assert.equal(cached(), fresh());

  // While a peer pulls from the root the warm-up waits, then runs once the pull is done.
  const release = roots.serve('site');
  writeFileSync(join(dir, 'c.txt'), 'c');
  for (let i = 0; i < 100 && store.get('site', 'c.txt') === undefined; i++) await sleep(20);
  assert.ok(store.get('site', 'c.txt') !== undefined);
  await sleep(900);
  assert.equal(cached(), undefined, 'not computed while serving');
  release();
  for (let i = 0; i < 100 && cached() === undefined; i++) await sleep(20);
  assert.equal(cached(), fresh());
});

test('watcher: a directory tree moved in is complete in the manifest as soon as the watched refresh answers', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'sy-movein-'));
  const dir = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(dir);
  const { store, root, roots, watcher } = watchedRoot(t, dir, base);
  await watcher.start();
  // Built outside the root, then renamed in: one inotify event for the whole tree.
  mkdirSync(join(outside, 'deep', 'er'), { recursive: true });
  for (let i = 0; i < 5000; i++) writeFileSync(join(outside, i % 2 === 0 ? '' : 'deep/er', `f${i}.txt`), String(i));
  renameSync(outside, join(dir, 'moved'));
  // End to end, right after the rename's event. On a quiet machine chokidar keeps up and this
  // passes without the agent's own listing too; the next test isolates that mechanism.
  await sleep(20);
  await roots.refresh(root, 'watched');
  let count = 0;
  for (const e of store.iterate('site')) if (e.type === 'file') count++;
  assert.equal(count, 5000, 'every file of the moved-in tree');
  assert.equal(store.get('site', 'moved/deep/er/f1.txt')?.size, 1);
});

test('watcher: an event for a new directory alone brings its whole subtree into the manifest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-newdir-'));
  // Not started: no chokidar, so nothing but the one queued path can tell the watcher about the files.
  const { store, watcher } = watchedRoot(t, dir, dir);
  const priv = watcher as unknown as { queue: Set<string>; drain: (force: boolean) => Promise<void> };
  mkdirSync(join(dir, 'new', 'sub', 'subsub'), { recursive: true });
  for (let i = 0; i < 30; i++) writeFileSync(join(dir, 'new', ['', 'sub', 'sub/subsub'][i % 3]!, `f${i}`), String(i));
  writeFileSync(join(dir, 'new', '.sy-part-0123456789abcdef-0123456789abcdef'), 'x');
  priv.queue.add('new');
  await priv.drain(true);
  const files = [...store.iterate('site')].filter((e) => e.type === 'file').map((e) => e.path);
  assert.equal(files.length, 30, files.join(', '));
  assert.ok(store.get('site', 'new/sub/subsub')?.type === 'dir');
  assert.equal(store.get('site', 'new/.sy-part-0123456789abcdef-0123456789abcdef'), undefined, 'our own part files stay out');
});

test('watcher: files created or rewritten in a new directory after the watcher listed it reach the manifest soon after, and surely when settle answers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-freshdir-'));
  // Not started: as for a directory chokidar has not watched yet, no event comes from inside it.
  const { store, watcher } = watchedRoot(t, dir, dir);
  const priv = watcher as unknown as { queue: Set<string>; drain: (force: boolean) => Promise<void> };
  mkdirSync(join(dir, 'new'));
  writeFileSync(join(dir, 'new', 'early.jpg'), '');
  priv.queue.add('new');
  await priv.drain(true);
  assert.equal(store.get('site', 'new/early.jpg')?.size, 0, 'listed while still empty');
  // Re-read a little later on its own, with no event and no settle.
  writeFileSync(join(dir, 'new', 'late.jpg'), 'late');
  for (let i = 0; i < 100 && store.get('site', 'new/late.jpg') === undefined; i++) await sleep(20);
  assert.equal(store.get('site', 'new/late.jpg')?.size, 4, 'a file created after the first listing');
  // And at every settle while young.
  writeFileSync(join(dir, 'new', 'early.jpg'), 'the whole upload');
  await watcher.settle();
  assert.equal(store.get('site', 'new/early.jpg')?.size, 16, 'its final size');
});

test('watcher: a new directory stops being re-read at each settle once chokidar watches it, and what changes in it later still arrives', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-freshdone-'));
  const { store, roots, root, watcher } = watchedRoot(t, dir, dir);
  const priv = watcher as unknown as { freshDirs: Map<string, number> };
  await watcher.start();
  mkdirSync(join(dir, 'new'));
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'new', `f${i}.jpg`), String(i));
  for (let i = 0; i < 100 && store.get('site', 'new/f19.jpg') === undefined; i++) await sleep(20);
  assert.equal(store.get('site', 'new/f19.jpg')?.size, 2);
  // Well within FRESH_DIR_MS (10 s): only chokidar's watch of it can let it go this soon.
  const started = Date.now();
  while (priv.freshDirs.has('new') && Date.now() - started < 5000) {
    await roots.refresh(root, 'watched');
    await sleep(100);
  }
  assert.equal(priv.freshDirs.has('new'), false, 'dropped once chokidar watches it');
  // No longer re-read by settles: what happens in it now comes from chokidar's watch.
  writeFileSync(join(dir, 'new', 'later.jpg'), 'later');
  writeFileSync(join(dir, 'new', 'f3.jpg'), 'rewritten');
  for (let i = 0; i < 100 && store.get('site', 'new/later.jpg') === undefined; i++) await roots.refresh(root, 'watched');
  assert.equal(store.get('site', 'new/later.jpg')?.size, 5);
  assert.equal(store.get('site', 'new/f3.jpg')?.size, 9);
});

test('watcher: a path that is gone and was never in the manifest leaves no tombstone and keeps the cached digest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-gone-'));
  const { store, roots, root, watcher } = watchedRoot(t, dir, dir);
  const priv = watcher as unknown as { queue: Set<string>; drain: (force: boolean) => Promise<void> };
  writeFileSync(join(dir, 'a.txt'), 'a');
  await roots.refresh(root, 'stat');
  const { digest } = manifestDigest(store, 'site');
  const seq = store.journal('site').seq;
  priv.queue.add('was-here-briefly.tmp');
  await priv.drain(true);
  assert.notEqual(store.rootState('site').digest, null, 'the cached digest stays');
  assert.equal(JSON.parse(store.rootState('site').digest!).digest, digest);
  assert.equal(store.journal('site').seq, seq, 'no journal entry');
  // A path the manifest did hold is still forgotten.
  rmSync(join(dir, 'a.txt'));
  priv.queue.add('a.txt');
  await priv.drain(true);
  assert.equal(store.get('site', 'a.txt'), undefined);
});

test('watcher: muted while a pull writes (not watched meanwhile), it then watches the directories the pull made — a file written there later reaches the manifest without a scan', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-mute-'));
  const { store, roots, watcher } = watchedRoot(t, dir, dir);
  mkdirSync(join(dir, 'old'));
  writeFileSync(join(dir, 'old', 'a.txt'), 'a');
  await watcher.start();
  assert.ok(roots.isWatched('site'));

  await roots.writingTo('site', async () => {
    await roots.pauseWatcherForWrite('site');
    assert.equal(roots.isWatched('site'), false, 'a watched refresh must not trust the manifest during the pull');
    // What a pull does: directories and files, then its own manifest rows.
    mkdirSync(join(dir, 'new', 'deep'), { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, 'new', 'deep', `f${i}.txt`), `${i}`);
    writeFileSync(join(dir, 'old', 'b.txt'), 'b');
    const r = await roots.get('site');
    await roots.exclusive('site', () => roots.refresh(r, 'stat'));
    // Someone else writes beside the pull, after its last refresh: nothing records this but the watcher.
    writeFileSync(join(dir, 'old', 'beside.txt'), 'beside');
    writeFileSync(join(dir, 'new', 'deep', 'f1.txt'), 'beside the pull');
    // Let the raw events of these writes reach the queue while the root is still being written.
    await sleep(200);
  });
  // The paths queued during the write are not re-read one by one: the catch-up's stat scan reads them all.
  assert.equal((watcher as unknown as { queue: Set<string> }).queue.size, 0, 'queue dropped at the end of the write');
  for (let i = 0; i < 250 && !roots.isWatched('site'); i++) await sleep(20);
  assert.ok(roots.isWatched('site'), 'watched again once it caught up');
  assert.equal(store.get('site', 'new/deep/f29.txt')?.size, 2);
  assert.equal(store.get('site', 'old/beside.txt')?.size, 6, 'a file written beside the pull, found by the catch-up');
  assert.equal(store.get('site', 'new/deep/f1.txt')?.size, 15, "a pull's file rewritten beside it, found by the catch-up");

  // Nothing but the watcher can bring these in: no refresh is called from here on.
  writeFileSync(join(dir, 'new', 'deep', 'late.txt'), 'late');
  writeFileSync(join(dir, 'new', 'deep', 'f0.txt'), 'rewritten');
  writeFileSync(join(dir, 'old', 'c.txt'), 'c');
  const seen = (): boolean => store.get('site', 'new/deep/late.txt') !== undefined && store.get('site', 'new/deep/f0.txt')?.size === 9 && store.get('site', 'old/c.txt') !== undefined;
  for (let i = 0; i < 150 && !seen(); i++) await sleep(20);
  assert.ok(store.get('site', 'new/deep/late.txt') !== undefined, 'a file created in a directory the pull made');
  assert.equal(store.get('site', 'new/deep/f0.txt')?.size, 9, 'a file the pull wrote, rewritten');
  assert.ok(store.get('site', 'old/c.txt') !== undefined);
});

test("watcher: a pull that starts while the last one's catch-up waits for the root's lock is not held up by it", { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-mute-'));
  const { store, roots, watcher } = watchedRoot(t, dir, dir);
  await watcher.start();
  const aPull = (name: string) =>
    roots.writingTo('site', async () => {
      await roots.pauseWatcherForWrite('site');
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'f.txt'), name);
    });
  await roots.exclusive('site', () => aPull('first'));
  // The next pull holds the lock (as a pull does) past the moment the catch-up (1.5 s after the
  // first pull, then 300 ms of chokidar quiet) asks for it, and only then pauses the watcher.
  const second = roots.exclusive('site', async () => {
    await sleep(2_600);
    await aPull('second');
  });
  const outcome = await Promise.race([second.then(() => 'done'), sleep(10_000).then(() => 'stuck')]);
  assert.equal(outcome, 'done', 'the second pause waited on a catch-up that waited on the second pull');
  for (let i = 0; i < 250 && !roots.isWatched('site'); i++) await sleep(20);
  assert.ok(roots.isWatched('site'), 'watched again after the second pull');
  writeFileSync(join(dir, 'second', 'late.txt'), 'late');
  for (let i = 0; i < 150 && store.get('site', 'second/late.txt') === undefined; i++) await sleep(20);
  assert.ok(store.get('site', 'second/late.txt') !== undefined, "chokidar watches the second pull's directory");
});

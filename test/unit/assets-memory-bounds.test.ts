// What keeps the asset code's memory bounded with the number of entries: paths the pull must
// remember live in the plan's SQLite table, long lists are capped and counted, and the
// watcher's queue gives way to a stat scan instead of growing with every changed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../shared/logger.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { Plan } from '../../agent/assets/plan.js';
import { CappedList, cappedMessages } from '../../agent/assets/capped-list.js';
import { AssetRoots } from '../../agent/assets/roots.js';
import { AssetWatcher } from '../../agent/assets/watcher.js';
import { scanRoot } from '../../agent/assets/scanner.js';

test('plan marks: each path once, every directory before its parent, across pages and past the repeat cache', () => {
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  try {
    const plan = new Plan(db);
    const other = new Plan(db);
    const want = new Set<string>(['']);
    const order: string[] = [];
    for (let a = 0; a < 40; a++) {
      for (let b = 0; b < 40; b++) {
        want.add(`d${a}`);
        want.add(`d${a}/é${b}`);
        // Each directory touched many times, interleaved, so repeats outlive the in-memory cache.
        for (let k = 0; k < 3; k++) order.push(`d${a}/é${b}`, `d${a}`, '');
      }
    }
    for (let i = order.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const p of order) plan.mark('touched-dir', p);
    other.mark('touched-dir', 'elsewhere');
    plan.mark('link-made', 'd1/link');

    const got = [...plan.marked('touched-dir', 7)];
    assert.equal(got.length, want.size, 'each marked directory exactly once');
    assert.deepEqual(new Set(got), want);
    const at = new Map(got.map((p, i) => [p, i]));
    for (const p of got) {
      if (p === '') continue;
      const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      assert.ok(at.get(p)! < at.get(parent)!, `${p} comes before its parent ${JSON.stringify(parent)}`);
    }
    assert.deepEqual([...plan.marked('link-made')], ['d1/link'], 'tags are separate sets');
    assert.deepEqual([...other.marked('touched-dir')], ['elsewhere'], 'plans are separate');

    plan.drop();
    assert.deepEqual([...plan.marked('touched-dir')], []);
    assert.deepEqual([...other.marked('touched-dir')], ['elsewhere'], 'dropping one plan leaves the other');
  } finally {
    db.close();
  }
});

test('capped list keeps the first items, counts all, and says how many it left out', () => {
  const l = new CappedList<string>(3);
  for (let i = 0; i < 10; i++) l.push(`p${i}`);
  assert.deepEqual(l.items, ['p0', 'p1', 'p2']);
  assert.equal(l.total, 10);
  assert.deepEqual(cappedMessages(l), ['p0', 'p1', 'p2', '... and 7 more not listed']);
  const short = new CappedList<string>(3);
  short.push('only');
  assert.deepEqual(cappedMessages(short), ['only']);
});

/** A logger whose lines are kept, for asserting on what the watcher told the operator. */
function keptLog() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  });
  return { lines, logger };
}

test('watcher: more changes than its queue holds fall back to a stat scan, and the manifest still ends complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-watch-cap-'));
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  const { lines, logger } = keptLog();
  const root = { name: 'site', path: dir, allowExternalSymlinks: false };
  const roots = new AssetRoots({ site: { path: dir, allowExternalSymlinks: false } }, new ManifestStore(db));
  const watcher = new AssetWatcher(roots, root, logger, 20);
  try {
    writeFileSync(join(dir, 'before.txt'), 'x');
    await watcher.start();
    assert.ok(roots.isWatched('site'));
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'many', `f${i}.txt`), String(i));
    // Wait until the catch-up scan has run and the root counts as watched again.
    for (let i = 0; i < 200 && !(lines.some((l) => l.includes('too many changes queued')) && roots.isWatched('site')); i++) await sleep(50);
    assert.ok(lines.some((l) => l.includes('too many changes queued')), 'the queue overflowed');
    assert.ok(roots.isWatched('site'), 'watched again after the catch-up scan');
    await roots.refresh(root, 'watched');
    const paths = new Set([...roots.store.iterate('site')].map((e) => e.path));
    for (let i = 0; i < 300; i++) assert.ok(paths.has(`many/f${i}.txt`), `many/f${i}.txt in the manifest`);
    assert.ok(paths.has('before.txt'));
  } finally {
    await watcher.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('watcher: an error during the first scan (e.g. out of inotify watches) leaves the root to stat scans and closes chokidar', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-watch-err-'));
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  const root = { name: 'site', path: dir, allowExternalSymlinks: false };
  const roots = new AssetRoots({ site: { path: dir, allowExternalSymlinks: false } }, new ManifestStore(db));
  const watcher = new AssetWatcher(roots, root, createLogger({ level: 'silent' }));
  const priv = watcher as unknown as { watcher: (NodeJS.EventEmitter & { closed?: boolean }) | undefined };
  // chokidar reports ENOSPC for each file it cannot watch; here one arrives mid-scan.
  const refresh = roots.refresh.bind(roots);
  let chokidar: (NodeJS.EventEmitter & { closed?: boolean }) | undefined;
  roots.refresh = async (r, mode) => {
    // (A root never scanned is scanned once before chokidar starts: the error comes in the next.)
    if (priv.watcher !== undefined) {
      chokidar = priv.watcher;
      chokidar.emit('error', Object.assign(new Error('inotify_add_watch: no space left on device'), { code: 'ENOSPC' }));
    }
    return refresh(r, mode);
  };
  try {
    writeFileSync(join(dir, 'a.txt'), 'a');
    await watcher.start();
    assert.ok(chokidar !== undefined, 'the first scan ran with chokidar open');
    assert.equal(roots.isWatched('site'), false, 'not counted as watched after the error');
    assert.equal(priv.watcher, undefined, 'the failed chokidar instance is let go');
    assert.equal(chokidar.closed, true, 'and closed, with its per-path state');
    // Still correct: a 'watched' refresh walks the tree.
    writeFileSync(join(dir, 'b.txt'), 'b');
    roots.refresh = refresh;
    await roots.refresh(root, 'watched');
    assert.ok(roots.store.get('site', 'b.txt') !== undefined);
  } finally {
    await watcher.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A root 'site' at a new directory, with `watchMaxEntries`, a log that is kept, and the count of stat scans run on it. */
function limitedRoot(watchMaxEntries: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-watch-limit-'));
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  const { lines, logger } = keptLog();
  const root = { name: 'site', path: dir, allowExternalSymlinks: false, watchMaxEntries };
  const roots = new AssetRoots({ site: { path: dir, allowExternalSymlinks: false, watchMaxEntries } }, new ManifestStore(db));
  const scans = { n: 0 };
  const refresh = roots.refresh.bind(roots);
  roots.refresh = async (r, mode) => {
    if (mode === 'stat') scans.n++;
    return refresh(r, mode);
  };
  const watcher = new AssetWatcher(roots, root, logger);
  const priv = watcher as unknown as { watcher: object | undefined };
  const tooLarge = (): Array<{ entries: number; watchMaxEntries: number }> =>
    lines.filter((l) => l.includes('more entries than watchMaxEntries')).map((l) => JSON.parse(l) as { entries: number; watchMaxEntries: number });
  const cleanup = async (): Promise<void> => {
    await watcher.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, root, roots, watcher, priv, scans, tooLarge, cleanup };
}

test('watcher: a root with more entries than watchMaxEntries is scanned but never watched (no chokidar state), and stays correct by stat scans', async () => {
  const { dir, root, roots, watcher, priv, scans, tooLarge, cleanup } = limitedRoot(5);
  try {
    mkdirSync(join(dir, 'd'));
    for (let i = 0; i < 8; i++) writeFileSync(join(dir, 'd', `f${i}.txt`), String(i));
    await watcher.start();
    // One scan (the first, which learns the size); chokidar would have needed a second one after its walk.
    assert.equal(scans.n, 1, 'only the first scan ran: chokidar never started');
    assert.equal(priv.watcher, undefined);
    assert.equal(roots.isWatched('site'), false);
    assert.equal(roots.store.count('site'), 9);
    assert.deepEqual(tooLarge().map((l) => [l.entries, l.watchMaxEntries]), [[9, 5]], 'the operator is told why, once');
    // A 'watched' refresh walks the tree instead of trusting the manifest.
    writeFileSync(join(dir, 'd', 'new.txt'), 'new');
    await roots.refresh(root, 'watched');
    assert.ok(roots.store.get('site', 'd/new.txt') !== undefined);
    // A pull's resume asks again and still finds it too large: no chokidar, no second message for the same size.
    await roots.writingTo('site', async () => roots.pauseWatcherForWrite('site'));
    await sleep(2000);
    assert.equal(priv.watcher, undefined);
    assert.equal(roots.isWatched('site'), false);
    assert.equal(tooLarge().length, 2, 'told again: the tree has one more entry now');
  } finally {
    await cleanup();
  }
});

test('watcher: a pull that grows the root past watchMaxEntries lets chokidar go before its catch-up; a limit of 0 never watches', async () => {
  const { dir, root, roots, watcher, priv, tooLarge, cleanup } = limitedRoot(10);
  try {
    await watcher.start();
    assert.ok(roots.isWatched('site'), 'an empty root is watched');
    assert.ok(priv.watcher !== undefined);
    await roots.writingTo('site', async () => {
      await roots.pauseWatcherForWrite('site');
      // What a first copy does: many files, then its own manifest rows.
      mkdirSync(join(dir, 'copied'));
      for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'copied', `f${i}.txt`), String(i));
      await roots.exclusive('site', () => roots.refresh(root, 'stat'));
    });
    for (let i = 0; i < 150 && priv.watcher !== undefined; i++) await sleep(20);
    assert.equal(priv.watcher, undefined, 'chokidar closed after the pull');
    assert.equal(roots.isWatched('site'), false);
    assert.deepEqual(tooLarge().map((l) => l.entries), [21]);
    writeFileSync(join(dir, 'copied', 'late.txt'), 'late');
    await roots.refresh(root, 'watched');
    assert.ok(roots.store.get('site', 'copied/late.txt') !== undefined, 'found by the walk a watched refresh now makes');
  } finally {
    await cleanup();
  }
  const never = limitedRoot(0);
  try {
    await never.watcher.start();
    assert.equal(never.priv.watcher, undefined);
    assert.equal(never.roots.isWatched('site'), false, 'watchMaxEntries 0: not even an empty root is watched');
  } finally {
    await never.cleanup();
  }
});

test('watcher: a root the site itself grows past watchMaxEntries is let go once its changes are in', { timeout: 30_000 }, async () => {
  const { dir, root, roots, watcher, priv, tooLarge, cleanup } = limitedRoot(10);
  try {
    writeFileSync(join(dir, 'a.txt'), 'a');
    await watcher.start();
    assert.ok(roots.isWatched('site'));
    for (let i = 0; i < 15; i++) writeFileSync(join(dir, `up${i}.txt`), String(i));
    // The watcher takes the new files in, then finds the root too large (counted at most every 5 s).
    for (let i = 0; i < 500 && priv.watcher !== undefined; i++) await sleep(20);
    assert.equal(priv.watcher, undefined, 'chokidar closed');
    assert.equal(roots.isWatched('site'), false);
    assert.deepEqual(tooLarge().map((l) => l.entries), [16]);
    await roots.refresh(root, 'watched');
    assert.equal(roots.store.count('site'), 16);
  } finally {
    await cleanup();
  }
});

for (const readWhole of [false, true]) {
  test(`scanner: a directory larger than one piece is compared with its rows in pieces${readWhole ? ' (listed whole, as where directory sizes say nothing)' : ', read a piece at a time'}, and its manifest is the one a whole read makes — after adds, changes, removals and a type change`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-scan-pieces-'));
    const pieces = new ManifestStore(openDatabase(':memory:', ASSET_MIGRATIONS));
    const whole = new ManifestStore(openDatabase(':memory:', ASSET_MIGRATIONS));
    const rows = (store: ManifestStore): string =>
      JSON.stringify([...store.iterate('site')].map((e) => ({ ...e, sha256: e.sha256?.toString('hex'), chunks: e.chunks?.toString('hex') })));
    try {
      mkdirSync(join(dir, 'flat'));
      for (let i = 0; i < 50; i++) writeFileSync(join(dir, 'flat', `f${String(i).padStart(2, '0')} ü.txt`), `file ${i}`);
      mkdirSync(join(dir, 'flat', 'sub'));
      writeFileSync(join(dir, 'flat', 'sub', 'x.txt'), 'x');
      writeFileSync(join(dir, 'flat', '.sy-part-0123456789abcdef-0123456789abcdef'), 'leftover');
      // Which directories had all their rows read at once, and which were paged.
      const wholeReads: string[] = [];
      const paged = new Set<string>();
      const childEntries = pieces.childEntries.bind(pieces);
      const childPage = pieces.childPage.bind(pieces);
      pieces.childEntries = (root, parent) => (wholeReads.push(parent), childEntries(root, parent));
      pieces.childPage = (root, parent, after, limit) => (paged.add(parent), childPage(root, parent, after, limit));
      const first = await scanRoot(pieces, 'site', dir, { dirPiece: 7, readWhole });
      assert.deepEqual(wholeReads.sort(), ['', 'flat/sub'], 'the small directories are read whole');
      assert.deepEqual([...paged], ['flat'], 'the large one in pieces, its rows paged');
      await scanRoot(whole, 'site', dir);
      assert.equal(first.entries, 53);
      assert.equal(first.hashed, 51);
      assert.equal(rows(pieces), rows(whole), 'first scan');

      for (let i = 0; i < 5; i++) rmSync(join(dir, 'flat', `f${String(i * 7).padStart(2, '0')} ü.txt`));
      for (let i = 0; i < 3; i++) writeFileSync(join(dir, 'flat', `f${String(i * 7 + 1).padStart(2, '0')} ü.txt`), `changed ${i}, longer`);
      for (let i = 0; i < 4; i++) writeFileSync(join(dir, 'flat', `new${i}.txt`), `new ${i}`);
      rmSync(join(dir, 'flat', 'sub'), { recursive: true });
      writeFileSync(join(dir, 'flat', 'sub'), 'a file where a directory was');
      const again = await scanRoot(pieces, 'site', dir, { dirPiece: 7, readWhole });
      await scanRoot(whole, 'site', dir);
      assert.equal(again.removed, 5, 'the five files removed are found by paging the rows');
      assert.equal(rows(pieces), rows(whole), 'rescan');
      assert.equal(pieces.get('site', 'flat/sub')?.type, 'file');
      assert.equal(pieces.get('site', 'flat/sub/x.txt'), undefined);
      assert.equal(pieces.count('site'), 1 + 50 - 5 + 4 + 1);
    } finally {
      pieces.db.close();
      whole.db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// The store's in-memory copy of a root's digest records must give, after any mix of changes, the
// digest SQLite gives from the rows themselves — in and out of transactions, after rollbacks, for
// names whose UTF-16 order is not their byte order — and must never be trusted once rows changed
// behind its back.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore, type Entry } from '../../agent/assets/manifest-store.js';
import { digestOfBlocks, manifestDigest } from '../../agent/assets/tree-digest.js';

function openStore(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-digest-copy-'));
  const file = join(dir, 'state.sqlite');
  const db = openDatabase(file, ASSET_MIGRATIONS);
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, db, store: new ManifestStore(db) };
}

/** The digest SQLite builds from the rows, as before the copy existed. */
const fromRows = (store: ManifestStore, root: string) => digestOfBlocks((visit) => store.forEachDigestBlock(root, visit));

/** A small deterministic generator (the same sequence every run), from the high bits: an LCG's low ones cycle. */
function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((x / 2 ** 31) * n);
  };
}

// '-' sorts between 'b' and 'b/...'; U+FF5E sorts after U+1F600 in UTF-16 but before it in UTF-8.
const NAMES = ['a', 'b', 'b-x', 'b0', 'ｾ', '😀', 'new\nline', 'sp ace', 'é'];

function entry(r: (n: number) => number, path: string): Entry {
  const kind = r(6);
  if (kind === 0) return { path, type: 'dir', mode: 0o755 - r(2) * 0o50, size: 0, mtimeNs: String(r(1000)), ctimeNs: '1', ino: '1', sha256: null, chunks: null, target: null };
  if (kind === 1) return { path, type: 'symlink', mode: 0o777, size: 3, mtimeNs: '1', ctimeNs: '1', ino: '2', sha256: null, chunks: null, target: NAMES[r(NAMES.length)]! };
  const sha = Buffer.alloc(32, r(256));
  return { path, type: 'file', mode: 0o644 + r(2) * 0o100, size: r(5000), mtimeNs: String(r(1000)), ctimeNs: '1', ino: '3', sha256: sha, chunks: r(4) === 0 ? Buffer.concat([sha, sha]) : sha, target: null };
}

test('the digest from the copy in memory equals the digest from the rows after any mix of changes, committed or rolled back', (t) => {
  const { store } = openStore(t);
  const r = rng(7);
  const path = () => Array.from({ length: 1 + r(3) }, () => NAMES[r(NAMES.length)]).join('/');
  const change = () => {
    const k = r(10);
    const p = path();
    if (k < 6) store.upsert('site', entry(r, p));
    else if (k < 8) store.delete('site', p);
    else store.deleteTree('site', p);
  };
  for (let i = 0; i < 40; i++) store.upsert('site', entry(r, path()));
  store.upsert('other', entry(r, 'a'));
  assert.deepEqual(store.digestFromCopy('site'), fromRows(store, 'site'), 'made from the rows');
  assert.ok(store.hasDigestCopy('site'));
  let checked = 0;
  for (let round = 0; round < 150; round++) {
    const how = r(4);
    if (how === 0) change();
    else if (how === 1) store.transaction(() => Array.from({ length: 1 + r(8) }, change));
    else if (how === 2) {
      // A nested part fails and is rolled back; the rest commits.
      store.transaction(() => {
        change();
        assert.throws(() =>
          store.transaction(() => {
            change();
            change();
            throw new Error('nested');
          }),
        );
        change();
      });
    } else {
      assert.throws(() =>
        store.transaction(() => {
          change();
          change();
          throw new Error('all of it');
        }),
      );
    }
    assert.ok(store.hasDigestCopy('site'), `round ${round}: the copy kept up`);
    assert.deepEqual(store.digestFromCopy('site'), fromRows(store, 'site'), `round ${round}`);
    // manifestDigest goes through the copy too, and caches what it found.
    assert.deepEqual(manifestDigest(store, 'site'), fromRows(store, 'site'));
    checked++;
  }
  assert.equal(checked, 150);
  assert.deepEqual(store.digestFromCopy('other'), fromRows(store, 'other'), 'roots apart');
});

test('rows changed behind the copy (another connection) are seen: it is made again, not trusted', (t) => {
  const { file, store } = openStore(t);
  const r = rng(11);
  for (const p of ['a', 'a/b', 'c']) store.upsert('site', entry(r, p));
  const before = store.digestFromCopy('site')!;
  const other = openDatabase(file, ASSET_MIGRATIONS);
  t.after(() => other.close());
  new ManifestStore(other).upsert('site', { ...entry(r, 'd'), type: 'file', size: 9, sha256: Buffer.alloc(32, 9), chunks: Buffer.alloc(32, 9) });
  assert.equal(store.hasDigestCopy('site'), false, 'the journal position moved without it');
  const after = store.digestFromCopy('site')!;
  assert.notEqual(after.digest, before.digest);
  assert.deepEqual(after, fromRows(store, 'site'));
  assert.ok(store.hasDigestCopy('site'));
});

test('a change larger than the copy drops it (an initial copy), and the next digest makes it again; none inside a transaction', (t) => {
  const { store } = openStore(t);
  const r = rng(3);
  store.upsert('site', entry(r, 'first'));
  assert.ok(store.digestFromCopy('site'));
  store.transaction(() => {
    for (let i = 0; i < 1100; i++) store.upsert('site', { ...entry(r, `f${i}`), type: 'file', sha256: Buffer.alloc(32, 1), chunks: Buffer.alloc(32, 1) });
    assert.equal(store.digestFromCopy('site'), undefined, 'not from rows that may yet roll back');
  });
  assert.equal(store.hasDigestCopy('site'), false, 'dropped: patching would cost more than making it again');
  assert.deepEqual(store.digestFromCopy('site'), fromRows(store, 'site'));
  assert.equal(store.digestFromCopy('site')!.files, fromRows(store, 'site').files);
  assert.ok(store.hasDigestCopy('site'));
});

// The tree digest read straight from manifest rows must be the digest of the same entries built
// one by one (what staging's listing sends), or equal trees would compare unequal across sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore, type Entry } from '../../agent/assets/manifest-store.js';
import { DigestBuilder, entryRecord, manifestDigest } from '../../agent/assets/tree-digest.js';

const sha = (s: string) => createHash('sha256').update(s).digest();
const file = (path: string, size: number, mode = 0o644): Entry => ({ path, type: 'file', mode, size, mtimeNs: '1', ctimeNs: '1', ino: '1', sha256: sha(path), chunks: sha(path), target: null });

test('manifestDigest equals the entry-by-entry digest over files, directories, links and odd names', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-digest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new ManifestStore(openDatabase(join(dir, 'state.db'), ASSET_MIGRATIONS));
  const entries: Entry[] = [
    { path: 'a', type: 'dir', mode: 0o755, size: 4096, mtimeNs: '1', ctimeNs: '1', ino: '2', sha256: null, chunks: null, target: null },
    file('a/empty', 0),
    file('a/ünïcode name 😀.jpg', 1234, 0o600),
    { path: 'a/link', type: 'symlink', mode: 0o777, size: 3, mtimeNs: '1', ctimeNs: '1', ino: '3', sha256: null, chunks: null, target: '../b' },
    file('b', 99),
    // Not hashed yet, and a link whose target was not read: their records still count.
    { ...file('b2', 5), sha256: null },
    { path: 'b3', type: 'symlink', mode: 0o777, size: 1, mtimeNs: '1', ctimeNs: '1', ino: '4', sha256: null, chunks: null, target: null },
    ...Array.from({ length: 3000 }, (_, i) => file(`c/f${i}`, i * 7)),
  ];
  store.transaction(() => entries.forEach((e) => store.upsert('site', e)));
  const built = new DigestBuilder();
  for (const e of store.iterate('site')) built.add(e);
  const expected = built.finish();
  const got = manifestDigest(store, 'site');
  assert.deepEqual(got, expected);
  // And both are the SHA-256 of the records one after another, computed here without either.
  const plain = createHash('sha256');
  for (const e of [...store.iterate('site')]) plain.update(entryRecord(e));
  assert.equal(got.digest, plain.digest('hex'));
  assert.equal(got.files, 3004);
  assert.equal(got.symlinks, 2);
  // Read a few entries per page, the records still join up across page ends.
  const paged = createHash('sha256');
  store.forEachDigestBlock('site', (block) => paged.update(block), 7);
  assert.equal(paged.digest('hex'), got.digest);
  // Cached until a row changes; a changed mode changes the digest.
  assert.deepEqual(manifestDigest(store, 'site'), got);
  store.upsert('site', file('b', 99, 0o640));
  assert.notEqual(manifestDigest(store, 'site').digest, got.digest);
});

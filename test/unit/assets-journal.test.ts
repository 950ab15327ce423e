import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore, type Entry } from '../../agent/assets/manifest-store.js';

const file = (path: string, size = 1): Entry => ({
  path, type: 'file', mode: 0o644, size, mtimeNs: '1', ctimeNs: '1', ino: '1', sha256: Buffer.alloc(32, size), chunks: Buffer.alloc(32, size), target: null,
});

/** A fresh state file and its store, removed after the test. */
function openStore(t: TestContext, tombstonesKept?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-journal-unit-'));
  const db = openDatabase(join(dir, 'state.sqlite'), ASSET_MIGRATIONS);
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, store: new ManifestStore(db, tombstonesKept) };
}

test('the change journal records changes and removals, not rows written again unchanged', (t) => {
  const { store } = openStore(t);
  const changed = (since: number): string[] => [...store.changedSince('r', since, Number.MAX_SAFE_INTEGER)].map((e) => e.path);
  const removed = (since: number): string[] => [...store.removedSince('r', since, Number.MAX_SAFE_INTEGER)];

  store.upsert('r', { ...file('d'), type: 'dir', sha256: null, chunks: null });
  for (const p of ['d/a', 'd/b', 'e']) store.upsert('r', file(p));
  const j0 = store.journal('r');
  assert.match(j0.epoch, /^[0-9a-f]{24}$/);
  assert.deepEqual(changed(0), ['d', 'd/a', 'd/b', 'e']);

  store.upsert('r', file('e')); // a full re-hash writes the same row again
  assert.deepEqual(changed(j0.seq), [], 'an unchanged row keeps its place');
  store.upsert('r', file('e', 2));
  assert.deepEqual(changed(j0.seq), ['e']);

  const j1 = store.journal('r');
  store.deleteTree('r', 'd');
  assert.deepEqual(removed(j1.seq), ['d', 'd/a', 'd/b'], 'every path of a removed tree');
  assert.deepEqual(changed(j1.seq), []);
  store.upsert('r', file('d'));
  assert.deepEqual(removed(j1.seq), ['d/a', 'd/b'], 'created again: no longer removed');
  assert.deepEqual(changed(j1.seq), ['d']);
  assert.equal(store.journal('r').epoch, j0.epoch, 'the epoch stays with the state file');

  assert.equal(store.journalMark('r'), undefined);
  store.setJournalMark('r', { peerEpoch: 'x', peerSeq: 7, localSeq: 9 });
  assert.deepEqual(store.journalMark('r'), { peerEpoch: 'x', peerSeq: 7, localSeq: 9 });
});

test('tombstones beyond the kept number are pruned, oldest first, and the floor says from where removals may be forgotten', (t) => {
  const { db, store } = openStore(t, 8);
  const count = () => (db.prepare("SELECT COUNT(*) AS n FROM asset_tombstones WHERE root = 'r'").get() as { n: number }).n;
  for (let i = 0; i < 30; i++) store.upsert('r', file(`tmp/${String(i).padStart(2, '0')}`));
  store.upsert('r', file('keep'));
  assert.equal(store.tombstoneFloor('r'), 0, 'nothing forgotten yet');
  const seqs: number[] = [];
  for (let i = 0; i < 30; i++) {
    store.delete('r', `tmp/${String(i).padStart(2, '0')}`);
    seqs.push(store.journal('r').seq);
    assert.ok(count() <= 8, `at most the kept number after removal ${i} (${count()})`);
  }
  const floor = store.tombstoneFloor('r');
  assert.ok(floor > 0 && floor < seqs[29]!, `floor ${floor}`);
  // Every removal after the floor is still listed; the newest ones are never pruned.
  const after = [...store.removedSince('r', floor, Number.MAX_SAFE_INTEGER)];
  const expected = seqs.flatMap((s, i) => (s > floor ? [`tmp/${String(i).padStart(2, '0')}`] : []));
  assert.deepEqual(after, expected);
  assert.ok(after.includes('tmp/29'));
  assert.ok(count() >= 4, 'the newest half is kept');
  // Other roots are not touched.
  store.upsert('other', file('x'));
  store.delete('other', 'x');
  assert.deepEqual([...store.removedSince('other', 0, Number.MAX_SAFE_INTEGER)], ['x']);
  assert.equal(store.tombstoneFloor('other'), 0);
});

test('the rows one transaction changes share a journal position; the cached digest is cleared at its end, and reads inside see it cleared', (t) => {
  const { db, store } = openStore(t);
  const seqOf = (p: string) => (db.prepare("SELECT seq FROM asset_entries WHERE root = 'r' AND path = ?").get(p) as { seq: number }).seq;
  const cached = () => (db.prepare("SELECT digest FROM asset_roots WHERE root = 'r'").get() as { digest: string | null }).digest;
  store.upsert('r', file('a'));
  const j0 = store.journal('r');
  store.setRootState('r', { digest: 'known' });

  store.transaction(() => {
    store.upsert('r', file('b'));
    store.deleteTree('r', 'a');
    store.upsert('r', file('c'));
    assert.equal(cached(), 'known', 'the column is cleared once, at the end');
    assert.equal(store.rootState('r').digest, null, 'but no reader inside takes it as current');
  });
  assert.equal(cached(), null);
  assert.equal(seqOf('b'), seqOf('c'));
  const j1 = store.journal('r');
  assert.equal(j1.seq, j0.seq + 1, 'one position for the whole transaction');
  assert.deepEqual([...store.changedSince('r', j0.seq, j1.seq)].map((e) => e.path), ['b', 'c']);
  assert.deepEqual([...store.removedSince('r', j0.seq, j1.seq)], ['a']);

  // A nested part that fails rolls back its own rows and the position it took; the next rows take a new one.
  store.setRootState('r', { digest: 'known' });
  store.transaction(() => {
    assert.throws(() =>
      store.transaction(() => {
        store.upsert('r', file('d'));
        throw new Error('boom');
      }),
    );
    store.upsert('r', file('e'));
  });
  assert.equal(store.get('r', 'd'), undefined);
  const j2 = store.journal('r');
  assert.equal(seqOf('e'), j2.seq);
  assert.ok(j2.seq > j1.seq);
  assert.deepEqual([...store.changedSince('r', j1.seq, j2.seq)].map((e) => e.path), ['e']);
  assert.equal(cached(), null);

  // Outside a transaction each change takes its own position, as before.
  store.upsert('r', file('f'));
  store.upsert('r', file('g'));
  assert.equal(seqOf('g'), seqOf('f') + 1);
});

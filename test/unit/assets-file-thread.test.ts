// A file thread is where a small file's bytes are checked and written — what it refuses must
// leave nothing behind, and what it writes must be exactly the bytes asked for, with mode and
// mtime — and where a large file is hashed through the caller's descriptor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileThread } from '../../agent/assets/file-thread.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

/** A writer and a temp dir for it, both gone after the test. */
function writerIn(t: { after: (fn: () => Promise<void>) => void }): { dir: string; w: FileThread } {
  const dir = mkdtempSync(join(tmpdir(), 'sy-writer-'));
  const w = new FileThread();
  t.after(async () => {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, w };
}

test('writes the bytes of a view (not its whole buffer) with mode and mtime; many at once', async (t) => {
  const { dir, w } = writerIn(t);
  const big = randomBytes(100_000);
  const jobs = Array.from({ length: 50 }, (_, i) => {
    const data = big.subarray(i * 1000, i * 1000 + 500 + i);
    return { path: join(dir, `f${i}`), data, promise: w.write(join(dir, `f${i}`), data, sha(data), 0o640, 1_600_000_000 + i + 0.5) };
  });
  assert.deepEqual(await Promise.all(jobs.map((j) => j.promise)), jobs.map(() => 'ok'));
  for (const [i, j] of jobs.entries()) {
    assert.deepEqual(readFileSync(j.path), Buffer.from(j.data));
    const st = lstatSync(j.path);
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(st.mtimeMs, (1_600_000_000 + i + 0.5) * 1000);
  }
  // The caller's buffer is untouched (copied, not transferred away).
  assert.equal(big.length, 100_000);
});

test('a hash mismatch writes nothing; a leftover is truncated; a link at the name is not followed', async (t) => {
  const { dir, w } = writerIn(t);
  const data = Buffer.from('hello');
  assert.equal(await w.write(join(dir, 'bad'), data, sha(Buffer.from('other')), 0o644, 1), 'hash-mismatch');
  assert.equal(existsSync(join(dir, 'bad')), false);

  writeFileSync(join(dir, 'left'), 'a much longer leftover from an interrupted run');
  assert.equal(await w.write(join(dir, 'left'), data, sha(data), 0o644, 1), 'ok');
  assert.equal(readFileSync(join(dir, 'left'), 'utf8'), 'hello');

  writeFileSync(join(dir, 'victim'), 'keep me');
  symlinkSync(join(dir, 'victim'), join(dir, 'planted'));
  await assert.rejects(w.write(join(dir, 'planted'), data, sha(data), 0o644, 1), (err: NodeJS.ErrnoException) => err.code === 'ELOOP');
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'keep me');
  assert.equal(readlinkSync(join(dir, 'planted')), join(dir, 'victim'));
  // The thread is still usable after a failed job.
  assert.equal(await w.write(join(dir, 'after'), data, sha(data), 0o644, 1), 'ok');
});

test('close fails what is still pending, and a later write starts a new thread', async (t) => {
  const { dir, w } = writerIn(t);
  const data = Buffer.from('x');
  assert.equal(await w.write(join(dir, 'a'), data, sha(data), 0o644, 1), 'ok');
  const pending = w.write(join(dir, 'b'), data, sha(data), 0o644, 1);
  // The job is handed over on the next turn; close right after it.
  await new Promise((r) => setImmediate(r));
  await w.close();
  await pending.then(
    () => assert.ok(existsSync(join(dir, 'b')), 'answered before the thread ended: then it was written'),
    (err: Error) => assert.match(err.message, /file thread stopped/),
  );
  assert.equal(await w.write(join(dir, 'c'), data, sha(data), 0o644, 1), 'ok');
  assert.equal(readFileSync(join(dir, 'c'), 'utf8'), 'x');
});

test('hashes the first bytes behind a descriptor the caller holds, and says how many there were', async (t) => {
  const { dir, w } = writerIn(t);
  const data = randomBytes(9 * 1024 * 1024 + 123);
  writeFileSync(join(dir, 'big'), data);
  const fd = openSync(join(dir, 'big'), 'r');
  try {
    assert.deepEqual(await w.hash(fd, data.length), { sha256: sha(data), bytes: data.length });
    assert.deepEqual(await w.hash(fd, 5_000_000), { sha256: sha(data.subarray(0, 5_000_000)), bytes: 5_000_000 });
    // Asked for more than the file holds: the hash of what is there, and the short count.
    assert.deepEqual(await w.hash(fd, data.length + 10), { sha256: sha(data), bytes: data.length });
    // Hashes and writes share the thread in one batch.
    const small = Buffer.from('small');
    const [h, wr] = await Promise.all([w.hash(fd, 10), w.write(join(dir, 'small'), small, sha(small), 0o600, 1)]);
    assert.deepEqual(h.sha256, sha(data.subarray(0, 10)));
    assert.equal(wr, 'ok');
  } finally {
    closeSync(fd);
  }
  await assert.rejects(w.hash(123456, 10), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
});

test("appends a tail to production's old bytes only when they hash as the manifest says; otherwise writes nothing", async (t) => {
  const { dir, w } = writerIn(t);
  const old = randomBytes(70_000);
  const tail = randomBytes(5_000);
  const whole = Buffer.concat([old, tail]);
  writeFileSync(join(dir, 'f'), old);
  writeFileSync(join(dir, 'other'), randomBytes(old.length));
  writeFileSync(join(dir, 'short'), old.subarray(0, 1000));
  symlinkSync(join(dir, 'f'), join(dir, 'link'));
  mkdirSync(join(dir, 'adir'));
  const at = (name: string) => join(dir, `${name}.part`);
  const outcomes = await Promise.all([
    w.append(join(dir, 'f'), old.length, sha(old), tail, at('ok'), sha(whole), 0o640, 1_600_000_000.25),
    // A tail that is a view of a larger buffer: only the view's bytes.
    w.append(join(dir, 'f'), old.length, sha(old), Buffer.concat([Buffer.from('xx'), tail]).subarray(2), at('view'), sha(whole), 0o600, 1_600_000_000),
    w.append(join(dir, 'f'), 1000, sha(old.subarray(0, 1000)), tail, at('prefix'), sha(Buffer.concat([old.subarray(0, 1000), tail])), 0o600, 1_600_000_000),
    w.append(join(dir, 'other'), old.length, sha(old), tail, at('other'), sha(whole), 0o600, 1_600_000_000),
    w.append(join(dir, 'short'), old.length, sha(old), tail, at('short'), sha(whole), 0o600, 1_600_000_000),
    w.append(join(dir, 'link'), old.length, sha(old), tail, at('link'), sha(whole), 0o600, 1_600_000_000),
    w.append(join(dir, 'nothing'), old.length, sha(old), tail, at('nothing'), sha(whole), 0o600, 1_600_000_000),
    w.append(join(dir, 'adir'), old.length, sha(old), tail, at('adir'), sha(whole), 0o600, 1_600_000_000),
    w.append(join(dir, 'f'), old.length, sha(old), tail, at('wrong'), sha(old), 0o600, 1_600_000_000),
  ]);
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'base-mismatch', 'base-mismatch', 'base-mismatch', 'base-mismatch', 'base-mismatch', 'hash-mismatch']);
  assert.ok(readFileSync(at('ok')).equals(whole));
  assert.equal(lstatSync(at('ok')).mode & 0o777, 0o640);
  assert.equal(lstatSync(at('ok'), { bigint: true }).mtimeNs, 1_600_000_000_250_000_000n);
  assert.ok(readFileSync(at('view')).equals(whole));
  assert.ok(readFileSync(at('prefix')).equals(Buffer.concat([old.subarray(0, 1000), tail])));
  for (const name of ['other', 'short', 'link', 'nothing', 'adir', 'wrong']) assert.equal(existsSync(at(name)), false, `${name}: nothing written`);
  assert.ok(readFileSync(join(dir, 'f')).equals(old), 'the old file is left as it was');
});

test('renames into place and answers with what lstat finds there; a missing source fails with its code', async (t) => {
  const { dir, w } = writerIn(t);
  writeFileSync(join(dir, 'new.part'), 'fresh');
  writeFileSync(join(dir, 'photo.jpg'), 'old');
  const st = await w.rename(join(dir, 'new.part'), join(dir, 'photo.jpg'));
  assert.equal(readFileSync(join(dir, 'photo.jpg'), 'utf8'), 'fresh');
  assert.equal(existsSync(join(dir, 'new.part')), false);
  const real = lstatSync(join(dir, 'photo.jpg'), { bigint: true });
  assert.deepEqual([st.ino, st.size, st.mode, st.mtimeNs, st.ctimeNs], [real.ino, real.size, real.mode, real.mtimeNs, real.ctimeNs]);
  assert.deepEqual([st.isFile(), st.isDirectory(), st.isSymbolicLink()], [true, false, false]);
  await assert.rejects(w.rename(join(dir, 'gone.part'), join(dir, 'x')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
});

test('reads the tree digest of a state file through its own connection: what the store committed, not what it holds back', async (t) => {
  const { dir, w } = writerIn(t);
  const { openDatabase } = await import('../../shared/state/sqlite.js');
  const { ASSET_MIGRATIONS, ManifestStore } = await import('../../agent/assets/manifest-store.js');
  const { manifestDigest } = await import('../../agent/assets/tree-digest.js');
  const file = join(dir, 'state.db');
  const db = openDatabase(file, ASSET_MIGRATIONS);
  t.after(() => db.close());
  const store = new ManifestStore(db);
  const entry = (path: string, size: number) => ({ path, type: 'file' as const, mode: 0o644, size, mtimeNs: '1', ctimeNs: '1', ino: '1', sha256: sha(Buffer.from(path + size)), chunks: null, target: null });
  store.transaction(() => {
    for (let i = 0; i < 5000; i++) store.upsert('site', entry(`d${i % 7}/f${i}`, i));
  });
  assert.deepEqual(await w.digest(file, 'site'), manifestDigest(store, 'site'));
  // A change inside an open transaction is not seen by the thread until it commits.
  db.exec('BEGIN');
  store.upsert('site', entry('d0/f0', 99));
  const during = await w.digest(file, 'site');
  db.exec('COMMIT');
  assert.notEqual(during.digest, manifestDigest(store, 'site').digest);
  assert.deepEqual(await w.digest(file, 'site'), manifestDigest(store, 'site'));
  // Another root, and a root with nothing.
  store.upsert('other', entry('x', 1));
  assert.equal((await w.digest(file, 'other')).files, 1);
  assert.equal((await w.digest(file, 'none')).files, 0);
});

test('gives directories their modes and mtimes in the order asked; a path that is no directory now is left alone', async (t) => {
  const { dir, w } = writerIn(t);
  for (const d of ['a', 'a/b', 'c']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'f'), 'x');
  symlinkSync('a', join(dir, 'l'));
  t.after(() => {
    for (const d of ['a', 'a/b', 'c']) if (existsSync(join(dir, d))) chmodSync(join(dir, d), 0o755);
  });
  const fileMode = lstatSync(join(dir, 'f')).mode & 0o7777;
  const stats = await w.finishDirs([
    { abs: join(dir, 'c'), mode: 0o750, mtime: 1_600_000_000.25 },
    { abs: join(dir, 'f'), mode: 0o700, mtime: 1_600_000_001 },
    { abs: join(dir, 'l'), mode: 0o700, mtime: 1_600_000_001 },
    { abs: join(dir, 'gone'), mode: 0o700, mtime: 1_600_000_001 },
    // The child first: once 'a' is 0o600, nothing below it can be reached (but by root).
    { abs: join(dir, 'a/b'), mode: 0o711, mtime: 1_600_000_002.5 },
    { abs: join(dir, 'a'), mode: 0o600, mtime: 1_600_000_003 },
  ]);
  assert.deepEqual(stats.map((s) => s === undefined), [false, true, true, true, false, false]);
  assert.equal(lstatSync(join(dir, 'f')).mode & 0o7777, fileMode, "a file at a directory's path is not touched");
  assert.ok(lstatSync(join(dir, 'l')).isSymbolicLink());
  const c = lstatSync(join(dir, 'c'), { bigint: true });
  assert.equal(c.mode & 0o7777n, 0o750n);
  assert.equal(c.mtimeMs, 1_600_000_000_250n);
  assert.equal(stats[0]!.mtimeNs, c.mtimeNs, 'the answer is what lstat found after');
  assert.ok(stats[0]!.isDirectory());
  assert.equal(stats[5]!.mode & 0o7777n, 0o600n);
  chmodSync(join(dir, 'a'), 0o700);
  const b = lstatSync(join(dir, 'a/b'), { bigint: true });
  assert.equal(b.mode & 0o7777n, 0o711n);
  assert.equal(b.mtimeMs, 1_600_000_002_500n);
  assert.equal(stats[4]!.mtimeNs, b.mtimeNs);
});

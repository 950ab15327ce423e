// An asset pull's byte total against its bytes done when staging's files change under it: a file
// that grew while it was copied is done twice (the bytes of the first attempt stay done), and one
// that vanished is not done at all. The total must never read below the bytes done and must end
// equal to them, as presync's does. Staging is faked so the file grows at a known moment. And
// the bytes done never go down: not when a file is redone because production's own chunks did
// not check out, nor when a journal-planned pull is redone from whole listings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { AssetManifestEntry } from '../../shared/proto-gen/switchyard/v1/AssetManifestEntry.js';
import { CHUNK_SIZE } from '../../agent/assets/chunking.js';
import Database from 'better-sqlite3';
import { call, pull, startAssetPair } from '../helpers/tree-fixture.js';
import { fakeAssetsStaging, productionFacing } from '../helpers/fake-staging.js';

function wire(path: string, data: Buffer): AssetManifestEntry {
  const chunks: Buffer[] = [];
  for (let off = 0; off < data.length; off += CHUNK_SIZE) chunks.push(createHash('sha256').update(data.subarray(off, off + CHUNK_SIZE)).digest());
  return { path, type: 'file', mode: 0o644, size: data.length, mtime_ns: '1700000000000000000', sha256: createHash('sha256').update(data).digest(), chunks: chunks.length > 1 ? Buffer.concat(chunks) : Buffer.alloc(0), target: '' };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('asset progress: a file that grew while it was copied and one that vanished leave the byte total never below the bytes done, and equal to them at the end', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-aprog-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  // Listed at three chunks; staging has four by the time it has sent the three.
  const listed = randomBytes(2 * CHUNK_SIZE + 1000);
  const grown = Buffer.concat([listed, randomBytes(300 * 1024)]);
  const gone = randomBytes(CHUNK_SIZE + 10);
  // Listed in path order, as staging lists.
  const entries = [wire('gone.bin', gone), wire('grows.bin', listed)];
  // Answers in the order asked (the fetcher expects them so), one request at a time.
  let answering = Promise.resolve();
  const staging = await fakeAssetsStaging({
    TreeDigest: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { digest: 'fake', files: 2 }),
    ListManifest: (call: grpc.ServerWritableStream<{ paths: string[] }, object>) => {
      const wanted = call.request.paths;
      call.write({ entries: entries.filter((e) => wanted.length === 0 || wanted.includes(e.path ?? '')), chunk_size: CHUNK_SIZE, summary: { digest: 'fake' }, journal_epoch: 'e', journal_seq: 1, complete: true });
      call.end();
    },
    Fetch: (call: grpc.ServerDuplexStream<{ request_id: string; path: string; chunk_indexes: number[]; expected_size: string }, object>) => {
      const answer = async (req: { request_id: string; path: string; chunk_indexes: number[]; expected_size: string }): Promise<void> => {
        const end = (end: object) => call.write({ request_id: req.request_id, end });
        if (req.path === 'gone.bin') return void end({ status: 'vanished' });
        const data = Number(req.expected_size) === listed.length ? listed : grown;
        for (const [n, index] of req.chunk_indexes.entries()) {
          // The grown file's last chunk comes late: progress is reported meanwhile, with both
          // attempts' bytes done.
          if (data === grown && n === req.chunk_indexes.length - 1) await sleep(2500);
          call.write({ request_id: req.request_id, chunk: { index, data: data.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE) } });
        }
        end(data === listed ? { status: 'changed', current: wire('grows.bin', grown) } : { status: 'ok' });
      };
      call.on('data', (req: { request_id: string; path: string; chunk_indexes: number[]; expected_size: string }) => {
        answering = answering.then(() => answer(req));
      });
      call.on('end', () => void answering.then(() => call.end()));
    },
  });
  const { production, req } = await productionFacing(t, dir, staging, { path: root });

  const { progress, result } = await pull(production.client, req);
  assert.equal(Number(result.files_changed_during_copy), 1, JSON.stringify(result));
  assert.equal(Number(result.files_vanished_during_copy), 1, JSON.stringify(result));
  assert.ok(readFileSync(join(root, 'grows.bin')).equals(grown), 'the grown file is there as staging has it now');

  const seen = progress.map((p) => ({ phase: p.phase, done: Number(p.bytes_done), total: Number(p.bytes_total), files: Number(p.files_done), filesTotal: Number(p.files_total) }));
  for (const p of seen) assert.ok(p.total >= p.done, `bytes total ${p.total} below the bytes done ${p.done} (${p.phase}): ${JSON.stringify(seen)}`);
  assert.ok(seen.some((p) => p.phase === 'files' && p.done > grown.length), `a report came while both attempts' bytes were done: ${JSON.stringify(seen)}`);
  const last = seen.at(-1)!;
  assert.equal(last.phase, 'done');
  assert.equal(last.done, listed.length + grown.length, 'both attempts at the grown file count as done');
  assert.equal(last.total, last.done, 'the total is exact at the end: the vanished file no longer in it, the first attempt at the grown one in it');
  assert.deepEqual([last.files, last.filesTotal], [1, 1], 'the vanished file is no longer one to copy');
});

test("asset progress: a large file redone because production's own chunks, taken on the manifest's word, did not check out never takes its bytes done back", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-aprog-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  // Production has clip.bin's first four chunks; staging's has 1000 bytes more (a fifth chunk).
  const old = randomBytes(4 * CHUNK_SIZE);
  const now = Buffer.concat([old, randomBytes(1000)]);
  writeFileSync(join(root, 'clip.bin'), old);
  const fetched: number[][] = [];
  let answering = Promise.resolve();
  const staging = await fakeAssetsStaging({
    TreeDigest: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { digest: 'fake', files: 1 }),
    ListManifest: (call: grpc.ServerWritableStream<{ paths: string[] }, object>) => {
      call.write({ entries: [wire('clip.bin', now)], chunk_size: CHUNK_SIZE, summary: { digest: 'fake' }, journal_epoch: 'e', journal_seq: 1, complete: true });
      call.end();
    },
    Fetch: (call: grpc.ServerDuplexStream<{ request_id: string; path: string; chunk_indexes: number[] }, object>) => {
      const answer = async (req: { request_id: string; path: string; chunk_indexes: number[] }): Promise<void> => {
        fetched.push([...req.chunk_indexes]);
        for (const index of req.chunk_indexes) {
          // Slow: progress is reported while each attempt waits for its chunk.
          await sleep(1500);
          call.write({ request_id: req.request_id, chunk: { index, data: now.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE) } });
        }
        call.write({ request_id: req.request_id, end: { status: 'ok' } });
      };
      call.on('data', (req: { request_id: string; path: string; chunk_indexes: number[] }) => {
        answering = answering.then(() => answer(req));
      });
      call.on('end', () => void answering.then(() => call.end()));
    },
  });
  const { production, req } = await productionFacing(t, dir, staging, { path: root });
  // Production's manifest learns clip.bin's chunks; then chunk 1 is overwritten behind its back
  // (size, mtime and inode kept) and the pull trusts the manifest (refresh none): the file is
  // cloned with all four chunks unchecked, the whole-file hash fails, and it is done again.
  await call((r, cb) => production.client.ScanRoot(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_STAT' as const });
  const path = join(root, 'clip.bin');
  const before = statSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, randomBytes(CHUNK_SIZE), 0, CHUNK_SIZE, CHUNK_SIZE);
  closeSync(fd);
  utimesSync(path, before.atime, before.mtime);
  assert.equal(statSync(path).ino, before.ino);

  const { progress, result } = await pull(production.client, { ...req, production_refresh: 'ASSET_REFRESH_NONE' });
  assert.deepEqual(fetched, [[4], [1]], 'the new chunk, then (the redo, every local chunk checked) the overwritten one');
  assert.ok(readFileSync(path).equals(now), "clip.bin is staging's, byte for byte");
  assert.equal(Number(result.files_copied), 1, JSON.stringify(result));
  assert.equal(Number(result.files_changed_during_copy), 0, 'production\'s own damage is no change on staging');
  assert.equal(Number(result.bytes_wire), 1000 + CHUNK_SIZE, 'both attempts\' fetches');
  // The checked attempt took chunks 0, 2, 3 and 4 from the temporary file the first one left.
  assert.equal(Number(result.bytes_resumed), 3 * CHUNK_SIZE + 1000, JSON.stringify(result));
  assert.equal(Number(result.bytes_reused), 0, JSON.stringify(result));

  const seen = progress.map((p) => ({ phase: p.phase, done: Number(p.bytes_done), total: Number(p.bytes_total), wire: Number(p.bytes_wire), rate: p.rate_bytes_per_second }));
  assert.ok(seen.some((p) => p.phase === 'files' && p.wire === 0 && p.done > 0), `a report came while the first attempt waited: ${JSON.stringify(seen)}`);
  assert.ok(seen.some((p) => p.phase === 'files' && p.wire === 1000), `a report came while the second attempt waited: ${JSON.stringify(seen)}`);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i]!.done >= seen[i - 1]!.done, `bytes done went down from ${seen[i - 1]!.done} to ${seen[i]!.done} (${seen[i]!.phase}): ${JSON.stringify(seen)}`);
  }
  for (const p of seen) {
    assert.ok(p.total >= p.done, `bytes total ${p.total} below the bytes done ${p.done} (${p.phase}): ${JSON.stringify(seen)}`);
    assert.ok(p.rate >= 0, `a negative rate: ${JSON.stringify(seen)}`);
  }
  const last = seen.at(-1)!;
  assert.equal(last.phase, 'done');
  assert.equal(last.done, now.length, 'the file counts once, though done twice');
  assert.equal(last.total, last.done);
});

test('asset progress: a pull planned from the journals that is redone from whole listings reports on from where the first ended, one done at the end', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-aprog-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  mkdirSync(stagingRoot);
  writeFileSync(join(stagingRoot, 'missed.txt'), randomBytes(5_000));
  const { staging, production, stagingState, productionState, req: base } = await startAssetPair(t, dir, stagingRoot, productionRoot, 'tok-progress-0123456789abcdef');
  const req = { ...base, staging_refresh: 'ASSET_REFRESH_STAT' as const, production_refresh: 'ASSET_REFRESH_STAT' as const };
  assert.equal((await pull(production.client, req)).result.equal, true);

  // A change production's journal mark says it has seen (it has not), then one it has not: the
  // pull planned from the journals copies the second, does not end equal, and a pull from whole
  // listings copies the first.
  const missed = randomBytes(5_500);
  writeFileSync(join(stagingRoot, 'missed.txt'), missed);
  await call((r, cb) => staging.client.TreeDigest(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_STAT' as const, token: req.transfer_token });
  const sdb = new Database(stagingState);
  const stagingSeq = (sdb.prepare('SELECT seq FROM asset_roots WHERE root = ?').get('uploads') as { seq: number }).seq;
  sdb.close();
  const pdb = new Database(productionState);
  pdb.pragma('busy_timeout = 5000');
  pdb.prepare('UPDATE asset_roots SET peer_seq = ? WHERE root = ?').run(stagingSeq, 'uploads');
  pdb.close();
  const seen = randomBytes(2 * 1024 * 1024);
  writeFileSync(join(stagingRoot, 'seen.bin'), seen);

  const { progress, result } = await pull(production.client, req);
  assert.equal(result.equal, true);
  assert.equal(result.from_journal, false, 'redone from whole listings');
  assert.equal(Number(result.bytes_copied), seen.length + missed.length, JSON.stringify(result));
  assert.ok(readFileSync(join(productionRoot, 'missed.txt')).equals(missed));
  assert.ok(readFileSync(join(productionRoot, 'seen.bin')).equals(seen));

  const reports = progress.map((p) => ({ phase: p.phase, done: Number(p.bytes_done), total: Number(p.bytes_total), files: Number(p.files_done), filesTotal: Number(p.files_total) }));
  for (let i = 1; i < reports.length; i++) {
    assert.ok(reports[i]!.done >= reports[i - 1]!.done, `bytes done went down from ${reports[i - 1]!.done} to ${reports[i]!.done} (${reports[i]!.phase}): ${JSON.stringify(reports)}`);
    assert.ok(reports[i]!.files >= reports[i - 1]!.files, `files done went down: ${JSON.stringify(reports)}`);
  }
  for (const p of reports) assert.ok(p.total >= p.done, `bytes total ${p.total} below the bytes done ${p.done} (${p.phase}): ${JSON.stringify(reports)}`);
  assert.deepEqual(reports.map((p) => p.phase).filter((ph) => ph === 'done'), ['done'], `one 'done': ${JSON.stringify(reports)}`);
  const last = reports.at(-1)!;
  assert.equal(last.phase, 'done');
  assert.deepEqual([last.done, last.total], [seen.length + missed.length, seen.length + missed.length]);
  assert.deepEqual([last.files, last.filesTotal], [2, 2]);
});

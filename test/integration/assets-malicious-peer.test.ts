// A compromised staging agent: its listing names ../../etc/x, an absolute path, and a symlink
// followed by a file "inside" it. Production must refuse with SY_PATH_UNSAFE and write nothing
// outside its root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { AssetManifestEntry } from '../../shared/proto-gen/switchyard/v1/AssetManifestEntry.js';
import { CHUNK_SIZE } from '../../agent/assets/chunking.js';
import { pull } from '../helpers/tree-fixture.js';
import { fakeAssetsStaging, productionFacing, type FakeStaging } from '../helpers/fake-staging.js';

const DATA = Buffer.from('owned\n');
const SHA = createHash('sha256').update(DATA).digest();

function file(path: string): AssetManifestEntry {
  return { path, type: 'file', mode: 0o644, size: DATA.length, mtime_ns: '1700000000000000000', sha256: SHA, chunks: Buffer.alloc(0), target: '' };
}

function fakeStaging(entries: AssetManifestEntry[], sent: Buffer = DATA): Promise<FakeStaging> {
  return fakeAssetsStaging({
    TreeDigest: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { digest: 'evil', files: 1 }),
    ListManifest: (call: grpc.ServerWritableStream<unknown, object>) => {
      call.write({ entries, chunk_size: CHUNK_SIZE, summary: { digest: 'evil' } });
      call.end();
    },
    Fetch: (call: grpc.ServerDuplexStream<{ request_id: string; chunk_indexes: number[] }, object>) => {
      call.on('data', (req) => {
        for (const index of req.chunk_indexes) call.write({ request_id: req.request_id, chunk: { index, data: sent } });
        call.write({ request_id: req.request_id, end: { status: 'ok' } });
      });
      call.on('end', () => call.end());
    },
  });
}

const cases: Array<[string, AssetManifestEntry[], boolean]> = [
  ['../../etc/x', [file('../../etc/x')], false],
  ['an absolute path', [file('/tmp/sy-evil-absolute')], false],
  ['a NUL byte', [file('a\0b')], false],
  ['a file behind an escaping symlink', [{ ...file('evil'), type: 'symlink', target: '../outside', size: 0, sha256: Buffer.alloc(0) }, file('evil/x')], false],
  ['a file behind an allowed external symlink', [{ ...file('evil'), type: 'symlink', target: '../outside', size: 0, sha256: Buffer.alloc(0) }, file('evil/x')], true],
];

for (const [name, entries, allowExternal] of cases) {
  test(`a peer sending ${name} is refused and nothing is written outside the root`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-evil-'));
    const root = join(dir, 'a', 'b', 'root');
    const outside = join(dir, 'a', 'b', 'outside');
    mkdirSync(root, { recursive: true });
    mkdirSync(outside, { recursive: true });
    const evil = await fakeStaging(entries);
    const { production, req } = await productionFacing(t, dir, evil, { path: root, allowExternalSymlinks: allowExternal });
    await assert.rejects(
      pull(production.client, req),
      (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT && err.metadata.get('switchyard-error-code')[0] === 'SY_PATH_UNSAFE',
    );
    assert.deepEqual(readdirSync(outside), [], 'nothing written beside the root');
    assert.ok(!existsSync(join(dir, 'etc')) && !existsSync('/tmp/sy-evil-absolute'));
    const leftovers = readdirSync(root).filter((n) => n !== 'evil');
    assert.deepEqual(leftovers, [], 'no file landed in the root either');
  });
}

test('a peer whose bytes do not match the SHA-256 it lists is refused, saying so, and nothing lands at the path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-evil-'));
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  const evil = await fakeStaging([file('x')], Buffer.from('other\n'));
  const { production, req } = await productionFacing(t, dir, evil, { path: root });
  await assert.rejects(
    pull(production.client, req),
    (err: grpc.ServiceError) => err.metadata.get('switchyard-error-code')[0] === 'SY_CONFLICT' && /x: what staging sent did not match the SHA-256 it listed/.test(err.details) && /sends data that is not the file it lists/.test(err.details),
  );
  assert.deepEqual(readdirSync(root), [], 'neither the file nor a temporary file is left');
});

// A transfer token revoked (or expired) while production holds a Fetch stream open: the stream
// must stop serving at the next request, not go on reading the root for as long as it stays open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { call, startAssetsAgent } from '../helpers/tree-fixture.js';
import { tempDir } from '../helpers/cutover-fakes.js';
import type { AssetFetchRequest } from '../../shared/proto-gen/switchyard/v1/AssetFetchRequest.js';
import type { AssetFetchResponse__Output } from '../../shared/proto-gen/switchyard/v1/AssetFetchResponse.js';

const TOKEN = 'tok-fetch-revoke-0123456789';

test('an open Fetch stream stops serving once its transfer token is revoked', async (t) => {
  const dir = tempDir(t, 'sy-fetch-revoke-');
  const root = join(dir, 'staging');
  mkdirSync(root);
  const files = { 'a.bin': randomBytes(3_000), 'b.bin': randomBytes(4_000) };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(root, name), data);
  const staging = await startAssetsAgent('127.0.0.2', join(dir, 's.sqlite'), { uploads: { path: root } });
  t.after(() => staging.stop());
  await call((r, cb) => staging.client.ScanRoot(r, cb), { root: 'uploads', refresh: 'ASSET_REFRESH_FULL' as const });
  await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });

  const stream = staging.client.Fetch() as grpc.ClientDuplexStream<AssetFetchRequest, AssetFetchResponse__Output>;
  const answers: AssetFetchResponse__Output[] = [];
  let waiting: (() => void) | undefined;
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    stream.on('error', (err: grpc.ServiceError) => resolve(err));
    stream.on('end', () => resolve(null));
  });
  stream.on('data', (m: AssetFetchResponse__Output) => {
    answers.push(m);
    if (m.end !== null && m.end !== undefined) waiting?.();
  });
  const ask = (id: number, path: keyof typeof files): AssetFetchRequest => {
    const data = files[path];
    return { token: TOKEN, root: 'uploads', path, chunk_indexes: [0], expected_sha256: createHash('sha256').update(data).digest(), expected_size: data.length, request_id: id, end_with_chunk: true };
  };

  // First request: served while the grant is live.
  await new Promise<void>((resolve) => {
    waiting = resolve;
    stream.write(ask(1, 'a.bin'));
  });
  const first = answers.filter((m) => Number(m.request_id) === 1);
  assert.equal(first.at(-1)?.end?.status, 'ok', JSON.stringify(first.map((m) => m.end)));
  assert.deepEqual(Buffer.concat(first.map((m) => m.chunk?.data ?? Buffer.alloc(0))), files['a.bin']);

  // The controller revokes the grant (a rollback, the cutover ended); the stream is still open.
  await call((r, cb) => staging.client.RevokeTransfer(r, cb), { token: TOKEN });
  stream.write(ask(2, 'b.bin'));
  stream.end();
  const err = await ended;
  const second = answers.filter((m) => Number(m.request_id) === 2);
  assert.equal(second.filter((m) => m.chunk !== null && m.chunk !== undefined).length, 0, 'no chunk of b.bin after the revoke');
  assert.ok(err !== null, 'the stream ends with an error, not OK');
  assert.match(err.details, /transfer token unknown or expired/);
});

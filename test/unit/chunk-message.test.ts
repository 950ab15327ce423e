import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import { chunkResponse, EncodedFetchResponse, withEncodedFetch } from '../../agent/assets/chunk-message.js';

const service = loadProto<AssetsProto>().switchyard.v1.Assets.service;
const fetch = service.Fetch;
const decode = (b: Buffer) => fetch.responseDeserialize(b) as { request_id: string; chunk?: { index: number; data: Buffer; offset: string } | null; end?: { status: string } | null };

test('a hand-encoded chunk response decodes like the generated encoding, for every field size', () => {
  for (const [id, index, offset, size] of [
    ['1', 0, 0, 0],
    ['127', 1, 0, 1],
    ['128', 300, 0, 1000],
    ['18446744073709551615', 7, 70000, 262144],
    ['0', 0, 5, 10],
  ] as const) {
    const bytes = randomBytes(size);
    const { message, data } = chunkResponse(id, index, size, offset);
    assert.equal(data.length, size);
    bytes.copy(data);
    const generic = fetch.responseSerialize({ request_id: id, chunk: { index, data: bytes, offset } });
    const ours = decode(message.bytes);
    assert.deepEqual(ours, decode(generic), `id ${id} index ${index} offset ${offset} size ${size}`);
    assert.equal(ours.end ?? null, null, 'no end unless asked for');
    assert.ok(ours.chunk!.data.equals(bytes));
    assert.equal(ours.chunk!.index, index);
    assert.equal(ours.chunk!.offset, String(offset));
  }
});

test('a hand-encoded chunk response with its end decodes like the generated encoding of both', () => {
  for (const size of [0, 1, 1000, 262144]) {
    const bytes = randomBytes(size);
    const { message, data } = chunkResponse('42', 0, size, 0, true);
    assert.equal(data.length, size);
    bytes.copy(data);
    const end = { status: 'ok', current: null, error: '' };
    const generic = fetch.responseSerialize({ request_id: '42', chunk: { index: 0, data: bytes, offset: 0 }, end });
    const ours = decode(message.bytes);
    assert.deepEqual(ours, decode(generic), `size ${size}`);
    assert.ok(ours.chunk!.data.equals(bytes));
    assert.equal(ours.end?.status, 'ok');
  }
});

test('the service serializer passes pre-encoded responses through and encodes the rest as before', () => {
  const wrapped = withEncodedFetch(service).Fetch!;
  const pre = new EncodedFetchResponse(Buffer.from([1, 2, 3]));
  assert.equal(wrapped.responseSerialize(pre), pre.bytes);
  const end = { request_id: '9', end: { status: 'ok', current: null, error: '' } };
  assert.deepEqual(wrapped.responseSerialize(end), fetch.responseSerialize(end));
  // Other methods are untouched.
  assert.equal(withEncodedFetch(service).ListManifest, service.ListManifest);
});

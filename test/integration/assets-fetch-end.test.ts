// A small file's chunk and its end travel in one Fetch message when production asks for that
// (end_with_chunk); a staging agent that does not know the field sends the end on its own, and
// the fetcher must take both forms. Over a real gRPC connection on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import { Fetcher } from '../../agent/assets/fetcher.js';
import { oneChunkFetchServer } from '../helpers/fetch-server.js';

for (const style of ['combined', 'separate'] as const) {
  test(`the fetcher takes a small file's end ${style === 'combined' ? "in the chunk's message" : 'in a message of its own (a staging agent without end_with_chunk)'}`, { timeout: 20_000 }, async (t) => {
    const files = new Map<string, Buffer>(Array.from({ length: 40 }, (_, i) => [`f${i}`, randomBytes(i * 997)]));
    const server = await oneChunkFetchServer((path) => files.get(path)!, style);
    const proto = loadProto<AssetsProto>();
    const client = new proto.switchyard.v1.Assets(server.address, grpc.credentials.createInsecure());
    const fetcher = new Fetcher(client, 'token', 'site', 2);
    t.after(async () => {
      await fetcher.close();
      client.close();
      await server.stop();
    });
    const got = new Map<string, Buffer[]>();
    const ends = await Promise.all(
      [...files].map(([path, data]) =>
        fetcher.fetch({
          path,
          indexes: [0],
          expectedSha256: Buffer.alloc(32),
          expectedSize: data.length,
          onChunk: async (index, chunk) => {
            assert.equal(index, 0);
            got.set(path, [...(got.get(path) ?? []), Buffer.from(chunk)]);
          },
        }),
      ),
    );
    assert.deepEqual(ends.map((e) => e.status), Array(files.size).fill('ok'));
    for (const [path, data] of files) {
      assert.equal(got.get(path)?.length, 1, `${path}: one chunk`);
      assert.ok(got.get(path)![0]!.equals(data), `${path}: its bytes`);
    }
    assert.ok(server.requests.every((r) => r.end_with_chunk), 'every request asks for the end with the chunk');
    assert.equal(server.messages(), style === 'combined' ? files.size : 2 * files.size);
  });
}

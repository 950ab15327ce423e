// A small file's chunk and its end travel in one Fetch message when production asks for that
// (end_with_chunk); a staging agent that does not know the field sends the end on its own, and
// the fetcher must take both forms. Over a real gRPC connection on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { AssetFetchRequest__Output } from '../../shared/proto-gen/switchyard/v1/AssetFetchRequest.js';
import { chunkResponse, withEncodedFetch } from '../../agent/assets/chunk-message.js';
import { Fetcher } from '../../agent/assets/fetcher.js';

type Style = 'combined' | 'separate';

/** A Fetch server answering every request with its file's one chunk and an "ok" end, in one message or two. */
async function fetchServer(files: Map<string, Buffer>, style: Style): Promise<{ address: string; requests: AssetFetchRequest__Output[]; messages: () => number; stop: () => Promise<void> }> {
  const proto = loadProto<AssetsProto>();
  const server = new grpc.Server();
  const requests: AssetFetchRequest__Output[] = [];
  let messages = 0;
  const unimplemented = (_call: unknown, cb: (err: { code: number }) => void) => cb({ code: grpc.status.UNIMPLEMENTED });
  server.addService(withEncodedFetch(proto.switchyard.v1.Assets.service), {
    AuthorizeTransfer: unimplemented,
    RevokeTransfer: unimplemented,
    ScanRoot: unimplemented,
    PullAssets: (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    VerifyAssets: unimplemented,
    TreeDigest: unimplemented,
    ListManifest: (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    Fetch: (call: grpc.ServerDuplexStream<AssetFetchRequest__Output, object>) => {
      call.on('data', (req: AssetFetchRequest__Output) => {
        requests.push(req);
        const data = files.get(req.path)!;
        const combined = style === 'combined' && req.end_with_chunk;
        const { message, data: into } = chunkResponse(req.request_id, 0, data.length, 0, combined);
        data.copy(into);
        call.write(message);
        messages++;
        if (!combined) {
          call.write({ request_id: req.request_id, end: { status: 'ok', current: null, error: '' } });
          messages++;
        }
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.2:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.2:${port}`, requests, messages: () => messages, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

for (const style of ['combined', 'separate'] as const) {
  test(`the fetcher takes a small file's end ${style === 'combined' ? 'in the chunk\'s message' : 'in a message of its own (a staging agent without end_with_chunk)'}`, { timeout: 20_000 }, async (t) => {
    const files = new Map(Array.from({ length: 40 }, (_, i) => [`f${i}`, randomBytes(i * 997)] as const));
    const server = await fetchServer(files, style);
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

// A staging agent's Fetch and nothing else, on loopback: each request is answered with its
// file's one chunk and an "ok" end — in the chunk's message ('combined', when the request asks
// for end_with_chunk, as the agent does) or in a message of its own ('separate', as a staging
// agent without the field does). For the fetcher's test and the fetch-end benchmark.
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { AssetFetchRequest__Output } from '../../shared/proto-gen/switchyard/v1/AssetFetchRequest.js';
import { chunkResponse, END_OK, withEncodedFetch } from '../../agent/assets/chunk-message.js';

export type EndStyle = 'combined' | 'separate';

export interface FetchServer {
  address: string;
  /** Every request received, in order. */
  requests: AssetFetchRequest__Output[];
  /** Response messages sent so far. */
  messages: () => number;
  stop: () => Promise<void>;
}

export async function oneChunkFetchServer(fileOf: (path: string) => Buffer, style: EndStyle, host = '127.0.0.2'): Promise<FetchServer> {
  const proto = loadProto<AssetsProto>();
  const server = new grpc.Server();
  const requests: AssetFetchRequest__Output[] = [];
  let messages = 0;
  const unimplemented = (_call: unknown, cb: (err: { code: number }) => void): void => cb({ code: grpc.status.UNIMPLEMENTED });
  server.addService(withEncodedFetch(proto.switchyard.v1.Assets.service), {
    AuthorizeTransfer: unimplemented,
    RevokeTransfer: unimplemented,
    ScanRoot: unimplemented,
    PullAssets: unimplemented,
    VerifyAssets: unimplemented,
    TreeDigest: unimplemented,
    ListManifest: unimplemented,
    Fetch: (call: grpc.ServerDuplexStream<AssetFetchRequest__Output, object>) => {
      call.on('data', (req: AssetFetchRequest__Output) => {
        requests.push(req);
        const data = fileOf(req.path);
        const combined = style === 'combined' && req.end_with_chunk;
        const { message, data: into } = chunkResponse(req.request_id, 0, data.length, 0, combined);
        data.copy(into);
        call.write(message);
        messages++;
        if (!combined) {
          call.write({ request_id: req.request_id, end: END_OK });
          messages++;
        }
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `${host}:${port}`, requests, messages: () => messages, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

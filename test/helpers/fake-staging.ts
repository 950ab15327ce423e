// A staging agent's Assets service faked on loopback (its listing and bytes are whatever the test
// says), and a real production agent set to pull from it: for tests of a hostile or awkward staging.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import { startAssetsAgent, type AssetsAgent } from './tree-fixture.js';

export interface FakeStaging {
  address: string;
  stop: () => Promise<void>;
}

/** An Assets service on 127.0.0.2 that answers with `handlers`; every other call fails UNIMPLEMENTED. */
export async function fakeAssetsStaging(handlers: grpc.UntypedServiceImplementation): Promise<FakeStaging> {
  const proto = loadProto<AssetsProto>();
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, cb: (err: { code: number }) => void) => cb({ code: grpc.status.UNIMPLEMENTED });
  server.addService(proto.switchyard.v1.Assets.service, {
    AuthorizeTransfer: unimplemented,
    RevokeTransfer: unimplemented,
    ScanRoot: unimplemented,
    PullAssets: (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    VerifyAssets: unimplemented,
    ...handlers,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.2:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.2:${port}`, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

/**
 * A production agent on 127.0.0.3 (state in `dir`) whose root `uploads` is `uploads`, and the
 * request of a pull (with delete) from `staging`. After the test the agent and `staging` stop
 * and `dir` is removed.
 */
export async function productionFacing(
  t: { after: (fn: () => Promise<void>) => void },
  dir: string,
  staging: FakeStaging,
  uploads: { path: string; allowExternalSymlinks?: boolean },
): Promise<{ production: AssetsAgent; req: { peer_address: string; transfer_token: string; staging_root: string; production_root: string; delete: boolean } }> {
  const production = await startAssetsAgent('127.0.0.3', join(dir, 'p.sqlite'), { uploads });
  t.after(async () => {
    await production.stop();
    await staging.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const req = { peer_address: staging.address, transfer_token: 'x'.repeat(20), staging_root: 'uploads', production_root: 'uploads', delete: true };
  return { production, req };
}

// Errors the production agent relays from the staging agent name it the way people know it: by
// the name in the controller's config (the plan's staging.agent), with its address beside it.
// A bare gRPC server stands in for the staging agent; the controller side is checked on what it
// hands the production agent.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import { SwitchyardError, toGrpcError } from '../../shared/errors.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import { GrpcSourcePeer } from '../../agent/db/peer.js';
import { withDatabaseTransfer } from '../../controller/cutover/steps/data-agents.js';
import type { PeerTransfer } from '../../shared/proto-gen/switchyard/v1/PeerTransfer.js';
import { recordingAgents } from '../helpers/recording-agents.js';

/** A staging stand-in whose OpenSnapshot answers as an agent without the schema would. */
async function staging(t: TestContext): Promise<string> {
  const proto = loadProto<DatabaseProto>();
  const server = new grpc.Server();
  server.addService(proto.switchyard.v1.Database.service, {
    OpenSnapshot: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(toGrpcError(new SwitchyardError('SY_NOT_FOUND', 'schema wp_nope does not exist'))),
  } as never);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  t.after(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

async function openError(address: string, peerName: string | undefined): Promise<SwitchyardError> {
  const peer = new GrpcSourcePeer(
    { peer_address: address, transfer_token: 'x'.repeat(32), source_schema: 'wp_nope', target_schema: 'shop', peer_server_name: '', ...(peerName === undefined ? {} : { peer_name: peerName }) } as never,
    { insecure: true },
  );
  try {
    await peer.openSnapshot(1);
  } catch (err) {
    assert.ok(err instanceof SwitchyardError, String(err));
    return err;
  } finally {
    peer.close();
  }
  assert.fail('OpenSnapshot was answered with an error');
}

test('an error from the staging agent names it by the name the controller sent, with its address', async (t) => {
  const address = await staging(t);
  const err = await openError(address, 'staging-1');
  assert.equal(err.message, `staging agent staging-1 (${address}): schema wp_nope does not exist`);
  assert.equal(err.code, 'SY_NOT_FOUND', 'the code still crosses as it was');
});

test('sent no name (an older controller), the staging agent is named by its address as before', async (t) => {
  const address = await staging(t);
  for (const name of [undefined, '', '  ']) {
    assert.equal((await openError(address, name)).message, `staging agent at ${address}: schema wp_nope does not exist`);
  }
});

test("the controller hands the production agent the plan's staging.agent as the peer's name", async () => {
  const { deps, asked } = recordingAgents('10.0.0.5:7701');
  const plan = { staging: { agent: 'staging-1' }, production: { agent: 'prod-1' }, database: { staging: 'wp_staging', production: 'wp_production' } };
  const peer = await withDatabaseTransfer(deps, plan as never, new AbortController().signal, async (p: PeerTransfer) => p);
  assert.equal(peer.peer_name, 'staging-1');
  assert.equal(peer.peer_address, '10.0.0.5:7701');
  assert.deepEqual(asked, ['AuthorizeTransfer', 'RevokeTransfer']);
});

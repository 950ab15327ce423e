// How production's side of StreamTable hears the wire format, against a bare gRPC server that
// answers as an agent of either age would: an older staging agent never sets TableData.format.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import type { StreamTableRequest__Output } from '../../shared/proto-gen/switchyard/v1/StreamTableRequest.js';
import { GrpcSourcePeer } from '../../agent/db/peer.js';
import type { RowFormat } from '../../agent/db/read-rows.js';

/** A staging stand-in: every StreamTable answers `format` (or nothing) with two chunks. */
async function staging(t: TestContext, format: string | undefined): Promise<{ address: string; asked: string[] }> {
  const asked: string[] = [];
  const proto = loadProto<DatabaseProto>();
  const server = new grpc.Server();
  server.addService(proto.switchyard.v1.Database.service, {
    StreamTable: (call: grpc.ServerWritableStream<StreamTableRequest__Output, unknown>) => {
      asked.push(call.request.format);
      for (const data of [Buffer.from('1\ta\n'), Buffer.from('2\tb\n')]) call.write(format === undefined ? { data, rows: 1 } : { data, rows: 1, format });
      call.end();
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  t.after(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, asked };
}

async function read(address: string, ask: boolean): Promise<{ chunks: string[]; heard: RowFormat[] }> {
  const peer = new GrpcSourcePeer({ peer_address: address, transfer_token: 'x'.repeat(32), source_schema: 's', target_schema: 's', peer_server_name: '', peer_name: '' }, { insecure: true });
  const heard: RowFormat[] = [];
  const chunks: string[] = [];
  try {
    for await (const c of peer.streamTable('snap', 't', undefined, undefined, 0, ask ? { onFormat: (f) => heard.push(f) } : undefined)) chunks.push(c.toString());
  } finally {
    peer.close();
  }
  return { chunks, heard };
}

test('asked for "rows", an older staging agent answers in text: production hears text, once, before the first chunk', async (t) => {
  const old = await staging(t, undefined);
  assert.deepEqual(await read(old.address, true), { chunks: ['1\ta\n', '2\tb\n'], heard: ['tsv'] });
  assert.deepEqual(old.asked, ['rows']);
  const current = await staging(t, 'rows');
  assert.deepEqual((await read(current.address, true)).heard, ['rows']);
});

test('rows production did not ask for are refused, not loaded as text', async (t) => {
  const rogue = await staging(t, 'rows');
  await assert.rejects(read(rogue.address, false), /sent rows in a format we did not ask for/);
  assert.deepEqual(rogue.asked, ['']);
});

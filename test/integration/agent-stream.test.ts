// callServerStream against a real gRPC server on loopback: messages in order, typed errors from
// the agent's metadata, and cancellation (abort signal, early break) reaching the server.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import { SwitchyardError, toGrpcError } from '../../shared/errors.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import type { DatabaseClient } from '../../shared/proto-gen/switchyard/v1/Database.js';
import type { DbEvent, DbEvent__Output } from '../../shared/proto-gen/switchyard/v1/DbEvent.js';
import { callServerStream } from '../../controller/agents/stream.js';

type Behaviour = (call: grpc.ServerWritableStream<unknown, DbEvent>) => void;

async function serve(t: TestContext, behaviour: Behaviour): Promise<{ client: DatabaseClient; cancelled: Promise<void> }> {
  const proto = loadProto<DatabaseProto>();
  const server = new grpc.Server();
  let onCancel!: () => void;
  const cancelled = new Promise<void>((r) => (onCancel = r));
  server.addService(proto.switchyard.v1.Database.service, {
    PullDatabase: (call: grpc.ServerWritableStream<unknown, DbEvent>) => {
      call.on('cancelled', onCancel);
      behaviour(call);
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new proto.switchyard.v1.Database(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  t.after(() => {
    client.close();
    server.forceShutdown();
  });
  return { client, cancelled };
}

const progress = (n: number): DbEvent => ({ progress: { phase: 'copy', table: `t${n}`, rows: n } });

/** Writes a progress message every 10 ms until the call is cancelled. */
const endless: Behaviour = (call) => {
  let n = 0;
  const timer = setInterval(() => call.write(progress(n++)), 10);
  call.on('cancelled', () => clearInterval(timer));
};

test('messages arrive in order and the iterator ends with the stream', async (t) => {
  const { client } = await serve(t, (call) => {
    for (let i = 0; i < 5; i++) call.write(progress(i));
    call.write({ copy: { tables: ['a', 'b'], rows: 7 } });
    call.end();
  });
  const got: DbEvent__Output[] = [];
  for await (const ev of callServerStream<object, DbEvent__Output>(client, client.PullDatabase, {}, { context: 'agent prod-1 PullDatabase' })) got.push(ev);
  assert.deepEqual(got.slice(0, 5).map((e) => e.progress?.table), ['t0', 't1', 't2', 't3', 't4']);
  assert.deepEqual(got[5]?.copy?.tables, ['a', 'b']);
  assert.equal(got[5]?.copy?.rows, '7');
});

test('an agent error arrives as the typed error it was', async (t) => {
  const { client } = await serve(t, (call) => {
    call.write(progress(1));
    call.emit('error', toGrpcError(new SwitchyardError('SY_PRECONDITION', 'nothing kept aside', { field: 'target_schema' })));
  });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const ev of callServerStream<object, DbEvent__Output>(client, client.PullDatabase, {}, { context: 'agent prod-1 PullDatabase' })) seen.push(ev.progress!.table);
    })(),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_PRECONDITION' && err.field === 'target_schema' && /nothing kept aside/.test(err.message),
  );
  assert.deepEqual(seen, ['t1']);
});

test('an unreachable agent is SY_AGENT_UNREACHABLE naming the call', async () => {
  const proto = loadProto<DatabaseProto>();
  // Port 1 on loopback: nothing listens there.
  const client = new proto.switchyard.v1.Database('127.0.0.1:1', grpc.credentials.createInsecure());
  try {
    await assert.rejects(
      (async () => {
        for await (const _ of callServerStream(client, client.PullDatabase, {}, { context: 'agent prod-1 PullDatabase', timeoutMs: 5000 })) void _;
      })(),
      (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_AGENT_UNREACHABLE' && err.message.includes('agent prod-1 PullDatabase'),
    );
  } finally {
    client.close();
  }
});

test('aborting the signal cancels the call on the server and throws the abort reason', async (t) => {
  const { client, cancelled } = await serve(t, endless);
  const abort = new AbortController();
  const reason = new SwitchyardError('SY_CONFLICT', 'aborted: rollback requested');
  let count = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of callServerStream(client, client.PullDatabase, {}, { context: 'x', signal: abort.signal })) {
        void _;
        if (++count === 3) abort.abort(reason);
      }
    })(),
    (err: unknown) => err === reason,
  );
  await cancelled;
  assert.ok(count >= 3);
});

test('a consumer that stops reading early cancels the call', async (t) => {
  const { client, cancelled } = await serve(t, endless);
  for await (const ev of callServerStream<object, DbEvent__Output>(client, client.PullDatabase, {}, { context: 'x' })) {
    if (ev.progress?.table === 't2') break;
  }
  await cancelled;
});

test('an already aborted signal never starts the call', async (t) => {
  let started = false;
  const { client } = await serve(t, (call) => {
    started = true;
    call.end();
  });
  const abort = new AbortController();
  abort.abort(new Error('gone'));
  await assert.rejects(
    (async () => {
      for await (const _ of callServerStream(client, client.PullDatabase, {}, { context: 'x', signal: abort.signal })) void _;
    })(),
    /gone/,
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(started, false);
});

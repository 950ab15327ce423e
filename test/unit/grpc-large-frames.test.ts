import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectAssetsPeer } from '../../agent/assets/peer-client.js';
import { createDatabaseClient } from '../../agent/db/peer.js';
import { acceptLargeFrames, LARGE_FRAME_SIZE } from '../../shared/grpc/large-frames.js';

/**
 * A bare HTTP/2 server standing where the staging agent would be: it answers nothing useful,
 * it only reports the SETTINGS_MAX_FRAME_SIZE the connecting client announced.
 */
async function frameSizeAnnounced(connect: (address: string) => { close(): void }, call: (client: never) => void): Promise<number> {
  const server = http2.createServer();
  server.on('stream', (stream) => stream.respond({ ':status': 404 }, { endStream: true }));
  const announced = new Promise<number>((resolve) => {
    server.on('session', (session) => session.once('remoteSettings', (s) => resolve(s.maxFrameSize ?? 16384)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    call(client as never);
    return await announced;
  } finally {
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

test("production's channel to staging's assets service lets staging send 1 MiB frames", async () => {
  const size = await frameSizeAnnounced(
    (a) => connectAssetsPeer(a, {}),
    (c: { Fetch(): { on(e: string, f: () => void): void; end(): void } }) => {
      const call = c.Fetch();
      call.on('error', () => undefined);
      call.end();
    },
  );
  assert.equal(size, LARGE_FRAME_SIZE);
});

test("production's channel to staging's database service lets staging send 1 MiB frames", async () => {
  const size = await frameSizeAnnounced(
    (a) => createDatabaseClient(a, { insecure: true }),
    (c: { waitForReady(deadline: number, cb: () => void): void }) => c.waitForReady(Date.now() + 5000, () => undefined),
  );
  assert.equal(size, LARGE_FRAME_SIZE);
});

test('a client that names its own frame size keeps it', async () => {
  const server = http2.createServer();
  const announced = new Promise<number | undefined>((resolve) => {
    server.on('session', (session) => session.once('remoteSettings', (s) => resolve(s.maxFrameSize)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  acceptLargeFrames(); // installed here too, so this test holds when run alone
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { settings: { maxFrameSize: 32768 } });
  try {
    assert.equal(await announced, 32768);
  } finally {
    session.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

// `switchyard cutover watch` against a stand-in controller whose connections drop: the reads
// around the event stream must wait it out as the stream does, not end the watch with an error.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { watch } from '../../cli/commands/cutover.js';
import { RestClient } from '../../cli/client/rest.js';

interface StandIn {
  url: string;
  /** Every GET of the cutover, in order: `dropped` or the state served. */
  gets: string[];
  /** Requests for anything else (answered 404). */
  others: () => number;
}

/**
 * A controller for one cutover, co_1: running until its event stream has been read, which
 * carries the change to paused and ends. `drop(n, afterStream)` says which GETs of the cutover
 * (1-based) lose their connection before any answer, as a restart or a cut does.
 */
async function standIn(t: TestContext, drop: (n: number, afterStream: boolean) => boolean): Promise<StandIn> {
  const gets: string[] = [];
  let streamed = false;
  let others = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/v1/cutovers/co_1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('id: 7\nevent: state-changed\ndata: {"state":"paused"}\n\n');
      streamed = true;
      return;
    }
    if (path === '/v1/cutovers/co_1' && req.method === 'GET') {
      if (drop(gets.length + 1, streamed)) {
        gets.push('dropped');
        req.socket.destroy();
        return;
      }
      const state = streamed ? 'paused' : 'running';
      gets.push(state);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'co_1', site: 'example.com', state, running: !streamed, steps: [] }));
      return;
    }
    others++;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gets, others: () => others };
}

test('watch: the GETs after the event stream ends are retried when the connection drops, and the watch ends with the state', async (t) => {
  // Each read after the stream loses its first try: the one that checks the resting state and the last one.
  const controller = await standIn(t, (n, afterStream) => afterStream && n % 2 === 0);
  const lines: string[] = [];
  const end = await watch({ url: controller.url, token: 't' }, 'co_1', (s) => lines.push(s));
  assert.equal(end.state, 'paused');
  assert.deepEqual(lines, ['state → paused']);
  assert.deepEqual(controller.gets, ['running', 'dropped', 'paused', 'dropped', 'paused']);
});

test('watch: a drop on the first GET, before the stream, is waited out too', async (t) => {
  const controller = await standIn(t, (n) => n === 1);
  const end = await watch({ url: controller.url, token: 't' }, 'co_1', () => undefined);
  assert.equal(end.state, 'paused');
  assert.deepEqual(controller.gets, ['dropped', 'running', 'paused', 'paused']);
});

test('a patient GET gives up after its patience with the connection error, and never retries an answer that is not a drop', async (t) => {
  const controller = await standIn(t, () => true);
  const client = new RestClient({ url: controller.url });
  const started = Date.now();
  await assert.rejects(client.getPatiently('/v1/cutovers/co_1', 1200), (err: Error & { code?: string }) => err.code === 'SY_CONTROLLER_UNREACHABLE' && /cannot reach the controller/.test(err.message));
  assert.ok(Date.now() - started < 5000, 'bounded by its patience');
  assert.ok(controller.gets.length >= 2, `it tried again: ${controller.gets.length}`);
  await assert.rejects(client.getPatiently('/v1/cutovers/co_nope', 1200), (err: Error & { code?: string }) => /^404 /.test(err.message));
  assert.equal(controller.others(), 1, 'a 404 is an answer: asked once');
});

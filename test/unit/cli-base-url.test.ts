// The CLI against a controller behind a proxy that serves the API under a path prefix:
// SWITCHYARD_URL=https://ops.example/switchyard must reach /switchyard/v1/…, pages included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiUrl, RestClient } from '../../cli/client/rest.js';
import { readEvents } from '../../cli/client/sse.js';
import { listCutovers } from '../../cli/commands/cutover.js';
import { SwitchyardError } from '../../shared/errors.js';

test('API paths land under the base URL\'s path, with or without its trailing slash', () => {
  assert.equal(apiUrl('http://127.0.0.1:7700', '/v1/agents').toString(), 'http://127.0.0.1:7700/v1/agents');
  assert.equal(apiUrl('https://ops.example/switchyard', '/v1/cutovers?limit=5').toString(), 'https://ops.example/switchyard/v1/cutovers?limit=5');
  assert.equal(apiUrl('https://ops.example/switchyard/', '/v1/agents').toString(), 'https://ops.example/switchyard/v1/agents');
  for (const bad of ['ops.example:7700', '127.0.0.1:7700', 'not a url']) {
    assert.throws(() => apiUrl(bad, '/v1/agents'), (err: unknown) => err instanceof SwitchyardError && err.field === 'url' && /SWITCHYARD_URL/.test(err.message), bad);
  }
});

test('behind a prefix, list pages, reads and the event stream all reach the controller', async (t) => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    seen.push(url);
    const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const row = (id: string) => ({ id, site: 'example.com', state: 'planned', steps: [] });
    // `next` as a controller that does not trust the proxy writes it: without the prefix.
    if (url === '/switchyard/v1/cutovers?limit=1') return json({ cutovers: [row('co_2')], next: '/v1/cutovers?limit=1&cursor=c1', nextCursor: 'c1' });
    if (url === '/switchyard/v1/cutovers?limit=1&cursor=c1') return json({ cutovers: [row('co_1')], next: null, nextCursor: null });
    if (url === '/switchyard/v1/cutovers/co_1') return json(row('co_1'));
    if (url === '/switchyard/v1/cutovers/co_1/events?follow=false') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return void res.end('id: 3\nevent: state-changed\ndata: {"state":"planned"}\n\n');
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Not found', detail: `no route ${url}` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/switchyard`;
  const client = new RestClient({ url, token: 't' });

  assert.deepEqual((await listCutovers(client, undefined, 1)).map((c) => c.id), ['co_2', 'co_1']);
  assert.equal((await client.get<{ id: string }>('/v1/cutovers/co_1')).id, 'co_1');
  const events = [];
  for await (const e of readEvents({ url, token: 't' }, '/v1/cutovers/co_1/events?follow=false')) events.push(e.id);
  assert.deepEqual(events, [3]);
  assert.ok(seen.every((u) => u.startsWith('/switchyard/v1/')), seen.join(' '));
});

// The CLI's REST client against something on the controller's URL that is not the controller: a
// 2xx answer that is not JSON is one line naming the URL and what came back, not a SyntaxError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestClient } from '../../cli/client/rest.js';
import { SwitchyardError } from '../../shared/errors.js';

test('a 200 answer that is not JSON (a proxy login page) is a clear error naming the URL, not a SyntaxError', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html>\n<html><head><title>Sign in</title></head><body>proxy</body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new RestClient({ url, token: 'secret-token-not-shown' });
  await assert.rejects(client.request('GET', '/v1/cutovers'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError, `a SwitchyardError, not ${String(err)}`);
    assert.equal(err.code, 'SY_INTERNAL');
    assert.match(err.message, new RegExp(`^GET ${url}/v1/cutovers answered 200 with something that is not JSON \\(text/html; charset=utf-8: "<!doctype html> <html><head><title>Sign in`));
    assert.match(err.message, /is http:\/\/127\.0\.0\.1:\d+ the controller's API/);
    assert.doesNotMatch(err.message, /secret-token/);
    return true;
  });
});

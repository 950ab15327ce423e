import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/logger.js';
import { requirePrincipal } from '../../controller/api/auth.js';
import type { ApiApp } from '../../controller/api/app.js';
import { bearer, buildTestApp, OPERATOR_TOKEN, VIEWER_TOKEN } from '../helpers/api-app.js';
import { generateToken } from '../../controller/api/auth.js';

// Handlers that log carelessly, as a later route might: the whole header set, and an error.
function withCarelessRoutes(app: ApiApp): void {
  app.get('/v1/test-log-headers', async (request) => {
    request.log.info({ headers: request.headers, req: request.raw }, 'headers as received');
    return { by: requirePrincipal(request).name };
  });
  app.get('/v1/test-throw', async (request) => {
    throw new Error(`failed for ${request.headers.authorization?.length ?? 0}-char header`);
  });
}

test('a bearer token never reaches the log, valid or not, whatever the level', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } });
  const app = await buildTestApp(t, { logger, extend: withCarelessRoutes });
  const wrong = generateToken();

  assert.equal((await app.inject({ url: '/v1/agents', headers: bearer(VIEWER_TOKEN) })).statusCode, 200);
  assert.equal((await app.inject({ url: '/v1/agents', headers: bearer(wrong) })).statusCode, 401);
  assert.equal((await app.inject({ url: '/v1/test-log-headers', headers: bearer(OPERATOR_TOKEN) })).statusCode, 200);
  assert.equal((await app.inject({ url: '/v1/test-throw', headers: bearer(OPERATOR_TOKEN) })).statusCode, 500);

  const log = lines.join('');
  // The log was written and holds the requests, so absence below means redaction, not silence.
  assert.match(log, /"path":"\/v1\/agents","route":"\/v1\/agents","status":200,"ms":[0-9.]+,"principal":"alice-viewer","msg":"request completed"/);
  assert.match(log, /"status":401,"ms":[0-9.]+,"principal":null,"msg":"request completed"/);
  assert.match(log, /"msg":"headers as received"/);
  assert.match(log, /"msg":"unhandled error"/);
  assert.match(log, /"component":"api"/);
  // Fastify's own per-request lines stay off (ours above carry route, status and principal).
  assert.equal(log.includes('"msg":"incoming request"'), false, "fastify's own request log is on");
  for (const token of [VIEWER_TOKEN, OPERATOR_TOKEN, wrong]) {
    assert.equal(log.includes(token), false, 'token found in the log');
    assert.equal(log.includes(token.slice(3)), false, 'token body found in the log');
  }
});

test('the request log names the path as the client sent it, trailing slash and all, without the query string', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  const app = await buildTestApp(t, { logger });
  const secret = generateToken();
  const res = await app.inject({ url: '/v1/agents/', headers: bearer(VIEWER_TOKEN) });
  assert.equal(res.statusCode, 200, 'the collection is answered with the slash trimmed for routing');
  // /v1/agents takes no parameter: a 400, logged all the same, its query string left out.
  assert.equal((await app.inject({ url: `/v1/agents/?access_token=${secret}`, headers: bearer(VIEWER_TOKEN) })).statusCode, 400);

  const completed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed');
  assert.deepEqual(
    completed.map((l) => [l.path, l.route, l.status]),
    [
      ['/v1/agents/', '/v1/agents', 200],
      ['/v1/agents/', '/v1/agents', 400],
    ],
    'the path as sent, not the routed /v1/agents',
  );
  assert.equal(lines.join('').includes(secret), false, 'a query string value found in the log');
});

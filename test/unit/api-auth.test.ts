import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateToken, hashToken, requirePrincipal } from '../../controller/api/auth.js';
import { buildApp } from '../../controller/api/app.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/logger.js';
import { bearer, buildTestApp, OPERATOR_TOKEN, VIEWER_TOKEN } from '../helpers/api-app.js';
import { fakeAgents, fakeParity } from '../helpers/api-fakes.js';
import type { ApiApp } from '../../controller/api/app.js';

// A stand-in for the acting routes of a later issue (cutovers): only its role matters here.
function withOperatorRoute(app: ApiApp): void {
  app.post('/v1/test-act', { config: { role: 'operator' } }, async (request) => ({ by: requirePrincipal(request) }));
}

test('hashToken is sha256:<hex> of the token, and generated tokens are sy_ + 32 random bytes', () => {
  assert.equal(hashToken('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const t = generateToken();
  assert.match(t, /^sy_[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(t.slice(3), 'base64url').length, 32);
  assert.notEqual(generateToken(), t);
});

test('a request without a token is 401 with WWW-Authenticate: Bearer and a problem document', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/v1/agents' });
  assert.equal(res.statusCode, 401);
  assert.match(String(res.headers['www-authenticate']), /^Bearer /);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.json().code, 'SY_UNAUTHENTICATED');
});

test('a wrong token, or a token in another scheme, is 401 invalid_token', async (t) => {
  const app = await buildTestApp(t);
  const wrong = await app.inject({ method: 'GET', url: '/v1/agents', headers: bearer(generateToken()) });
  assert.equal(wrong.statusCode, 401);
  assert.match(String(wrong.headers['www-authenticate']), /error="invalid_token"/);
  assert.equal(wrong.json().detail, 'unknown bearer token');
  const basic = await app.inject({ method: 'GET', url: '/v1/agents', headers: { authorization: `Basic ${VIEWER_TOKEN}` } });
  assert.equal(basic.statusCode, 401);
  const prefix = await app.inject({ method: 'GET', url: '/v1/agents', headers: bearer(VIEWER_TOKEN.slice(0, -1)) });
  assert.equal(prefix.statusCode, 401);
});

test('an unknown route needs a token too, so routes cannot be probed anonymously', async (t) => {
  const app = await buildTestApp(t);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/nothing-here' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/nothing-here', headers: bearer(VIEWER_TOKEN) })).statusCode, 404);
});

test('a viewer may read; the scheme name is case-insensitive', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/v1/agents', headers: { authorization: `bearer ${VIEWER_TOKEN}` } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().agents.length, 2);
});

test('a viewer acting is 403; an operator may act and is the request principal', async (t) => {
  const app = await buildTestApp(t, { extend: withOperatorRoute });
  const viewer = await app.inject({ method: 'POST', url: '/v1/test-act', headers: bearer(VIEWER_TOKEN) });
  assert.equal(viewer.statusCode, 403);
  assert.equal(viewer.json().code, 'SY_FORBIDDEN');
  assert.match(viewer.json().detail, /alice-viewer has role viewer; this needs operator/);
  const operator = await app.inject({ method: 'POST', url: '/v1/test-act', headers: bearer(OPERATOR_TOKEN) });
  assert.equal(operator.statusCode, 200);
  assert.deepEqual(operator.json(), { by: { name: 'ci-operator', role: 'operator' } });
  const anonymous = await app.inject({ method: 'POST', url: '/v1/test-act' });
  assert.equal(anonymous.statusCode, 401, 'authentication is checked before the role');
});

test('an operator token may read too', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/v1/agents', headers: bearer(OPERATOR_TOKEN) });
  assert.equal(res.statusCode, 200);
});

test('with no tokens configured every authenticated route is closed', async (t) => {
  const app = buildApp({ config: validate(ControllerConfigSchema, {}, 'empty'), logger: silentLogger(), agents: fakeAgents(), parity: fakeParity() });
  t.after(() => app.close());
  assert.equal((await app.inject({ method: 'GET', url: '/v1/agents', headers: bearer(VIEWER_TOKEN) })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

/** A GET over a real socket with the raw header lines given: Node's parser, not inject's, reads them. */
async function rawGet(app: ApiApp, path: string, headers: Array<[string, string]>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    const byName = new Map<string, string[]>();
    for (const [k, v] of headers) byName.set(k, [...(byName.get(k) ?? []), v]);
    for (const [k, v] of byName) req.setHeader(k, v.length === 1 ? v[0]! : v);
    req.end();
  });
}

test('two Authorization headers, a valid token first, are refused as a 400 problem saying so, not let in on the first', async (t) => {
  const app = await buildTestApp(t);
  const res = await rawGet(app, '/v1/agents', [
    ['authorization', `Bearer ${VIEWER_TOKEN}`],
    ['authorization', `Bearer ${generateToken()}`],
  ]);
  assert.equal(res.status, 400, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(res.body) as { code: string; detail: string; field: string };
  assert.equal(problem.code, 'SY_VALIDATION');
  assert.equal(problem.field, 'authorization');
  assert.match(problem.detail, /more than one Authorization header: send exactly one, Authorization: Bearer TOKEN/);
  assert.ok(!res.body.includes(VIEWER_TOKEN), 'the token is not echoed');
  // One header is still fine, and public routes do not read it.
  assert.equal((await rawGet(app, '/v1/agents', [['authorization', `Bearer ${VIEWER_TOKEN}`]])).status, 200);
  assert.equal((await rawGet(app, '/healthz', [['authorization', 'Bearer a'], ['authorization', 'Bearer b']])).status, 200);
});

test('a scheme other than Bearer is a 401 saying the scheme is not supported and what to send, never echoing the credentials', async (t) => {
  const app = await buildTestApp(t);
  const basic = await app.inject({ method: 'GET', url: '/v1/agents', headers: { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` } });
  assert.equal(basic.statusCode, 401);
  assert.equal(basic.json().code, 'SY_UNAUTHENTICATED');
  assert.equal(basic.json().detail, 'authorization scheme Basic is not supported: send Authorization: Bearer TOKEN');
  assert.ok(!basic.body.includes(Buffer.from('alice:s3cret').toString('base64')));
  const bare = await app.inject({ method: 'GET', url: '/v1/agents', headers: { authorization: VIEWER_TOKEN } });
  assert.equal(bare.statusCode, 401);
  assert.equal(bare.json().detail, 'authorization is not a bearer token: send Authorization: Bearer TOKEN');
  assert.ok(!bare.body.includes(VIEWER_TOKEN), 'a token sent without a scheme is not echoed');
  const empty = await app.inject({ method: 'GET', url: '/v1/agents', headers: { authorization: 'Bearer' } });
  assert.match(empty.json().detail, /^malformed bearer token: send Authorization: Bearer TOKEN/);
  const none = await app.inject({ method: 'GET', url: '/v1/agents' });
  assert.equal(none.json().detail, 'missing bearer token: send Authorization: Bearer TOKEN');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { SwitchyardError } from '../../shared/errors.js';
import type { ApiApp } from '../../controller/api/app.js';
import { bearer, buildTestApp, VIEWER_TOKEN, OPERATOR_TOKEN } from '../helpers/api-app.js';
import { fakeAgents } from '../helpers/api-fakes.js';

const auth = bearer(VIEWER_TOKEN);

function isProblem(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, code: string): Record<string, unknown> {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
}

// Test-only routes: a body with nested required fields, and handlers that fail.
function withTestRoutes(app: ApiApp): void {
  app.post(
    '/v1/test-plan',
    {
      config: { role: 'operator' },
      schema: {
        body: Type.Object({
          site: Type.String({ minLength: 1 }),
          staging: Type.Object({ agent: Type.String(), ip: Type.String() }),
        }),
      },
    },
    async () => ({ ok: true }),
  );
  app.get('/v1/test-bug', async () => {
    throw new Error('secret internals at /srv/controller/db.ts:42');
  });
}

test('a missing query parameter is 400 naming that parameter', async (t) => {
  const app = await buildTestApp(t);
  const noStaging = isProblem(await app.inject({ url: '/v1/parity/runtime?production=prod-1', headers: auth }), 400, 'SY_VALIDATION');
  assert.equal(noStaging.field, 'staging');
  assert.equal(noStaging.detail, 'query parameter staging is required');
  const noProduction = isProblem(await app.inject({ url: '/v1/parity/runtime?staging=staging-1', headers: auth }), 400, 'SY_VALIDATION');
  assert.equal(noProduction.field, 'production');
  assert.equal(noProduction.instance, '/v1/parity/runtime', 'the instance is the path, without the query');
});

test('an unknown agent is 404 SY_AGENT_UNKNOWN naming the field that carried it', async (t) => {
  const app = await buildTestApp(t);
  const facts = isProblem(await app.inject({ url: '/v1/agents/nope/facts', headers: auth }), 404, 'SY_AGENT_UNKNOWN');
  assert.equal(facts.field, 'name');
  const parity = isProblem(await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=nope', headers: auth }), 404, 'SY_AGENT_UNKNOWN');
  assert.equal(parity.field, 'production');
});

test('body validation names the field by its path in the body', async (t) => {
  const app = await buildTestApp(t, { extend: withTestRoutes });
  const op = bearer(OPERATOR_TOKEN);
  const noSite = isProblem(await app.inject({ method: 'POST', url: '/v1/test-plan', headers: op, payload: { staging: { agent: 'a', ip: 'b' } } }), 400, 'SY_VALIDATION');
  assert.equal(noSite.field, 'site');
  const emptySite = isProblem(await app.inject({ method: 'POST', url: '/v1/test-plan', headers: op, payload: { site: '', staging: { agent: 'a', ip: 'b' } } }), 400, 'SY_VALIDATION');
  assert.equal(emptySite.field, 'site');
  const nested = isProblem(await app.inject({ method: 'POST', url: '/v1/test-plan', headers: op, payload: { site: 'x', staging: { agent: 'a' } } }), 400, 'SY_VALIDATION');
  assert.equal(nested.field, 'staging.ip');
  assert.equal(nested.detail, 'body field staging.ip is required');
  const noBody = isProblem(await app.inject({ method: 'POST', url: '/v1/test-plan', headers: op }), 400, 'SY_VALIDATION');
  assert.equal(noBody.field, 'body');
  const badJson = isProblem(
    await app.inject({ method: 'POST', url: '/v1/test-plan', headers: { ...op, 'content-type': 'application/json' }, payload: '{"site":' }),
    400,
    'SY_VALIDATION',
  );
  assert.equal(badJson.field, 'body');
  const ok = await app.inject({ method: 'POST', url: '/v1/test-plan', headers: op, payload: { site: 'x', staging: { agent: 'a', ip: 'b' } } });
  assert.equal(ok.statusCode, 200);
});

test('a bug is 500 SY_INTERNAL that leaks neither message nor stack', async (t) => {
  const app = await buildTestApp(t, { extend: withTestRoutes });
  const res = await app.inject({ url: '/v1/test-bug', headers: auth });
  isProblem(res, 500, 'SY_INTERNAL');
  assert.doesNotMatch(res.body, /secret internals|db\.ts|at \//);
  assert.match(res.json().detail, /request id/);
});

test('a SwitchyardError from a port keeps its code and HTTP status', async (t) => {
  const agents = fakeAgents([{ name: 'prod-1', address: '127.0.0.3:7701', facts: new SwitchyardError('SY_AGENT_UNREACHABLE', 'prod-1 at 127.0.0.3:7701: connection refused') }]);
  const app = await buildTestApp(t, { agents });
  const body = isProblem(await app.inject({ url: '/v1/agents/prod-1/facts', headers: auth }), 502, 'SY_AGENT_UNREACHABLE');
  assert.equal(body.detail, 'prod-1 at 127.0.0.3:7701: connection refused');
  assert.equal(body.instance, '/v1/agents/prod-1/facts');
});

test('an unknown route is a 404 problem document', async (t) => {
  const app = await buildTestApp(t);
  const body = isProblem(await app.inject({ url: '/v1/nothing', headers: auth }), 404, 'SY_NOT_FOUND');
  assert.match(String(body.detail), /GET \/v1\/nothing/);
});

test('OPTIONS on a route is 204 with Allow listing its methods; a method the path lacks is 405 problem+json with Allow', async (t) => {
  const app = await buildTestApp(t, { extend: withTestRoutes });
  const options = await app.inject({ method: 'OPTIONS', url: '/v1/agents/staging-1/facts', headers: auth });
  assert.equal(options.statusCode, 204, options.body);
  assert.equal(options.headers.allow, 'GET, HEAD, OPTIONS');
  assert.equal(options.body, '');
  assert.equal((await app.inject({ method: 'OPTIONS', url: '/v1/test-plan', headers: auth })).headers.allow, 'POST, OPTIONS');

  const wrong = await app.inject({ method: 'DELETE', url: '/v1/agents?x=1', headers: auth });
  const body = isProblem(wrong, 405, 'SY_METHOD_NOT_ALLOWED');
  assert.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS');
  assert.match(String(body.detail), /\/v1\/agents does not take DELETE; it takes GET, HEAD, OPTIONS/);
  assert.equal(isProblem(await app.inject({ method: 'GET', url: '/v1/test-plan', headers: auth }), 405, 'SY_METHOD_NOT_ALLOWED').instance, '/v1/test-plan');

  // A path no route has stays a 404, whatever the method; OPTIONS there says nothing either.
  isProblem(await app.inject({ method: 'OPTIONS', url: '/v1/nothing', headers: auth }), 404, 'SY_NOT_FOUND');
  isProblem(await app.inject({ method: 'PUT', url: '/v1/nothing', headers: auth }), 404, 'SY_NOT_FOUND');
});

test('OPTIONS and a wrong method on /v1/agents/<unknown name>/facts are the 404 naming the agent, not an Allow list', async (t) => {
  const app = await buildTestApp(t);
  for (const method of ['OPTIONS', 'POST'] as const) {
    const res = await app.inject({ method, url: '/v1/agents/stagign-1/facts', headers: auth });
    const body = isProblem(res, 404, 'SY_AGENT_UNKNOWN');
    assert.equal(res.headers.allow, undefined);
    assert.equal(body.field, 'name');
    assert.match(String(body.detail), /no agent named "stagign-1"/);
  }
  assert.equal((await app.inject({ method: 'POST', url: '/v1/agents/staging-1/facts', headers: auth })).statusCode, 405);
});

test('OPTIONS and 405 need a token where the path does, and none on a public path', async (t) => {
  const app = await buildTestApp(t);
  isProblem(await app.inject({ method: 'OPTIONS', url: '/v1/agents' }), 401, 'SY_UNAUTHENTICATED');
  isProblem(await app.inject({ method: 'DELETE', url: '/v1/agents' }), 401, 'SY_UNAUTHENTICATED');
  const health = await app.inject({ method: 'OPTIONS', url: '/healthz' });
  assert.deepEqual([health.statusCode, health.headers.allow], [204, 'GET, HEAD, OPTIONS']);
  const post = await app.inject({ method: 'POST', url: '/healthz' });
  assert.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
  isProblem(post, 405, 'SY_METHOD_NOT_ALLOWED');
});

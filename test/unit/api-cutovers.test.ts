import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Type } from '@sinclair/typebox';
import type { InjectOptions } from 'fastify';
import { buildApp, type ApiApp } from '../../controller/api/app.js';
import { hashToken } from '../../controller/api/auth.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/logger.js';
import type { CutoverEngine } from '../../controller/cutover/machine.js';
import { bearer, buildTestApp, OPERATOR_TOKEN, VIEWER_TOKEN } from '../helpers/api-app.js';
import { fakeAgents, fakeParity } from '../helpers/api-fakes.js';
import type { AgentsPort } from '../../controller/api/ports.js';
import { FakeClock, FakeWorld, fakeRollback, fakeStep, fakeSteps, gate, newEngine, planInput, tempStore, until } from '../helpers/cutover-fakes.js';
import type { CutoverEngineOptions } from '../../controller/cutover/machine.js';
import { SwitchyardError } from '../../shared/errors.js';
import { formatReportText } from '../../controller/report/text.js';
import { lockExecutor } from '../../controller/cutover/steps/lock.js';
import { renderReportHtml } from '../../controller/report/html.js';

const op = bearer(OPERATOR_TOKEN);
const viewer = bearer(VIEWER_TOKEN);

interface Harness {
  app: ApiApp;
  engine: CutoverEngine;
  world: FakeWorld;
}

/** `engineOpts` as a function gets the world the fakes act on, for executors or parts of its own. */
async function harness(
  t: TestContext,
  engineOpts: Partial<CutoverEngineOptions> | ((world: FakeWorld) => Partial<CutoverEngineOptions>) = {},
  withCutovers = true,
  configExtra: Record<string, unknown> = {},
  agents: AgentsPort = fakeAgents(),
): Promise<Harness> {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world), ...(typeof engineOpts === 'function' ? engineOpts(world) : engineOpts) });
  const config = validate(
    ControllerConfigSchema,
    {
      tokens: [
        { name: 'alice-viewer', role: 'viewer', hash: hashToken(VIEWER_TOKEN) },
        { name: 'ci-operator', role: 'operator', hash: hashToken(OPERATOR_TOKEN) },
      ],
      dnsProviders: { 'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN' } } },
      ...configExtra,
    },
    'test controller config',
  );
  const app = buildApp({
    config,
    logger: silentLogger(),
    agents,
    parity: fakeParity(),
    registry: new Registry(),
    sseHeartbeatMs: 20,
    ...(withCutovers ? { cutovers: engine } : {}),
  });
  t.after(async () => {
    await app.close();
    await engine.close();
  });
  await app.ready();
  return { app, engine, world };
}

async function create(app: ApiApp): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: planInput() });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { id: string }).id;
}

test('POST /v1/cutovers creates from a plan: 201 planned, with every step and the plan defaults', async (t) => {
  const { app } = await harness(t);
  const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: planInput() });
  assert.equal(res.statusCode, 201);
  const body = res.json() as { id: string; state: string; createdBy: string; steps: { name: string; state: string }[]; plan: { dns: { type: string }; checks: { maxTtl: number } } };
  assert.equal(body.state, 'planned');
  assert.equal(body.createdBy, 'ci-operator');
  assert.equal(body.steps.length, 11);
  assert.equal(body.plan.dns.type, 'A');
  assert.equal(body.plan.checks.maxTtl, 300);
  assert.equal(res.headers.location, `/v1/cutovers/${body.id}`);
});

test('an invalid plan is refused as problem+json naming the field', async (t) => {
  const { app } = await harness(t);
  const cases: Array<[(p: Record<string, Record<string, unknown>>) => void, string]> = [
    [(p) => void (p.staging!.agent = 'nobody'), 'staging.agent'],
    [(p) => void (p.dns!.provider = 'route53'), 'dns.provider'],
    [(p) => void (p.checks!.maxErrorRate = 'lots'), 'checks.maxErrorRate'],
    [(p) => void ((p as Record<string, unknown>).surprise = 1), 'surprise'],
  ];
  for (const [mutate, field] of cases) {
    const plan = planInput() as Record<string, Record<string, unknown>>;
    mutate(plan);
    const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: plan });
    assert.equal(res.statusCode, 400, field);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string };
    assert.equal(problem.code, 'SY_VALIDATION');
    assert.equal(problem.field, field);
  }
  const bad = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: '{"site": ' });
  assert.equal(bad.statusCode, 400);
  assert.equal((bad.json() as { field: string }).field, 'body');
});

test("a plan whose own asset roots share a directory is a 400 problem naming both: the same root twice, or (as the agent's Hello says) one inside the other", async (t) => {
  const paths = new Map([['uploads', '/srv/site/uploads'], ['media', '/srv/site/uploads/media']]);
  const agents: AgentsPort = { ...fakeAgents(), identity: (name) => name, rootPaths: (name) => (name === 'prod-1' ? paths : undefined) };
  const { app } = await harness(t, {}, true, {}, agents);
  const cases: Array<[unknown[], string, RegExp]> = [
    [[{ staging: 'uploads', production: 'uploads' }, { staging: 'media', production: 'uploads' }], 'assets[1].production', /assets\[0\]\.production and assets\[1\]\.production both name asset root uploads on agent prod-1/],
    [[{ staging: 'uploads', production: 'uploads' }, { staging: 'media', production: 'media' }], 'assets[1].production', /asset root media \(\/srv\/site\/uploads\/media\) and asset root uploads \(\/srv\/site\/uploads\) of assets\[0\]\.production, on agent prod-1, lie one inside the other/],
  ];
  for (const [assets, field, detail] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: { ...planInput(), assets } });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.equal(problem.code, 'SY_VALIDATION');
    assert.equal(problem.field, field);
    assert.match(problem.detail, detail);
  }
  const ok = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: planInput() });
  assert.equal(ok.statusCode, 201, ok.body);
});

test('a plan refused by the controller\'s own checks at two keys is one 400 naming both in details.problems, as schema faults are', async (t) => {
  const { app } = await harness(t);
  const plan = planInput() as Record<string, Record<string, unknown>>;
  plan.production!.agent = 'prod-9';
  plan.dns!.provider = 'route53';
  const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: plan });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = res.json() as { code: string; field: string; detail: string; details: { problems: Array<{ field: string; detail: string }> } };
  assert.equal(problem.code, 'SY_VALIDATION');
  assert.equal(problem.field, 'production.agent');
  assert.deepEqual(problem.details.problems, [
    { field: 'production.agent', detail: 'unknown agent "prod-9"; configured: staging-1, prod-1' },
    { field: 'dns.provider', detail: 'unknown DNS provider "route53"; configured: cf-main' },
  ]);
  assert.match(problem.detail, /^plan: key production\.agent: unknown agent "prod-9"; configured: staging-1, prod-1; also key dns\.provider: unknown DNS provider "route53"/);
});

test('reads need a token, actions need the operator role', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  assert.equal((await app.inject({ url: `/v1/cutovers/${id}` })).statusCode, 401);
  assert.equal((await app.inject({ url: `/v1/cutovers/${id}`, headers: viewer })).statusCode, 200);
  for (const [url, payload] of [
    ['/v1/cutovers', planInput()],
    [`/v1/cutovers/${id}/advance`, { until: 'preflight' }],
    [`/v1/cutovers/${id}/rollback`, undefined],
    [`/v1/cutovers/${id}/release`, undefined],
    [`/v1/cutovers/${id}/prepare`, undefined],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, headers: viewer, ...(payload === undefined ? {} : { payload }) });
    assert.equal(res.statusCode, 403, url);
  }
});

test('GET /v1/cutovers lists newest first; GET of an unknown id is 404', async (t) => {
  const { app } = await harness(t);
  const a = await create(app);
  const b = await create(app);
  const list = await app.inject({ url: '/v1/cutovers', headers: viewer });
  assert.equal(list.statusCode, 200);
  const ids = (list.json() as { cutovers: { id: string }[] }).cutovers.map((c) => c.id);
  assert.deepEqual(new Set(ids), new Set([a, b]));
  const one = await app.inject({ url: '/v1/cutovers?limit=1', headers: viewer });
  assert.equal((one.json() as { cutovers: unknown[] }).cutovers.length, 1);
  const missing = await app.inject({ url: '/v1/cutovers/co_nope', headers: viewer });
  assert.equal(missing.statusCode, 404);
  assert.equal((missing.json() as { code: string }).code, 'SY_NOT_FOUND');
});

test('a collection with a trailing slash is the collection: GET /v1/cutovers/ and /v1/agents/ list, POST /v1/cutovers/ creates', async (t) => {
  const { app } = await harness(t);
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers/', headers: op, payload: planInput() });
  assert.equal(created.statusCode, 201, created.body);
  const id = (created.json() as { id: string }).id;
  assert.equal(created.headers.location, `/v1/cutovers/${id}`, 'Location has no doubled slash');
  for (const url of ['/v1/cutovers/', '/v1/cutovers//', '/v1/cutovers/?limit=1']) {
    const list = await app.inject({ url, headers: viewer });
    assert.equal(list.statusCode, 200, `${url}: ${list.body}`);
    assert.deepEqual((list.json() as { cutovers: { id: string }[] }).cutovers.map((c) => c.id), [id], url);
  }
  const one = await app.inject({ url: `/v1/cutovers/${id}/`, headers: viewer });
  assert.equal(one.statusCode, 200, one.body);
  assert.equal((one.json() as { id: string }).id, id);
  const agents = await app.inject({ url: '/v1/agents/', headers: viewer });
  assert.equal(agents.statusCode, 200, agents.body);
  assert.equal((agents.json() as { agents: unknown[] }).agents.length, 2);
  assert.equal((await app.inject({ url: '/v1/agents/', headers: {} })).statusCode, 401, 'still needs a token');
});

test("a trailing-slash path's problem names the path the client asked for, slash included, in instance and detail", async (t) => {
  const { app } = await harness(t);
  const problem = async (req: InjectOptions) => {
    const res = await app.inject(req);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', res.body);
    return res.json() as { status: number; code: string; detail: string; instance?: string };
  };
  // Raised by a route (no such cutover), by auth, by validation and by the not-found handler.
  const nope = await problem({ url: '/v1/cutovers/co_nope/', headers: viewer });
  assert.deepEqual([nope.status, nope.code, nope.instance], [404, 'SY_NOT_FOUND', '/v1/cutovers/co_nope/']);
  assert.equal((await problem({ url: '/v1/cutovers/nope/', headers: viewer })).instance, '/v1/cutovers/nope/');
  assert.equal((await problem({ url: '/v1/cutovers/', headers: {} })).instance, '/v1/cutovers/');
  assert.equal((await problem({ url: '/v1/cutovers/co_nope/?x=1', headers: viewer })).instance, '/v1/cutovers/co_nope/', 'the query is still left out');
  assert.equal((await problem({ method: 'POST', url: '/v1/cutovers//', headers: op, payload: { site: 1 } })).instance, '/v1/cutovers//');
  const noRoute = await problem({ url: '/v1/nothing-here/', headers: viewer });
  assert.deepEqual([noRoute.status, noRoute.detail, noRoute.instance], [404, 'no route GET /v1/nothing-here/', '/v1/nothing-here/']);
  const typo = await problem({ method: 'OPTIONS', url: '/v1/cutovers/co_typo/advance/', headers: op });
  assert.deepEqual([typo.status, typo.instance], [404, '/v1/cutovers/co_typo/advance/']);
  const wrong = await problem({ method: 'PUT', url: '/v1/cutovers/', headers: op });
  assert.equal(wrong.status, 405, wrong.detail);
  assert.equal(wrong.instance, '/v1/cutovers/');
  assert.match(wrong.detail, /^\/v1\/cutovers\/ does not take PUT/);
});

test('advance answers 202 at once, 409 while the run is in flight, 400 for an unknown step', async (t) => {
  const world = new FakeWorld();
  const hold = gate();
  const { app, engine } = await harness(t, { executors: fakeSteps(world, { preflight: fakeStep(world, 'preflight', { run: () => hold.promise }) }) });
  const id = await create(app);
  const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'lock' } });
  assert.equal(res.statusCode, 202);
  assert.equal((res.json() as { state: string; running: boolean }).state, 'running');

  const again = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'lock' } });
  assert.equal(again.statusCode, 409);
  assert.equal((again.json() as { code: string }).code, 'SY_CONFLICT');

  const badStep = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'teleport' } });
  assert.equal(badStep.statusCode, 400);
  assert.equal((badStep.json() as { field: string }).field, 'until');
  const noUntil = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: {} });
  assert.equal(noUntil.statusCode, 400);
  assert.equal((noUntil.json() as { field: string }).field, 'until');

  hold.open();
  await engine.idle(id);
  const after = (await app.inject({ url: `/v1/cutovers/${id}`, headers: viewer })).json() as { state: string; currentStep: string };
  assert.deepEqual([after.state, after.currentStep], ['paused', 'lock']);
});

test('advance of a second cutover of the same site while the first holds staging locked is a 409 problem naming the first and the way out; create and rollback of the second are not refused', async (t) => {
  const { app, engine } = await harness(t);
  const a = await create(app);
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${a}/advance`, headers: op, payload: { until: 'lock' } })).statusCode, 202);
  await engine.idle(a);
  const b = await create(app);

  const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${b}/advance`, headers: op, payload: { until: 'preflight' } });
  assert.equal(res.statusCode, 409, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = res.json() as { code: string; detail: string; details: { blockedBy: Array<{ id: string; state: string; shared: Array<{ kind: string }> }> } };
  assert.equal(problem.code, 'SY_CONFLICT');
  assert.match(problem.detail, new RegExp(`^cutover ${a} is paused and shares database staging_db on agent staging-1, `));
  assert.match(problem.detail, new RegExp(`roll back cutover ${a} \\(POST /v1/cutovers/${a}/rollback\\) or release it .*then advance again$`));
  assert.deepEqual(problem.details.blockedBy.map((h) => [h.id, h.state]), [[a, 'paused']]);
  assert.deepEqual(problem.details.blockedBy[0]!.shared.map((s) => s.kind), ['database', 'database', 'assets', 'assets', 'staging-freeze', 'dns']);
  assert.equal((await app.inject({ url: `/v1/cutovers/${b}`, headers: viewer })).json().state, 'planned');

  const report = (await app.inject({ url: `/v1/cutovers/${b}/report`, headers: viewer })).json() as { audit: Array<{ action: string; detail?: { refused?: string } }> };
  assert.match(report.audit.find((e) => e.action === 'advance')?.detail?.refused ?? '', new RegExp(`^cutover ${a} is paused`), 'the refusal is in the audit trail');

  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, { post?: { responses: Record<string, { description: string }> } }> };
  assert.match(doc.paths['/v1/cutovers/{id}/advance']!.post!.responses['409']!.description, /another cutover that has started and is not over .*shares .*DNS record/);

  // Rolling A back is the way out; B then advances.
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${a}/rollback`, headers: op })).statusCode, 202);
  await engine.idle(a);
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${b}/advance`, headers: op, payload: { until: 'preflight' } })).statusCode, 202);
  await engine.idle(b);
  assert.equal((await app.inject({ url: `/v1/cutovers/${b}`, headers: viewer })).json().state, 'paused');
});

test('rollback works as a bare curl POST: no body and no content type, or an empty JSON body', async (t) => {
  const { app, engine, world } = await harness(t);
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'switch' } });
  await engine.idle(id);
  assert.equal(world.dnsValue, '203.0.113.20');

  const bare = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: op });
  assert.equal(bare.statusCode, 202, bare.body);
  const emptyJson = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: { ...op, 'content-type': 'application/json' }, payload: '' });
  assert.equal(emptyJson.statusCode, 202, emptyJson.body);
  await engine.idle(id);
  const view = (await app.inject({ url: `/v1/cutovers/${id}`, headers: viewer })).json() as { state: string; rollback: { reason: string; requestedBy: string } };
  assert.equal(view.state, 'rolled_back');
  assert.equal(view.rollback.requestedBy, 'ci-operator');
  assert.equal(view.rollback.reason, 'requested by ci-operator');
  assert.equal(world.dnsValue, '203.0.113.10');
  assert.equal(world.count('rollback:dns'), 1);

  const id2 = await create(app);
  const withReason = await app.inject({ method: 'POST', url: `/v1/cutovers/${id2}/rollback`, headers: op, payload: { reason: 'wrong plan' } });
  assert.equal(withReason.statusCode, 202);
  await engine.idle(id2);
  assert.equal(engine.get(id2).rollback!.reason, 'wrong plan');
});

test("rollback works the ways curl sends it: -d '' and -d '{json}' without a JSON content type", async (t) => {
  const { app, engine, world } = await harness(t);
  const form = { ...op, 'content-type': 'application/x-www-form-urlencoded' };
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'switch' } });
  await engine.idle(id);
  const empty = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: form, payload: '' });
  assert.equal(empty.statusCode, 202, empty.body);
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'rolled_back');
  assert.equal(world.dnsValue, '203.0.113.10');

  const id2 = await create(app);
  const json = await app.inject({ method: 'POST', url: `/v1/cutovers/${id2}/rollback`, headers: form, payload: '{"reason":"DNS broken"}' });
  assert.equal(json.statusCode, 202, json.body);
  await engine.idle(id2);
  assert.equal(engine.get(id2).rollback!.reason, 'DNS broken');

  // A body that is not JSON is refused, naming what to send; nothing is rolled back.
  const id3 = await create(app);
  const bad = await app.inject({ method: 'POST', url: `/v1/cutovers/${id3}/rollback`, headers: form, payload: 'reason=x' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
  const problem = bad.json() as { code: string; field: string; detail: string };
  assert.equal(problem.field, 'body');
  assert.match(problem.detail, /application\/json/);
  assert.equal(engine.get(id3).state, 'planned');
});

test('an unknown key in an action body is refused by name, not dropped', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const advance = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'preflight', froce: true } });
  assert.equal(advance.statusCode, 400, advance.body);
  assert.match((advance.json() as { detail: string }).detail, /froce/);
  const rollback = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: op, payload: { reasn: 'DNS broken' } });
  assert.equal(rollback.statusCode, 400, rollback.body);
  assert.match((rollback.json() as { detail: string }).detail, /reasn/);
  assert.equal(engine.get(id).state, 'planned', 'neither ran');
});

test('a body field of the wrong type is a 400 naming it, never coerced into a value that acts', async (t) => {
  const { app, engine } = await harness(t);
  const json = { ...op, 'content-type': 'application/json' };
  const cases: Array<[string, string, string]> = [
    // 1 and "true" are not true: a forced re-run of a step that is not idempotent must be asked for as such.
    ['advance', '{"until":"preflight","force":1}', 'force'],
    ['advance', '{"until":"preflight","force":"true"}', 'force'],
    ['advance', '{"until":["preflight"]}', 'until'],
    ['rollback', '{"force":1}', 'force'],
    ['rollback', '{"reason":5}', 'reason'],
    ['rollback', '{"reason":["DNS broken"]}', 'reason'],
    ['rollback', '{"reason":null}', 'reason'],
  ];
  const seen: string[] = [];
  const ids: string[] = [];
  for (const [action, payload] of cases) {
    const id = await create(app);
    ids.push(id);
    const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/${action}`, headers: json, payload });
    const problem = res.json() as { code?: string; field?: string; detail?: string };
    const named = problem.field !== undefined && (problem.detail ?? '').includes(problem.field);
    seen.push(`${action} ${payload} → ${res.statusCode} ${String(res.headers['content-type']).split(';')[0]} ${problem.code} ${problem.field} ${named ? 'named' : 'unnamed'}`);
  }
  assert.deepEqual(seen, cases.map(([action, payload, field]) => `${action} ${payload} → 400 application/problem+json SY_VALIDATION ${field} named`));
  for (const id of ids) await engine.idle(id);
  assert.deepEqual(ids.map((id) => engine.get(id).state), ids.map(() => 'planned'), 'nothing ran');

  const right = await app.inject({ method: 'POST', url: `/v1/cutovers/${ids[0]}/advance`, headers: json, payload: '{"until":"preflight","force":true}' });
  assert.equal(right.statusCode, 202, right.body);
});

test('an action body that is a bare false, 0 or "" is a 400 on body, not taken for no body', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const json = { ...op, 'content-type': 'application/json' };
  const seen: string[] = [];
  const expected: string[] = [];
  for (const action of ['rollback', 'release', 'prepare']) {
    for (const payload of ['false', '0', '""']) {
      const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/${action}`, headers: json, payload });
      seen.push(`${action} ${payload} → ${res.statusCode} ${(res.json() as { field?: string }).field}`);
      expected.push(`${action} ${payload} → 400 body`);
    }
  }
  assert.deepEqual(seen, expected);
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing was rolled back');
  // null is in the rollback schema: a client that sends no reason as null still rolls back.
  const nothing = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: json, payload: 'null' });
  assert.equal(nothing.statusCode, 202, nothing.body);
});

test('a plan field of the wrong type is a 400 naming it (numbers and booleans are not read from strings)', async (t) => {
  // POST /v1/cutovers bypasses Ajv for parsePlan, so the body validator's strictness does not reach it.
  const { app } = await harness(t);
  const cases: Array<[(p: Record<string, Record<string, unknown>>) => void, string]> = [
    [(p) => void (p.checks!.maxTtl = '300'), 'checks.maxTtl'],
    [(p) => void (p.dns!.ttl = '60'), 'dns.ttl'],
    [(p) => void ((p as Record<string, unknown>).fallbackHours = '24'), 'fallbackHours'],
    [(p) => void (p.database!.fullVerify = 'true'), 'database.fullVerify'],
  ];
  for (const [mutate, field] of cases) {
    const plan = planInput() as Record<string, Record<string, unknown>>;
    mutate(plan);
    const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: plan });
    assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
    assert.equal((res.json() as { field: string }).field, field);
  }
});

test('query parameters arrive as text and are still read as the numbers, booleans and lists a route takes', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await create(app);
  const one = await app.inject({ url: '/v1/cutovers?limit=1', headers: viewer });
  assert.equal(one.statusCode, 200, one.body);
  assert.equal((one.json() as { cutovers: unknown[] }).cutovers.length, 1);

  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'preflight' } });
  await engine.idle(id);
  const events = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false&after=4`, headers: viewer });
  assert.equal(events.statusCode, 200, events.body);
  assert.deepEqual([...events.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [5]);

  const parity = await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1&allowDiffer=ENV:FOO', headers: viewer });
  assert.equal(parity.statusCode, 200, parity.body);

  const bad = await app.inject({ url: '/v1/cutovers?limit=lots', headers: viewer });
  assert.equal(bad.statusCode, 400);
  assert.equal((bad.json() as { field: string }).field, 'limit');
});

test('the body validator keeps the Ajv options the query one has (formats, defaults, unknown keys refused); only coercion differs', async (t) => {
  const Probe = Type.Object(
    { at: Type.Optional(Type.String({ format: 'date-time' })), n: Type.Integer({ default: 3 }), tags: Type.Optional(Type.Array(Type.String())) },
    { additionalProperties: false },
  );
  const app = await buildTestApp(t, {
    extend: (a) => {
      a.post('/v1/test-probe', { schema: { body: Probe, querystring: Probe } }, async (request) => ({ body: request.body, query: request.query }));
    },
  });
  const probe = async (query: string, payload: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: `/v1/test-probe?${query}`, headers: op, payload });
    return { status: res.statusCode, json: res.json() as { field?: string } };
  };
  const ok = await probe('n=5&tags=a', {});
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.deepEqual(ok.json, { body: { n: 3 }, query: { n: 5, tags: ['a'] } });
  const badQuery = await probe('at=yesterday', {});
  assert.deepEqual([badQuery.status, badQuery.json.field], [400, 'at']);
  for (const [payload, field] of [[{ at: 'yesterday' }, 'at'], [{ n: 3, extra: 1 }, 'extra'], [{ n: '3' }, 'n'], [{ tags: 'a' }, 'tags']] as const) {
    const res = await probe('', payload);
    assert.deepEqual([res.status, res.json.field], [400, field], JSON.stringify(payload));
  }
});

test('a plan over REST: a redirects file name and a malformed expectStatus key are refused by field', async (t) => {
  const { app } = await harness(t);
  const withFile = planInput();
  (withFile.checks as Record<string, unknown>).redirects = 'redirects.csv';
  const file = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: withFile });
  assert.equal(file.statusCode, 400, file.body);
  assert.equal((file.json() as { field: string }).field, 'checks.redirects');
  assert.match((file.json() as { detail: string }).detail, /send its rows/);

  const badKey = planInput();
  (badKey.checks as Record<string, unknown>).expectStatus = { 'gone/': 410 };
  const key = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: badKey });
  assert.equal(key.statusCode, 400, key.body);
  assert.match((key.json() as { field: string }).field, /^checks\.expectStatus/);

  const good = planInput();
  (good.checks as Record<string, unknown>).expectStatus = { '/gone/': 410 };
  (good.checks as Record<string, unknown>).redirects = [{ from: '/old/', to: '/new/', status: 301 }];
  assert.equal((await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: good })).statusCode, 201);
});

test('release is 409 outside the fallback window and completes inside it', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const early = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(early.statusCode, 409);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
  await engine.idle(id);
  const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((res.json() as { state: string }).state, 'completed');
});

test('a cutover rolled back before any step ran, or completed, has no next step (nextStep null), while one resting mid-way names it', async (t) => {
  const { app, engine } = await harness(t);
  const get = async (id: string) => (await app.inject({ url: `/v1/cutovers/${id}`, headers: viewer })).json() as { state: string; nextStep: string | null };
  const cancelled = await create(app);
  assert.equal((await get(cancelled)).nextStep, 'preflight', 'a planned cutover starts with preflight');
  const rb = await app.inject({ method: 'POST', url: `/v1/cutovers/${cancelled}/rollback`, headers: op, payload: { reason: 'not today' } });
  assert.ok(rb.statusCode < 300, rb.body);
  await engine.idle(cancelled);
  const after = await get(cancelled);
  assert.deepEqual([after.state, after.nextStep], ['rolled_back', null]);
  const listed = (await app.inject({ url: '/v1/cutovers', headers: viewer })).json() as { cutovers: Array<{ id: string; nextStep: string | null }> };
  assert.equal(listed.cutovers.find((c) => c.id === cancelled)?.nextStep, null, 'the list says the same');

  const released = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${released}/advance`, headers: op, payload: { until: 'lock' } });
  await engine.idle(released);
  assert.deepEqual([(await get(released)).state, (await get(released)).nextStep], ['paused', 'sync']);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${released}/advance`, headers: op, payload: { until: 'fallback' } });
  await engine.idle(released);
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${released}/release`, headers: op })).statusCode, 200);
  assert.deepEqual([(await get(released)).state, (await get(released)).nextStep], ['completed', null]);
});

test('the report says when the fallback window ended and how (fallback.ended, fallback.open): a rolled-back or released cutover no longer reads as held ready; a release refused earlier is not the one that ended it', async (t) => {
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const { app, engine } = await harness(t, { clock });
  type Fallback = { until: string | null; expired: boolean; ended: { by: string; at: string | null } | null; open: boolean };
  const report = async (id: string) => (await app.inject({ url: `/v1/cutovers/${id}/report`, headers: viewer })).json() as { fallback: Fallback };
  const toFallback = async (id: string) => {
    await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
    await engine.idle(id);
  };

  const released = await create(app);
  assert.deepEqual((await report(released)).fallback, { until: null, expired: false, ended: null, open: false }, 'never reached');
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${released}/release`, headers: op })).statusCode, 409, 'refused: not in its window yet');
  clock.advance(60_000);
  await toFallback(released);
  const held = (await report(released)).fallback;
  assert.equal(held.open, true);
  assert.equal(held.ended, null);
  assert.equal(held.expired, false);
  clock.advance(60_000);
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${released}/release`, headers: op })).statusCode, 200);
  const releasedAt = clock.now().toISOString();
  clock.advance(60_000);
  const afterRelease = await report(released);
  assert.deepEqual(afterRelease.fallback, { until: held.until, expired: false, ended: { by: 'release', at: releasedAt }, open: false });
  assert.match(formatReportText(afterRelease), new RegExp(`Fallback window \\(until ${held.until}\\) ended with the release at ${releasedAt}`), 'the text says the release that took it, not the refused one');

  const rolledBack = await create(app);
  await toFallback(rolledBack);
  clock.advance(60_000);
  const rb = await app.inject({ method: 'POST', url: `/v1/cutovers/${rolledBack}/rollback`, headers: op, payload: { reason: 'orders missing' } });
  assert.equal(rb.statusCode, 202, rb.body);
  const rolledBackAt = clock.now().toISOString();
  await engine.idle(rolledBack);
  const fb = (await report(rolledBack)).fallback;
  assert.notEqual(fb.until, null, 'the window had opened');
  assert.deepEqual([fb.open, fb.ended], [false, { by: 'rollback', at: rolledBackAt }]);
});

test('a plan with neither database nor assets freezes nothing: its fallback window is not reported open (held read-only), and a note says why', async (t) => {
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  // The real lock: it skips such a plan before it would need an agent.
  const { app, engine } = await harness(t, (world) => ({ clock, executors: fakeSteps(world, { lock: lockExecutor({} as never) }) }));
  const input = planInput();
  for (const k of ['database', 'assets', 'rewrite', 'productionOnlyRows']) delete input[k];
  const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: input });
  assert.equal(res.statusCode, 201, res.body);
  const id = (res.json() as { id: string }).id;
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
  await engine.idle(id);
  type Fallback = { until: string | null; expired: boolean; ended: unknown; open: boolean; note?: string };
  const report = async () => (await app.inject({ url: `/v1/cutovers/${id}/report`, headers: viewer })).json() as { fallback: Fallback; steps: { name: string; state: string; summary: string | null }[] };
  const during = await report();
  assert.equal(during.steps.find((s) => s.name === 'lock')?.state, 'skipped');
  assert.notEqual(during.fallback.until, null, 'the window opened');
  assert.equal(during.fallback.open, false, 'open means staging held read-only and ready: nothing is held');
  assert.match(during.fallback.note ?? '', /nothing on staging is held read-only: the plan has neither database nor assets/);
  assert.doesNotMatch(during.steps.find((s) => s.name === 'fallback')?.summary ?? '', /read-only and ready/, 'the fallback step does not say staging is held');
  assert.match(formatReportText(during), /Fallback window until \S+: nothing on staging is held read-only/);
  assert.match(renderReportHtml(during), /Fallback window until <span class="mono">[^<]+<\/span>: nothing on staging is held read-only/);
  clock.advance(25 * 3_600_000);
  const expired = await report();
  assert.deepEqual([expired.fallback.expired, expired.fallback.open], [true, false]);
  assert.doesNotMatch(formatReportText(expired), /still held read-only/, 'an expired window of such a plan is not said to hold staging');
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op })).statusCode, 200);
  const released = (await report()).fallback;
  assert.deepEqual([released.open, released.note], [false, undefined], 'once released there is nothing to explain');
});

test('release of a rolled-back cutover is 409 saying the rollback put things back as the cutover found them, not that staging is the site again (a cutover that took over a released freeze leaves DNS on production)', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
  await engine.idle(id);
  assert.equal((await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: op })).statusCode, 202);
  await engine.idle(id);
  const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(res.statusCode, 409, res.body);
  const detail = (res.json() as { detail: string }).detail;
  assert.doesNotMatch(detail, /staging is the site again/);
  assert.match(detail, new RegExp(`rolled_back: it was rolled back, so there is no fallback window to end; its rollback put DNS and staging back as this cutover found them \\(GET /v1/cutovers/${id} shows how\\)`));
});

test('release again after it completed answers 200 with the cutover as it is, audited as already released', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
  await engine.idle(id);
  const first = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(first.statusCode, 200, first.body);
  const eventsBefore = engine.history(id).length;

  // A script that lost the first answer to a timeout asks again.
  const again = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(again.statusCode, 200, again.body);
  const body = again.json() as { state: string; updatedAt: string };
  assert.equal(body.state, 'completed');
  assert.equal(body.updatedAt, (first.json() as { updatedAt: string }).updatedAt, 'nothing changed');
  assert.equal(engine.history(id).length, eventsBefore, 'no second released event');

  const audit = engine.report(id).audit.filter((a) => a.action === 'release');
  assert.deepEqual(audit.map((a) => a.detail), [{ fallbackUntil: (first.json() as { fallbackUntil: string }).fallbackUntil }, { alreadyReleased: true }]);
});

test('release of a cutover that never reached its fallback window is a 409 problem saying why', async (t) => {
  const { app, engine } = await harness(t);
  const planned = await create(app);
  const early = await app.inject({ method: 'POST', url: `/v1/cutovers/${planned}/release`, headers: op });
  assert.equal(early.statusCode, 409);
  assert.match(String(early.headers['content-type']), /^application\/problem\+json/);
  const p1 = early.json() as { code: string; detail: string };
  assert.equal(p1.code, 'SY_CONFLICT');
  assert.match(p1.detail, new RegExp(`${planned} is planned: .*advance it until fallback`));

  const gone = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${gone}/rollback`, headers: op });
  await engine.idle(gone);
  const late = await app.inject({ method: 'POST', url: `/v1/cutovers/${gone}/release`, headers: op });
  assert.equal(late.statusCode, 409, late.body);
  assert.match((late.json() as { detail: string }).detail, new RegExp(`${gone} is rolled_back: it was rolled back`));
});

test('prepare lowers the TTL through the injected port; without one it says so', async (t) => {
  const lowered: number[] = [];
  const { app } = await harness(t, { ttl: { lower: async (_dns, ttl) => (lowered.push(ttl), { previousTtl: 3600, ttl, changed: true }) } });
  const id = await create(app);
  const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/prepare`, headers: op });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { previousTtl: number; ttl: number; lowSince: string; switchNotBefore: string };
  assert.deepEqual([body.previousTtl, body.ttl], [3600, 300]);
  assert.equal(Date.parse(body.switchNotBefore) - Date.parse(body.lowSince), 48 * 3_600_000);
  assert.deepEqual(lowered, [300]);

  const bare = await harness(t, { ttl: undefined });
  const id2 = await create(bare.app);
  const none = await bare.app.inject({ method: 'POST', url: `/v1/cutovers/${id2}/prepare`, headers: op });
  assert.equal(none.statusCode, 412);
});

test('events: stored ones as text/event-stream with ids, resumable with Last-Event-ID', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'preflight' } });
  await engine.idle(id);

  const res = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false`, headers: viewer });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  const ids = [...res.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  assert.match(res.body, /^id: 1\nevent: created\ndata: \{"seq":1,"at":"[^"]+","type":"created","site":"example.com"/m);
  assert.match(res.body, /event: step-finished\ndata: \{[^\n]*"step":"preflight","state":"succeeded"/);

  const resumed = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false`, headers: { ...viewer, 'last-event-id': '3' } });
  assert.deepEqual([...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [4, 5]);
  const byQuery = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false&after=4`, headers: viewer });
  assert.deepEqual([...byQuery.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [5]);

  const missing = await app.inject({ url: '/v1/cutovers/co_nope/events', headers: viewer });
  assert.equal(missing.statusCode, 404);
  assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
});

test('events: a live stream replays, then follows the run, with heartbeat comments', async (t) => {
  const world = new FakeWorld();
  const hold = gate();
  const { app, engine } = await harness(t, { executors: fakeSteps(world, { presync: fakeStep(world, 'presync', { run: () => hold.promise }) }) });
  const id = await create(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  let text = '';
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: `/v1/cutovers/${id}/events`, headers: viewer }, resolve);
    req.on('error', reject);
    req.end();
  });
  t.after(() => res.destroy());
  assert.equal(res.statusCode, 200);
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
  });

  await until(() => /event: created/.test(text));
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'presync' } });
  await until(() => /"step":"presync"/.test(text));
  hold.open();
  await engine.idle(id);
  await until(() => /"to":"paused"/.test(text));
  await until(() => /^: ping$/m.test(text));
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(ids, ids.map((_, i) => i + 1), 'every event once, in order');
});

test('GET /v1/cutovers/:id/report has steps with timings, DNS snapshots and the audit trail', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'switch' } });
  await engine.idle(id);
  const res = await app.inject({ url: `/v1/cutovers/${id}/report`, headers: viewer });
  assert.equal(res.statusCode, 200);
  const report = res.json() as {
    timings: { steps: { name: string; state: string; durationMs: number | null }[]; totalMs: number };
    dns: { snapshots: { rrsetBefore: unknown; appliedAt: string }[] };
    audit: { tokenName: string; action: string }[];
  };
  assert.equal(report.timings.steps.find((s) => s.name === 'switch')!.state, 'succeeded');
  assert.equal(typeof report.timings.totalMs, 'number');
  assert.deepEqual(report.dns.snapshots[0]!.rrsetBefore, { records: ['203.0.113.10'], ttl: 300 });
  assert.deepEqual(report.audit.map((a) => [a.tokenName, a.action]), [
    ['ci-operator', 'create'],
    ['ci-operator', 'advance'],
  ]);
});

test('the OpenAPI document lists the cutover routes; an app without an engine has none', async (t) => {
  const { app } = await harness(t);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  for (const [path, method] of [
    ['/v1/cutovers', 'post'],
    ['/v1/cutovers', 'get'],
    ['/v1/cutovers/{id}', 'get'],
    ['/v1/cutovers/{id}/advance', 'post'],
    ['/v1/cutovers/{id}/rollback', 'post'],
    ['/v1/cutovers/{id}/release', 'post'],
    ['/v1/cutovers/{id}/prepare', 'post'],
    ['/v1/cutovers/{id}/events', 'get'],
    ['/v1/cutovers/{id}/report', 'get'],
  ] as const) {
    assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
  }
  const without = await harness(t, {}, false);
  assert.equal((await without.app.inject({ url: '/v1/cutovers', headers: viewer })).statusCode, 404);
});

test('the 3 a.m. curl path: rollback during a running step twice, a part failing, the retry; every refusal is problem+json saying what to do next', async (t) => {
  let hold = true;
  const { app, engine, world: w } = await harness(t, (world) => ({
    // monitor watches until the rollback stops it; the staging agent does not answer the first time.
    executors: fakeSteps(world, { monitor: fakeStep(world, 'monitor', { run: (ctx) => (hold ? new Promise((r) => ctx.signal.addEventListener('abort', () => r({}))) : {}) }) }),
    rollback: fakeRollback(world, { staging: new SwitchyardError('SY_AGENT_UNREACHABLE', 'agent staging-1 is unreachable') }),
  }));
  const id = await create(app);
  const problem = (res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) => {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    return res.json() as { status: number; code: string; detail: string };
  };

  const started = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
  assert.equal(started.statusCode, 202, started.body);
  await until(() => engine.get(id).steps.find((s) => s.name === 'monitor')!.state === 'running');
  assert.equal(w.dnsValue, '203.0.113.20');

  // Twice, while monitor runs: both accepted, one rollback. The staging agent is unreachable.
  const [a, b] = await Promise.all([1, 2].map(() => app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: op })));
  assert.deepEqual([a!.statusCode, b!.statusCode], [202, 202]);
  await engine.idle(id);
  const failed = (await app.inject({ url: `/v1/cutovers/${id}`, headers: viewer })).json() as {
    state: string;
    error: { code: string; message: string; details: { parts: Record<string, string> } };
    rollback: { parts: Array<{ name: string; state: string; error: { code: string } | null }> };
  };
  assert.equal(failed.state, 'rollback_failed');
  assert.equal(failed.error.code, 'SY_AGENT_UNREACHABLE');
  assert.deepEqual(failed.error.details.parts, { dns: 'done', database: 'skipped', staging: 'failed' });
  assert.match(failed.error.message, new RegExp(`rollback part staging failed: agent staging-1 is unreachable\\. done: dns, database\\. fix the cause and POST /v1/cutovers/${id}/rollback again`));
  assert.equal(w.count('rollback:dns'), 1);

  const advance = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'fallback' } });
  assert.equal(advance.statusCode, 409);
  const p = problem(advance);
  assert.equal(p.code, 'SY_CONFLICT');
  assert.match(p.detail, new RegExp(`finish it with POST /v1/cutovers/${id}/rollback \\(GET /v1/cutovers/${id} shows which parts are not done`));

  // The agent is back: the same curl again finishes, and once more changes nothing.
  for (let i = 0; i < 2; i++) {
    const again = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: op });
    assert.equal(again.statusCode, 202);
    await engine.idle(id);
  }
  const done = engine.get(id);
  assert.equal(done.state, 'rolled_back');
  assert.equal(done.error, null, 'the failure of the first attempt is no longer the cutover\'s error');
  assert.deepEqual([w.count('rollback:dns'), w.count('rollback:staging'), w.stagingLocked], [1, 2, false]);

  const unknown = await app.inject({ method: 'POST', url: '/v1/cutovers/co_nope/rollback', headers: op });
  assert.equal(unknown.statusCode, 404);
  assert.match(problem(unknown).detail, /no cutover co_nope; GET \/v1\/cutovers lists them/);

  hold = false;
  const id2 = await create(app);
  await engine.advance(id2, 'fallback', 'ci-operator').done;
  engine.release(id2, 'ci-operator');
  const late = await app.inject({ method: 'POST', url: `/v1/cutovers/${id2}/rollback`, headers: op });
  assert.equal(late.statusCode, 409);
  const lp = problem(late);
  assert.equal(lp.code, 'SY_CONFLICT');
  assert.match(lp.detail, new RegExp(`set the DNS record by hand to what it was before the switch \\(GET /v1/cutovers/${id2}/report, under dns\\)`));
});

test('events: a following stream ends once the cutover is over, and one opened after that ends at once', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const follow = (headers: Record<string, string> = {}) =>
    new Promise<{ text: () => string; ended: () => boolean }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/v1/cutovers/${id}/events`, headers: { ...viewer, ...headers } }, (res) => {
        t.after(() => res.destroy());
        let text = '';
        let ended = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => (ended = true));
        resolve({ text: () => text, ended: () => ended });
      });
      req.on('error', reject);
      req.end();
    });

  const live = await follow();
  await until(() => /event: created/.test(live.text()));
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: op, payload: { reason: 'not today' } });
  await engine.idle(id);
  await until(() => live.ended());
  assert.match(live.text(), /"to":"rolled_back"[^\n]*\n\n$/, 'the final state change is the last event');

  const last = Math.max(...[...live.text().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
  const resumed = await follow({ 'last-event-id': String(last) });
  await until(() => resumed.ended());
  assert.doesNotMatch(resumed.text(), /^id: /m, 'nothing after the final event');
  const whole = await follow();
  await until(() => whole.ended());
  assert.equal([...whole.text().matchAll(/^id: (\d+)$/gm)].length, last, 'a stream of a finished cutover replays all of it, then ends');
});

/** A following event stream on the real socket: what it has sent so far, and whether it ended. */
async function followEvents(t: TestContext, port: number, id: string): Promise<{ readonly text: string; readonly ended: boolean }> {
  const seen = { text: '', ended: false };
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: `/v1/cutovers/${id}/events`, headers: viewer }, (res) => {
      t.after(() => res.destroy());
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (seen.text += chunk));
      res.on('end', () => (seen.ended = true));
      resolve();
    });
    req.on('error', reject);
    req.end();
  });
  return seen;
}

test('events: a following stream that sees a release goes on to its clean-up (done or failed) before it ends', async (t) => {
  const letGo = gate();
  const { app, engine } = await harness(t, {
    onRelease: async () => {
      await letGo.promise;
      throw new Error('agent prod-1 unreachable');
    },
  });
  const id = await create(app);
  await engine.advance(id, 'fallback', 'ci-operator').done;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const stream = await followEvents(t, port, id);
  await until(() => /"to":"fallback"/.test(stream.text));
  const released = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(released.statusCode, 200, released.body);
  try {
    await until(() => /"to":"completed"/.test(stream.text));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stream.ended, false, 'the stream waits for the clean-up under way');
  } finally {
    letGo.open(); // else the engine's close would wait on it and hold up the tests after this one
  }
  await until(() => stream.ended);
  assert.match(stream.text, /"to":"completed"[\s\S]*"phase":"release","message":"release clean-up failed: agent prod-1 unreachable"/, stream.text.slice(-600));
});

test('events: a following stream opened while a release\'s clean-up runs replays the cutover, waits for the clean-up\'s outcome, then ends', async (t) => {
  const letGo = gate();
  const { app, engine } = await harness(t, {
    onRelease: async () => {
      await letGo.promise;
      return { droppedTables: 3 };
    },
  });
  const id = await create(app);
  await engine.advance(id, 'fallback', 'ci-operator').done;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const released = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/release`, headers: op });
  assert.equal(released.statusCode, 200, released.body);
  let stream: { readonly text: string; readonly ended: boolean } = { text: '', ended: false };
  try {
    // Opened after `completed` was recorded, with the clean-up still under way.
    stream = await followEvents(t, port, id);
    await until(() => /"to":"completed"/.test(stream.text));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stream.ended, false, 'the stream waits for the clean-up under way, as one already following does');
  } finally {
    letGo.open(); // else the engine's close would wait on it and hold up the tests after this one
  }
  await until(() => stream.ended);
  assert.match(stream.text, /"to":"completed"[\s\S]*"phase":"release","message":"release clean-up done","droppedTables":3/, stream.text.slice(-600));
});

test('a plan with a large redirect map is accepted; a body over the limit is a 413 problem naming the body', async (t) => {
  const { app } = await harness(t);
  const plan = planInput() as { checks: Record<string, unknown> };
  const redirects = Array.from({ length: 30_000 }, (_, i) => ({ from: `/old/category/page-number-${i}/a-long-slug-for-it`, to: `/new/category/page-number-${i}/a-long-slug-for-it/`, status: 301 }));
  const payload = JSON.stringify({ ...plan, checks: { ...plan.checks, redirects } });
  assert.ok(payload.length > 2 * 1024 * 1024, 'the map is larger than a default body limit');
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload });
  assert.equal(created.statusCode, 201, created.body.slice(0, 300));

  const huge = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: `{"site":"${'x'.repeat(17 * 1024 * 1024)}"}` });
  assert.equal(huge.statusCode, 413);
  assert.match(String(huge.headers['content-type']), /^application\/problem\+json/);
  const problem = huge.json() as { code: string; field: string; detail: string };
  assert.equal(problem.code, 'SY_TOO_LARGE');
  assert.equal(problem.field, 'body');
  assert.match(problem.detail, /16 MiB/);

  const id = (created.json() as { id: string }).id;
  const reason = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: { ...op, 'content-type': 'application/json' }, payload: JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) }) });
  assert.equal(reason.statusCode, 413, 'other bodies keep the 1 MiB limit');
  assert.match((reason.json() as { detail: string }).detail, /1 MiB/);
});

test('a plan body nested far too deep is a 400 naming the key it starts at, not a 500 from a stack overflow; one nested as deep as a plan goes is read', async (t) => {
  const { app } = await harness(t);
  const plan = planInput() as { checks: Record<string, unknown> };
  // JSON.parse takes this; the plan's validation recursed on it and overflowed the stack.
  const brackets = 100_000;
  const deep = JSON.stringify({ ...plan, checks: { ...plan.checks, pages: '@' } }).replace('"@"', `${'['.repeat(brackets)}${']'.repeat(brackets)}`);
  for (const contentType of ['application/json', 'application/x-www-form-urlencoded']) {
    const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': contentType }, payload: deep });
    assert.equal(res.statusCode, 400, `${contentType}: ${res.body.slice(0, 300)}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string; detail: string; instance: string };
    assert.equal(problem.code, 'SY_VALIDATION');
    assert.equal(problem.field, 'checks.pages[0]');
    assert.match(problem.detail, /^plan: key checks\.pages\[0\]: nested more than 64 levels deep \(checks\.pages\[0\]\[0\]\[0\]\[0\]…\)/);
    assert.equal(problem.instance, '/v1/cutovers');
  }
  // The depth guard leaves room: a wrong type several levels down is still named as before.
  const nested = JSON.stringify({ ...plan, checks: { ...plan.checks, pages: [[[['/']]]] } });
  const wrong = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: nested });
  assert.equal(wrong.statusCode, 400);
  assert.equal((wrong.json() as { field: string }).field, 'checks.pages[0]');
  assert.doesNotMatch((wrong.json() as { detail: string }).detail, /nested/);
  const ok = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: planInput() });
  assert.equal(ok.statusCode, 201, ok.body.slice(0, 300));
});

test('a __proto__ key at the bottom of a body nested far too deep is named by where the nesting starts, not by a path 100,000 keys long', async (t) => {
  const { app } = await harness(t);
  const plan = planInput() as { checks: Record<string, unknown> };
  const brackets = 100_000;
  const deep = JSON.stringify({ ...plan, checks: { ...plan.checks, pages: '@' } }).replace('"@"', `${'['.repeat(brackets)}{"__proto__":1}${']'.repeat(brackets)}`);
  for (const contentType of ['application/json', 'application/x-www-form-urlencoded']) {
    const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': contentType }, payload: deep });
    assert.equal(res.statusCode, 400, `${contentType}: ${res.body.slice(0, 300)}`);
    // The answer (and the log line with its field and detail) stayed small: the whole path was 300 KB of `[0]`.
    assert.ok(res.body.length < 1000, `${contentType}: a problem of ${res.body.length} bytes`);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.equal(problem.code, 'SY_VALIDATION');
    assert.equal(problem.field, 'checks.pages[0]');
    assert.match(problem.detail, /^body: key checks\.pages\[0\]: nested more than 64 levels deep \(checks\.pages\[0\]\[0\]\[0\]\[0\]…, a key named __proto__ 100002 levels down\)/);
  }
  // Within the depth any field nests, the key is named whole, as before.
  const shallow = JSON.stringify({ ...plan, checks: { ...plan.checks, pages: '@' } }).replace('"@"', '[[{"__proto__":1}]]');
  const named = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: shallow });
  assert.equal(named.statusCode, 400, named.body.slice(0, 300));
  assert.equal((named.json() as { field: string }).field, 'checks.pages[0][0].__proto__');
});

interface Expected {
  /** The server answered 100 Continue (the body was sent only then). */
  continued: boolean;
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/**
 * A POST carrying `Expect: 100-continue`, as curl sends one with `-d @big.json`: the body goes only after a 100 Continue.
 * With `answerWithinMs`, a server that has not answered by then fails the call (and the socket is dropped) instead of
 * leaving the test waiting for ever, as a client that waits for the 100 would.
 */
function postExpecting(port: number, path: string, headers: Record<string, string>, body: Buffer, answerWithinMs?: number): Promise<Expected> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const timer = answerWithinMs === undefined ? undefined : setTimeout(() => req.destroy(new Error(`no answer within ${answerWithinMs} ms (continued: ${continued})`)), answerWithinMs);
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue' },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ continued, status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() });
        req.destroy();
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.flushHeaders();
  });
}

test('Expect: 100-continue with a body over the limit is a 413 problem at once, without 100 Continue; one within it is continued', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;

  const big = Buffer.from(JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) }));
  const refused = await postExpecting(port, `/v1/cutovers/${id}/rollback`, op, big);
  assert.equal(refused.status, 413, refused.text);
  assert.equal(refused.continued, false, 'no 100 Continue: the client never starts the upload');
  assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(refused.text) as { code: string; field: string; detail: string; instance: string };
  assert.equal(problem.code, 'SY_TOO_LARGE');
  assert.equal(problem.field, 'body');
  assert.match(problem.detail, /1 MiB/);
  assert.equal(problem.instance, `/v1/cutovers/${id}/rollback`);
  assert.equal(refused.headers.connection, 'close', 'the held-back body cannot be mistaken for a next request');
  assert.equal((await app.inject({ url: `/v1/cutovers/${id}`, headers: op })).json().state, 'planned', 'nothing was rolled back');

  // No token: 401 first, and no body asked for either.
  const anonymous = await postExpecting(port, `/v1/cutovers/${id}/rollback`, {}, big);
  assert.deepEqual([anonymous.status, anonymous.continued, anonymous.headers.connection], [401, false, 'close']);
  const looker = await postExpecting(port, `/v1/cutovers/${id}/rollback`, viewer, Buffer.from('{"reason":"viewer"}'));
  assert.deepEqual([looker.status, looker.continued, looker.headers.connection], [403, false, 'close']);

  // Within the limit: continued, then answered as usual.
  const small = await postExpecting(port, `/v1/cutovers/${id}/rollback`, op, Buffer.from('{"reason":"expect test"}'));
  assert.equal(small.continued, true);
  assert.equal(small.status, 202, small.text);

  // The limit is the route's: a 2 MiB plan is within POST /v1/cutovers' 16 MiB.
  const plan = planInput() as { checks: Record<string, unknown> };
  const redirects = Array.from({ length: 30_000 }, (_, i) => ({ from: `/old/category/page-number-${i}/a-long-slug-for-it`, to: `/new/category/page-number-${i}/a-long-slug-for-it/`, status: 301 }));
  const planBody = Buffer.from(JSON.stringify({ ...plan, checks: { ...plan.checks, redirects } }));
  assert.ok(planBody.length > 2 * 1024 * 1024);
  const created = await postExpecting(port, '/v1/cutovers', op, planBody);
  assert.equal(created.continued, true);
  assert.equal(created.status, 201, created.text.slice(0, 300));
});

test('Expect: 100-continue with a compressed body is a 400 problem at once, without 100 Continue, as an over-limit one is a 413', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const { gzipSync } = await import('node:zlib');

  const gz = gzipSync(JSON.stringify({ reason: 'x'.repeat(4096) }));
  const refused = await postExpecting(port, `/v1/cutovers/${id}/rollback`, { ...op, 'content-encoding': 'gzip' }, gz);
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.continued, false, 'no 100 Continue: the client never starts the upload');
  const problem = JSON.parse(refused.text) as { code: string; field: string; detail: string };
  assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'body']);
  assert.match(problem.detail, /^body: compressed \(Content-Encoding "gzip"\)/);
  assert.equal(refused.headers.connection, 'close', 'the held-back body cannot be mistaken for a next request');
  assert.equal((await app.inject({ url: `/v1/cutovers/${id}`, headers: op })).json().state, 'planned', 'nothing was rolled back');

  // identity is no compression: continued and taken.
  const plain = await postExpecting(port, `/v1/cutovers/${id}/rollback`, { ...op, 'content-encoding': 'identity' }, Buffer.from('{"reason":"expect identity"}'));
  assert.deepEqual([plain.continued, plain.status], [true, 202], plain.text);
});

/** Writes `text` on one raw connection and collects what comes back until the server closes it or `ms` pass. */
function rawExchange(port: number, text: string, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: got, closed: false });
    }, ms);
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('error', reject);
    socket.on('end', () => {
      clearTimeout(timer);
      resolve({ text: got, closed: true });
    });
    socket.write(text);
  });
}

test('a 404 or 405 is answered before the body is read: at once under Expect: 100-continue, saying Connection: close; without it, on a connection kept alive', async (t) => {
  const { app } = await harness(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const body = Buffer.from(JSON.stringify({ reason: 'x'.repeat(4096) }));

  // The client holds the body back until a 100 Continue, which never comes for a path no route has.
  const missing = await postExpecting(port, '/v1/cutoverz', op, body, 3000);
  assert.equal(missing.status, 404, missing.text);
  assert.equal(missing.continued, false, 'no 100 Continue: the body would be thrown away');
  assert.equal((JSON.parse(missing.text) as { code: string }).code, 'SY_NOT_FOUND');
  assert.equal(missing.headers.connection, 'close', 'the held-back body cannot be mistaken for a next request');
  const wrongMethod = await postExpecting(port, '/v1/agents', op, body, 3000);
  assert.equal(wrongMethod.status, 405, wrongMethod.text);
  assert.deepEqual([wrongMethod.continued, wrongMethod.headers.connection, wrongMethod.headers.allow], [false, 'close', 'GET, HEAD, OPTIONS']);

  // The same on a raw socket: the answer comes, and the server closes, with the body still unsent.
  const raw = await rawExchange(port, `PUT /v1/cutovers HTTP/1.1\r\nHost: x\r\nAuthorization: ${op.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`, 3000);
  assert.match(raw.text, /^HTTP\/1\.1 405 /, raw.text);
  assert.doesNotMatch(raw.text, /100 Continue/);
  assert.match(raw.text, /\r\nconnection: close\r\n/i);
  assert.equal(raw.closed, true, 'closed by the server');

  // Without Expect the body comes along: the 404 is still the answer (not "not JSON"), the body
  // is discarded, and the connection serves the next request.
  const pipelined = await rawExchange(
    port,
    `POST /v1/cutoverz HTTP/1.1\r\nHost: x\r\nAuthorization: ${op.authorization}\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"until":` +
      `PUT /v1/cutovers HTTP/1.1\r\nHost: x\r\nAuthorization: ${op.authorization}\r\nContent-Type: text/xml\r\nContent-Length: 4\r\n\r\n<a/>` +
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    1500,
  );
  const statuses = [...pipelined.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [404, 405, 200], pipelined.text);
  assert.doesNotMatch(pipelined.text, /connection: close/i);
  assert.equal(pipelined.closed, false, 'kept alive');
});

test('a compressed body with Content-Length 0 is no body, and a GET naming Content-Encoding is not refused', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  const list = await app.inject({ url: '/v1/cutovers', headers: { ...op, 'content-encoding': 'gzip' } });
  assert.equal(list.statusCode, 200, list.body.slice(0, 300));
  const empty = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: { ...op, 'content-encoding': 'gzip', 'content-length': '0' } });
  assert.equal(empty.statusCode, 202, empty.body);
});

test('a wrong query under a body that is not taken (not JSON, compressed, not an object) is named first', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const { gzipSync } = await import('node:zlib');
  const url = `/v1/cutovers/${id}/advance?until=lock`;
  for (const [headers, payload] of [
    [{ ...op, 'content-type': 'application/json' }, '{"until": "preflight",}'],
    [{ ...op, 'content-type': 'text/plain' }, 'until=lock'],
    [{ ...op, 'content-type': 'application/json' }, '{"__proto__":{}}'],
    [{ ...op, 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync('{"until":"lock"}')],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, headers, payload });
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field, problem.detail], ['SY_VALIDATION', 'until', 'unknown query parameter `until`; none are taken here'], String(payload));
  }
  // The same bodies under a query that is fine are told about their body.
  const bad = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: { ...op, 'content-type': 'text/plain' }, payload: 'until=lock' });
  assert.deepEqual([bad.statusCode, (bad.json() as { field: string }).field], [400, 'body']);
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran');
});

/** A POST whose body goes chunked, without Content-Length: the limit is only found while reading it. */
function postChunked(port: number, path: string, headers: Record<string, string>, chunks: number, chunk: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() });
        req.destroy();
      });
    });
    // The server may answer and close before the last chunk: what matters is the answer, which
    // the client may still be reading when its next write fails.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') setTimeout(() => reject(new Error(`no answer after ${err.code}`)), 2000).unref();
      else reject(err);
    });
    let sent = 0;
    const pump = (): void => {
      while (sent < chunks) {
        sent += 1;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

test('a body over the limit is a 413 whatever the query; a body within it that is not taken still has a wrong query named first', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const url = `/v1/cutovers/${id}/advance?until=lock`;
  const tooLarge = (res: { statusCode: number; body: string }, what: string): void => {
    assert.equal(res.statusCode, 413, `${what}: ${res.body.slice(0, 300)}`);
    const problem = JSON.parse(res.body) as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_TOO_LARGE', 'body'], what);
    assert.match(problem.detail, /1 MiB/, what);
  };
  // Refused by its Content-Length, unread: shrinking the body is what the client must do, so its 413 comes first.
  const big = JSON.stringify({ until: 'x'.repeat(2 * 1024 * 1024) });
  tooLarge(await app.inject({ method: 'POST', url, headers: { ...op, 'content-type': 'application/json' }, payload: big }), 'Content-Length over the limit');
  // The plan's own limit, 16 MiB, on a route that takes no query at all.
  const plan = await app.inject({ method: 'POST', url: '/v1/cutovers?dryRun=1', headers: { ...op, 'content-type': 'application/json' }, payload: `{"site":"${'x'.repeat(17 * 1024 * 1024)}"}` });
  assert.deepEqual([plan.statusCode, (plan.json() as { code: string }).code], [413, 'SY_TOO_LARGE'], plan.body.slice(0, 300));

  // On a socket: chunked, found over the limit part-way through reading, and under Expect: 100-continue, never asked for.
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const chunked = await postChunked(port, url, op, 48, Buffer.alloc(64 * 1024, 'x'));
  tooLarge({ statusCode: chunked.status, body: chunked.text }, 'chunked over the limit');
  const expecting = await postExpecting(port, url, op, Buffer.from(big));
  tooLarge({ statusCode: expecting.status, body: expecting.text }, 'Expect: 100-continue over the limit');
  assert.equal(expecting.continued, false, 'no 100 Continue for a body over the limit, wrong query or not');

  // The other order: a body within the limit that is not taken, under the same wrong query, is told about the query.
  const notJson = await app.inject({ method: 'POST', url, headers: { ...op, 'content-type': 'application/json' }, payload: '{"until": "preflight",}' });
  assert.deepEqual([notJson.statusCode, (notJson.json() as { field: string }).field], [400, 'until']);
  // And with the query right, the body over the limit is the same 413.
  tooLarge(await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: { ...op, 'content-type': 'application/json' }, payload: big }), 'no query');
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran');
});

test('a constructor key holding prototype, anywhere in a body, is a 400 naming it as __proto__ is; constructor or prototype alone are left to the schema', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  const plan = planInput() as { checks: Record<string, unknown> };
  for (const [url, payload, field] of [
    [`/v1/cutovers/${id}/advance`, '{"until":"preflight","constructor":{"prototype":{"polluted":true}}}', 'constructor.prototype'],
    [`/v1/cutovers/${id}/rollback`, '{"constructor":{"prototype":1}}', 'constructor.prototype'],
    ['/v1/cutovers', JSON.stringify({ ...plan, checks: { ...plan.checks, constructor: { prototype: { polluted: true } } } }), 'checks.constructor.prototype'],
    ['/v1/cutovers', JSON.stringify({ ...plan, checks: { ...plan.checks, pages: [{ constructor: { prototype: {} } }] } }), 'checks.pages[0].constructor.prototype'],
    // Spelled with escapes, as __proto__ may be.
    [`/v1/cutovers/${id}/advance`, '{"until":"preflight","\\u0063onstructor":{"prot\\u006ftype":{}}}', 'constructor.prototype'],
  ] as const) {
    for (const contentType of ['application/json', 'application/x-www-form-urlencoded']) {
      const res = await app.inject({ method: 'POST', url, headers: { ...op, 'content-type': contentType }, payload });
      assert.equal(res.statusCode, 400, `${contentType} ${payload.slice(0, 80)}: ${res.body.slice(0, 300)}`);
      const problem = res.json() as { code: string; field: string; detail: string };
      assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', field], payload.slice(0, 80));
      assert.equal(
        problem.detail,
        `body: key \`${field}\` is not taken: a key named constructor holding prototype would reach Object.prototype, the prototype of every object, once the object that holds it is merged into another, and no field of this API is named so; remove it`,
      );
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Neither key alone reaches a prototype: the schema names it as the unknown key it is.
  for (const [payload, field] of [
    ['{"until":"preflight","constructor":"x"}', 'constructor'],
    ['{"until":"preflight","prototype":{"polluted":true}}', 'prototype'],
    ['{"until":"preflight","constructor":{"notPrototype":1}}', 'constructor'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: { ...op, 'content-type': 'application/json' }, payload });
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { field: string; detail: string };
    assert.equal(problem.field, field, payload);
    assert.match(problem.detail, /^unknown key `(constructor|prototype)` in body/, payload);
  }
});

test('an unknown query parameter is a 400 naming it, not silently ignored', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  for (const url of ['/v1/cutovers?limt=5', `/v1/cutovers/${id}/events?folow=false`, '/v1/parity/runtime?staging=staging-1&production=prod-1&allowdiffer=ENV:FOO']) {
    const res = await app.inject({ url, headers: viewer });
    assert.equal(res.statusCode, 400, `${url}: ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const wrong = [...new URL(url, 'http://x').searchParams.keys()].find((k) => ['limt', 'folow', 'allowdiffer'].includes(k));
    assert.equal((res.json() as { field: string }).field, wrong, url);
  }
});

test('a route that takes no query refuses one (400 naming it) instead of acting without it: a rollback reason sent as ?reason= is not dropped', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const cases: Array<['GET' | 'POST', string, string]> = [
    ['POST', `/v1/cutovers/${id}/rollback?reason=DNS+broken`, 'reason'],
    ['POST', `/v1/cutovers/${id}/advance?until=preflight`, 'until'],
    ['POST', `/v1/cutovers/${id}/release?now=1`, 'now'],
    ['GET', `/v1/cutovers/${id}?verbose=1`, 'verbose'],
    ['GET', `/v1/cutovers/${id}/report?format=html`, 'format'],
    ['GET', '/v1/agents?all=1', 'all'],
    ['GET', '/v1/agents/staging-1/facts?fresh=1', 'fresh'],
  ];
  for (const [method, url, key] of cases) {
    const res = await app.inject({ method, url, headers: method === 'POST' ? op : viewer, ...(method === 'POST' && key !== 'until' ? {} : method === 'POST' ? { payload: { until: 'preflight' } } : {}) });
    assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', key], url);
    assert.equal(problem.detail, `unknown query parameter \`${key}\`; none are taken here`, url);
  }
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran, nothing rolled back');
  assert.equal((await app.inject({ url: '/healthz?probe=lb' })).statusCode, 200, 'a probe may append what it likes');
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  for (const [path, method] of [['/v1/cutovers/{id}/release', 'post'], ['/v1/cutovers/{id}/prepare', 'post'], ['/v1/agents', 'get'], ['/v1/cutovers/{id}', 'get']] as const) {
    assert.ok(doc.paths[path]?.[method]?.responses['400'] !== undefined, `${method} ${path} documents its 400`);
  }
  for (const path of ['/v1/cutovers/{id}/advance', '/v1/cutovers/{id}/rollback', '/v1/cutovers/{id}/release', '/v1/cutovers/{id}/prepare', '/v1/cutovers']) {
    assert.ok(doc.paths[path]?.post?.responses['413'] !== undefined, `POST ${path} documents its 413 (a body over the limit)`);
  }
});

test('a plan whose TTL Cloudflare would refuse (2..59; 1 is automatic, served as 300 s) is a 400 naming the key at submit, not a failed switch', async (t) => {
  const { app } = await harness(t);
  const post = (dns: Record<string, unknown>, checks: Record<string, unknown> = {}) => {
    const input = planInput();
    Object.assign(input.dns as Record<string, unknown>, dns);
    Object.assign(input.checks as Record<string, unknown>, checks);
    return app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: input });
  };
  const refused = async (res: Awaited<ReturnType<typeof post>>, field: string, message: RegExp) => {
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', field]);
    assert.match(problem.detail, message);
  };
  await refused(await post({ ttl: 30 }), 'dns.ttl', /key dns\.ttl: 30 is below 60, the lowest TTL DNS provider cf-main \(cloudflare\) accepts other than 1 \(automatic\)/);
  await refused(await post({ ttl: 1 }, { maxTtl: 120 }), 'dns.ttl', /key dns\.ttl: 1 is cf-main's automatic TTL, which it answers with 300 s, above checks\.maxTtl 120/);
  await refused(await post({}, { maxTtl: 30 }), 'checks.maxTtl', /key checks\.maxTtl: 30 is below 60, the lowest TTL DNS provider cf-main \(cloudflare\) accepts other than 1 \(automatic\); prepare and the switch set a record's TTL to it/);
  assert.equal((await post({ ttl: 60 }, { maxTtl: 60 })).statusCode, 201);
  assert.equal((await post({ ttl: 1 })).statusCode, 201, 'automatic (300 s) within maxTtl 300');
});

test('a plan whose dns.name is not in dns.zone is a 400 problem naming dns.name at create, not a provider 404 at preflight', async (t) => {
  const { app } = await harness(t);
  const post = (zone: string, name: string) => {
    const input = planInput();
    Object.assign(input.dns as Record<string, unknown>, { zone, name });
    return app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: input });
  };
  for (const [zone, name] of [['example.com', 'www.example.org'], ['example.com', 'wwwexample.com'], ['shop.example.com', 'www.example.com'], ['example.com', 'www']]) {
    const res = await post(zone!, name!);
    assert.equal(res.statusCode, 400, `${name} in ${zone}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'dns.name']);
    assert.match(problem.detail, new RegExp(`key dns\\.name: "${name!.replace(/[.]/g, '\\.')}" is not in dns\\.zone "${zone!.replace(/[.]/g, '\\.')}"`));
  }
  // Names compare as DNS compares them: any case, one trailing dot on either.
  for (const [zone, name] of [['example.com', 'www.example.com'], ['Example.COM.', 'WWW.example.com'], ['example.com', 'www.Example.Com.'], ['example.com', 'example.com.'], ['example.com.', 'EXAMPLE.COM']]) {
    assert.equal((await post(zone!, name!)).statusCode, 201, `${name} in ${zone}`);
  }
});

test('a plan whose cdn.provider cannot purge (PowerDNS) is a 400 naming cdn.provider and the providers that can, at create rather than at preflight', async (t) => {
  const { app } = await harness(t, {}, true, {
    dnsProviders: {
      'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN' } },
      'cf-edge': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN' } },
      'pdns-main': { type: 'powerdns', url: 'http://127.0.0.1:8081', apiKey: { env: 'PDNS_KEY' } },
    },
  });
  const post = (cdn: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/cutovers', headers: op, payload: { ...planInput(), cdn } });
  const res = await post({ provider: 'pdns-main', zone: 'example.com' });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = res.json() as { code: string; field: string; detail: string };
  assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'cdn.provider']);
  assert.match(problem.detail, /key cdn\.provider: provider "pdns-main" has no edge cache to purge; providers that can purge: cf-main, cf-edge; name one, or remove cdn/);
  assert.equal((await post({ provider: 'cf-edge', zone: 'example.com' })).statusCode, 201);
  assert.equal((await post({ provider: 'pdns-main', zone: 'example.com', purge: false })).statusCode, 201, 'nothing to purge asked: nothing to refuse');
});

test('GET /v1/cutovers pages past 500 with a cursor: next link in body and Link header, stable when cutovers are created meanwhile', async (t) => {
  // A clock that moves only now and then: many cutovers share a created time, so the order
  // within one instant (by id) must hold across pages too.
  const clock = new FakeClock();
  const { app, engine } = await harness(t, { clock });
  const made: string[] = [];
  for (let i = 0; i < 503; i++) {
    if (i % 7 === 0) clock.advance(1000);
    made.push(engine.create(planInput() as never, 'ci-operator').id);
  }
  type Page = { cutovers: { id: string }[]; next: string | null; nextCursor: string | null };
  const first = await app.inject({ url: '/v1/cutovers?limit=500', headers: viewer });
  assert.equal(first.statusCode, 200, first.body);
  const page1 = first.json() as Page;
  assert.equal(page1.cutovers.length, 500);
  assert.ok(page1.next !== null && page1.nextCursor !== null, 'a next page is announced');
  assert.equal(page1.next, `/v1/cutovers?limit=500&cursor=${page1.nextCursor}`);
  assert.equal(first.headers.link, `<${page1.next}>; rel="next"`);

  // Created between two page reads: it belongs before page 1, and shifts nothing after it.
  clock.advance(1000);
  const late = engine.create(planInput() as never, 'ci-operator').id;
  const second = await app.inject({ url: page1.next, headers: viewer });
  assert.equal(second.statusCode, 200, second.body);
  const page2 = second.json() as Page;
  assert.deepEqual([page2.next, page2.nextCursor, second.headers.link], [null, null, undefined], 'the last page says so');
  const listed = [...page1.cutovers, ...page2.cutovers].map((c) => c.id);
  assert.equal(listed.length, 503);
  assert.deepEqual(new Set(listed), new Set(made), 'every cutover once, the oldest too');
  assert.ok(!listed.includes(late));
  const again = (await app.inject({ url: '/v1/cutovers?limit=2', headers: viewer })).json() as Page;
  assert.equal(again.cutovers[0]!.id, late, 'the first page shows the newest');

  // Small pages walk the whole list in the same newest-first order as one big read.
  const walked: string[] = [];
  for (let url: string | null = '/v1/cutovers?limit=97'; url !== null; ) {
    const page = (await app.inject({ url, headers: viewer })).json() as Page;
    walked.push(...page.cutovers.map((c) => c.id));
    url = page.next;
  }
  assert.deepEqual(walked, [late, ...listed]);
});

test('behind a trusted proxy serving the API under a prefix, Location, next and Link carry its X-Forwarded-Prefix; from anyone else the header is ignored', async (t) => {
  const { app } = await harness(t, {}, true, { trustedProxies: ['10.0.0.0/8', '2001:db8::1'] });
  const viaProxy = { ...op, 'x-forwarded-prefix': '/switchyard' };
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: viaProxy, remoteAddress: '10.1.2.3', payload: planInput() });
  assert.equal(created.statusCode, 201, created.body);
  const id = (created.json() as { id: string }).id;
  assert.equal(created.headers.location, `/switchyard/v1/cutovers/${id}`);
  await create(app);

  type Page = { next: string | null; nextCursor: string | null };
  const listed = await app.inject({ url: '/v1/cutovers?limit=1', headers: { ...viewer, 'x-forwarded-prefix': '/ops/switchyard/' }, remoteAddress: '::ffff:10.9.9.9' });
  const page = listed.json() as Page;
  assert.equal(page.next, `/ops/switchyard/v1/cutovers?limit=1&cursor=${page.nextCursor}`, 'an IPv4-mapped peer in range counts; the trailing slash is not doubled');
  assert.equal(listed.headers.link, `<${page.next}>; rel="next"`);
  const v6 = (await app.inject({ url: '/v1/cutovers?limit=1', headers: { ...viewer, 'x-forwarded-prefix': '/sy' }, remoteAddress: '2001:db8::1' })).json() as Page;
  assert.equal(v6.next, `/sy/v1/cutovers?limit=1&cursor=${v6.nextCursor}`);

  // A client reaching the controller directly cannot steer where the links point.
  const direct = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'x-forwarded-prefix': '/elsewhere' }, remoteAddress: '192.0.2.7', payload: planInput() });
  assert.equal(direct.headers.location, `/v1/cutovers/${(direct.json() as { id: string }).id}`);
  // Nor can a trusted proxy pass on something that is not a path: no other host, no query.
  for (const bad of ['//evil.example', '/a/../b', 'switchyard', '/x?y=1', '/x\\y', 'https://evil.example/x']) {
    const res = await app.inject({ url: '/v1/cutovers?limit=1', headers: { ...viewer, 'x-forwarded-prefix': bad }, remoteAddress: '10.0.0.1' });
    const p = res.json() as Page;
    assert.equal(p.next, `/v1/cutovers?limit=1&cursor=${p.nextCursor}`, bad);
  }
});

test("behind a trusted proxy a problem's instance is the path the client asked for, prefix included; from anyone else the bare path", async (t) => {
  const { app } = await harness(t, {}, true, { trustedProxies: ['10.0.0.0/8'] });
  const via = (headers: Record<string, string>) => ({ headers: { ...headers, 'x-forwarded-prefix': '/switchyard' }, remoteAddress: '10.1.2.3' });
  const instance = async (req: InjectOptions) => {
    const res = await app.inject(req);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', res.body);
    return (res.json() as { instance?: string }).instance;
  };
  // Raised by a route (no such cutover), by validation, by auth, and by the not-found handler
  // (no route; a route's shape with no cutover behind it): every path out says the same.
  assert.equal(await instance({ url: '/v1/cutovers/co_nope?x=1', ...via(viewer) }), '/switchyard/v1/cutovers/co_nope');
  assert.equal(await instance({ method: 'POST', url: '/v1/cutovers', ...via(op), payload: { site: 1 } }), '/switchyard/v1/cutovers');
  assert.equal(await instance({ url: '/v1/cutovers', ...via({}) }), '/switchyard/v1/cutovers');
  assert.equal(await instance({ url: '/v1/nothing-here', ...via(viewer) }), '/switchyard/v1/nothing-here');
  assert.equal(await instance({ method: 'OPTIONS', url: '/v1/cutovers/co_typo/advance', ...via(op) }), '/switchyard/v1/cutovers/co_typo/advance');
  // Not from a trusted proxy: the header is not believed.
  assert.equal(await instance({ url: '/v1/cutovers/co_nope', headers: { ...viewer, 'x-forwarded-prefix': '/elsewhere' }, remoteAddress: '192.0.2.7' }), '/v1/cutovers/co_nope');
});

test("behind a trusted proxy the detail of a no-route 404 and a wrong-method 405 names the path as the client asked for it, prefix included, like instance", async (t) => {
  const { app } = await harness(t, {}, true, { trustedProxies: ['10.0.0.0/8'] });
  const via = (headers: Record<string, string>) => ({ headers: { ...headers, 'x-forwarded-prefix': '/switchyard' }, remoteAddress: '10.1.2.3' });
  const problem = async (req: InjectOptions) => {
    const res = await app.inject(req);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', res.body);
    return res.json() as { status: number; code: string; detail: string; instance?: string };
  };
  const missing = await problem({ url: '/v1/nothing-here?x=1', ...via(viewer) });
  assert.deepEqual([missing.status, missing.code, missing.detail, missing.instance], [404, 'SY_NOT_FOUND', 'no route GET /switchyard/v1/nothing-here', '/switchyard/v1/nothing-here']);
  const wrong = await problem({ method: 'PUT', url: '/v1/cutovers', ...via(op) });
  assert.equal(wrong.status, 405, wrong.detail);
  assert.equal(wrong.code, 'SY_METHOD_NOT_ALLOWED');
  assert.match(wrong.detail, /^\/switchyard\/v1\/cutovers does not take PUT; it takes /);
  assert.equal(wrong.instance, '/switchyard/v1/cutovers');
  // Not from a trusted proxy: the bare path, as before.
  const direct = await problem({ url: '/v1/nothing-here', headers: { ...viewer, 'x-forwarded-prefix': '/elsewhere' }, remoteAddress: '192.0.2.7' });
  assert.equal(direct.detail, 'no route GET /v1/nothing-here');
});

test('without trustedProxies X-Forwarded-Prefix is ignored, and a trustedProxies entry that is not an address stops start-up naming it', async (t) => {
  const { app } = await harness(t);
  const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'x-forwarded-prefix': '/switchyard' }, payload: planInput() });
  assert.equal(res.headers.location, `/v1/cutovers/${(res.json() as { id: string }).id}`);
  for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.0/8/8', 'fd00::/129']) {
    const config = validate(ControllerConfigSchema, { trustedProxies: [bad] }, 'test controller config');
    assert.throws(
      () => buildApp({ config, logger: silentLogger(), agents: fakeAgents(), parity: fakeParity(), registry: new Registry() }),
      (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_CONFIG_INVALID' && err.field === 'trustedProxies' && err.message.includes(bad),
      bad,
    );
  }
});

test('OPTIONS and a wrong method on /v1/cutovers/<unknown id>/… are the 404 naming the id, not an Allow list; a real id keeps them', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  for (const [method, sub] of [['OPTIONS', ''], ['OPTIONS', '/advance'], ['OPTIONS', '/rollback'], ['OPTIONS', '/report.html'], ['DELETE', ''], ['GET', '/rollback'], ['PUT', '/advance']] as const) {
    const typo = await app.inject({ method, url: `/v1/cutovers/co_typo${sub}`, headers: op });
    assert.equal(typo.statusCode, 404, `${method} ${sub}: ${typo.body}`);
    assert.match(String(typo.headers['content-type']), /^application\/problem\+json/);
    assert.equal(typo.headers.allow, undefined, `${method} ${sub}: no Allow for what is not there`);
    const problem = typo.json() as { code: string; detail: string; field: string; instance: string };
    assert.deepEqual([problem.code, problem.field, problem.instance], ['SY_NOT_FOUND', 'id', `/v1/cutovers/co_typo${sub}`]);
    assert.match(problem.detail, /no cutover co_typo/);

    const real = await app.inject({ method, url: `/v1/cutovers/${id}${sub}`, headers: op });
    assert.equal(real.statusCode, method === 'OPTIONS' ? 204 : 405, `${method} ${sub} on a real id: ${real.body}`);
    assert.ok(String(real.headers.allow).endsWith('OPTIONS'), `${method} ${sub}: ${String(real.headers.allow)}`);
  }
  // Without a token the answer is still 401: an id cannot be probed this way.
  assert.equal((await app.inject({ method: 'OPTIONS', url: '/v1/cutovers/co_typo' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'OPTIONS', url: '/v1/cutovers', headers: op })).headers.allow, 'GET, HEAD, POST, OPTIONS');
});

test('GET /v1/cutovers with a cursor it did not issue is a 400 problem naming cursor', async (t) => {
  const { app } = await harness(t);
  await create(app);
  const forged = Buffer.from(JSON.stringify({ offset: 10 })).toString('base64url');
  for (const cursor of ['nonsense!', 'bm90IGpzb24', forged, Buffer.from('["yesterday","co_x"]').toString('base64url')]) {
    const res = await app.inject({ url: `/v1/cutovers?cursor=${encodeURIComponent(cursor)}`, headers: viewer });
    assert.equal(res.statusCode, 400, `${cursor}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'cursor'], cursor);
    assert.match(problem.detail, /cursor: not a cursor from this API; use the `next` link/);
  }
});

test('every 400 for a body or query names the key and says what is wrong in plain words, with a guess at a typo', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const json = { ...op, 'content-type': 'application/json' };
  const plan = (extra: Record<string, unknown>) => JSON.stringify({ ...planInput(), ...extra });
  const cases: Array<[string, string, string | undefined, string, string]> = [
    ['POST', `/v1/cutovers/${id}/advance`, '{"until":"preflight","froce":true}', 'froce', 'unknown key `froce` in body (did you mean `force`?)'],
    ['POST', `/v1/cutovers/${id}/advance`, '{"until":"preflight","colour":"red"}', 'colour', 'unknown key `colour` in body; known: until, force'],
    ['POST', `/v1/cutovers/${id}/rollback`, '{"reasn":"DNS broken"}', 'reasn', 'unknown key `reasn` in body (did you mean `reason`?)'],
    ['POST', `/v1/cutovers/${id}/release`, '{"now":true}', 'now', 'unknown key `now` in body; none are taken here'],
    ['POST', `/v1/cutovers/${id}/advance`, '{"until":"preflight","force":"true"}', 'force', 'body field force must be a boolean, not a string'],
    ['POST', `/v1/cutovers/${id}/rollback`, '{"reason":["DNS broken"]}', 'reason', 'body field reason must be a string, not an array'],
    ['POST', `/v1/cutovers/${id}/advance`, '["preflight"]', 'body', 'body must be an object, not an array'],
    ['POST', `/v1/cutovers/${id}/rollback`, JSON.stringify({ reason: 'x'.repeat(1001) }), 'reason', 'body field reason must be at most 1000 characters long'],
    ['POST', '/v1/cutovers', plan({ dnss: {} }), 'dnss', 'plan: key dnss: unknown key (did you mean dns?)'],
    ['GET', '/v1/cutovers?limt=5', undefined, 'limt', 'unknown query parameter `limt` (did you mean `limit`?)'],
    ['GET', `/v1/cutovers/${id}/events?follow=maybe`, undefined, 'follow', 'query parameter follow must be a boolean (true or false)'],
    ['GET', '/v1/parity/runtime?staging=staging-1&production=prod-1&allowdiffer=ENV:FOO', undefined, 'allowdiffer', 'unknown query parameter `allowdiffer` (did you mean `allowDiffer`?)'],
    ['GET', '/v1/parity/runtime?staging=staging-1&staging=prod-1&production=prod-1', undefined, 'staging', 'query parameter staging is given 2 times; give it once'],
    ['GET', `/v1/cutovers/${id}/events?follow=false&follow=true`, undefined, 'follow', 'query parameter follow is given 2 times; give it once'],
  ];
  const seen: string[] = [];
  for (const [method, url, payload, , ] of cases) {
    const res = await app.inject({ method: method as 'GET' | 'POST', url, headers: json, ...(payload === undefined ? {} : { payload }) });
    const problem = res.json() as { field?: string; detail?: string };
    seen.push(`${res.statusCode} ${problem.field} ${problem.detail}`);
  }
  assert.deepEqual(seen, cases.map(([, , , field, detail]) => `400 ${field} ${detail}`));
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran');
});

test('advance with no body (curl -X POST without -d) is a 400 on body saying until is needed, not "body must be an object, not null"', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  for (const headers of [op, { ...op, 'content-type': 'application/json' }, { ...op, 'content-type': 'application/x-www-form-urlencoded' }]) {
    const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers, payload: '' });
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field, problem.detail], ['SY_VALIDATION', 'body', 'body is required: a JSON object with `until` (none came, or null)']);
  }
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran');
});

test('advance?until=lock with no body is a 400 naming the query parameter until, not "body is required": the query is checked first', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  for (const headers of [op, { ...op, 'content-type': 'application/json' }]) {
    const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance?until=lock`, headers, payload: '' });
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field, problem.detail], ['SY_VALIDATION', 'until', 'unknown query parameter `until`; none are taken here']);
  }
  // A body that is wrong under a query that is fine is still told about its body.
  const wrongBody = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'lock', froce: true } });
  assert.equal((wrongBody.json() as { field: string }).field, 'froce');
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran');
});

test('a JSON body with a __proto__ key is refused naming the key and why, not as invalid JSON', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const json = { ...op, 'content-type': 'application/json' };
  for (const [headers, payload, field] of [
    [json, '{"reason":"x","__proto__":{"admin":true}}', '__proto__'],
    [{ ...op, 'content-type': 'text/plain' }, '{"__proto__":{}}', '__proto__'],
    [json, '{"reason":"x","more":[{"__proto__":1}]}', 'more[0].__proto__'],
    // Spelled with an escape, it is the same key once parsed.
    [json, '{"\\u005f_proto__":{}}', '__proto__'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers, payload });
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', field], payload);
    assert.match(problem.detail, new RegExp(`^body: key \`${field.replace(/[.[\]]/g, '\\$&')}\` is not taken: a key named __proto__ would set the prototype`), problem.detail);
    assert.doesNotMatch(problem.detail, /not valid JSON/);
  }
  const plan = JSON.stringify(planInput()).replace('"checks":{', '"checks":{"__proto__":{"maxTtl":1},');
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: json, payload: plan });
  assert.equal(created.statusCode, 400, created.body.slice(0, 300));
  assert.equal((created.json() as { field: string }).field, 'checks.__proto__');
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing rolled back');
});

test('JSON that does not parse under application/json gets the controller\'s own words with line and column, not fastify\'s', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  const res = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: { ...op, 'content-type': 'application/json' }, payload: '{"until": "preflight",}' });
  assert.equal(res.statusCode, 400, res.body);
  const problem = res.json() as { code: string; field: string; detail: string };
  assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'body']);
  assert.equal(
    problem.detail,
    'body: not JSON (Content-Type "application/json") at line 1, column 23: expected a double-quoted property name (a trailing comma? JSON allows none); send JSON with -H \'Content-Type: application/json\', or no body',
  );
});

test('a compressed body (Content-Encoding: gzip) is a 400 saying compressed bodies are not taken, not "not valid JSON"', async (t) => {
  const { app, engine } = await harness(t);
  const { gzipSync } = await import('node:zlib');
  const plan = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(JSON.stringify(planInput())) });
  assert.equal(plan.statusCode, 400, plan.body.slice(0, 300));
  const problem = plan.json() as { code: string; field: string; detail: string };
  assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'body']);
  assert.equal(problem.detail, 'body: compressed (Content-Encoding "gzip"), and compressed bodies are not taken here; send the JSON as it is, without Content-Encoding');
  // identity is no compression: the body is read as it is.
  const id = await create(app);
  const plain = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: { ...op, 'content-type': 'application/json', 'content-encoding': 'identity' }, payload: '{"reason":"x"}' });
  assert.equal(plain.statusCode, 202, plain.body.slice(0, 300));
  await engine.idle(id);
});

test('a body with a UTF-8 byte order mark is read as the JSON after it, as --plan FILE reads one; gzip bytes sent without Content-Encoding are named as gzip, not "not JSON at column 1"', async (t) => {
  const { app, engine } = await harness(t);
  const json = { ...op, 'content-type': 'application/json' };
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: json, payload: Buffer.concat([bom, Buffer.from(JSON.stringify(planInput()))]) });
  assert.equal(created.statusCode, 201, created.body.slice(0, 300));
  const id = (created.json() as { id: string }).id;
  const rolled = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: json, payload: Buffer.concat([bom, Buffer.from('{"reason":"with a BOM"}')]) });
  assert.equal(rolled.statusCode, 202, rolled.body.slice(0, 300));
  assert.equal((rolled.json() as { rollback: { reason: string } }).rollback.reason, 'with a BOM');
  await engine.idle(id);
  // A body of a BOM alone is no body, as an empty one is.
  const bare = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: json, payload: bom });
  assert.equal((bare.json() as { field: string }).field, 'site', bare.body.slice(0, 300));

  const { gzipSync } = await import('node:zlib');
  const gz = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: json, payload: gzipSync(JSON.stringify(planInput())) });
  assert.equal(gz.statusCode, 400);
  const problem = gz.json() as { field: string; detail: string };
  assert.equal(problem.field, 'body');
  assert.match(problem.detail, /^body: gzip data, not JSON \(it starts with gzip's bytes 1f 8b\), and compressed bodies are not taken here; send the JSON as it is/);
});

test('a body labelled text/plain is JSON like any other label: a plan and a reason are read, an empty one is no body', async (t) => {
  const { app, engine } = await harness(t);
  const plain = { ...op, 'content-type': 'text/plain' };
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: plain, payload: JSON.stringify(planInput()) });
  assert.equal(created.statusCode, 201, created.body.slice(0, 300));
  const id = (created.json() as { id: string }).id;
  const refused = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: plain, payload: '{"until":"preflight","froce":true}' });
  assert.equal(refused.statusCode, 400);
  assert.equal((refused.json() as { field: string }).field, 'froce', 'the JSON was read, key by key');
  const notJson = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: plain, payload: 'reason=DNS broken' });
  assert.equal(notJson.statusCode, 400);
  assert.match((notJson.json() as { detail: string }).detail, /^body: not JSON \(Content-Type "text\/plain"\)/);
  const empty = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: plain, payload: '' });
  assert.equal(empty.statusCode, 202, empty.body.slice(0, 300));
  const again = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: { ...plain, 'content-type': 'text/plain; charset=utf-8' }, payload: '{"reason":"DNS broken"}' });
  assert.equal(again.statusCode, 202, again.body.slice(0, 300));
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'rolled_back');
});

test('HEAD on the event stream (curl -I) answers its headers and ends, instead of hanging', async (t) => {
  const { app } = await harness(t);
  const id = await create(app);
  for (const query of ['', '?follow=false']) {
    const res = await Promise.race([
      app.inject({ method: 'HEAD', url: `/v1/cutovers/${id}/events${query}`, headers: viewer }),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2000).unref()),
    ]);
    assert.notEqual(res, 'hung', `HEAD …/events${query} ended`);
    if (res === 'hung') return;
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    assert.equal(res.body, '');
  }
});

test('a key written twice in a JSON body is a 400 naming the key path and both places, not the last one taken silently', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  const advance = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: { ...op, 'content-type': 'application/json' }, payload: '{"until":"lock","until":"fallback"}' });
  assert.equal(advance.statusCode, 400, advance.body);
  const a = advance.json() as { code: string; field: string; detail: string };
  assert.deepEqual([a.code, a.field], ['SY_VALIDATION', 'until']);
  assert.match(a.detail, /^body: key until: written twice in one object, at line 1, column 2 and at line 1, column 17;/);
  await engine.idle(id);
  assert.equal(engine.get(id).state, 'planned', 'nothing ran');
  // A plan with two `checks`, and a key twice deeper down: named by its whole path.
  const plan = JSON.stringify(planInput(), null, 2);
  const twice = plan.replace(/\n\}$/, ',\n  "checks": {}\n}');
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: twice });
  assert.equal(created.statusCode, 400, created.body.slice(0, 300));
  const c = created.json() as { field: string; detail: string };
  const lines = twice.split('\n');
  const first = lines.findIndex((l) => l.startsWith('  "checks"')) + 1;
  assert.equal(c.field, 'checks');
  assert.equal(c.detail, `body: key checks: written twice in one object, at line ${first}, column 3 and at line ${lines.length - 1}, column 3; JSON would keep only the last silently, so remove one`);
  const inner = JSON.stringify(planInput()).replace('"ip":"203.0.113.10"', '"ip":"203.0.113.10","ip":"203.0.113.11"');
  const deep = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: inner });
  assert.equal(deep.statusCode, 400, deep.body.slice(0, 300));
  assert.equal((deep.json() as { field: string }).field, 'staging.ip');
  // The same key in two objects is no duplicate: create() above sent `staging` in four of them.
  assert.equal(engine.list().length, 1, 'no cutover made from a refused body');
});

test('POST /v1/cutovers without a body says a plan is required, not that key site is missing; its "not JSON" never suggests sending no body', async (t) => {
  const { app } = await harness(t);
  const required = "body: required: the plan (site, staging, production, dns, checks, …) as JSON; send JSON with -H 'Content-Type: application/json'";
  for (const headers of [op, { ...op, 'content-type': 'application/json' }, { ...op, 'content-type': 'application/x-www-form-urlencoded' }]) {
    const res = await app.inject({ method: 'POST', url: '/v1/cutovers', headers, ...(headers === op ? {} : { payload: '' }) });
    assert.equal(res.statusCode, 400, res.body);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field, problem.detail], ['SY_VALIDATION', 'body', required], JSON.stringify(headers));
  }
  const notJson = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: { ...op, 'content-type': 'application/json' }, payload: '{"site": ' });
  assert.equal(notJson.statusCode, 400, notJson.body);
  const detail = (notJson.json() as { detail: string }).detail;
  assert.match(detail, /^body: not JSON \(Content-Type "application\/json"\) at line 1, column 10/);
  assert.ok(detail.endsWith("send JSON with -H 'Content-Type: application/json'"), detail);
  // Where no body is taken (rollback), the hint still offers it.
  const id = await create(app);
  const rollback = await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/rollback`, headers: { ...op, 'content-type': 'application/json' }, payload: '{' });
  assert.match((rollback.json() as { detail: string }).detail, /, or no body$/);
});

test('events: a Last-Event-ID that is no event id is a 400 naming the header, as a bad ?after is, not a replay from the start', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: op, payload: { until: 'preflight' } });
  await engine.idle(id);
  const byQuery = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false&after=xyz`, headers: viewer });
  assert.equal(byQuery.statusCode, 400, byQuery.body);
  assert.equal((byQuery.json() as { field: string }).field, 'after');
  for (const value of ['xyz', '-1', '3.5', '3, 4']) {
    const res = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false`, headers: { ...viewer, 'last-event-id': value } });
    assert.equal(res.statusCode, 400, `${value}: ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { code: string; field: string; detail: string };
    assert.deepEqual([problem.code, problem.field], ['SY_VALIDATION', 'Last-Event-ID'], value);
    assert.equal(problem.detail, `header Last-Event-ID: ${JSON.stringify(value)} is not an event id; expected the id (a whole number) of the last event received, as ?after=N takes`);
  }
  // An empty one is the EventSource way of saying "none yet": the whole stream.
  const empty = await app.inject({ url: `/v1/cutovers/${id}/events?follow=false`, headers: { ...viewer, 'last-event-id': '' } });
  assert.equal(empty.statusCode, 200);
  assert.deepEqual([...empty.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [1, 2, 3, 4, 5]);
});

test('Expect: 100-continue to a real route naming a cutover that is not there is its 404 at once, no 100 Continue, the body never asked for', async (t) => {
  const { app, engine } = await harness(t);
  const id = await create(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const body = '{"reason":"typo"}';
  for (const action of ['rollback', 'advance', 'release', 'prepare']) {
    // A raw socket that sends only the head: the answer must come without the body.
    const raw = await rawExchange(
      port,
      `POST /v1/cutovers/co_missing/${action} HTTP/1.1\r\nHost: x\r\nAuthorization: ${op.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
      3000,
    );
    assert.doesNotMatch(raw.text, /100 Continue/, `${action}: ${raw.text}`);
    assert.match(raw.text, /^HTTP\/1\.1 404 /, `${action}: ${raw.text}`);
    assert.match(raw.text, /\r\ncontent-type: application\/problem\+json/i);
    assert.match(raw.text, /"code":"SY_NOT_FOUND"/);
    assert.match(raw.text, /co_missing/);
    assert.match(raw.text, /\r\nconnection: close\r\n/i);
    assert.equal(raw.closed, true, `${action}: closed by the server, the held-back body unread`);
  }
  // The cutover that is there is still continued and rolled back.
  const ok = await postExpecting(port, `/v1/cutovers/${id}/rollback`, op, Buffer.from(body), 3000);
  assert.deepEqual([ok.continued, ok.status], [true, 202], ok.text);
  await engine.idle(id);
});

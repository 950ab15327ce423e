import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { SwitchyardError } from '../../shared/errors.js';
import { bearer, buildTestApp, VIEWER_TOKEN } from '../helpers/api-app.js';
import { fakeAgents, fakeParity, sampleParityTable } from '../helpers/api-fakes.js';
import { mockFacts } from '../helpers/facts.js';
import { splitList } from '../../controller/api/routes/parity.js';

const auth = bearer(VIEWER_TOKEN);

test('GET /healthz answers without a token', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ url: '/healthz' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok' });
});

test('GET /metrics answers without a token, in Prometheus text, counting requests by route template', async (t) => {
  const registry = new Registry();
  const app = await buildTestApp(t, { registry });
  await app.inject({ url: '/v1/agents/staging-1/facts', headers: auth });
  await app.inject({ url: '/v1/agents/prod-1/facts', headers: auth });
  await app.inject({ url: '/v1/agents' });
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /^switchyard_http_requests_total\{method="GET",route="\/v1\/agents\/:name\/facts",status="200"\} 2$/m);
  assert.match(res.body, /^switchyard_http_requests_total\{method="GET",route="\/v1\/agents",status="401"\} 1$/m);
  assert.match(res.body, /^switchyard_http_request_duration_seconds_count\{method="GET",route="\/v1\/agents\/:name\/facts",status="200"\} 2$/m);
  assert.match(res.body, /^process_cpu_user_seconds_total /m, 'default process metrics are there');
});

test('two apps can share one metrics registry', async (t) => {
  const registry = new Registry();
  const a = await buildTestApp(t, { registry });
  const b = await buildTestApp(t, { registry });
  await a.inject({ url: '/healthz' });
  await b.inject({ url: '/healthz' });
  assert.match((await a.inject({ url: '/metrics' })).body, /route="\/healthz",status="200"\} 2$/m);
});

test('GET /v1/agents lists every agent with its reachability, a failing check included', async (t) => {
  const agents = fakeAgents([
    { name: 'staging-1', address: '127.0.0.2:7701', health: { reachable: true, latencyMs: 4 } },
    { name: 'prod-1', address: '127.0.0.3:7701', health: { reachable: false, error: 'connect ECONNREFUSED' } },
    { name: 'odd-1', address: '127.0.0.4:7701', health: new Error('directory bug') },
  ]);
  const app = await buildTestApp(t, { agents });
  const res = await app.inject({ url: '/v1/agents', headers: auth });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    agents: [
      { name: 'staging-1', address: '127.0.0.2:7701', reachable: true, latencyMs: 4 },
      { name: 'prod-1', address: '127.0.0.3:7701', reachable: false, error: 'connect ECONNREFUSED' },
      { name: 'odd-1', address: '127.0.0.4:7701', reachable: false, error: 'directory bug' },
    ],
  });
});

test('GET /v1/agents asks every agent at once, not one after another', async (t) => {
  let inFlight = 0;
  let most = 0;
  const base = fakeAgents();
  const agents = {
    ...base,
    health: async (name: string) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return base.health(name);
    },
  };
  const app = await buildTestApp(t, { agents });
  assert.equal((await app.inject({ url: '/v1/agents', headers: auth })).statusCode, 200);
  assert.equal(most, 2);
});

test('GET /v1/agents/:name/facts serves every fact field and a fresh salt per request', async (t) => {
  const facts = mockFacts('staging-1', {
    env: [{ file: '/srv/www/.env', name: 'APP_KEY', digest: 'a'.repeat(64), label: '' }],
    tls: [{ host: 'www.example.com', port: 443, error: '', subject: 'CN=www.example.com', issuer: 'CN=R3', sans: ['www.example.com'], valid_from: '2024-01-01', valid_to: '2024-04-01', key_type: 'ec', key_bits: 256, fingerprint_sha256: 'ff', connect_to: '127.0.0.2' }],
    notes: ['php: not found'],
  });
  const agents = fakeAgents([{ name: 'staging-1', address: '127.0.0.2:7701', facts }]);
  const app = await buildTestApp(t, { agents });
  const res = await app.inject({ url: '/v1/agents/staging-1/facts', headers: auth });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), facts, 'serialization drops no field');
  await app.inject({ url: '/v1/agents/staging-1/facts', headers: auth });
  assert.equal(agents.factsCalls.length, 2);
  assert.match(agents.factsCalls[0]!.salt, /^[0-9a-f]{32}$/);
  assert.notEqual(agents.factsCalls[0]!.salt, agents.factsCalls[1]!.salt);
});

test('GET /v1/parity/runtime passes both agents and the allowed differences to the comparison', async (t) => {
  const parity = fakeParity();
  const app = await buildTestApp(t, { parity });
  const res = await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1&allowDiffer=ENV:FOO,mysql.time_zone&allowDiffer=php.version', headers: auth });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), sampleParityTable('staging-1', 'prod-1'));
  assert.deepEqual(parity.calls, [{ staging: 'staging-1', production: 'prod-1', opts: { allowDiffer: ['ENV:FOO', 'mysql.time_zone', 'php.version'] } }]);
  await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1', headers: auth });
  assert.deepEqual(parity.calls[1]?.opts, { allowDiffer: [] });
});

test('GET /v1/parity/runtime passes stagingHost and productionHost on, for the server blocks; one without the other is a 400 naming it', async (t) => {
  const parity = fakeParity();
  const app = await buildTestApp(t, { parity });
  const res = await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1&stagingHost=staging.example.com&productionHost=www.example.com', headers: auth });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(parity.calls[0]?.opts, { allowDiffer: [], hosts: { staging: 'staging.example.com', production: 'www.example.com' } });
  const half = await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1&stagingHost=staging.example.com', headers: auth });
  assert.equal(half.statusCode, 400);
  assert.match(half.json().detail, /productionHost is required with stagingHost/);
  assert.equal(parity.calls.length, 1);
});

test('GET /v1/parity/runtime passes stagingIp and productionIp on with the hosts; one that is no IP, or one without the hosts, is a 400 naming it', async (t) => {
  const parity = fakeParity();
  const app = await buildTestApp(t, { parity });
  const hosts = 'stagingHost=staging.example.com&productionHost=www.example.com';
  const both = await app.inject({ url: `/v1/parity/runtime?staging=staging-1&production=prod-1&${hosts}&stagingIp=127.0.0.2&productionIp=2001:db8::3`, headers: auth });
  assert.equal(both.statusCode, 200, both.body);
  assert.deepEqual(parity.calls[0]?.opts, { allowDiffer: [], hosts: { staging: 'staging.example.com', production: 'www.example.com', addresses: { staging: '127.0.0.2', production: '2001:db8::3' } } });
  // One side's address alone: the other side falls back to its host, as before.
  assert.equal((await app.inject({ url: `/v1/parity/runtime?staging=staging-1&production=prod-1&${hosts}&productionIp=127.0.0.3`, headers: auth })).statusCode, 200);
  assert.deepEqual(parity.calls[1]?.opts.hosts?.addresses, { production: '127.0.0.3' });
  assert.equal((await app.inject({ url: `/v1/parity/runtime?staging=staging-1&production=prod-1&${hosts}`, headers: auth })).statusCode, 200);
  assert.equal(parity.calls[2]?.opts.hosts?.addresses, undefined, 'no address given: none passed on');

  for (const [query, field, detail] of [
    [`${hosts}&stagingIp=staging.example.com`, 'stagingIp', /^stagingIp: "staging\.example\.com" is not an IP address$/],
    [`${hosts}&stagingIp=127.0.0.2&productionIp=127.0.0.300`, 'productionIp', /^productionIp: "127\.0\.0\.300" is not an IP address$/],
    [`${hosts}&productionIp=[::1]`, 'productionIp', /is not an IP address/],
    ['productionIp=127.0.0.3', 'productionIp', /^productionIp is used only with stagingHost and productionHost/],
    ['stagingIp=127.0.0.2', 'stagingIp', /^stagingIp is used only with stagingHost and productionHost/],
  ] as const) {
    const res = await app.inject({ url: `/v1/parity/runtime?staging=staging-1&production=prod-1&${query}`, headers: auth });
    assert.equal(res.statusCode, 400, query);
    assert.equal(res.json().code, 'SY_VALIDATION', query);
    assert.equal(res.json().field, field, query);
    assert.match(res.json().detail, detail, query);
  }
  assert.equal(parity.calls.length, 3, 'no comparison for a rejected request');
});

test('GET /v1/parity/runtime answers rows a side could not read (differs, flagged unreadable) and what it could not read, as the comparison made them', async (t) => {
  const table = {
    ...sampleParityTable('staging-1', 'prod-1'),
    rows: [{ key: 'apache.module.rewrite_module', category: 'web server', staging: 'present', production: 'unknown', status: 'differs' as const, unreadable: true }],
    summary: { equal: 0, differs: 1, missing: 0, allowed: 0, unknown: 1 },
    unreadable: [{ side: 'production' as const, agent: 'prod-1', what: 'apache modules (/usr/sbin/apache2ctl)', error: 'apache2ctl -M: exited with 1' }],
  };
  const app = await buildTestApp(t, { parity: fakeParity(() => table) });
  const res = await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1', headers: auth });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), table);
});

test('a comparison that fails keeps its error code', async (t) => {
  const parity = { compare: async () => { throw new SwitchyardError('SY_AGENT_TIMEOUT', 'prod-1 did not answer in 10000 ms'); } };
  const app = await buildTestApp(t, { parity });
  const res = await app.inject({ url: '/v1/parity/runtime?staging=staging-1&production=prod-1', headers: auth });
  assert.equal(res.statusCode, 504);
  assert.equal(res.json().code, 'SY_AGENT_TIMEOUT');
});

test('splitList takes comma lists and repeats, dropping blanks', () => {
  assert.deepEqual(splitList(['a, b', '', 'c,,']), ['a', 'b', 'c']);
  assert.deepEqual(splitList(undefined), []);
});

test('splitList keeps the commas of a cron key\'s schedule in the key, and splits after it', () => {
  assert.deepEqual(splitList(['cron.job.root:backup@0,30 * * * *,ENV:FOO', 'cron.job.www-data:php@0 0 * * mon,wed,php.version', 'cron.job.root:x@0 0 1,15 * *#2']), [
    'cron.job.root:backup@0,30 * * * *',
    'ENV:FOO',
    'cron.job.www-data:php@0 0 * * mon,wed',
    'php.version',
    'cron.job.root:x@0 0 1,15 * *#2',
  ]);
  // Outside a cron key's schedule a comma still ends the key, before a number too.
  assert.deepEqual(splitList(['ENV:A,30,os.kernel']), ['ENV:A', '30', 'os.kernel']);
});

test('GET /v1/parity/runtime takes a cron key with a comma in its schedule as one allowed key', async (t) => {
  const parity = fakeParity();
  const app = await buildTestApp(t, { parity });
  const q = new URLSearchParams([['staging', 'staging-1'], ['production', 'prod-1'], ['allowDiffer', 'cron.job.root:backup@0,30 * * * *,ENV:FOO']]);
  const res = await app.inject({ url: `/v1/parity/runtime?${q}`, headers: auth });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(parity.calls[0]?.opts, { allowDiffer: ['cron.job.root:backup@0,30 * * * *', 'ENV:FOO'] });
});

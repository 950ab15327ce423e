import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startCloudflareFake, type CloudflareFake } from '../helpers/cloudflare-fake.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import { buildDnsProviders, requireDnsProvider } from '../../controller/dns/registry.js';
import { applySwitch, lowerTtl, planSwitch, restoreSnapshot, type DnsSnapshot } from '../../controller/dns/switch.js';
import { SwitchyardError } from '../../shared/errors.js';
import { until } from '../helpers/cutover-fakes.js';

const KEY = { zone: 'example.com', name: 'www.example.com', type: 'A' };
const FAST = { baseDelayMs: 5, maxDelayMs: 20, retries: 3, timeoutMs: 2000 };

async function setup(t: TestContext, opts: { proxied?: boolean } = {}) {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  fake.records.push({ id: 'rec1', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.10', ttl: opts.proxied ? 1 : 300, proxied: opts.proxied ?? false });
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST });
  return { fake, provider };
}

const calls = (fake: CloudflareFake) => fake.requests.map((r) => `${r.method} ${r.path}`);

test('reads a record set: zone id by name, then dns_records by type and name, bearer token on each', async (t) => {
  const { fake, provider } = await setup(t);
  const set = await provider.getRecordSet('example.com', 'www.example.com', 'A');
  assert.deepEqual(set, { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.10'], proxied: false });
  assert.deepEqual(fake.requests, [
    { method: 'GET', path: '/client/v4/zones?name=example.com', authorization: `Bearer ${fake.token}`, body: undefined },
    { method: 'GET', path: '/client/v4/zones/zone123/dns_records?type=A&name=www.example.com', authorization: `Bearer ${fake.token}`, body: undefined },
  ]);
  assert.equal(await provider.getRecordSet('example.com', 'shop.example.com', 'A'), null);
  assert.equal(fake.requests.filter((r) => r.path.startsWith('/client/v4/zones?')).length, 1, 'zone id is looked up once');
});

test('switch PATCHes content/ttl/proxied of the record; restore PATCHes the snapshot back', async (t) => {
  const { fake, provider } = await setup(t);
  const dry = await planSwitch(provider, KEY, '203.0.113.20');
  assert.equal(dry.changes, true);
  assert.ok(fake.requests.every((r) => r.method === 'GET'), 'a dry run only reads');

  fake.requests.length = 0;
  let snap: DnsSnapshot | undefined;
  const res = await applySwitch(provider, KEY, '203.0.113.20', { recordSnapshot: (s) => void (snap = s) });
  assert.equal(res.changed, true);
  assert.deepEqual(snap?.rrset, { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.10'], proxied: false });
  const patch = fake.requests.find((r) => r.method === 'PATCH');
  assert.deepEqual(patch, {
    method: 'PATCH',
    path: '/client/v4/zones/zone123/dns_records/rec1',
    authorization: `Bearer ${fake.token}`,
    body: { content: '203.0.113.20', ttl: 300, proxied: false },
  });
  const list = 'GET /client/v4/zones/zone123/dns_records?type=A&name=www.example.com';
  // snapshot read, read before replacing, the PATCH, then the read-back that verifies it
  assert.deepEqual(calls(fake), [list, list, 'PATCH /client/v4/zones/zone123/dns_records/rec1', list]);
  assert.equal(fake.records[0]?.content, '203.0.113.20');

  fake.requests.length = 0;
  assert.deepEqual(await restoreSnapshot(provider, snap!), { changed: true, replaced: { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.20'], proxied: false } });
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body]),
    [['PATCH', '/client/v4/zones/zone123/dns_records/rec1', { content: '203.0.113.10', ttl: 300, proxied: false }]],
  );
  assert.equal(fake.records[0]?.content, '203.0.113.10');
  fake.requests.length = 0;
  assert.deepEqual(await restoreSnapshot(provider, snap!), { changed: false });
  assert.ok(fake.requests.every((r) => r.method === 'GET'), 'a second restore changes nothing');
});

test('a proxied record stays proxied with automatic TTL', async (t) => {
  const { fake, provider } = await setup(t, { proxied: true });
  await applySwitch(provider, KEY, '203.0.113.20', { recordSnapshot: () => undefined });
  assert.deepEqual(fake.requests.find((r) => r.method === 'PATCH')?.body, { content: '203.0.113.20', ttl: 1, proxied: true });
});

test('a set growing or shrinking: PATCH in place, POST the extra value, DELETE the surplus last', async (t) => {
  const { fake, provider } = await setup(t);
  fake.requests.length = 0;
  await provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 120, records: ['203.0.113.20', '203.0.113.21'] });
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body]),
    [
      ['PATCH', '/client/v4/zones/zone123/dns_records/rec1', { content: '203.0.113.20', ttl: 120 }],
      ['POST', '/client/v4/zones/zone123/dns_records', { type: 'A', name: 'www.example.com', content: '203.0.113.21', ttl: 120 }],
    ],
  );
  fake.requests.length = 0;
  await provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 120, records: ['203.0.113.21'] });
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    ['DELETE /client/v4/zones/zone123/dns_records/rec1'],
    'the record already holding the wanted value stays; the other goes',
  );
  assert.deepEqual(fake.records.map((r) => r.content), ['203.0.113.21']);
});

test('two replaces of an absent name at once leave one value, the later call\'s (the fake records every request)', async (t) => {
  const { fake, provider } = await setup(t);
  await Promise.all([
    provider.replaceRecordSet('example.com', { name: 'shop.example.com', type: 'A', ttl: 300, records: ['203.0.113.30'] }),
    provider.replaceRecordSet('example.com', { name: 'shop.example.com', type: 'A', ttl: 300, records: ['203.0.113.31'] }),
  ]);
  assert.deepEqual(fake.records.filter((r) => r.name === 'shop.example.com').map((r) => r.content), ['203.0.113.31']);
  // The second read the set after the first had written it: list, POST, then list, PATCH in place.
  assert.deepEqual(calls(fake).filter((c) => !c.includes('/zones?')), [
    'GET /client/v4/zones/zone123/dns_records?type=A&name=shop.example.com',
    'POST /client/v4/zones/zone123/dns_records',
    'GET /client/v4/zones/zone123/dns_records?type=A&name=shop.example.com',
    `PATCH /client/v4/zones/zone123/dns_records/${fake.records.find((r) => r.name === 'shop.example.com')!.id}`,
  ]);
});

test('a 500 is retried and the change lands once', async (t) => {
  const { fake, provider } = await setup(t);
  fake.faults.push({ method: 'PATCH', status: 500 });
  await provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.20'], proxied: false });
  const patches = fake.requests.filter((r) => r.method === 'PATCH');
  assert.equal(patches.length, 2);
  assert.deepEqual(patches[1]?.body, { content: '203.0.113.20', ttl: 300, proxied: false });
  assert.equal(fake.records[0]?.content, '203.0.113.20');
});

test('a 429 and a timeout are retried too', async (t) => {
  const { fake } = await setup(t);
  const slow = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { ...FAST, timeoutMs: 150 } });
  fake.faults.push({ method: 'GET', status: 429, headers: { 'Retry-After': '0' } }, { method: 'GET', delayMs: 400 });
  const set = await slow.getRecordSet('example.com', 'www.example.com', 'A');
  assert.deepEqual(set?.records, ['203.0.113.10']);
  assert.deepEqual(calls(fake).slice(0, 3), ['GET /client/v4/zones?name=example.com', 'GET /client/v4/zones?name=example.com', 'GET /client/v4/zones?name=example.com']);
});

test('retries give up after the policy, with the provider message', async (t) => {
  const { fake, provider } = await setup(t);
  fake.faults.push(...Array.from({ length: 4 }, () => ({ method: 'GET', status: 503 })));
  await assert.rejects(provider.getRecordSet('example.com', 'www.example.com', 'A'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_DNS_PROVIDER');
    assert.match(err.message, /after 4 attempt\(s\): HTTP 503: Internal server error \(10001\)/);
    return true;
  });
  assert.equal(fake.requests.length, 4);
});

test('a 403 is not retried; the error carries Cloudflare\'s message and never the token', async (t) => {
  const { fake } = await setup(t);
  const wrong = 'wrong-token-SECRET-abcdef0123456789';
  const bad = new CloudflareProvider({ name: 'cf-main', apiToken: wrong, baseUrl: fake.baseUrl, policy: FAST });
  await assert.rejects(bad.getRecordSet('example.com', 'www.example.com', 'A'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_DNS_PROVIDER');
    assert.match(err.message, /HTTP 403: Authentication error \(10000\)/);
    assert.ok(!err.message.includes(wrong));
    assert.ok(!JSON.stringify(err.details).includes(wrong));
    return true;
  });
  assert.equal(fake.requests.length, 1, 'no retry on a 4xx');
  assert.equal(fake.requests[0]?.authorization, `Bearer ${wrong}`);
});

test('a token echoed back in an error body is scrubbed from the message', async (t) => {
  const { fake, provider } = await setup(t);
  fake.faults.push({ status: 400, body: JSON.stringify({ success: false, errors: [{ code: 6003, message: `Invalid request headers: Bearer ${fake.token}` }], messages: [], result: null }) });
  await assert.rejects(provider.getRecordSet('example.com', 'www.example.com', 'A'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.match(err.message, /Invalid request headers: Bearer \[redacted\]/);
    assert.ok(!err.message.includes(fake.token));
    return true;
  });
});

test('a POST that failed with a 500 is not repeated (it may have created the record)', async (t) => {
  const { fake, provider } = await setup(t);
  fake.faults.push({ method: 'POST', status: 500 });
  await assert.rejects(provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.10', '203.0.113.11'] }), /HTTP 500/);
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 1);
});

test('providers are built from controller config with secrets resolved; unknown names are refused by field', async (t) => {
  const { fake } = await setup(t);
  const providers = buildDnsProviders({ 'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN_TEST' }, baseUrl: fake.baseUrl } }, { env: { CF_TOKEN_TEST: fake.token }, policy: FAST });
  const p = requireDnsProvider(providers, 'cf-main');
  assert.equal(p.kind, 'cloudflare');
  assert.deepEqual((await p.getRecordSet('example.com', 'www.example.com', 'A'))?.records, ['203.0.113.10']);
  assert.throws(() => requireDnsProvider(providers, 'nope'), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_VALIDATION' && err.field === 'dns.provider');
  assert.throws(
    () => buildDnsProviders({ 'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN_UNSET' }, baseUrl: fake.baseUrl } }, { env: {} }),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_SECRET_UNRESOLVED' && err.field === 'dnsProviders.cf-main.apiToken',
  );
});

test('a record set longer than one page (the fake pages 100 at a time, as the API does) is read whole, switched whole and restored whole', async (t) => {
  const { fake, provider } = await setup(t);
  for (let i = 0; i < 104; i++) fake.records.push({ id: `rr${String(i).padStart(3, '0')}`, zone_id: 'zone123', name: 'www.example.com', type: 'A', content: `198.51.100.${i + 1}`, ttl: 300, proxied: false });
  const set = await provider.getRecordSet('example.com', 'www.example.com', 'A');
  assert.equal(set?.records.length, 105);
  assert.ok(calls(fake).includes('GET /client/v4/zones/zone123/dns_records?type=A&name=www.example.com&page=2'), 'the second page was asked for');
  let snap: DnsSnapshot | undefined;
  await applySwitch(provider, KEY, '203.0.113.20', { recordSnapshot: (s) => void (snap = s) });
  assert.equal(snap?.rrset?.records.length, 105, 'the snapshot holds every value');
  assert.deepEqual(fake.records.filter((r) => r.name === 'www.example.com').map((r) => r.content), ['203.0.113.20'], 'no value left live beside the new one');
  await restoreSnapshot(provider, snap!);
  assert.equal((await provider.getRecordSet('example.com', 'www.example.com', 'A'))?.records.length, 105);
});

test('round robin whose records differ: the switch and the restore put each record back with its own ttl, proxied and comment', async (t) => {
  const { fake, provider } = await setup(t);
  fake.records[0]!.ttl = 3600;
  fake.records.push({ id: 'rec2', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.11', ttl: 600, proxied: false, comment: 'lb node 2' });
  let snap: DnsSnapshot | undefined;
  await applySwitch(provider, KEY, '203.0.113.20', { ttl: 300, recordSnapshot: (s) => void (snap = s) });
  assert.deepEqual(fake.records.filter((r) => r.name === 'www.example.com').map((r) => [r.content, r.ttl]), [['203.0.113.20', 300]]);
  assert.deepEqual(snap?.rrset?.perRecord, [
    { content: '203.0.113.10', ttl: 3600, proxied: false },
    { content: '203.0.113.11', ttl: 600, proxied: false, comment: 'lb node 2' },
  ]);
  await restoreSnapshot(provider, snap!);
  const back = fake.records.filter((r) => r.name === 'www.example.com').map((r) => ({ content: r.content, ttl: r.ttl, proxied: r.proxied, comment: r.comment })).sort((a, b) => a.content.localeCompare(b.content));
  assert.deepEqual(back, [
    { content: '203.0.113.10', ttl: 3600, proxied: false, comment: undefined },
    { content: '203.0.113.11', ttl: 600, proxied: false, comment: 'lb node 2' },
  ]);
});

test('lowering the TTL of a set whose records differ caps each record and keeps its comment', async (t) => {
  const { fake, provider } = await setup(t);
  fake.records[0]!.ttl = 3600;
  fake.records.push({ id: 'rec2', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.11', ttl: 120, proxied: false, comment: 'lb node 2' });
  const r = await lowerTtl(provider, KEY, 300);
  assert.equal(r.changed, true);
  assert.deepEqual(fake.records.map((x) => [x.content, x.ttl, x.comment]), [['203.0.113.10', 300, undefined], ['203.0.113.11', 120, 'lb node 2']]);
});

test('record sets compare record by record where their records differ, whatever order the provider lists them in', async () => {
  const { sameRecordSet } = await import('../../controller/dns/provider.js');
  const base = { name: 'www.example.com', type: 'A', records: ['203.0.113.10', '203.0.113.11'], proxied: false };
  const a = { ...base, ttl: 3600, perRecord: [{ content: '203.0.113.10', ttl: 3600, proxied: false }, { content: '203.0.113.11', ttl: 600, proxied: false }] };
  // The same records listed the other way round: the set's own ttl (its first record's) differs.
  const b = { ...base, ttl: 600, perRecord: [{ content: '203.0.113.11', ttl: 600, proxied: false }, { content: '203.0.113.10', ttl: 3600, proxied: false }] };
  assert.equal(sameRecordSet(a, b), true);
  // One record's TTL off: different, though values and first TTL agree.
  assert.equal(sameRecordSet(a, { ...a, perRecord: [a.perRecord[0]!, { ...a.perRecord[1]!, ttl: 300 }] }), false);
  // A comment counts; a uniform set equals its record-by-record spelling.
  assert.equal(sameRecordSet(a, { ...a, perRecord: [a.perRecord[0]!, { ...a.perRecord[1]!, comment: 'x' }] }), false);
  assert.equal(sameRecordSet({ ...base, ttl: 300 }, { ...base, ttl: 300, perRecord: base.records.map((content) => ({ content, ttl: 300, proxied: false })) }), true);
});

test('a record with a comment and tags is switched (they stay on it and are no change) and restored with them', async (t) => {
  const { fake, provider } = await setup(t);
  Object.assign(fake.records[0]!, { comment: 'web origin', tags: ['team:web'] });
  let snap: DnsSnapshot | undefined;
  const res = await applySwitch(provider, KEY, '203.0.113.20', { recordSnapshot: (s) => void (snap = s) });
  assert.equal(res.changed, true);
  assert.deepEqual(snap?.rrset?.perRecord, [{ content: '203.0.113.10', ttl: 300, proxied: false, comment: 'web origin', tags: ['team:web'] }]);
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body]),
    [['PATCH', '/client/v4/zones/zone123/dns_records/rec1', { content: '203.0.113.20', ttl: 300, proxied: false }]],
    'the switch sends the value and settings, nothing about the notes',
  );
  assert.deepEqual(fake.records.map((r) => [r.content, r.comment, r.tags]), [['203.0.113.20', 'web origin', ['team:web']]]);

  // A re-run finds the value in place: the comment the record carries is no change to make.
  fake.requests.length = 0;
  assert.equal((await applySwitch(provider, KEY, '203.0.113.20', { recordSnapshot: () => snap })).changed, false);
  assert.ok(fake.requests.every((r) => r.method === 'GET'));

  assert.equal((await restoreSnapshot(provider, snap!)).changed, true);
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl, r.comment, r.tags]), [['203.0.113.10', 300, 'web origin', ['team:web']]]);
  assert.deepEqual(await restoreSnapshot(provider, snap!), { changed: false });
});

test('round robin with notes on one record: the restore clears them from the record the switch reused and puts them back on their own value', async (t) => {
  const { fake, provider } = await setup(t);
  // rec1 (listed first, so reused by the switch) holds .11 with its notes; rec2 holds .10 without.
  Object.assign(fake.records[0]!, { content: '203.0.113.11', comment: 'lb node 2', tags: ['pool:b'] });
  fake.records.push({ id: 'rec2', zone_id: 'zone123', name: 'www.example.com', type: 'A', content: '203.0.113.10', ttl: 300, proxied: false });
  let snap: DnsSnapshot | undefined;
  await applySwitch(provider, KEY, '203.0.113.20', { recordSnapshot: (s) => void (snap = s) });
  assert.deepEqual(fake.records.map((r) => [r.id, r.content, r.comment]), [['rec1', '203.0.113.20', 'lb node 2']]);

  fake.requests.length = 0;
  await restoreSnapshot(provider, snap!);
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body]),
    [
      ['PATCH', '/client/v4/zones/zone123/dns_records/rec1', { content: '203.0.113.10', ttl: 300, proxied: false, comment: '', tags: [] }],
      ['POST', '/client/v4/zones/zone123/dns_records', { type: 'A', name: 'www.example.com', content: '203.0.113.11', ttl: 300, proxied: false, comment: 'lb node 2', tags: ['pool:b'] }],
    ],
  );
  const back = fake.records.map((r) => ({ content: r.content, comment: r.comment, tags: r.tags ?? [] })).sort((a, b) => a.content.localeCompare(b.content));
  assert.deepEqual(back, [
    { content: '203.0.113.10', comment: undefined, tags: [] },
    { content: '203.0.113.11', comment: 'lb node 2', tags: ['pool:b'] },
  ]);
  assert.deepEqual(await restoreSnapshot(provider, snap!), { changed: false });
});

test('a DNS-only record on automatic TTL (1, served as 300 s) is lowered to a maxTtl under 300; proxied or within it, it stays', async (t) => {
  const { fake, provider } = await setup(t);
  fake.records[0]!.ttl = 1;
  assert.equal((await lowerTtl(provider, KEY, 300)).changed, false, '300 s is within a maxTtl of 300');
  fake.requests.length = 0;
  const r = await lowerTtl(provider, KEY, 60);
  assert.equal(r.changed, true);
  assert.deepEqual(
    fake.requests.filter((x) => x.method !== 'GET').map((x) => [x.method, x.path, x.body]),
    [['PATCH', '/client/v4/zones/zone123/dns_records/rec1', { ttl: 60, proxied: false }]],
  );
  assert.equal(fake.records[0]!.ttl, 60);

  Object.assign(fake.records[0]!, { ttl: 1, proxied: true });
  assert.equal((await lowerTtl(provider, KEY, 60)).changed, false, 'a proxied record is answered by the edge');
});

test('lowering to automatic (dns.ttl 1, served as 300 s) never raises a shorter TTL; a longer one is lowered to automatic', async (t) => {
  const { fake, provider } = await setup(t);
  fake.records[0]!.ttl = 120;
  fake.requests.length = 0;
  assert.equal((await lowerTtl(provider, KEY, 1)).changed, false, '120 s is shorter than automatic (300 s)');
  assert.deepEqual(fake.requests.filter((x) => x.method !== 'GET'), [], 'nothing written');
  assert.equal(fake.records[0]!.ttl, 120);
  fake.records[0]!.ttl = 3600;
  const r = await lowerTtl(provider, KEY, 1);
  assert.equal(r.changed, true);
  assert.deepEqual(
    fake.requests.filter((x) => x.method !== 'GET').map((x) => [x.method, x.path, x.body]),
    [['PATCH', '/client/v4/zones/zone123/dns_records/rec1', { ttl: 1, proxied: false }]],
  );
});

test('rate limited for longer than a call waits (60 s): it fails at once, saying when to try again', async (t) => {
  const { fake, provider } = await setup(t);
  fake.rateLimitedUntil = Date.now() + 300_000;
  const started = Date.now();
  await assert.rejects(provider.getRecordSet('example.com', 'www.example.com', 'A'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.match(
      err.message,
      /after 1 attempt\(s\): HTTP 429: Please wait and consider throttling your request speed \(971\); the provider asks to wait 300 s before the next request \(Retry-After\), longer than the 60 s a call waits for it: try again after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/,
    );
    assert.equal(err.details?.retryAfterSeconds, 300);
    return true;
  });
  assert.equal(fake.requests.length, 1, 'no retry into a block that outlasts the wait');
  assert.ok(Date.now() - started < 1000);
});

test("a Retry-After within the bound is waited out in full, beyond the backoff's cap, and the call goes through", async (t) => {
  const { fake, provider } = await setup(t);
  // Blocked for 1.2 s: Cloudflare says 2 (seconds, rounded up). FAST caps the backoff at 20 ms,
  // so retries spaced by the backoff alone would all land inside the block.
  fake.rateLimitedUntil = Date.now() + 1200;
  const started = Date.now();
  const set = await provider.getRecordSet('example.com', 'www.example.com', 'A');
  assert.deepEqual(set?.records, ['203.0.113.10']);
  assert.ok(Date.now() - started >= 1900, `waited ${Date.now() - started} ms`);
  assert.deepEqual(calls(fake), ['GET /client/v4/zones?name=example.com', 'GET /client/v4/zones?name=example.com', 'GET /client/v4/zones/zone123/dns_records?type=A&name=www.example.com']);
});

test('Retry-After waits count together against the bound: the one that would pass it fails the call', async (t) => {
  const { fake } = await setup(t);
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { ...FAST, maxRetryAfterMs: 1500 } });
  fake.faults.push(...Array.from({ length: 2 }, () => ({ method: 'GET', status: 429, headers: { 'Retry-After': '1' } })));
  await assert.rejects(provider.getRecordSet('example.com', 'www.example.com', 'A'), /after 2 attempt\(s\): HTTP 429: .*asks to wait 1 s before the next request \(Retry-After\), longer than the 0\.5 s left of the 1\.5 s a call waits for it/);
  assert.equal(fake.requests.length, 2);
});

test('an abort ends a Retry-After wait at once: no request is started after it, and the call rejects naming the abort', async (t) => {
  const { fake, provider } = await setup(t);
  // 20 s is within the 60 s a call waits for the provider: without the abort it would sleep it out.
  fake.faults.push({ method: 'GET', status: 429, headers: { 'Retry-After': '20' } });
  const ac = new AbortController();
  const started = Date.now();
  const read = provider.getRecordSet('example.com', 'www.example.com', 'A', { signal: ac.signal });
  await until(() => fake.requests.length === 1);
  // The 429 reaches the client and it waits: an abort any sooner would cut the read in flight.
  await new Promise((r) => setTimeout(r, 200));
  ac.abort(new SwitchyardError('SY_CONFLICT', 'aborted: rollback requested (test)'));
  await assert.rejects(read, (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_CONFLICT');
    assert.match(err.message, /GET \/client\/v4\/zones\?name=example\.com: not retried after 1 attempt\(s\) \(HTTP 429: Rate limited \(10013\)\): aborted: rollback requested \(test\)/);
    return true;
  });
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(fake.requests.length, 1, 'nothing sent after the abort');
  await assert.rejects(provider.getRecordSet('example.com', 'www.example.com', 'A', { signal: ac.signal }), /not sent: aborted/);
  assert.equal(fake.requests.length, 1, 'an aborted signal sends nothing at all');
});

test('a restore racing a write still in flight on the same name decides after it lands: the snapshot ends in place, and the restore says what it replaced', async (t) => {
  const { fake, provider } = await setup(t);
  const snap: DnsSnapshot = {
    provider: 'cf-main',
    ...KEY,
    rrset: { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.10'], proxied: false },
    takenAt: new Date().toISOString(),
  };
  // A slow switch: its PATCH is held while the restore starts.
  fake.faults.push({ method: 'PATCH', delayMs: 800 });
  const slowSwitch = provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 60, records: ['203.0.113.20'], proxied: false });
  await until(() => fake.requests.some((r) => r.method === 'PATCH'));
  const restored = await restoreSnapshot(provider, snap);
  await slowSwitch;
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.10', 300]], 'the switch write does not outlive the restore');
  assert.equal(restored.changed, true);
  assert.deepEqual(restored.replaced?.records, ['203.0.113.20']);
});

test('lowering the TTL while a switch write is in flight on the same name keeps the switched value: it reads after the write lands', async (t) => {
  const { fake, provider } = await setup(t);
  fake.faults.push({ method: 'PATCH', delayMs: 800 });
  const slowSwitch = provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.20'], proxied: false });
  await until(() => fake.requests.some((r) => r.method === 'PATCH'));
  const lowered = await lowerTtl(provider, KEY, 60);
  await slowSwitch;
  assert.deepEqual(fake.records.map((r) => [r.content, r.ttl]), [['203.0.113.20', 60]], 'the TTL change does not write back the value it read before the switch');
  assert.deepEqual(lowered.before?.records, ['203.0.113.20']);
  assert.equal(lowered.changed, true);
});

test('an abort cuts a read in flight at once instead of letting it run to its timeout, and it is not sent again', async (t) => {
  const { fake } = await setup(t);
  // A timeout well past the hold: without the cut the read would wait the provider out.
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { ...FAST, timeoutMs: 10_000 } });
  fake.faults.push({ method: 'GET', delayMs: 4000 });
  const ac = new AbortController();
  const read = provider.getRecordSet('example.com', 'www.example.com', 'A', { signal: ac.signal });
  await until(() => fake.requests.length === 1);
  const abortedAt = Date.now();
  ac.abort(new SwitchyardError('SY_CONFLICT', 'aborted: rollback requested (test)'));
  await assert.rejects(read, (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_CONFLICT');
    assert.match(err.message, /GET \/client\/v4\/zones\?name=example\.com: cut off in flight at attempt 1: aborted: rollback requested \(test\)/);
    assert.equal(err.details?.aborted, true);
    return true;
  });
  assert.ok(Date.now() - abortedAt < 1000, `the read ended ${Date.now() - abortedAt} ms after the abort`);
  assert.equal(fake.requests.length, 1, 'not retried after the cut');
});

test('an abort leaves a write in flight to its answer: the PATCH that landed is known to have landed, and nothing is sent after it', async (t) => {
  const { fake, provider } = await setup(t);
  fake.faults.push({ method: 'PATCH', delayMs: 600 });
  const ac = new AbortController();
  const started = Date.now();
  const write = provider.replaceRecordSet('example.com', { name: 'www.example.com', type: 'A', ttl: 300, records: ['203.0.113.20'], proxied: false }, { signal: ac.signal });
  await until(() => fake.requests.some((r) => r.method === 'PATCH'));
  ac.abort(new SwitchyardError('SY_CONFLICT', 'aborted: rollback requested (test)'));
  await write;
  assert.ok(Date.now() - started >= 550, 'the PATCH was waited for');
  assert.deepEqual(fake.records.map((r) => r.content), ['203.0.113.20']);
  assert.deepEqual(fake.requests.filter((r) => r.method !== 'GET').map((r) => r.method), ['PATCH']);
});

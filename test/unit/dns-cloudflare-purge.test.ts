import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCloudflareFake } from '../helpers/cloudflare-fake.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import { PowerDnsProvider } from '../../controller/dns/powerdns.js';
import { canPurgeCache } from '../../controller/dns/provider.js';
import { SwitchyardError } from '../../shared/errors.js';

const FAST = { baseDelayMs: 5, maxDelayMs: 20, retries: 2, timeoutMs: 2000 };

test('purgeCache: POST /zones/{id}/purge_cache {purge_everything: true} with the bearer token', async (t) => {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST });
  assert.equal(canPurgeCache(provider), true);
  const res = await provider.purgeCache('Example.com.');
  assert.deepEqual(res, { id: 'purge-zone123-1' });
  assert.deepEqual(fake.requests, [
    { method: 'GET', path: '/client/v4/zones?name=example.com', authorization: `Bearer ${fake.token}`, body: undefined },
    { method: 'POST', path: '/client/v4/zones/zone123/purge_cache', authorization: `Bearer ${fake.token}`, body: { purge_everything: true } },
  ]);
  assert.deepEqual(fake.purges, [{ zoneId: 'zone123', body: { purge_everything: true } }]);
});

test('purgeCache: a rate-limited (429) purge is sent again; a wrong token fails with the provider error', async (t) => {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST });
  await provider.purgeCache('example.com');
  fake.faults.push({ method: 'POST', status: 429 });
  await provider.purgeCache('example.com');
  assert.equal(fake.purges.length, 2);
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 3, 'the rate-limited POST was sent again');

  const wrong = new CloudflareProvider({ name: 'cf-main', apiToken: 'not-the-token', baseUrl: fake.baseUrl, policy: FAST });
  await assert.rejects(wrong.purgeCache('example.com'), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_DNS_PROVIDER' && /Authentication error/.test(err.message) && !err.message.includes('not-the-token'));
});

test('purgeCache: an abort ends a Retry-After wait at once, and the purge is not sent again', async (t) => {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  fake.faults.push({ method: 'POST', status: 429, headers: { 'Retry-After': '20' } });
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: FAST });
  const ac = new AbortController();
  const started = Date.now();
  const purge = provider.purgeCache('example.com', { signal: ac.signal });
  setTimeout(() => ac.abort(new SwitchyardError('SY_CONFLICT', 'aborted: rollback requested')), 200);
  await assert.rejects(purge, (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_CONFLICT' && /rollback requested/.test(err.message));
  assert.ok(Date.now() - started < 3000, `the purge took ${Date.now() - started} ms after the abort`);
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 1);
});

test('a provider without an edge cache cannot purge', () => {
  const pdns = new PowerDnsProvider({ name: 'pdns', url: 'http://127.0.0.1:1', apiKey: 'k' });
  assert.equal(canPurgeCache(pdns), false);
});

test('purgeCache: an abort cuts the purge in flight at once instead of letting it run to its timeout, and it is not sent again', async (t) => {
  const fake = await startCloudflareFake(t);
  fake.zones.push({ id: 'zone123', name: 'example.com' });
  // The edge holds the answer well past the abort; the timeout is further still.
  fake.faults.push({ method: 'POST', delayMs: 4000 });
  const provider = new CloudflareProvider({ name: 'cf-main', apiToken: fake.token, baseUrl: fake.baseUrl, policy: { ...FAST, timeoutMs: 10_000 } });
  const ac = new AbortController();
  const purge = provider.purgeCache('example.com', { signal: ac.signal });
  while (!fake.requests.some((r) => r.method === 'POST')) await new Promise((r) => setTimeout(r, 10));
  const abortedAt = Date.now();
  ac.abort(new SwitchyardError('SY_CONFLICT', 'aborted: rollback requested (test)'));
  await assert.rejects(purge, (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_CONFLICT');
    assert.match(err.message, /POST \/client\/v4\/zones\/zone123\/purge_cache: cut off in flight at attempt 1: aborted: rollback requested \(test\)/);
    assert.equal(err.details?.aborted, true);
    assert.equal(err.details?.applied, undefined, 'a purge cut once sent may still have been applied');
    return true;
  });
  assert.ok(Date.now() - abortedAt < 1000, `the purge ended ${Date.now() - abortedAt} ms after the abort`);
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 1, 'not sent again after the cut');
});

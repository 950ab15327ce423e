import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { confirmOriginByHttp, waitForOriginByHttp } from '../../controller/dns/origin-check.js';

test('origin confirmed by the X-Switchyard-Origin header, with cache-busting on every probe', async (t) => {
  let origin: string | null = 'staging-1';
  const seen: { url: string; cacheControl: string | undefined }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', cacheControl: req.headers['cache-control'] });
    if (origin !== null) res.setHeader('X-Switchyard-Origin', origin);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop/`;

  const before = await confirmOriginByHttp(url, 'prod-1');
  assert.equal(before.ok, false);
  assert.equal(before.origin, 'staging-1');
  assert.equal(before.status, 200);
  assert.match(before.error ?? '', /'staging-1', expected 'prod-1'/);

  origin = null;
  assert.match((await confirmOriginByHttp(url, 'prod-1')).error ?? '', /absent/);

  setTimeout(() => (origin = 'prod-1'), 150);
  const after = await waitForOriginByHttp(url, 'prod-1', { waitMs: 3000, intervalMs: 50 });
  assert.equal(after.ok, true);
  assert.equal(after.origin, 'prod-1');
  assert.ok(seen.every((s) => /^\/shop\/\?switchyard-probe=[0-9a-f]{12}$/.test(s.url) && s.cacheControl === 'no-cache'));
  assert.equal(new Set(seen.map((s) => s.url)).size, seen.length, 'each probe has its own URL');

  const down = await confirmOriginByHttp('http://127.0.0.1:9/', 'prod-1', { timeoutMs: 500 });
  assert.equal(down.ok, false);
  assert.equal(down.status, null);
});

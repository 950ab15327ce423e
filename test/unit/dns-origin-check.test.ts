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

/**
 * A FAKE Cloudflare edge in front of one origin: `cached` maps a path (the cache key, query string
 * ignored as with "Cache Everything, Ignore query string") to the origin header of the copy it
 * serves as a HIT; `redirects` are edge redirects (no origin header, cf-cache-status absent);
 * everything else is a MISS answered by `origin()`.
 */
async function edgeFake(t: import('node:test').TestContext, opts: { origin: () => string | null; cached?: Record<string, string>; redirects?: Record<string, string>; host?: string }): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const redirect = opts.redirects?.[path];
    if (redirect !== undefined) {
      res.writeHead(301, { Location: redirect });
      return res.end();
    }
    const hit = opts.cached?.[path];
    if (hit !== undefined) {
      res.writeHead(200, { 'X-Switchyard-Origin': hit, 'cf-cache-status': 'HIT', Age: '3600' });
      return res.end('cached page');
    }
    const origin = opts.origin();
    res.writeHead(path.startsWith('/switchyard-probe-') ? 404 : 200, { 'cf-cache-status': 'MISS', ...(origin === null ? {} : { 'X-Switchyard-Origin': origin }) });
    res.end('from origin');
  });
  await new Promise<void>((r) => server.listen(0, opts.host ?? '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { url: `http://${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`, seen };
}

test('a redirect made at the edge (no origin header) is followed on the same host to the origin’s answer', async (t) => {
  const edge = await edgeFake(t, { origin: () => 'prod-1', redirects: { '/': '/en/' } });
  const check = await confirmOriginByHttp(`${edge.url}/`, 'prod-1');
  assert.equal(check.ok, true, JSON.stringify(check));
  assert.equal(check.verdict, 'production');
  assert.equal(check.status, 200);
  assert.deepEqual(edge.seen.map((u) => u.replace(/[0-9a-f]{12}/, 'X')), ['/?switchyard-probe=X', '/en/?switchyard-probe=X']);
  assert.equal(check.via.length, 2);

  // To another host it is another record's answer: no evidence either way, and not staging.
  const away = await edgeFake(t, { origin: () => 'prod-1', redirects: { '/': 'https://elsewhere.example/' } });
  const other = await confirmOriginByHttp(`${away.url}/`, 'prod-1');
  assert.equal(other.ok, false);
  assert.equal(other.verdict, 'inconclusive');
  assert.match(other.error ?? '', /redirects to https:\/\/elsewhere\.example .*another host/);
});

test('a page the edge serves from its cache whatever the query string is not read as staging: a path never cached asks the origin', async (t) => {
  const edge = await edgeFake(t, { origin: () => 'prod-1', cached: { '/shop/': 'staging-1' } });
  const check = await confirmOriginByHttp(`${edge.url}/shop/`, 'prod-1');
  assert.equal(check.ok, true, JSON.stringify(check));
  assert.equal(check.origin, 'prod-1');
  assert.equal(check.cacheStatus, 'MISS');
  assert.match(edge.seen[1] ?? '', /^\/switchyard-probe-[0-9a-f]{12}\?switchyard-probe=[0-9a-f]{12}$/);

  // Staging still behind the edge: the uncached path says so.
  const stale = await edgeFake(t, { origin: () => 'staging-1', cached: { '/shop/': 'staging-1' } });
  const still = await confirmOriginByHttp(`${stale.url}/shop/`, 'prod-1');
  assert.equal(still.verdict, 'other-origin');
  assert.match(still.error ?? '', /'staging-1', expected 'prod-1'/);

  // Neither answer names an origin (the origin's 404 lacks the header): inconclusive, naming the cache.
  const mute = await edgeFake(t, { origin: () => null, cached: { '/shop/': 'staging-1' } });
  const unsure = await confirmOriginByHttp(`${mute.url}/shop/`, 'prod-1');
  assert.equal(unsure.ok, false);
  assert.equal(unsure.verdict, 'inconclusive');
  assert.equal(unsure.origin, 'staging-1', 'the cached copy is what was seen');
  assert.match(unsure.error ?? '', /from its cache \(cf-cache-status HIT, X-Switchyard-Origin 'staging-1' is the cached copy's\).*\/switchyard-probe-[0-9a-f]{12}: X-Switchyard-Origin is absent \(HTTP 404\)/);
});

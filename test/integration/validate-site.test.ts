// validate against a REAL fixture site: staging on 127.0.0.2 and production on 127.0.0.3, both
// over http and https (certificates made here: a CA, a good one, an expired one, one missing
// the name, one expiring in days, one from another CA with another key type), requests pinned
// by IP with Host and SNI like `curl --resolve`. Every failure the validate step must catch is
// planted on one page or another of production; the clean pages must produce no warning or
// failure. A real agent answers the asset-file scan over gRPC.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createTcp, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { runValidation, type Finding, type ValidationReport } from '../../controller/validate/index.js';
import { agentTextScanner, validationResult } from '../../controller/cutover/steps/validate.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import { tempDir } from '../helpers/cutover-fakes.js';
import { makeWebCa } from '../helpers/web-certs.js';
import { startWebSite, type WebSite } from '../helpers/web-site.js';

const STAGING_IP = '127.0.0.2';
const PRODUCTION_IP = '127.0.0.3';
const DAY = 86_400_000;

interface World {
  prod: WebSite;
  stg: WebSite;
  /** https origins */
  PROD: string;
  STG: string;
  /** production over plain http */
  PROD_HTTP: string;
  caFile: string;
  hangPort: number;
  robots: { body: string };
  dir: string;
}

const html = (head: string, body: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}</head><body>${body}</body></html>`;

/** What a well-made page of the site looks like on either side, all URLs on that side's origin. */
function cleanPage(origin: string, path: string): string {
  const alternates = `<link rel="alternate" hreflang="en" href="${origin}/"><link rel="alternate" hreflang="de" href="${origin}/de/"><link rel="alternate" hreflang="x-default" href="${origin}/">`;
  const head = `<link rel="canonical" href="${origin}${path}">${path === '/' || path === '/de/' ? alternates : ''}<link rel="stylesheet" href="/style.css"><style>body{background:url("${origin}/bg.png")}</style>`;
  const escaped = origin.replace(/\//g, '\\/');
  const body = `<a href="/about/">About</a><img src="${origin}/logo.png" srcset="${origin}/logo.png 1x, ${origin}/logo@2x.png 2x"><div style="background-image:url('/hero.jpg')"></div><script>var cfg={"home":"${escaped}"};</script>`;
  return html(head, body);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location, 'content-type': 'text/plain' });
  res.end();
}

function stagingHandler(w: () => World) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const { STG } = w();
    const path = (req.url ?? '/').split('?')[0] as string;
    switch (path) {
      case '/robots.txt':
        return send(res, 200, 'User-agent: *\nDisallow: /\n', { 'content-type': 'text/plain' });
      case '/sitemap.xml':
        return send(res, 200, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${STG}/sitemap-a.xml</loc></sitemap><sitemap><loc>${STG}/sitemap-b.xml</loc></sitemap></sitemapindex>`, { 'content-type': 'application/xml' });
      case '/sitemap-a.xml':
        return send(res, 200, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${STG}/</loc></url><url><loc>${STG}/de/</loc></url></urlset>`, { 'content-type': 'application/xml' });
      case '/sitemap-b.xml':
        return send(res, 200, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${STG}/noindex/</loc></url><url><loc>${STG}/about/?tab=2&amp;x=1</loc></url></urlset>`, { 'content-type': 'application/xml' });
      case '/gone/':
        return send(res, 410, html('', 'gone'));
      case '/noindex/':
        // A staging site hiding itself from search engines, as WordPress does with blog_public=0.
        return send(res, 200, html('<meta name="robots" content="noindex, nofollow">', 'hidden'));
      default:
        return send(res, 200, cleanPage(STG, path));
    }
  };
}

function productionHandler(w: () => World) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const { PROD, STG, PROD_HTTP, robots } = w();
    const path = (req.url ?? '/').split('?')[0] as string;
    switch (path) {
      case '/robots.txt':
        return send(res, 200, robots.body, { 'content-type': 'text/plain' });
      case '/sitemap.xml':
        return send(res, 200, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${PROD}/sitemap-pages.xml</loc></sitemap></sitemapindex>`, { 'content-type': 'application/xml' });
      case '/sitemap-pages.xml':
        return send(res, 200, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${PROD}/</loc></url><url><loc>${PROD}/de/</loc></url><url><loc>${STG}/forgotten/</loc></url></urlset>`, { 'content-type': 'application/xml' });
      case '/old-page/':
        return redirect(res, 302, '/interim/');
      case '/interim/':
        return redirect(res, 301, `${PROD}/new-page/`);
      case '/loop/':
        return redirect(res, 301, '/loop2/');
      case '/loop2/':
        return redirect(res, 301, '/loop/');
      case '/to-staging/':
        return redirect(res, 301, `${STG}/to-staging/`);
      case '/missing/':
        return send(res, 404, html('', 'not found'));
      case '/gone/':
        return send(res, 410, html('', 'gone'));
      case '/canonical-staging/':
        return send(res, 200, html(`<link rel="canonical" href="${STG}/canonical-staging/">`, 'x'));
      case '/canonical-other/':
        return send(res, 200, html('', 'x'), { link: `<${PROD_HTTP}/canonical-other/>; rel="canonical"` });
      case '/hreflang-bad/':
        return send(
          res,
          200,
          html(
            `<link rel="canonical" href="${PROD}/hreflang-bad/"><link rel="alternate" hreflang="en-UK" href="${PROD}/hreflang-bad/"><link rel="alternate" hreflang="de" href="/de/"><link rel="alternate" hreflang="fr" href="${STG}/fr/"><link rel="alternate" hreflang="es" href="${PROD}/hreflang-noreturn/">`,
            'x',
          ),
        );
      case '/hreflang-noreturn/':
        return send(res, 200, html(`<link rel="canonical" href="${PROD}/hreflang-noreturn/">`, 'x'));
      case '/noindex/':
        return send(res, 200, html(`<link rel="canonical" href="${PROD}/noindex/"><meta name="robots" content="noindex, nofollow">`, 'hidden'));
      case '/xrobots/':
        return send(res, 200, html(`<link rel="canonical" href="${PROD}/xrobots/">`, 'x'), { 'x-robots-tag': 'googlebot: nofollow' });
      case '/leftovers/': {
        const esc = STG.replace(/\//g, '\\/');
        return send(
          res,
          200,
          html(
            `<link rel="canonical" href="${PROD}/leftovers/"><style>@import "${STG}/theme.css"; .hero{background:url(${STG}/hero.jpg)}</style>`,
            `<a href="${STG}/about/">a</a><img src="${STG}/img.png" srcset="/small.png 480w, ${STG}/big,retina.png 960w"><div style="background: url('${STG}/bg.png')"></div><script>var ajax={"url":"${esc}\\/wp-admin\\/admin-ajax.php"};</script>`,
          ),
        );
      }
      case '/mixed/':
        return send(res, 200, html(`<link rel="canonical" href="${PROD}/mixed/"><script src="${PROD_HTTP}/app.js"></script>`, `<img src="http://cdn.example.test/x.png"><a href="http://example.org/">link is fine</a>`));
      case '/slow/':
        setTimeout(() => send(res, 200, cleanPage(PROD, path)), 900);
        return;
      case '/hang/':
        return; // never answers
      case '/wp-admin/':
        res.writeHead(302, { location: '/wp-login.php', 'cache-control': 'public, max-age=600' });
        return void res.end();
      case '/wp-login.php':
        return send(res, 200, html('', 'login'), { 'cache-control': 'no-store, no-cache, must-revalidate' });
      case '/wp-json/':
        return send(res, 200, '{}', { 'content-type': 'application/json', 'cache-control': 'private, no-store' });
      case '/api/':
        return send(res, 200, '{}', { 'content-type': 'application/json' });
      case '/legacy-ok':
        return redirect(res, 301, '/new-page/');
      case '/legacy-302':
        return redirect(res, 302, '/new-page/');
      case '/legacy-wrong':
        return redirect(res, 301, '/other/');
      case '/legacy-chain':
        return redirect(res, 301, '/interim/');
      default:
        return send(res, 200, cleanPage(PROD, path));
    }
  };
}

async function hangingTcp(t: TestContext, ip: string): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createTcp((s) => {
    sockets.add(s); // accepts and never says a word: no TLS handshake, no HTTP answer
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  t.after(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return (server.address() as AddressInfo).port;
}

async function world(t: TestContext): Promise<World> {
  const dir = tempDir(t, 'sy-validate-');
  const ca = await makeWebCa('Validate Test CA');
  const other = await makeWebCa('Some Other CA');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const now = Date.now();
  const prodCerts = {
    default: await ca.issue({ cn: 'www.example.test', sans: ['www.example.test'] }),
    byName: {
      'expired.example.test': await ca.issue({ cn: 'expired.example.test', sans: ['expired.example.test'], notBefore: new Date(now - 40 * DAY), notAfter: new Date(now - 2 * DAY) }),
      'nosan.example.test': await ca.issue({ cn: 'nosan.example.test', sans: ['other.example.test'] }),
      'soon.example.test': await ca.issue({ cn: 'soon.example.test', sans: ['soon.example.test'], notAfter: new Date(now + 5 * DAY - 3_600_000) }),
      'parity.example.test': await ca.issue({ cn: 'parity.example.test', sans: ['parity.example.test'], rsa: true }),
    },
  };
  const stgCerts = {
    default: await ca.issue({ cn: 'staging.example.test', sans: ['staging.example.test'] }),
    byName: { 'parity.example.test': await other.issue({ cn: 'parity.example.test', sans: ['parity.example.test'] }) },
  };
  let w: World | undefined;
  const get = (): World => w as World;
  const prod = await startWebSite(t, PRODUCTION_IP, prodCerts, productionHandler(get));
  // Staging on the same ports, as both sides of a real site listen on 443.
  const stg = await startWebSite(t, STAGING_IP, stgCerts, stagingHandler(get), { http: prod.httpPort, https: prod.httpsPort });
  const hangPort = await hangingTcp(t, PRODUCTION_IP);
  w = {
    prod,
    stg,
    PROD: `https://www.example.test:${prod.httpsPort}`,
    STG: `https://staging.example.test:${stg.httpsPort}`,
    PROD_HTTP: `http://www.example.test:${prod.httpPort}`,
    caFile,
    hangPort,
    robots: { body: '' },
    dir,
  };
  w.robots.body = [
    'User-agent: *',
    'Disallow: /private/',
    'Disallow: /noindex/',
    '',
    'User-agent: Googlebot',
    'Disallow: /xrobots/',
    'Disallow: /private/',
    '',
    `Sitemap: ${w.PROD}/sitemap.xml`,
    `Sitemap: ${w.STG}/sitemap-staging.xml`,
  ].join('\n');
  return w;
}

function plan(w: World, checks: Record<string, unknown>, extra: Record<string, unknown> = {}): Plan {
  return parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: w.STG, ip: STAGING_IP },
      production: { agent: 'prod-1', origin: w.PROD, ip: PRODUCTION_IP },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { requestTimeoutMs: 2500, caFile: w.caFile, vitals: { enabled: true, ttfbMs: 450 }, ...checks },
      ...extra,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
}

const PAGES = ['/', '/de/', '/old-page/', '/loop/', '/to-staging/', '/missing/', '/gone/', '/canonical-staging/', '/canonical-other/', '/hreflang-bad/', '/noindex/', '/xrobots/', '/leftovers/', '/mixed/', '/slow/', '/hang/'];

function pick(r: ValidationReport, check: string, page?: string): Finding[] {
  return r.findings.filter((f) => f.check === check && (page === undefined || f.page === page));
}

function one(r: ValidationReport, check: string, page: string | undefined, status: Finding['status'], message: RegExp): Finding {
  const found = pick(r, check, page).filter((f) => f.status === status && message.test(f.message));
  assert.ok(found.length >= 1, `expected a ${status} ${check} finding on ${page ?? '(no page)'} matching ${message}; got ${JSON.stringify(pick(r, check, page).map((f) => `${f.status}: ${f.message}`))}`);
  return found[0] as Finding;
}

test('validate: every planted failure is found, the clean pages produce none', async (t) => {
  const w = await world(t);
  const uploads = join(w.dir, 'uploads');
  mkdirSync(join(uploads, 'theme'), { recursive: true });
  writeFileSync(join(uploads, 'theme', 'style.css'), `body {\n  color: #333;\n  background: url(${w.STG}/img/bg.png);\n}\n`);
  writeFileSync(join(uploads, 'theme', 'app.js'), `var a = 1;\nvar cfg = {"api":"https:\\/\\/staging.example.test:${w.prod.httpsPort}\\/wp-json"};\n`);
  writeFileSync(join(uploads, 'theme', 'clean.css'), 'body { color: red; }\n');
  writeFileSync(join(uploads, 'photo.png'), `not text ${w.STG}`); // not a scanned type
  const agent = await startTestAgent(t, { name: 'prod-1', insecure: true, config: { assets: { uploads: { path: uploads } } } });
  const agents = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: agent.address }, { name: 'staging-1', address: agent.address }] });

  const p = plan(
    w,
    {
      pages: PAGES,
      expectStatus: { '/gone/': 410 },
      blockedPaths: ['/private/'],
      adminPaths: ['/wp-admin/', '/wp-json/', '/api/'],
      tlsHosts: [`expired.example.test:${w.prod.httpsPort}`, `nosan.example.test:${w.prod.httpsPort}`, `soon.example.test:${w.prod.httpsPort}`, `parity.example.test:${w.prod.httpsPort}`, `hang.example.test:${w.hangPort}`],
      redirects: [
        { from: '/legacy-ok', to: '/new-page/', status: 301 },
        { from: '/legacy-302', to: '/new-page/', status: 301 },
        { from: '/legacy-wrong', to: '/new-page/', status: 301 },
        { from: '/legacy-chain', to: '/interim/', status: 301 },
      ],
    },
    { assets: [{ staging: 'uploads', production: 'uploads' }] },
  );

  const started = Date.now();
  const r = await runValidation(p, { scanner: agentTextScanner(agents), chromiumPath: '/nonexistent/chromium' });
  const took = Date.now() - started;

  // Requests went to the pinned IPs with the site's names in Host.
  assert.ok(w.prod.hits.some((h) => h === `https www.example.test:${w.prod.httpsPort} /`), 'production got the page by its name');
  assert.ok(w.stg.hits.some((h) => h === `https staging.example.test:${w.stg.httpsPort} /`), 'staging was asked for the baseline');

  // The clean pages: checks ran and passed, nothing else.
  for (const page of ['/', '/de/']) {
    const bad = r.findings.filter((f) => f.page === page && f.status !== 'pass');
    assert.deepEqual(bad, [], `clean page ${page} must produce no warning or failure`);
    for (const check of ['status', 'canonical', 'hreflang', 'noindex', 'staging-urls', 'mixed-content', 'ttfb']) assert.equal(pick(r, check, page).length, 1, `${check} ran on ${page}`);
  }

  // Status and redirect chains.
  one(r, 'status', '/old-page/', 'pass', /200/);
  one(r, 'redirect-chain', '/old-page/', 'warn', /temporary redirect \(302/);
  one(r, 'redirect-chain', '/old-page/', 'warn', /2 redirects/);
  one(r, 'redirect-chain', '/loop/', 'fail', /redirect loop/);
  one(r, 'redirect-chain', '/to-staging/', 'fail', /redirects to the staging site/);
  one(r, 'status', '/missing/', 'fail', /final status 404, expected 200 \(staging: 200\)/);
  one(r, 'status', '/gone/', 'pass', /410/);
  const hang = one(r, 'status', '/hang/', 'fail', /timed out/);
  assert.match(hang.message, /2500 ms/);

  // Canonical.
  one(r, 'canonical', '/canonical-staging/', 'fail', /points to staging/);
  one(r, 'canonical', '/canonical-other/', 'fail', /Link header points to http:\/\/www\.example\.test/);

  // hreflang.
  one(r, 'hreflang', '/hreflang-bad/', 'fail', /invalid hreflang: "en-UK".*GB/);
  one(r, 'hreflang', '/hreflang-bad/', 'fail', /href "\/de\/" is relative/);
  one(r, 'hreflang', '/hreflang-bad/', 'fail', /hreflang=fr points to staging/);
  one(r, 'hreflang', '/hreflang-bad/', 'fail', /not reciprocal: .*hreflang-noreturn\/ does not link back/);

  // Robots directives: a failure even though staging has it too.
  one(r, 'noindex', '/noindex/', 'fail', /meta name=robots: noindex.*staging has it too/);
  one(r, 'noindex', '/xrobots/', 'fail', /X-Robots-Tag \(googlebot\): nofollow/);

  // Staging URLs left in the HTML: links, src, srcset (a comma inside the URL), inline style, <style>, inline script.
  const left = one(r, 'staging-urls', '/leftovers/', 'fail', /references? to the staging origin/);
  const refs = (left.evidence?.references ?? []) as Array<{ tag: string; attr: string; url?: string }>;
  const where = new Set(refs.map((x) => `${x.tag}[${x.attr}]`));
  for (const k of ['a[href]', 'img[src]', 'img[srcset]', 'div[style]', 'style[#text]', 'script[#text]']) assert.ok(where.has(k), `leftover found in ${k}: ${[...where].join(', ')}`);
  assert.ok(refs.some((x) => x.url === `${w.STG}/big,retina.png`), 'srcset URL with a comma kept whole');
  assert.ok(refs.some((x) => x.url === `${w.STG}/theme.css`), '@import in <style>');

  // Mixed content.
  one(r, 'mixed-content', '/mixed/', 'fail', /http: script/);
  one(r, 'mixed-content', '/mixed/', 'warn', /http: image\/media.*cdn\.example\.test/);

  // TTFB against staging.
  one(r, 'ttfb', '/slow/', 'warn', /TTFB \d+ ms on production vs \d+ ms on staging/);

  // Admin and API caching.
  one(r, 'cache-control', '/wp-admin/', 'fail', /publicly cacheable.*302.*public, max-age=600/);
  one(r, 'cache-control', '/wp-json/', 'pass', /not cacheable/);
  one(r, 'cache-control', '/api/', 'warn', /no Cache-Control/);

  // Redirect map.
  one(r, 'redirect-map', '/legacy-ok', 'pass', /301 → .*\/new-page\/ in one hop/);
  one(r, 'redirect-map', '/legacy-302', 'fail', /answers 302.*expected 301/);
  one(r, 'redirect-map', '/legacy-wrong', 'fail', /redirects to .*\/other\/, expected .*\/new-page\//);
  one(r, 'redirect-map', '/legacy-chain', 'warn', /takes 2 hops/);

  // robots.txt and sitemaps.
  const robots = one(r, 'robots-txt', '/robots.txt', 'fail', /blocks/);
  assert.match(robots.message, /\/noindex\/ for \*/);
  assert.match(robots.message, /\/xrobots\/ for Googlebot/);
  assert.doesNotMatch(robots.message, /private/, 'a path the plan says is meant to be blocked is not a failure');
  one(r, 'sitemap', `${w.STG}/sitemap-staging.xml`, 'fail', /staging sitemap/);
  one(r, 'sitemap', `${w.PROD}/sitemap.xml`, 'fail', /1 of 3 sitemap URLs are not on .*\(1 on staging\)/);

  // TLS.
  const site = `www.example.test:${w.prod.httpsPort}`;
  one(r, 'tls-chain', site, 'pass', /chain valid/);
  one(r, 'tls-name', site, 'pass', /covers www\.example\.test/);
  one(r, 'tls-expiry', site, 'pass', /days left/);
  one(r, 'tls-parity', site, 'pass', /same issuer and key type/);
  one(r, 'tls-expiry', `expired.example.test:${w.prod.httpsPort}`, 'fail', /expired on/);
  one(r, 'tls-chain', `expired.example.test:${w.prod.httpsPort}`, 'fail', /CERT_HAS_EXPIRED/);
  one(r, 'tls-name', `nosan.example.test:${w.prod.httpsPort}`, 'fail', /does not cover nosan\.example\.test.*other\.example\.test/);
  one(r, 'tls-chain', `nosan.example.test:${w.prod.httpsPort}`, 'pass', /chain valid/);
  one(r, 'tls-expiry', `soon.example.test:${w.prod.httpsPort}`, 'fail', /expires in 4 days.*at least 14/);
  const parity = one(r, 'tls-parity', `parity.example.test:${w.prod.httpsPort}`, 'warn', /differs from staging/);
  assert.match(parity.message, /Some Other CA/);
  assert.match(parity.message, /rsa 2048 vs staging ec prime256v1/);
  one(r, 'tls-handshake', `hang.example.test:${w.hangPort}`, 'fail', /no TLS handshake within 2500 ms/);

  // Asset files on the production agent.
  const assets = one(r, 'asset-urls', 'prod-1:uploads', 'fail', /name the staging host/);
  const matches = (assets.evidence?.matches ?? []) as Array<{ path: string; line: number }>;
  assert.deepEqual(matches.map((m) => `${m.path}:${m.line}`).sort(), ['theme/app.js:2', 'theme/style.css:3']);

  // Web vitals never pass silently.
  one(r, 'vitals', undefined, 'warn', /not run: \/nonexistent\/chromium not found/);

  // Bounded: the hanging page and host cost one timeout each, not a stuck step.
  assert.ok(took < 20_000, `validation took ${took} ms`);

  // The step verdict.
  const step = validationResult(r);
  assert.equal(step.outcome, 'failed');
  assert.match(step.error ?? '', /validation checks failed/);
  assert.equal((step.evidence?.validation as ValidationReport).summary.fail, r.summary.fail);
  assert.equal(r.pageTable.find((row) => row.path === '/missing/')?.stagingStatus, 200);
});

test('validate: pages from the staging sitemap (index followed, top N), and a robots.txt that disallows everything', async (t) => {
  const w = await world(t);
  w.robots.body = 'User-agent: *\nDisallow: /\n';
  const p = plan(w, { sitemap: '/sitemap.xml', top: 3, adminPaths: [], vitals: { enabled: false } });
  const r = await runValidation(p, { skip: ['tls', 'sitemaps'] });
  assert.deepEqual(r.pages, ['/', '/de/', '/noindex/']);
  one(r, 'pages', '/sitemap.xml', 'pass', /3 pages from the staging sitemap/);
  const robots = one(r, 'robots-txt', '/robots.txt', 'fail', /blocks \/ for \*/);
  assert.match(robots.message, /line 2: "Disallow: \/"/);
  one(r, 'vitals', undefined, 'warn', /not run: disabled by the plan/);
});

test('validate: a production server that never answers gives findings within the timeout, not a stuck step', async (t) => {
  const hangPort = await hangingTcp(t, PRODUCTION_IP);
  const p = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: `https://staging.example.test:${hangPort}`, ip: STAGING_IP },
      production: { agent: 'prod-1', origin: `https://www.example.test:${hangPort}`, ip: PRODUCTION_IP },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: ['/', '/a/', '/b/'], requestTimeoutMs: 800, vitals: { enabled: false } },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  const started = Date.now();
  const r = await runValidation(p);
  const took = Date.now() - started;
  for (const page of ['/', '/a/', '/b/']) one(r, 'status', page, 'fail', /timed out.*800 ms/);
  one(r, 'robots-txt', '/robots.txt', 'fail', /did not answer/);
  one(r, 'tls-handshake', `www.example.test:${hangPort}`, 'fail', /no TLS handshake within 800 ms/);
  assert.ok(took < 8_000, `took ${took} ms`);
  assert.equal(validationResult(r).outcome, 'failed');
});

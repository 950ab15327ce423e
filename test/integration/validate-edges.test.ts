// validate against real local sites (staging on 127.0.0.2, production on 127.0.0.3, both over
// https with certificates made here) for the cases where it used to pass a production that
// would break for visitors or crawlers, or fail a good one. Each test sets up only the routes it
// needs; every other path is a clean page with its canonical on its own side.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { SwitchyardError } from '../../shared/errors.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { recordStagingBaseline, runValidation, storedStagingBaseline, type CheckGroup, type Finding, type ValidationReport } from '../../controller/validate/index.js';
import type { StepExecutor } from '../../controller/cutover/executor.js';
import { preflightExecutor, type PreflightCheck, type PreflightCheckContext, type StepDeps } from '../../controller/cutover/steps/index.js';
import { stagingPagesCheck } from '../../controller/cutover/steps/preflight/staging-pages.js';
import { validateExecutor } from '../../controller/cutover/steps/validate.js';
import { lockExecutor } from '../../controller/cutover/steps/lock.js';
import type { CutoverStore } from '../../controller/cutover/store/index.js';
import type { CutoverView } from '../../controller/cutover/view.js';
import { silentLogger } from '../../shared/logger.js';
import { startFlagFreezeAgent, testDirectory } from '../helpers/agent-server.js';
import { FakeClock, FakeWorld, fakeStep, newEngine, tempDir, tempStore, until } from '../helpers/cutover-fakes.js';
import { makeWebCa, makeWebCaChain } from '../helpers/web-certs.js';
import { startWebSite, type WebSite } from '../helpers/web-site.js';
import { escapeHtml, renderReportHtml } from '../../controller/report/html.js';

const STAGING_IP = '127.0.0.2';
const PRODUCTION_IP = '127.0.0.3';
const ALL: CheckGroup[] = ['pages', 'admin', 'redirects', 'robots', 'sitemaps', 'tls', 'http', 'assets', 'vitals'];

type Route = (req: IncomingMessage, res: ServerResponse) => void;

interface World {
  prod: WebSite;
  stg: WebSite;
  PROD: string;
  STG: string;
  caFile: string;
  /** Routes by path (query left out); anything else is a clean page. */
  prodRoutes: Map<string, Route>;
  stgRoutes: Map<string, Route>;
  /** Staging locked for the cutover: every request answers the maintenance page. */
  stagingLocked: boolean;
  /** Staging's maintenance flag (WordPress's .maintenance): while it exists, staging is locked. */
  flagFile?: string;
  /** What the maintenance page answers with: WordPress sends 503, some plugins 200. */
  maintenanceStatus: number;
  /** The 200 maintenance page's HTML (a plugin's own page). */
  maintenancePage?: string;
}

const page = (origin: string, path: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><link rel="canonical" href="${origin}${path}"></head><body><a href="/about/">About</a></body></html>`;

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

function redirect(location: string, status = 301): Route {
  return (_req, res) => {
    res.writeHead(status, { location, 'content-type': 'text/plain' });
    res.end();
  };
}

async function world(t: TestContext, extraNames: Record<string, { sans: string[] }> = {}): Promise<World> {
  const dir = tempDir(t, 'sy-validate-edges-');
  const ca = await makeWebCa('Validate Edges CA');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const byName: Record<string, Awaited<ReturnType<typeof ca.issue>>> = {};
  for (const [name, o] of Object.entries(extraNames)) byName[name] = await ca.issue({ cn: name, sans: o.sans });
  const prodCerts = { default: await ca.issue({ cn: 'www.example.test', sans: ['www.example.test'] }), byName };
  const stgCerts = { default: await ca.issue({ cn: 'staging.example.test', sans: ['staging.example.test'] }), byName };
  let w: World | undefined;
  const handler = (side: 'prod' | 'stg') => (req: IncomingMessage, res: ServerResponse) => {
    const x = w as World;
    const path = (req.url ?? '/').split('?')[0] as string;
    if (side === 'stg' && (x.stagingLocked || (x.flagFile !== undefined && existsSync(x.flagFile)))) {
      if (x.maintenanceStatus === 200) return send(res, 200, x.maintenancePage ?? '<html><head><title>Maintenance</title></head><body>Back soon</body></html>');
      return send(res, x.maintenanceStatus, '<h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1>', { 'retry-after': '60' });
    }
    const route = (side === 'prod' ? x.prodRoutes : x.stgRoutes).get(path);
    if (route !== undefined) return route(req, res);
    if (path === '/robots.txt') return send(res, 200, 'User-agent: *\nDisallow: /wp-admin/\n', { 'content-type': 'text/plain' });
    return send(res, 200, page(side === 'prod' ? x.PROD : x.STG, path));
  };
  const prod = await startWebSite(t, PRODUCTION_IP, prodCerts, handler('prod'));
  const stg = await startWebSite(t, STAGING_IP, stgCerts, handler('stg'), { http: prod.httpPort, https: prod.httpsPort });
  w = {
    prod,
    stg,
    PROD: `https://www.example.test:${prod.httpsPort}`,
    STG: `https://staging.example.test:${stg.httpsPort}`,
    caFile,
    prodRoutes: new Map(),
    stgRoutes: new Map(),
    stagingLocked: false,
    maintenanceStatus: 503,
  };
  return w;
}

function plan(w: World, checks: Record<string, unknown>): Plan {
  return parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: w.STG, ip: STAGING_IP },
      production: { agent: 'prod-1', origin: w.PROD, ip: PRODUCTION_IP },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { requestTimeoutMs: 5000, caFile: w.caFile, adminPaths: [], vitals: { enabled: false }, ...checks },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
}

/** Runs only the named check groups. */
function only(p: Plan, groups: CheckGroup[]): Promise<ValidationReport> {
  return runValidation(p, { skip: ALL.filter((g) => !groups.includes(g)) });
}

function pick(r: ValidationReport, check: string, page?: string): Finding[] {
  return r.findings.filter((f) => f.check === check && (page === undefined || f.page === page));
}

function show(r: ValidationReport): string {
  return JSON.stringify(r.findings.map((f) => `${f.status} ${f.check} ${f.page ?? ''}: ${f.message}`), null, 1);
}

function one(r: ValidationReport, check: string, page: string | undefined, status: Finding['status'], message: RegExp): Finding {
  const found = pick(r, check, page).filter((f) => f.status === status && message.test(f.message));
  assert.ok(found.length >= 1, `expected a ${status} ${check} finding on ${page ?? '(no page)'} matching ${message}; got ${show(r)}`);
  return found[0] as Finding;
}

test('tls: a certificate naming the host only in its subject CN (no SAN) fails; browsers ignore the CN', async (t) => {
  const w = await world(t, { 'cn-only.example.test': { sans: [] } });
  const host = `cn-only.example.test:${w.prod.httpsPort}`;
  const r = await only(plan(w, { pages: ['/'], tlsHosts: [host] }), ['tls']);
  one(r, 'tls-name', host, 'fail', /does not cover cn-only\.example\.test.*no subjectAltName/);
  one(r, 'tls-name', `www.example.test:${w.prod.httpsPort}`, 'pass', /covers www\.example\.test/);
});

test('the site\'s http:// origin on production\'s IP must redirect permanently to the https origin on the same host; a closed port 80 warns', async (t) => {
  const w = await world(t);
  let answer: Route = redirect(`${w.PROD}/`);
  // Port 80 and 443 are the same site here: a plain-http request for / gets `answer`.
  w.prodRoutes.set('/', (req, res) => ((req.socket as { encrypted?: boolean }).encrypted === true ? send(res, 200, page(w.PROD, '/')) : answer(req, res)));
  // Staging's own http:// origin, asked only when production falls short: does it do the same today?
  let stagingAnswer: Route = redirect(`${w.STG}/`);
  w.stgRoutes.set('/', (req, res) => ((req.socket as { encrypted?: boolean }).encrypted === true ? send(res, 200, page(w.STG, '/')) : stagingAnswer(req, res)));
  const p = plan(w, { pages: ['/'] });
  const from = `http://www.example.test:${w.prod.httpPort}/`;
  const run = (httpPort = w.prod.httpPort): Promise<ValidationReport> => runValidation(p, { skip: ALL.filter((g) => g !== 'http'), httpPort });
  const verdict = async (message: RegExp, status: Finding['status'] = 'fail'): Promise<Finding> => {
    const r = await run();
    assert.equal(pick(r, 'http-redirect').length, 1, show(r));
    return one(r, 'http-redirect', from, status, message);
  };

  const ok = await verdict(new RegExp(`^301 → ${w.PROD}/$`), 'pass');
  assert.deepEqual(ok.evidence, { url: from, ip: PRODUCTION_IP, status: 301, location: `${w.PROD}/`, expected: `${w.PROD}/` });
  assert.ok(w.prod.hits.includes(`http www.example.test:${w.prod.httpPort} /`), 'asked production by its IP with the name in Host');
  assert.ok(!w.stg.hits.some((h) => h.startsWith('http ')), 'staging is not asked');
  answer = redirect(`${w.PROD}/`, 308);
  await verdict(/^308 → /, 'pass');
  answer = (_req, res) => send(res, 200, page(w.PROD, '/'));
  await verdict(/answers 200 instead of redirecting to https:\/\/www\.example\.test:\d+\/: the site is served over plain http/);
  answer = redirect(`${w.PROD}/`, 302);
  await verdict(/with a temporary 302: search engines keep the http:\/\/ URL — send 301 or 308/);
  // www → apex on port 80 only: visitors leave the site's name.
  answer = redirect(`https://example.test:${w.prod.httpsPort}/`);
  await verdict(/redirects to another host, https:\/\/example\.test:\d+\/, not to https:\/\/www\.example\.test:\d+\/.*www ↔ apex/);
  answer = redirect(`http://www.example.test:${w.prod.httpPort}/index.php`);
  await verdict(/redirects to http:\/\/www\.example\.test:\d+\/index\.php, not to https/);
  answer = (_req, res) => send(res, 404, 'not found');
  await verdict(/answers 404 instead of redirecting/);

  // Production no worse than staging today: a warning naming what staging does, not a failure.
  stagingAnswer = (_req, res) => send(res, 200, page(w.STG, '/'));
  answer = (_req, res) => send(res, 200, page(w.PROD, '/'));
  const same = await verdict(/answers 200 instead of redirecting.* — as staging's http:\/\/staging\.example\.test:\d+\/ does today \(200\), so the switch changes nothing here/, 'warn');
  assert.deepEqual(same.evidence?.['staging'], { url: `http://staging.example.test:${w.stg.httpPort}/`, ip: STAGING_IP, status: 200, location: null });
  assert.ok(w.stg.hits.includes(`http staging.example.test:${w.stg.httpPort} /`), 'asked staging by its IP with its name in Host');
  // Staging locked: its answer without a redirect may be its maintenance page, where its own
  // redirect used to be — no baseline, so production serving plain http fails again.
  const locked = await runValidation(p, { skip: ALL.filter((g) => g !== 'http'), httpPort: w.prod.httpPort, stagingLocked: true });
  one(locked, 'http-redirect', from, 'fail', /answers 200 instead of redirecting.* \(staging, locked, answers 200 at http:\/\/staging\.example\.test:\d+\/: no baseline to compare with\)$/);
  stagingAnswer = redirect(`${w.STG}/`, 302);
  answer = redirect(`${w.PROD}/`, 302);
  await verdict(/with a temporary 302: .* — as staging's .* does today \(302 → https:\/\/staging\.example\.test:\d+\/\)/, 'warn');
  // A redirect is no maintenance page: locked or not, the same temporary redirect on both only warns.
  one(await runValidation(p, { skip: ALL.filter((g) => g !== 'http'), httpPort: w.prod.httpPort, stagingLocked: true }), 'http-redirect', from, 'warn', /as staging's .* does today/);
  // Staging doing something else wrong is no excuse: a canonical-host rule on production still fails.
  stagingAnswer = (_req, res) => send(res, 200, page(w.STG, '/'));
  answer = redirect(`https://example.test:${w.prod.httpsPort}/`);
  await verdict(/redirects to another host/);

  // Nothing listening on port 80: a warning naming the address.
  const r = await run(await closedPort(PRODUCTION_IP));
  one(r, 'http-redirect', undefined, 'warn', /^http:\/\/www\.example\.test:\d+\/ at 127\.0\.0\.3 did not answer \(ECONNREFUSED.*\): visitors and links arriving over http:\/\/ get nothing/);
  assert.deepEqual(pick(r, 'http-redirect').map((f) => f.status), ['warn'], show(r));

  // A site planned on plain http has no http→https redirect to check.
  const httpPlan = parsePlan({ ...structuredClone(p), production: { ...p.production, origin: `http://www.example.test:${w.prod.httpPort}` } } as unknown, { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] });
  assert.deepEqual(pick(await runValidation(httpPlan, { skip: ALL.filter((g) => g !== 'http'), httpPort: w.prod.httpPort }), 'http-redirect'), []);
});

test('the other of www and the apex, when the plan names it too (dns.name, checks.tlsHosts), must redirect from http:// to https on production as it does on staging today; a name the plan does not name is not asked', async (t) => {
  const w = await world(t);
  const encrypted = (req: IncomingMessage): boolean => (req.socket as { encrypted?: boolean }).encrypted === true;
  const hostOf = (req: IncomingMessage): string => (req.headers.host ?? '').replace(/:\d+$/, '');
  // Each side's server answers www's http:// with a 301 to its https origin, and the apex with `prodApex`/`stgApex`.
  let prodApex: Route = redirect(`${w.PROD}/`);
  let stgApex: Route = redirect(`${w.PROD}/`);
  for (const [routes, origin, apex] of [[w.prodRoutes, () => w.PROD, () => prodApex], [w.stgRoutes, () => w.STG, () => stgApex]] as const) {
    routes.set('/', (req, res) => {
      if (encrypted(req)) return send(res, 200, page(origin(), '/'));
      if (hostOf(req) === 'example.test') return apex()(req, res);
      return redirect(`${origin()}/`)(req, res);
    });
  }
  const base = plan(w, { pages: ['/'] });
  const www = `http://www.example.test:${w.prod.httpPort}/`;
  const apex = `http://example.test:${w.prod.httpPort}/`;
  const run = (p: Plan, stagingLocked = false): Promise<ValidationReport> => runValidation(p, { skip: ALL.filter((g) => g !== 'http'), httpPort: w.prod.httpPort, stagingLocked });
  const withPlan = (patch: (raw: Record<string, any>) => void): Plan => {
    const raw = structuredClone(base) as unknown as Record<string, any>;
    patch(raw);
    return parsePlan(raw, { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] });
  };

  // The plan switches www only: the apex is none of its business.
  const wwwOnly = await run(base);
  assert.deepEqual(pick(wwwOnly, 'http-redirect').map((f) => `${f.status} ${f.page}`), [`pass ${www}`], show(wwwOnly));
  assert.ok(!w.prod.hits.some((h) => h.startsWith('http example.test')), 'the apex is not asked');

  // The switched record is the apex (www a CNAME to it): both names are asked, on production's IP.
  const apexPlan = withPlan((raw) => (raw.dns.name = 'example.test'));
  const verdict = async (p: Plan, status: Finding['status'], message: RegExp, stagingLocked = false): Promise<Finding> => {
    const r = await run(p, stagingLocked);
    assert.deepEqual(pick(r, 'http-redirect').map((f) => f.page), [www, apex], show(r));
    return one(r, 'http-redirect', apex, status, message);
  };
  const ok = await verdict(apexPlan, 'pass', new RegExp(`^301 → ${w.PROD}/$`));
  assert.deepEqual(ok.evidence, { url: apex, ip: PRODUCTION_IP, status: 301, location: `${w.PROD}/`, expected: `${w.PROD}/` });
  assert.ok(w.prod.hits.includes(`http example.test:${w.prod.httpPort} /`), 'asked production by its IP with the apex in Host');
  // A permanent redirect to https on its own name is fine too: the https site takes it from there.
  prodApex = redirect(`https://example.test:${w.prod.httpsPort}/`, 308);
  await verdict(apexPlan, 'pass', /^308 → https:\/\/example\.test:\d+\/$/);

  // Production's vhost lacks the apex as an alias: the default vhost answers it, where staging's server redirects it.
  prodApex = (_req, res) => send(res, 200, '<html><head><title>Apache2 Debian Default Page: It works</title></head></html>');
  const dflt = await verdict(apexPlan, 'fail', /^http:\/\/example\.test:\d+\/ answers 200 instead of redirecting to https:\/\/www\.example\.test:\d+\/.*\(today staging's server answers 301 → https:\/\/www\.example\.test:\d+\/\)$/);
  assert.deepEqual(dflt.evidence?.['staging'], { url: apex, ip: STAGING_IP, status: 301, location: `${w.PROD}/` });
  assert.ok(w.stg.hits.includes(`http example.test:${w.stg.httpPort} /`), "asked staging's server for the apex by its IP");
  prodApex = redirect('https://neighbour.test/');
  await verdict(apexPlan, 'fail', /redirects to another host, https:\/\/neighbour\.test\/, not to https:\/\/www\.example\.test:\d+\/: visitors typing example\.test .* lacks example\.test as an alias/);
  // The same shortfall on staging today only warns: the switch changes nothing there.
  prodApex = redirect(`${w.PROD}/`, 302);
  stgApex = redirect(`${w.PROD}/`, 302);
  await verdict(apexPlan, 'warn', /with a temporary 302: .* — as staging's server answers it today \(302 → https:\/\/www\.example\.test:\d+\/\)/);
  // Locked, staging's server answers the maintenance page for every name: no baseline, so production's plain page fails.
  prodApex = (_req, res) => send(res, 200, page(w.PROD, '/'));
  w.stagingLocked = true;
  await verdict(apexPlan, 'fail', /answers 200 instead of redirecting.* \(staging, locked, answers 503 for it at 127\.0\.0\.2: no baseline to compare with\)$/, true);
  w.stagingLocked = false;

  // The apex named in checks.tlsHosts (production serves it over https) counts too; so does the
  // reverse: a site on the apex whose plan names www.
  prodApex = redirect(`${w.PROD}/`);
  await verdict(withPlan((raw) => (raw.checks.tlsHosts = [`example.test:${w.prod.httpsPort}`])), 'pass', /^301 → /);
  const onApex = withPlan((raw) => {
    raw.production.origin = `https://example.test:${w.prod.httpsPort}`;
    raw.dns.name = 'example.test';
    raw.checks.tlsHosts = ['www.example.test'];
  });
  const r = await run(onApex);
  assert.deepEqual(pick(r, 'http-redirect').map((f) => f.page), [apex, www], show(r));
  // www's 301 goes to https://www.example.test: its own name over https.
  one(r, 'http-redirect', www, 'pass', /^301 → https:\/\/www\.example\.test:\d+\/$/);
});

test('robots.txt answering 429 fails like a 5xx (Google stops crawling); a 404 still means no rules', async (t) => {
  const w = await world(t);
  const p = plan(w, { pages: ['/'] });
  w.prodRoutes.set('/robots.txt', (_req, res) => send(res, 429, 'Too Many Requests', { 'content-type': 'text/plain', 'retry-after': '120' }));
  one(await only(p, ['robots']), 'robots-txt', '/robots.txt', 'fail', /answers 429.*disallow everything/);
  w.prodRoutes.set('/robots.txt', (_req, res) => send(res, 404, 'not found', { 'content-type': 'text/plain' }));
  one(await only(p, ['robots']), 'robots-txt', '/robots.txt', 'pass', /no robots\.txt \(404\)/);
});

test('redirect map: a target that redirects on to staging, to a 404 or into a loop fails; a working extra hop only warns', async (t) => {
  const w = await world(t);
  w.prodRoutes.set('/old-a', redirect('/new-a/'));
  w.prodRoutes.set('/new-a/', redirect(`${w.STG}/new-a/`));
  w.prodRoutes.set('/old-b', redirect('/new-b/'));
  w.prodRoutes.set('/new-b/', redirect('/newer-b/'));
  w.prodRoutes.set('/newer-b/', (_req, res) => send(res, 404, 'not found'));
  w.prodRoutes.set('/old-c', redirect('/new-c/'));
  w.prodRoutes.set('/new-c/', redirect('/loop-c/'));
  w.prodRoutes.set('/loop-c/', redirect('/new-c/'));
  w.prodRoutes.set('/old-d', redirect('/new-d/'));
  w.prodRoutes.set('/new-d/', redirect('/newer-d/'));
  const p = plan(w, {
    pages: ['/'],
    redirects: ['a', 'b', 'c', 'd'].map((x) => ({ from: `/old-${x}`, to: `/new-${x}/`, status: 301 })),
  });
  const r = await only(p, ['redirects']);
  one(r, 'redirect-map', '/old-a', 'fail', /target .*\/new-a\/ redirects to the staging site/);
  one(r, 'redirect-map', '/old-b', 'fail', /target .*\/new-b\/ ends at 404/);
  one(r, 'redirect-map', '/old-c', 'fail', /target .*\/new-c\/ .*redirect loop/);
  one(r, 'redirect-map', '/old-d', 'warn', /takes 2 hops/);
  assert.equal(pick(r, 'redirect-map').length, 4, show(r));
});

/** A port nothing listens on at `ip`: taken, then given back. */
async function closedPort(ip: string): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, ip, resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const urlset = (urls: string[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.map((u) => `<url><loc>${u}</loc></url>`).join('')}</urlset>`;

test('pages from the sitemap while staging is locked (maintenance 503 everywhere): production\'s sitemap gives the list, with a warning', async (t) => {
  const w = await world(t);
  const xml = (origin: string): string => urlset([`${origin}/`, `${origin}/about/`, `${origin}/shop/`]);
  w.stgRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 200, xml(w.STG), { 'content-type': 'application/xml' }));
  w.prodRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 200, xml(w.PROD), { 'content-type': 'application/xml' }));
  const p = plan(w, { sitemap: '/wp-sitemap.xml', top: 10 });

  // Unlocked, staging's sitemap is the reference, as before.
  const before = await only(p, ['pages']);
  assert.deepEqual(before.pages, ['/', '/about/', '/shop/']);
  one(before, 'pages', '/wp-sitemap.xml', 'pass', /3 pages from the staging sitemap/);

  // validate runs after lock: a WordPress staging answers its maintenance page for the sitemap too.
  w.stagingLocked = true;
  const r = await only(p, ['pages']);
  assert.deepEqual(r.pages, ['/', '/about/', '/shop/']);
  one(r, 'pages', '/wp-sitemap.xml', 'warn', /staging.*503.*production's sitemap/);
  assert.deepEqual(r.findings.filter((f) => f.status === 'fail'), [], show(r));
  for (const path of r.pages) one(r, 'status', path, 'pass', /200 as expected/);

  // Neither side has one: still a failure, naming both.
  w.prodRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 404, 'not found'));
  const none = await only(p, ['pages']);
  assert.deepEqual(none.pages, []);
  const f = one(none, 'pages', '/wp-sitemap.xml', 'fail', /no pages to check/);
  assert.match(f.message, /503/);
  assert.match(f.message, /404/);
});

test('a sitemap over 4 MiB (50,000 URLs with lastmod, within the protocol\'s 50 MB) is read whole on both sides, plain and gzipped', async (t) => {
  const w = await world(t);
  const big = (origin: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${Array.from({ length: 50_000 }, (_, i) => `<url><loc>${origin}/products/a-fairly-long-product-name-${String(i).padStart(5, '0')}/</loc><lastmod>2024-05-01T12:00:00+00:00</lastmod></url>`).join('\n')}</urlset>`;
  const stgXml = big(w.STG);
  const prodXml = big(w.PROD);
  assert.ok(Buffer.byteLength(prodXml) > 5 * 1024 * 1024, `${Buffer.byteLength(prodXml)} bytes`);
  w.stgRoutes.set('/sitemap.xml', (_req, res) => send(res, 200, stgXml, { 'content-type': 'application/xml' }));
  w.prodRoutes.set('/sitemap.xml', (_req, res) => send(res, 200, prodXml, { 'content-type': 'application/xml' }));
  w.prodRoutes.set('/sitemap.xml.gz', (_req, res) => send(res, 200, gzipSync(prodXml), { 'content-type': 'application/gzip' }));
  w.prodRoutes.set('/robots.txt', (_req, res) => send(res, 200, `User-agent: *\nDisallow:\nSitemap: ${w.PROD}/sitemap.xml.gz\n`, { 'content-type': 'text/plain' }));
  const r = await only(plan(w, { sitemap: '/sitemap.xml', top: 2 }), ['pages', 'robots', 'sitemaps']);
  assert.deepEqual(r.pages, ['/products/a-fairly-long-product-name-00000/', '/products/a-fairly-long-product-name-00001/']);
  one(r, 'pages', '/sitemap.xml', 'pass', /2 pages from the staging sitemap/);
  one(r, 'sitemap', `${w.PROD}/sitemap.xml`, 'pass', /50000 URLs, all on the production origin/);
  one(r, 'sitemap', `${w.PROD}/sitemap.xml.gz`, 'pass', /50000 URLs, all on the production origin/);
});

test('a production that serves PHP source instead of running it (no PHP handler on the vhost) fails, whatever its Content-Type', async (t) => {
  const w = await world(t);
  const source = '<?php\n/**\n * Front to the WordPress application.\n */\ndefine( \'WP_USE_THEMES\', true );\nrequire __DIR__ . \'/wp-blog-header.php\';\n';
  // nginx without a fastcgi location serves index.php as a file: a download for visitors.
  w.prodRoutes.set('/', (_req, res) => send(res, 200, source, { 'content-type': 'application/octet-stream' }));
  w.prodRoutes.set('/plain/', (_req, res) => send(res, 200, source, { 'content-type': 'text/plain' }));
  w.prodRoutes.set('/html/', (_req, res) => send(res, 200, `\uFEFF  ${source}`));
  const p = plan(w, { pages: ['/', '/plain/', '/html/', '/about/'] });
  const r = await only(p, ['pages']);
  for (const path of ['/', '/plain/', '/html/']) one(r, 'content', path, 'fail', /PHP source/);
  assert.deepEqual(r.findings.filter((f) => f.page === '/about/' && f.status !== 'pass'), [], show(r));

  // Staging locked (no baseline): the source is still caught.
  w.stagingLocked = true;
  const locked = await only(p, ['pages']);
  one(locked, 'content', '/', 'fail', /PHP source/);
});

test('a page staging serves as HTML that production serves as something else (a download, plain text) fails', async (t) => {
  const w = await world(t);
  w.prodRoutes.set('/shop/', (_req, res) => send(res, 200, page(w.PROD, '/shop/'), { 'content-type': 'application/octet-stream' }));
  w.prodRoutes.set('/feed.json', (_req, res) => send(res, 200, '{}', { 'content-type': 'application/json' }));
  w.stgRoutes.set('/feed.json', (_req, res) => send(res, 200, '{}', { 'content-type': 'application/json' }));
  const r = await only(plan(w, { pages: ['/shop/', '/feed.json'] }), ['pages']);
  one(r, 'content', '/shop/', 'fail', /application\/octet-stream.*staging.*text\/html/);
  assert.deepEqual(r.findings.filter((f) => f.page === '/feed.json' && f.status !== 'pass'), [], show(r));
});

test('a production page that redirects from https down to http fails (HSTS browsers loop, crawlers index http)', async (t) => {
  const w = await world(t);
  const PROD_HTTP = `http://www.example.test:${w.prod.httpPort}`;
  w.prodRoutes.set('/account/', (req, res) => {
    // Over https it sends visitors to http, as a proxy without X-Forwarded-Proto makes WordPress do.
    if ((req.socket as { encrypted?: boolean }).encrypted === true) return redirect(`${PROD_HTTP}/account/`)(req, res);
    send(res, 200, page(w.PROD, '/account/'));
  });
  const r = await only(plan(w, { pages: ['/account/', '/about/'] }), ['pages']);
  one(r, 'redirect-chain', '/account/', 'fail', /from https to http/);
  assert.deepEqual(r.findings.filter((f) => f.page === '/about/' && f.status !== 'pass'), [], show(r));
});

test('a meta refresh that sends visitors to staging is a staging URL left in the page', async (t) => {
  const w = await world(t);
  const withHead = (head: string): string => page(w.PROD, '/moved/').replace('</head>', `${head}</head>`);
  w.prodRoutes.set('/moved/', (_req, res) => send(res, 200, withHead(`<meta http-equiv="Refresh" content="0; URL='${w.STG}/moved/'">`)));
  w.prodRoutes.set('/moved-bare/', (_req, res) => send(res, 200, withHead(`<meta http-equiv="refresh" content="3;${w.STG}/x/">`)));
  w.prodRoutes.set('/moved-ok/', (_req, res) => send(res, 200, withHead('<meta http-equiv="refresh" content="0; url=/about/">')));
  const r = await only(plan(w, { pages: ['/moved/', '/moved-bare/', '/moved-ok/'] }), ['pages']);
  const hit = one(r, 'staging-urls', '/moved/', 'fail', /1 reference to the staging origin .*meta\[content\]/);
  assert.deepEqual((hit.evidence?.references as Array<{ url?: string }>).map((x) => x.url), [`${w.STG}/moved/`]);
  one(r, 'staging-urls', '/moved-bare/', 'fail', /meta\[content\]/);
  one(r, 'staging-urls', '/moved-ok/', 'pass', /no staging URLs/);
});

test('tls: a server that sends its leaf without the intermediate fails with a message that says so; the full chain passes', async (t) => {
  const dir = tempDir(t, 'sy-validate-chain-');
  const ca = await makeWebCaChain('Edges Root');
  const caFile = join(dir, 'root.pem');
  writeFileSync(caFile, ca.certPem);
  const leaf = await ca.issue({ cn: 'www.example.test', sans: ['www.example.test', 'full.example.test'] });
  const ok = (_req: IncomingMessage, res: ServerResponse): void => send(res, 200, 'ok');
  const prod = await startWebSite(t, PRODUCTION_IP, { default: leaf, byName: { 'full.example.test': { certPem: `${leaf.certPem.trimEnd()}\n${ca.intermediatePem}`, keyPem: leaf.keyPem } } }, ok);
  const stg = await startWebSite(t, STAGING_IP, { default: { certPem: `${leaf.certPem.trimEnd()}\n${ca.intermediatePem}`, keyPem: leaf.keyPem } }, ok, { https: prod.httpsPort });
  void stg;
  const full = `full.example.test:${prod.httpsPort}`;
  const p = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: `https://staging.example.test:${prod.httpsPort}`, ip: STAGING_IP },
      production: { agent: 'prod-1', origin: `https://www.example.test:${prod.httpsPort}`, ip: PRODUCTION_IP },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: ['/'], caFile, tlsHosts: [full], vitals: { enabled: false } },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  const r = await only(p, ['tls']);
  const site = `www.example.test:${prod.httpsPort}`;
  const bad = one(r, 'tls-chain', site, 'fail', /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  assert.match(bad.message, /sends only its own certificate.*intermediate/);
  one(r, 'tls-chain', full, 'pass', /chain valid \(www\.example\.test ← Edges Root Intermediate ← Edges Root\)/);
});

test('noindex on a page the plan expects to be gone (410/404) is no failure: such pages are not indexed anyway, and WordPress SEO plugins mark them so', async (t) => {
  const w = await world(t);
  const notFound = (origin: string) => (_req: IncomingMessage, res: ServerResponse): void => send(res, 410, page(origin, '/discontinued/').replace('</head>', '<meta name="robots" content="noindex, follow"></head>'), { 'x-robots-tag': 'noindex' });
  w.prodRoutes.set('/discontinued/', notFound(w.PROD));
  w.stgRoutes.set('/discontinued/', notFound(w.STG));
  w.prodRoutes.set('/hidden/', (_req, res) => send(res, 200, page(w.PROD, '/hidden/').replace('</head>', '<meta name="robots" content="noindex, follow"></head>')));
  const r = await only(plan(w, { pages: ['/discontinued/', '/hidden/'], expectStatus: { '/discontinued/': 410 } }), ['pages']);
  one(r, 'status', '/discontinued/', 'pass', /410 as expected/);
  assert.deepEqual(r.findings.filter((f) => f.page === '/discontinued/' && f.status !== 'pass'), [], show(r));
  one(r, 'noindex', '/hidden/', 'fail', /meta name=robots: noindex/);
});

test('a Location header with raw UTF-8 (nginx `return 301 /café/;`) is followed as browsers and curl do, not read as Latin-1', async (t) => {
  const w = await world(t);
  // Node writes header strings as Latin-1: this sends the UTF-8 bytes of /café/ on the wire.
  const rawUtf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  w.prodRoutes.set('/cafe/', (_req, res) => {
    res.writeHead(301, { location: rawUtf8('/café/') });
    res.end();
  });
  w.prodRoutes.set('/caf%C3%A9/', (_req, res) => send(res, 200, page(w.PROD, '/caf%C3%A9/')));
  // Where the bytes read as Latin-1 lead: no such page.
  w.prodRoutes.set('/caf%C3%83%C2%A9/', (_req, res) => send(res, 404, 'not found'));
  w.stgRoutes.set('/caf%C3%A9/', (_req, res) => send(res, 200, page(w.STG, '/caf%C3%A9/')));
  const r = await only(plan(w, { pages: ['/cafe/'], redirects: [{ from: '/cafe/', to: '/café/', status: 301 }] }), ['pages', 'redirects']);
  one(r, 'status', '/cafe/', 'pass', /200 as expected/);
  one(r, 'redirect-map', '/cafe/', 'pass', /301 → .*\/caf%C3%A9\/ in one hop/);
});

test('a blank 200 page (PHP-FPM without SCRIPT_FILENAME answers nothing, with 200) fails; a page empty on staging too is left alone', async (t) => {
  const w = await world(t);
  w.prodRoutes.set('/', (_req, res) => send(res, 200, ''));
  w.prodRoutes.set('/ws/', (_req, res) => send(res, 200, ' \n'));
  w.prodRoutes.set('/ping/', (_req, res) => send(res, 200, '', { 'content-type': 'text/plain' }));
  w.stgRoutes.set('/ping/', (_req, res) => send(res, 200, '', { 'content-type': 'text/plain' }));
  const p = plan(w, { pages: ['/', '/ws/', '/ping/', '/about/'] });
  const r = await only(p, ['pages']);
  one(r, 'content', '/', 'fail', /empty body/);
  one(r, 'content', '/ws/', 'fail', /empty body/);
  assert.deepEqual(r.findings.filter((f) => (f.page === '/ping/' || f.page === '/about/') && f.status !== 'pass'), [], show(r));
  // Staging locked: no baseline, and a blank landing page is still no page.
  w.stagingLocked = true;
  one(await only(p, ['pages']), 'content', '/', 'fail', /empty body/);
});

test('a page over the 4 MiB page limit is checked on what was read, not failed as a broken connection', async (t) => {
  const w = await world(t);
  const big = `<!doctype html><html><head><title>Shop</title><link rel="canonical" href="${w.PROD}/big/"><meta name="robots" content="noindex"></head><body>${'<p>catalogue</p>'.repeat(600_000)}</body></html>`;
  assert.ok(big.length > 8 * 1024 * 1024, `${big.length} bytes`);
  w.prodRoutes.set('/big/', (_req, res) => send(res, 200, big));
  const r = await only(plan(w, { pages: ['/big/'] }), ['pages']);
  one(r, 'status', '/big/', 'pass', /200 as expected/);
  one(r, 'noindex', '/big/', 'fail', /meta name=robots: noindex/);
  one(r, 'canonical', '/big/', 'pass', /canonical/);
  one(r, 'content', '/big/', 'warn', /larger than 4 MiB; only its first 4 MiB were checked/);
});

test('a compressed page is read only up to the page limit once decoded (a gzip bomb cannot fill memory), and its head is still checked', async (t) => {
  const w = await world(t);
  const head = (origin: string, path: string): string => `<!doctype html><html><head><title>Shop</title><link rel="canonical" href="${origin}${path}"><meta name="robots" content="noindex"></head><body>`;
  // 64 MiB of spaces in 64 KiB of gzip: the limit must hold for what it unpacks to.
  const bomb = gzipSync(Buffer.concat([Buffer.from(head(w.PROD, '/bomb/')), Buffer.alloc(64 * 1024 * 1024, 0x20)]));
  assert.ok(bomb.length < 1024 * 1024, `${bomb.length} bytes`);
  w.prodRoutes.set('/bomb/', (_req, res) => send(res, 200, bomb, { 'content-encoding': 'gzip' }));
  w.prodRoutes.set('/br-bomb/', (_req, res) => send(res, 200, brotliCompressSync(Buffer.concat([Buffer.from(head(w.PROD, '/br-bomb/')), Buffer.alloc(16 * 1024 * 1024, 0x20)])), { 'content-encoding': 'br' }));
  // Over 4 MiB even compressed (random text): cut on the wire, and what arrived is still unpacked
  // and read, not parsed as gzip bytes (where the noindex would go unseen).
  const large = gzipSync(Buffer.concat([Buffer.from(head(w.PROD, '/large/')), Buffer.from(randomBytes(6 * 1024 * 1024).toString('base64'))]));
  assert.ok(large.length > 4 * 1024 * 1024, `${large.length} bytes`);
  w.prodRoutes.set('/large/', (_req, res) => send(res, 200, large, { 'content-encoding': 'gzip' }));
  const r = await only(plan(w, { pages: ['/bomb/', '/br-bomb/', '/large/'] }), ['pages']);
  one(r, 'content', '/bomb/', 'warn', /larger than 4 MiB once its Content-Encoding gzip is undone; only its first 4 MiB were checked/);
  one(r, 'content', '/br-bomb/', 'warn', /larger than 4 MiB once its Content-Encoding br is undone/);
  one(r, 'content', '/large/', 'warn', /larger than 4 MiB once its Content-Encoding gzip is undone/);
  for (const path of ['/bomb/', '/br-bomb/', '/large/']) {
    one(r, 'noindex', path, 'fail', /meta name=robots: noindex/);
    one(r, 'canonical', path, 'pass', /canonical/);
  }
});

test('production answering with another site (the default vhost: "It works", a directory listing, a neighbour site) fails, though its status and certificate pass', async (t) => {
  const w = await world(t);
  const apache = '<!DOCTYPE html><html><head><title>Apache2 Ubuntu Default Page: It works</title></head><body><div class="page_header">It works!</div></body></html>';
  w.prodRoutes.set('/', (_req, res) => send(res, 200, apache));
  w.prodRoutes.set('/shop/', (_req, res) => send(res, 200, '<!doctype html><html><head><title>Other Client Ltd</title><meta name="viewport" content="width=device-width"></head><body>Hello</body></html>'));
  w.prodRoutes.set('/files/', (_req, res) => send(res, 200, '<html><head><title>Index of /files</title></head><body><h1>Index of /files</h1></body></html>'));
  // The rewrite put production's name where staging's was: the same page.
  w.stgRoutes.set('/about/', (_req, res) => send(res, 200, `<html><head><title>About – staging.example.test</title></head><body></body></html>`));
  w.prodRoutes.set('/about/', (_req, res) => send(res, 200, `<html><head><title>About  –  www.example.test</title></head><body></body></html>`));
  const p = plan(w, { pages: ['/', '/shop/', '/files/', '/about/'] });
  const r = await only(p, ['pages', 'tls']);
  one(r, 'status', '/', 'pass', /200 as expected/);
  one(r, 'tls-name', `www.example.test:${w.prod.httpsPort}`, 'pass', /covers www\.example\.test/);
  one(r, 'same-site', '/', 'fail', /another site.*placeholder page \(title "Apache2 Ubuntu Default Page: It works"\) where staging has "Shop".*default vhost/);
  one(r, 'same-site', '/shop/', 'fail', /another site.*title "Other Client Ltd" where staging has "Shop"/);
  one(r, 'same-site', '/files/', 'fail', /placeholder page \(title "Index of \/files"\) where staging has "Shop"/);
  one(r, 'same-site', '/about/', 'pass', /as on staging/);

  // Staging locked (maintenance 503, no baseline): the placeholders are still recognised,
  // Apache's bare index.html too; a neighbour site cannot be told apart, and the report says so.
  w.stagingLocked = true;
  w.prodRoutes.set('/about/', (_req, res) => send(res, 200, '<html><body><h1>It works!</h1></body></html>'));
  const locked = await only(p, ['pages']);
  one(locked, 'same-site', '/', 'fail', /placeholder page \(title "Apache2 Ubuntu Default Page: It works"\), not the site/);
  one(locked, 'same-site', '/files/', 'fail', /placeholder page/);
  one(locked, 'same-site', '/about/', 'fail', /placeholder page \("It works!"\)/);
  one(locked, 'same-site', '/shop/', 'warn', /title "Other Client Ltd" on \/shop\/; not compared \(staging answers 503, no baseline\)/);
});

test('a page production alone redirects off its host (a canonical-host rule naming another name) fails; the same redirect on staging, or one the plan expects, does not', async (t) => {
  const w = await world(t);
  // www → apex on production only: after the switch every visitor leaves the site's name.
  w.prodRoutes.set('/', redirect(`https://example.test:${w.prod.httpsPort}/`));
  w.prodRoutes.set('/partner/', redirect('https://partner.example.org/offer'));
  w.stgRoutes.set('/partner/', redirect('https://partner.example.org/offer'));
  w.prodRoutes.set('/go/', redirect('https://shop.example.org/', 302));
  const p = plan(w, { pages: ['/', '/partner/', '/go/'], expectStatus: { '/go/': 302 } });
  const r = await only(p, ['pages']);
  one(r, 'redirect-chain', '/', 'fail', /redirects off the production host to https:\/\/example\.test:\d+\/ \(staging answers 200\): the page is not served at/);
  one(r, 'redirect-chain', '/partner/', 'warn', /as staging does/);
  one(r, 'redirect-chain', '/go/', 'pass', /302 off the production host .* as checks\.expectStatus says/);
  assert.deepEqual(r.findings.filter((f) => f.page !== '/' && f.status === 'fail'), [], show(r));

  // Staging locked: no baseline, and production still sends the page away.
  w.stagingLocked = true;
  one(await only(p, ['pages']), 'redirect-chain', '/', 'fail', /off the production host .*\(staging answers 503\)/);
});

test('a page production sends to another path (a login page, an added trailing slash) where staging serves it fails, whatever the page there answers', async (t) => {
  const w = await world(t);
  w.prodRoutes.set('/account/', redirect('/wp-login.php?redirect_to=%2Faccount%2F', 302));
  w.prodRoutes.set('/wp-login.php', (_req, res) => send(res, 200, page(w.PROD, '/account/')));
  w.prodRoutes.set('/shop', redirect('/shop/'));
  // Both sides move /old/ to /new/: the site's own redirect.
  w.prodRoutes.set('/old/', redirect('/new/'));
  w.stgRoutes.set('/old/', redirect('/new/'));
  const r = await only(plan(w, { pages: ['/account/', '/shop', '/old/'] }), ['pages']);
  one(r, 'redirect-chain', '/account/', 'fail', /production ends at \/wp-login\.php\?redirect_to=%2Faccount%2F where staging serves \/account\//);
  one(r, 'redirect-chain', '/shop', 'fail', /production ends at \/shop\/ where staging serves \/shop$/);
  one(r, 'redirect-chain', '/old/', 'pass', /one permanent redirect/);
  assert.deepEqual(pick(r, 'redirect-chain', '/shop').filter((f) => f.status === 'pass'), [], show(r));
  assert.deepEqual(r.findings.filter((f) => f.page === '/old/' && f.status !== 'pass'), [], show(r));
});

test('a production sitemap too big to read whole warns that part of it went unchecked, instead of passing for all of it', async (t) => {
  const w = await world(t);
  const children = Array.from({ length: 55 }, (_, i) => `${w.PROD}/post-sitemap${i + 1}.xml`);
  w.prodRoutes.set('/sitemap_index.xml', (_req, res) =>
    send(res, 200, `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${children.map((c) => `<sitemap><loc>${c}</loc></sitemap>`).join('')}</sitemapindex>`, { 'content-type': 'application/xml' }),
  );
  for (let i = 1; i <= 55; i++) {
    // The last ones, never read, still name staging.
    const origin = i > 50 ? w.STG : w.PROD;
    w.prodRoutes.set(`/post-sitemap${i}.xml`, (_req, res) => send(res, 200, urlset([`${origin}/post-${i}/`]), { 'content-type': 'application/xml' }));
  }
  w.prodRoutes.set('/robots.txt', (_req, res) => send(res, 200, `User-agent: *\nDisallow:\nSitemap: ${w.PROD}/sitemap_index.xml\n`, { 'content-type': 'text/plain' }));
  const r = await only(plan(w, { pages: ['/'] }), ['robots', 'sitemaps']);
  const sm = `${w.PROD}/sitemap_index.xml`;
  one(r, 'sitemap', sm, 'warn', /not all of the sitemap was checked: 6 sitemap files \(.*post-sitemap50\.xml.*\) left unread \(limits: 50 files, 50000 URLs\)/);
  assert.deepEqual(pick(r, 'sitemap', sm).filter((f) => f.status === 'pass'), [], show(r));
});

test('a redirect with no body that still names Content-Encoding: gzip is followed like browsers do, not failed as undecodable', async (t) => {
  const w = await world(t);
  for (const route of ['/moved', '/moved/']) {
    // Both sides move it the same way; only production's answer carries the stray header.
    const to = '/moved-here/';
    w.stgRoutes.set(route, redirect(to));
    w.prodRoutes.set(route, (_req, res) => {
      res.writeHead(301, { location: to, 'content-encoding': 'gzip', 'content-length': '0' });
      res.end();
    });
  }
  const r = await only(plan(w, { pages: ['/moved', '/moved/'] }), ['pages']);
  for (const path of ['/moved', '/moved/']) {
    one(r, 'status', path, 'pass', /200 as expected/);
    one(r, 'redirect-chain', path, 'pass', /one permanent redirect/);
  }
});

/**
 * A cutover engine over `w` up to validate: preflight with only the staging pages check (and
 * `extra`), a lock that puts staging's maintenance page up, the data steps faked, and the real
 * validate step (pages only).
 */
function engineOver(t: TestContext, w: World, extra: PreflightCheck[] = []) {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const noAgents = {} as Pick<StepDeps, 'agents' | 'dns' | 'parity'>;
  const fake = (name: 'presync' | 'sync' | 'verify' | 'rewrite'): StepExecutor => fakeStep(world, name);
  const clock = new FakeClock('2030-01-01T08:00:00.000Z');
  const engine = newEngine(store, {
    clock,
    executors: {
      preflight: preflightExecutor(noAgents, { checks: [stagingPagesCheck(), ...extra] }),
      presync: fake('presync'),
      lock: fakeStep(world, 'lock', {
        run: () => {
          w.stagingLocked = true;
        },
      }),
      sync: fake('sync'),
      verify: fake('verify'),
      rewrite: fake('rewrite'),
      validate: validateExecutor(noAgents, { skip: ALL.filter((g) => g !== 'pages') }),
    },
    // Undoes the fake lock, so a cutover that failed with staging locked can be rolled back before the next one runs.
    rollback: {
      parts: [
        {
          name: 'staging',
          run: () => {
            w.stagingLocked = false;
            return Promise.resolve({});
          },
        },
      ],
    },
  });
  t.after(() => engine.close());
  return { engine, clock };
}

test('staging locked (maintenance 503) at validate: production answering with a neighbour site fails against the titles preflight recorded; the right site passes', async (t) => {
  const w = await world(t);
  const shop = (title: string): Route => (_req, res) => send(res, 200, `<!doctype html><html><head><title>${title}</title></head><body>Hello</body></html>`);
  // The rewrite put production's name where staging's was: the same page.
  w.stgRoutes.set('/about/', (_req, res) => send(res, 200, '<html><head><title>About – staging.example.test</title></head><body></body></html>'));
  w.prodRoutes.set('/about/', (_req, res) => send(res, 200, '<html><head><title>About – www.example.test</title></head><body></body></html>'));
  w.prodRoutes.set('/shop/', shop('Other Client Ltd'));
  const p = plan(w, { pages: ['/', '/shop/', '/about/'] });
  const { engine } = engineOver(t, w);

  const wrong = engine.create(p, 'alice');
  const failed = await engine.advance(wrong.id, 'validate', 'alice').done;
  assert.equal(failed.state, 'failed');
  const step = failed.steps.find((s) => s.name === 'validate');
  assert.equal(step?.state, 'failed');
  assert.match(step?.error?.message ?? '', /same-site \/shop\/: production answers with another site, not staging's copy: title "Other Client Ltd" where staging had "Shop" when preflight recorded it \(2030-01-01T08:00:00\.000Z\) \(staging answers 503 now\)/);
  // The report carries the comparison: both titles and where staging's came from.
  const checks = engine.report(wrong.id).preflightChecks as Array<{ name: string; status: string; message: string }>;
  assert.deepEqual(checks.map((c) => [c.name, c.status]), [['staging pages', 'pass']]);
  assert.match(checks[0]!.message, /^3 of 3 staging pages recorded with their titles/);
  const report = engine.report(wrong.id).validation as ValidationReport;
  const f = one(report, 'same-site', '/shop/', 'fail', /Other Client Ltd/);
  assert.deepEqual({ title: f.evidence?.title, stagingTitle: f.evidence?.stagingTitle, baseline: f.evidence?.baseline }, { title: 'Other Client Ltd', stagingTitle: 'Shop', baseline: 'preflight' });
  one(report, 'same-site', '/', 'pass', /title "Shop" as on staging when preflight recorded it .*staging answers 503 now/);
  one(report, 'same-site', '/about/', 'pass', /as on staging when preflight recorded it/);
  assert.equal(pick(report, 'same-site').filter((x) => x.status === 'fail').length, 1, show(report));

  // The right site behind the name: the same cutover, rolled back and run again from scratch, passes.
  assert.equal((await engine.rollback(wrong.id, 'wrong site behind the name', 'alice').done).state, 'rolled_back');
  assert.equal(w.stagingLocked, false);
  w.prodRoutes.set('/shop/', shop('Shop'));
  // A state file of its own: the failed cutover, never rolled back here, holds staging in the first.
  const { engine: again } = engineOver(t, w);
  const right = again.create(p, 'alice');
  const passed = await again.advance(right.id, 'validate', 'alice').done;
  assert.equal(passed.state, 'paused', JSON.stringify(passed.steps.find((s) => s.name === 'validate')?.error));
  assert.equal(w.stagingLocked, true, 'validate ran with staging locked');
  const ok = again.report(right.id).validation as ValidationReport;
  one(ok, 'same-site', '/shop/', 'pass', /title "Shop" as on staging when preflight recorded it/);
});

test('a preflight run again records staging\'s pages again: validate compares with the latest record', async (t) => {
  const w = await world(t);
  let failPreflight = true;
  const flaky: PreflightCheck = async () => [{ name: 'flaky', status: failPreflight ? 'fail' : 'pass', message: failPreflight ? 'not yet' : 'ok' }];
  const { engine } = engineOver(t, w, [flaky]);
  const p = plan(w, { pages: ['/'] });
  const c = engine.create(p, 'alice');
  const first = await engine.advance(c.id, 'validate', 'alice').done;
  assert.equal(first.state, 'failed');
  assert.equal(first.steps.find((s) => s.name === 'preflight')?.state, 'failed');

  // The site was retitled before the freeze; production holds the new title by validate.
  const retitled: Route = (_req, res) => send(res, 200, '<html><head><title>Shop – new season</title></head><body></body></html>');
  w.stgRoutes.set('/', retitled);
  w.prodRoutes.set('/', retitled);
  failPreflight = false;
  const done = await engine.advance(c.id, 'validate', 'alice').done;
  assert.equal(done.state, 'paused', JSON.stringify(done.steps.find((s) => s.name === 'validate')?.error));
  const report = engine.report(c.id).validation as ValidationReport;
  one(report, 'same-site', '/', 'pass', /title "Shop – new season" as on staging when preflight recorded it .*503 now/);
});

test('pages from the sitemap: preflight records staging\'s first `top` pages; a page production lists that preflight did not see is not compared', async (t) => {
  const w = await world(t);
  w.stgRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 200, urlset([`${w.STG}/`, `${w.STG}/shop/`, `${w.STG}/gone/`]), { 'content-type': 'application/xml' }));
  w.stgRoutes.set('/gone/', (_req, res) => send(res, 404, '<html><head><title>Not found</title></head></html>'));
  // Published between preflight and the lock: first in production's sitemap.
  w.prodRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 200, urlset([`${w.PROD}/new-post/`, `${w.PROD}/`, `${w.PROD}/shop/`]), { 'content-type': 'application/xml' }));
  w.prodRoutes.set('/shop/', (_req, res) => send(res, 200, '<html><head><title>Other Client Ltd</title></head></html>'));
  const p = plan(w, { sitemap: '/wp-sitemap.xml', top: 3 });
  const baseline = await recordStagingBaseline(p);
  assert.deepEqual(
    baseline.pages.map((x) => [x.path, x.status, x.title]),
    [
      ['/', 200, 'Shop'],
      ['/shop/', 200, 'Shop'],
      ['/gone/', 404, 'Not found'],
    ],
  );
  // Preflight says which pages validate will have no title for.
  const evidence: Record<string, unknown> = {};
  const ctx = { step: { plan: p, clock: new FakeClock('2030-01-01T08:00:00.000Z') }, setEvidence: (k: string, v: unknown) => (evidence[k] = v) } as unknown as PreflightCheckContext;
  const [check] = await stagingPagesCheck()(ctx);
  assert.equal(check?.status, 'warn');
  assert.match(check?.message ?? '', /^2 of 3 staging pages recorded with their titles.*; \/gone\/ answers 404 — validate, with staging locked, cannot tell/);
  assert.equal((evidence.stagingBaseline as { recordedAt: string }).recordedAt, '2030-01-01T08:00:00.000Z');
  // A page that leaves the site says where it goes, not that it "did not answer".
  w.stgRoutes.set('/gone/', redirect('https://shop.elsewhere.test/'));
  const [offSite] = await stagingPagesCheck()(ctx);
  assert.match(offSite?.message ?? '', /; \/gone\/ redirects off the site, to https:\/\/shop\.elsewhere\.test\/ — validate/);
  w.stgRoutes.set('/gone/', (_req, res) => send(res, 404, '<html><head><title>Not found</title></head></html>'));

  w.stagingLocked = true;
  const r = await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingBaseline: baseline });
  assert.deepEqual(r.pages, ['/new-post/', '/', '/shop/']);
  one(r, 'same-site', '/', 'pass', /as on staging when preflight recorded it/);
  one(r, 'same-site', '/shop/', 'fail', /title "Other Client Ltd" where staging had "Shop" when preflight recorded it/);
  one(r, 'same-site', '/new-post/', 'warn', /not compared \(staging answers 503, no baseline\)/);

  // A staging whose maintenance page answers 200: production matching the record passes.
  w.stagingLocked = false;
  w.stgRoutes.set('/', (_req, res) => send(res, 200, '<html><head><title>Down for maintenance</title></head></html>'));
  const r200 = await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingBaseline: baseline });
  one(r200, 'same-site', '/', 'pass', /title "Shop" as on staging when preflight recorded it .*; staging now answers "Down for maintenance" \(its maintenance page\?\)/);
  one(r200, 'same-site', '/shop/', 'fail', /title "Other Client Ltd" where staging has "Shop"/);
});

test('staging locked with a maintenance page answering 200: a page no record has warns "no baseline" instead of failing against the maintenance title; a placeholder or a recorded title that differs still fails', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  w.stgRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 200, urlset([`${w.STG}/`, `${w.STG}/shop/`]), { 'content-type': 'application/xml' }));
  // Published after preflight's record: first in production's sitemap, never on staging's record.
  w.prodRoutes.set('/wp-sitemap.xml', (_req, res) => send(res, 200, urlset([`${w.PROD}/new-post/`, `${w.PROD}/`, `${w.PROD}/shop/`]), { 'content-type': 'application/xml' }));
  const p = plan(w, { sitemap: '/wp-sitemap.xml', top: 3 });
  const { engine } = engineOver(t, w);
  const c = engine.create(p, 'alice');
  const done = await engine.advance(c.id, 'validate', 'alice').done;
  assert.equal(done.state, 'paused', JSON.stringify(done.steps.find((s) => s.name === 'validate')?.error));
  assert.equal(w.stagingLocked, true, 'validate ran with staging locked');
  const report = engine.report(c.id).validation as ValidationReport;
  assert.deepEqual(report.pages, ['/new-post/', '/', '/shop/']);
  const f = one(report, 'same-site', '/new-post/', 'warn', /title "Shop" on \/new-post\/; not compared \(staging, locked, answers 200 with "Maintenance", no baseline\)/);
  assert.deepEqual({ stagingTitle: f.evidence?.stagingTitle, stagingNowTitle: f.evidence?.stagingNowTitle }, { stagingTitle: null, stagingNowTitle: 'Maintenance' });
  one(report, 'same-site', '/', 'pass', /title "Shop" as on staging when preflight recorded it/);

  // The same staging, the same records: what shows another site still fails.
  const baseline = await (async () => {
    w.stagingLocked = false;
    try {
      return await recordStagingBaseline(p);
    } finally {
      w.stagingLocked = true;
    }
  })();
  w.prodRoutes.set('/new-post/', (_req, res) => send(res, 200, '<html><head><title>Welcome to nginx!</title></head></html>'));
  w.prodRoutes.set('/shop/', (_req, res) => send(res, 200, '<html><head><title>Other Client Ltd</title></head></html>'));
  const r = await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingBaseline: baseline, stagingLocked: true });
  one(r, 'same-site', '/new-post/', 'fail', /placeholder page \(title "Welcome to nginx!"\), not the site/);
  one(r, 'same-site', '/shop/', 'fail', /title "Other Client Ltd" where staging had "Shop" when preflight recorded it .*\(staging, locked, answers 200 with "Maintenance" now\)/);
  // Not known to be locked (a plan with nothing to freeze), staging's 200 page is the site.
  one(await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingBaseline: baseline }), 'same-site', '/shop/', 'fail', /where staging has "Maintenance"/);
});

test('a title the rewrite changed (staging on http, its URL in the title, rewritten to production\'s https one) is the same site, live or as preflight recorded it', async (t) => {
  const w = await world(t);
  const stgHttp = `http://staging.example.test:${w.stg.httpPort}`;
  const p = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: stgHttp, ip: STAGING_IP },
      production: { agent: 'prod-1', origin: w.PROD, ip: PRODUCTION_IP },
      rewrite: [{ from: stgHttp, to: w.PROD }],
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: ['/', '/other/'], requestTimeoutMs: 5000, caFile: w.caFile, adminPaths: [], vitals: { enabled: false } },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  const titled = (title: string): Route => (_req, res) => send(res, 200, `<html><head><title>${title}</title></head><body></body></html>`);
  w.stgRoutes.set('/', titled(`Shop – ${stgHttp}/`));
  w.prodRoutes.set('/', titled(`Shop – ${w.PROD}/`));
  w.stgRoutes.set('/other/', titled(`Shop – ${stgHttp}/`));
  w.prodRoutes.set('/other/', titled(`Other Client Ltd – ${w.PROD}/`));
  const live = await only(p, ['pages']);
  one(live, 'same-site', '/', 'pass', /as on staging/);
  one(live, 'same-site', '/other/', 'fail', /title "Other Client Ltd – https:\/\/www\.example\.test:\d+\/" where staging has "Shop – http:\/\/staging\.example\.test:\d+\/"/);

  const baseline = await recordStagingBaseline(p);
  w.stagingLocked = true;
  const locked = await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingBaseline: baseline });
  one(locked, 'same-site', '/', 'pass', /as on staging when preflight recorded it/);
  one(locked, 'same-site', '/other/', 'fail', /"Other Client Ltd – .*" where staging had "Shop – http:/);
});

test("the page table records each page's <title> and staging's it was compared with, marking one that differs beyond the rewrite and host names, live or as preflight recorded it", async (t) => {
  const w = await world(t);
  const stgHttp = `http://staging.example.test:${w.stg.httpPort}`;
  const p = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: stgHttp, ip: STAGING_IP },
      production: { agent: 'prod-1', origin: w.PROD, ip: PRODUCTION_IP },
      rewrite: [{ from: stgHttp, to: w.PROD }],
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: ['/', '/other/', '/untitled/', '/feed/'], requestTimeoutMs: 5000, caFile: w.caFile, adminPaths: [], vitals: { enabled: false } },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  const titled = (title: string): Route => (_req, res) => send(res, 200, `<html><head><title>${title}</title></head><body></body></html>`);
  w.stgRoutes.set('/', titled(`Shop – ${stgHttp}/`));
  w.prodRoutes.set('/', titled(`Shop – ${w.PROD}/`));
  w.stgRoutes.set('/other/', titled('Shop'));
  w.prodRoutes.set('/other/', titled('Shop – 50% off &lt;today&gt;'));
  w.stgRoutes.set('/untitled/', titled('Untitled?'));
  w.prodRoutes.set('/untitled/', (_req, res) => send(res, 200, '<html><head></head><body>no title</body></html>'));
  w.prodRoutes.set('/feed/', (_req, res) => send(res, 200, '{"items":[]}', { 'content-type': 'application/json' }));
  const row = (r: ValidationReport, path: string) => {
    const x = r.pageTable.find((y) => y.path === path);
    assert.ok(x !== undefined, path);
    return { title: x.title, stagingTitle: x.stagingTitle, titleDiffers: x.titleDiffers };
  };

  const live = await only(p, ['pages']);
  // The rewrite put production's URL where staging's was: the same title.
  assert.deepEqual(row(live, '/'), { title: `Shop – ${w.PROD}/`, stagingTitle: `Shop – ${stgHttp}/`, titleDiffers: false });
  assert.deepEqual(row(live, '/other/'), { title: 'Shop – 50% off <today>', stagingTitle: 'Shop', titleDiffers: true });
  assert.deepEqual(row(live, '/untitled/'), { title: null, stagingTitle: 'Untitled?', titleDiffers: true });
  // Not an HTML page: no title recorded at all.
  assert.deepEqual(row(live, '/feed/'), { title: undefined, stagingTitle: undefined, titleDiffers: undefined });

  const baseline = await recordStagingBaseline(p);
  w.stagingLocked = true;
  const locked = await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingBaseline: baseline, stagingLocked: true });
  assert.deepEqual(row(locked, '/'), { title: `Shop – ${w.PROD}/`, stagingTitle: `Shop – ${stgHttp}/`, titleDiffers: false });
  assert.deepEqual(row(locked, '/other/'), { title: 'Shop – 50% off <today>', stagingTitle: 'Shop', titleDiffers: true });

  // Locked with no record: staging's maintenance page, even one answering 200, is no title to compare with.
  w.maintenanceStatus = 200;
  const unrecorded = await runValidation(p, { skip: ALL.filter((g) => g !== 'pages'), stagingLocked: true });
  assert.deepEqual(row(unrecorded, '/other/'), { title: 'Shop – 50% off <today>', stagingTitle: undefined, titleDiffers: undefined });
});

/**
 * The real lock step against a staging agent without a database whose maintenance flag is what
 * puts staging's maintenance page up (`w.flagFile`); the plan moves assets, so lock freezes by
 * the flag alone. Preflight records staging's pages, the data steps are faked, validate is real.
 */
async function withLockAgent(t: TestContext, w: World) {
  const dir = tempDir(t, 'sy-validate-lock-');
  mkdirSync(join(dir, 'site'));
  w.flagFile = join(dir, 'site', '.maintenance');
  const { server } = await startFlagFreezeAgent(t, dir, { flagFile: w.flagFile, content: '<?php $upgrading = time(); ?>' });
  const agents = testDirectory(t, { insecure: true, agents: [{ name: 'staging-1', address: server.address }] });
  const plan = (pages: string[]): Plan =>
    parsePlan(
      {
        site: 'www.example.test',
        staging: { agent: 'staging-1', origin: w.STG, ip: STAGING_IP },
        production: { agent: 'prod-1', origin: w.PROD, ip: PRODUCTION_IP },
        assets: [{ staging: 'uploads', production: 'uploads' }],
        dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
        checks: { pages, requestTimeoutMs: 5000, caFile: w.caFile, adminPaths: [], vitals: { enabled: false } },
      },
      { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
    );
  return { store: tempStore(t).store, clock: new FakeClock('2030-01-01T08:00:00.000Z'), lock: lockExecutor({ agents, logger: silentLogger() }), plan };
}

function engineWithLock(t: TestContext, store: CutoverStore, clock: FakeClock, lock: StepExecutor, opts: { abortGraceMs?: number } = {}) {
  const world = new FakeWorld();
  const noAgents = {} as Pick<StepDeps, 'agents' | 'dns' | 'parity'>;
  const fake = (name: 'presync' | 'sync' | 'verify' | 'rewrite'): StepExecutor => fakeStep(world, name);
  const engine = newEngine(store, {
    clock,
    ...opts,
    executors: {
      preflight: preflightExecutor(noAgents, { checks: [stagingPagesCheck()] }),
      presync: fake('presync'),
      lock,
      sync: fake('sync'),
      verify: fake('verify'),
      rewrite: fake('rewrite'),
      validate: validateExecutor(noAgents, { skip: ALL.filter((g) => g !== 'pages') }),
    },
  });
  t.after(() => engine.close());
  return engine;
}

const titledPage = (title: string): Route => (_req, res) => send(res, 200, `<!doctype html><html><head><title>${title}</title></head><body>Hello</body></html>`);
const stepOf = (v: CutoverView, name: string) => v.steps.find((s) => s.name === name);

test('a page retitled on staging between preflight and lock is compared with the titles lock recorded just before the freeze; a page lock could not fetch falls back to preflight\'s; a neighbour site still fails', async (t) => {
  const w = await world(t);
  const env = await withLockAgent(t, w);
  const engine = engineWithLock(t, env.store, env.clock, env.lock);
  const p = env.plan(['/', '/shop/', '/about/']);
  const c = engine.create(p, 'alice');
  const presynced = await engine.advance(c.id, 'presync', 'alice').done;
  assert.equal(presynced.state, 'paused', JSON.stringify(stepOf(presynced, 'preflight')?.error));

  // A day later (a long presync, a pause): the editors retitled the home page; production copies
  // it at sync. /about/ errors on staging just then; /shop/ is a neighbour site on production.
  env.clock.advance(24 * 3600_000);
  w.stgRoutes.set('/', titledPage('Shop – new season'));
  w.prodRoutes.set('/', titledPage('Shop – new season'));
  w.stgRoutes.set('/about/', (_req, res) => send(res, 502, 'Bad Gateway', { 'content-type': 'text/plain' }));
  w.prodRoutes.set('/shop/', titledPage('Other Client Ltd'));
  const done = await engine.advance(c.id, 'validate', 'alice').done;
  assert.equal(existsSync(w.flagFile!), true, 'the real lock put the maintenance flag up');
  const lock = stepOf(done, 'lock');
  assert.equal(lock?.state, 'succeeded', JSON.stringify(lock));
  assert.match(String(lock?.result?.summary ?? ''), /staging writes frozen: maintenance flag .*; 2 of 3 staging pages recorded with their titles$/);
  assert.equal(stepOf(done, 'validate')?.state, 'failed');

  const report = engine.report(c.id).validation as ValidationReport;
  const home = one(report, 'same-site', '/', 'pass', /^title "Shop – new season" as on staging when lock recorded it \(2030-01-02T08:00:00\.000Z\); staging answers 503 now$/);
  assert.equal(home.evidence?.baseline, 'lock');
  one(report, 'same-site', '/about/', 'pass', /^title "Shop" as on staging when preflight recorded it \(2030-01-01T08:00:00\.000Z\); staging answers 503 now$/);
  const shop = one(report, 'same-site', '/shop/', 'fail', /title "Other Client Ltd" where staging had "Shop" when lock recorded it \(2030-01-02T08:00:00\.000Z\) \(staging answers 503 now\)/);
  assert.deepEqual({ stagingTitle: shop.evidence?.stagingTitle, baseline: shop.evidence?.baseline }, { stagingTitle: 'Shop', baseline: 'lock' });
  assert.equal(pick(report, 'same-site').filter((x) => x.status === 'fail').length, 1, show(report));
});

test('a forced re-run of lock after staging is already locked (the controller died mid-lock) keeps the record taken while staging was live, even where the maintenance page answers 200', async (t) => {
  const w = await world(t);
  const env = await withLockAgent(t, w);
  // The first controller: its lock freezes staging, then the controller dies before the step ends.
  let locked = false;
  const dying: StepExecutor = {
    idempotent: false,
    async run(ctx) {
      const r = await env.lock.run(ctx);
      locked = true;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      return r;
    },
  };
  const first = engineWithLock(t, env.store, env.clock, dying, { abortGraceMs: 100 });
  const p = env.plan(['/', '/shop/']);
  const c = first.create(p, 'alice');
  const presynced = await first.advance(c.id, 'presync', 'alice').done;
  assert.equal(presynced.state, 'paused', JSON.stringify(stepOf(presynced, 'preflight')?.error));
  env.clock.advance(3600_000);
  w.stgRoutes.set('/', titledPage('Shop – new season'));
  w.prodRoutes.set('/', titledPage('Shop – new season'));
  const run = first.advance(c.id, 'validate', 'alice');
  await until(() => locked, 10_000);
  await first.close();
  await run.done;
  assert.equal(first.get(c.id).state, 'interrupted');

  // The operator checks and forces lock again; staging's maintenance page answers 200 here.
  w.maintenanceStatus = 200;
  env.clock.advance(3600_000);
  const second = engineWithLock(t, env.store, env.clock, env.lock);
  const done = await second.advance(c.id, 'validate', 'alice', { force: true }).done;
  assert.equal(done.state, 'paused', JSON.stringify(stepOf(done, 'validate')?.error));
  const lock = stepOf(done, 'lock');
  assert.equal(lock?.attempt, 2);
  assert.match(String(lock?.result?.summary ?? ''), /the agent was already locked and kept its first record; staging's pages as an earlier attempt recorded them \(2030-01-01T09:00:00\.000Z\) kept: staging was already locked$/);
  const report = second.report(c.id).validation as ValidationReport;
  one(report, 'same-site', '/', 'pass', /^title "Shop – new season" as on staging when lock recorded it \(2030-01-01T09:00:00\.000Z\); staging, locked, answers 200 with "Maintenance" now$/);
  one(report, 'same-site', '/shop/', 'pass', /as on staging when lock recorded it \(2030-01-01T09:00:00\.000Z\)/);
});

test('per page, the latest record in which staging answered normally: a lock record taken with staging already locked (503s) falls back to preflight\'s, page by page', async (t) => {
  const w = await world(t);
  const p = plan(w, { pages: ['/', '/new/'] });
  w.stgRoutes.set('/new/', (_req, res) => send(res, 404, '<html><head><title>Not found</title></head></html>'));
  const atPreflight = await recordStagingBaseline(p, { now: () => new Date('2030-01-01T08:00:00.000Z') });
  // Published after preflight; lock records it, then staging is locked on a forced re-run.
  w.stgRoutes.set('/new/', titledPage('New post'));
  const atLock = await recordStagingBaseline(p, { now: () => new Date('2030-01-02T08:00:00.000Z'), by: 'lock' });
  w.stagingLocked = true;
  const relocked = await recordStagingBaseline(p, { now: () => new Date('2030-01-02T09:00:00.000Z'), by: 'lock' });
  assert.deepEqual(relocked.pages.map((x) => x.status), [503, 503]);
  w.prodRoutes.set('/new/', titledPage('New post'));
  const pagesOnly = { skip: ALL.filter((g) => g !== 'pages') };

  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: [atPreflight, atLock, relocked] });
  one(r, 'same-site', '/', 'pass', /^title "Shop" as on staging when lock recorded it \(2030-01-02T08:00:00\.000Z\); staging answers 503 now$/);
  one(r, 'same-site', '/new/', 'pass', /^title "New post" as on staging when lock recorded it \(2030-01-02T08:00:00\.000Z\)/);
  // Only preflight's and the locked re-run's: a page neither saw as the site is not compared,
  // naming the latest answer.
  const r2 = await runValidation(p, { ...pagesOnly, stagingBaseline: [atPreflight, relocked] });
  one(r2, 'same-site', '/', 'pass', /^title "Shop" as on staging when preflight recorded it \(2030-01-01T08:00:00\.000Z\); staging answers 503 now$/);
  one(r2, 'same-site', '/new/', 'warn', /^title "New post" on \/new\/; not compared \(staging answers 503, and it answered 503 at lock \(2030-01-02T09:00:00\.000Z\)\): this page may not be the site$/);
  w.prodRoutes.set('/', titledPage('Other Client Ltd'));
  const r3 = await runValidation(p, { ...pagesOnly, stagingBaseline: [atPreflight, relocked] });
  one(r3, 'same-site', '/', 'fail', /title "Other Client Ltd" where staging had "Shop" when preflight recorded it \(2030-01-01T08:00:00\.000Z\) \(staging answers 503 now\)/);
});

// Lock records staging's pages just before the freeze; a staging slow to answer must not hold it
// there for pages × requestTimeoutMs: the record gives up as a whole (lock then uses preflight's).
test('recording staging pages stops at its overall limit when staging answers slowly', async (t) => {
  const w = await world(t);
  const hanging: Array<() => void> = [];
  for (const path of ['/a/', '/b/', '/c/', '/d/', '/e/']) w.stgRoutes.set(path, (_req, res) => void hanging.push(() => res.destroy()));
  t.after(() => hanging.forEach((end) => end()));
  const p = plan(w, { pages: ['/a/', '/b/', '/c/', '/d/', '/e/'], concurrency: 1, requestTimeoutMs: 1000 });
  await assert.rejects(recordStagingBaseline(p, { withinMs: 400 }), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError, String(err));
    assert.match(err.message, /staging's pages not recorded within 0\.4 s/);
    return true;
  });
});

/** Staging's pages recorded while it is live (as preflight does), then staging locked again. */
async function recordWhileLive(w: World, p: Plan): Promise<Awaited<ReturnType<typeof recordStagingBaseline>>> {
  const was = w.stagingLocked;
  w.stagingLocked = false;
  try {
    return await recordStagingBaseline(p, { now: () => new Date('2030-01-01T08:00:00.000Z') });
  } finally {
    w.stagingLocked = was;
  }
}

const pagesOnly = { skip: ALL.filter((g) => g !== 'pages') };

test('staging locked behind a 200 maintenance page: where a page ends and where it redirects off the host are compared with the record, not the maintenance page; a page with no record is not compared', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  // The site's own redirects, on both sides: within the host, and off it.
  w.stgRoutes.set('/old/', redirect('/new/'));
  w.prodRoutes.set('/old/', redirect('/new/'));
  w.stgRoutes.set('/partner/', redirect('https://partner.example.org/offer'));
  w.prodRoutes.set('/partner/', redirect('https://partner.example.org/offer'));
  // Production alone moves these.
  w.prodRoutes.set('/shop', redirect('/shop/'));
  w.prodRoutes.set('/', redirect(`https://example.test:${w.prod.httpsPort}/`));
  // Published after the record: on production only, redirecting as the site does.
  w.prodRoutes.set('/later/', redirect('/later-post/'));
  w.prodRoutes.set('/gone-later/', redirect('https://partner.example.org/offer'));
  const p = plan(w, { pages: ['/old/', '/partner/', '/shop', '/', '/later/', '/gone-later/'] });
  const baseline = await recordWhileLive(w, plan(w, { pages: ['/old/', '/partner/', '/shop', '/'] }));
  assert.deepEqual(
    baseline.pages.map((x) => [x.path, x.status, x.finalPath, x.leftTo]),
    [
      ['/old/', 200, '/new/', undefined],
      ['/partner/', null, undefined, 'https://partner.example.org/offer'],
      ['/shop', 200, '/shop', undefined],
      ['/', 200, '/', undefined],
    ],
  );
  w.stagingLocked = true;
  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline, stagingLocked: true });
  // Staging's maintenance page ends where it was asked (/old/) and answers 200 there: no failure from it.
  one(r, 'redirect-chain', '/old/', 'pass', /one permanent redirect/);
  assert.deepEqual(pick(r, 'redirect-chain', '/old/').filter((f) => f.status !== 'pass'), [], show(r));
  one(r, 'redirect-chain', '/partner/', 'warn', /^redirects off the production host to https:\/\/partner\.example\.org\/offer, as staging did when preflight recorded it \(2030-01-01T08:00:00\.000Z\); not followed$/);
  // What production alone does still fails, against the record.
  one(r, 'redirect-chain', '/shop', 'fail', /^production ends at \/shop\/ where staging served \/shop when preflight recorded it \(2030-01-01T08:00:00\.000Z\)$/);
  const home = one(r, 'redirect-chain', '/', 'fail', /^redirects off the production host to https:\/\/example\.test:\d+\/ \(staging answered 200 when preflight recorded it \(2030-01-01T08:00:00\.000Z\)\): the page is not served at/);
  assert.deepEqual({ baseline: home.evidence?.baseline, recordedStatus: home.evidence?.recordedStatus, stagingStatus: home.evidence?.stagingStatus }, { baseline: 'preflight', recordedStatus: 200, stagingStatus: 200 });
  // No record: not compared with the maintenance page; a redirect off the host still fails on its own, saying why.
  one(r, 'redirect-chain', '/later/', 'warn', /^production ends at \/later-post\/; not compared with where staging ends \(staging, locked, answers its maintenance page with a 200, and no record of this page was taken before the freeze\)$/);
  assert.deepEqual(pick(r, 'redirect-chain', '/later/').filter((f) => f.status === 'fail'), [], show(r));
  const later = one(r, 'redirect-chain', '/gone-later/', 'fail', /off the production host to https:\/\/partner\.example\.org\/offer \(staging, locked, answers its maintenance page with a 200, and no record/);
  assert.doesNotMatch(later.message, /staging answers 200/);
  assert.equal(r.findings.filter((f) => f.status === 'fail').length, 3, show(r));

  // Not known to be locked (nothing frozen): staging's answer now is the baseline, as before.
  const live = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline });
  one(live, 'redirect-chain', '/old/', 'fail', /production ends at \/new\/ where staging serves \/old\//);
  one(live, 'redirect-chain', '/partner/', 'fail', /\(staging answers 200\)/);
});

test('staging locked behind a 200 maintenance page: a feed, a JSON endpoint, an image or a blank page is compared with the type staging recorded, not with the HTML maintenance page; a page with no record warns', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const typed = (type: string, body: string | Buffer): Route => (_req, res) => send(res, 200, body, { 'content-type': type });
  for (const routes of [w.stgRoutes, w.prodRoutes]) {
    routes.set('/feed/', typed('application/rss+xml; charset=UTF-8', '<?xml version="1.0"?><rss version="2.0"><channel><title>Shop</title></channel></rss>'));
    routes.set('/wp-json/', typed('application/json; charset=UTF-8', '{"name":"Shop"}'));
    routes.set('/logo.png', typed('image/png', png));
    routes.set('/ping/', typed('text/html; charset=utf-8', ''));
  }
  // Served as HTML on staging, as text on production: browsers show the source.
  w.prodRoutes.set('/about/', typed('text/plain', page(w.PROD, '/about/')));
  w.prodRoutes.set('/api/', typed('application/json', '{}'));
  const p = plan(w, { pages: ['/feed/', '/wp-json/', '/logo.png', '/ping/', '/about/', '/api/'] });
  const baseline = await recordWhileLive(w, plan(w, { pages: ['/feed/', '/wp-json/', '/logo.png', '/ping/', '/about/'] }));
  const feed = baseline.pages.find((x) => x.path === '/feed/');
  assert.deepEqual([feed?.html, feed?.contentType, feed?.blank], [false, 'application/rss+xml; charset=UTF-8', false]);
  assert.equal(baseline.pages.find((x) => x.path === '/ping/')?.blank, true);
  w.stagingLocked = true;

  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline, stagingLocked: true });
  for (const path of ['/feed/', '/wp-json/', '/logo.png', '/ping/']) assert.deepEqual(pick(r, 'content', path), [], show(r));
  one(r, 'content', '/about/', 'fail', /^production answers Content-Type text\/plain where staging served text\/html; charset=utf-8 when preflight recorded it \(2030-01-01T08:00:00\.000Z\): browsers download it or show it as text$/);
  one(r, 'content', '/api/', 'warn', /^production answers Content-Type application\/json; not compared with staging's \(staging, locked, answers its maintenance page with a 200, and no record of this page was taken before the freeze\)$/);
  assert.equal(r.findings.filter((f) => f.status === 'fail').length, 1, show(r));

  // Through the validate step: lock puts the 200 maintenance page up, and validate passes.
  w.stagingLocked = false;
  const { engine } = engineOver(t, w);
  const c = engine.create(plan(w, { pages: ['/feed/', '/wp-json/', '/logo.png', '/ping/'] }), 'alice');
  const done = await engine.advance(c.id, 'validate', 'alice').done;
  assert.equal(done.state, 'paused', JSON.stringify(done.steps.find((s) => s.name === 'validate')?.error));
  assert.equal(w.stagingLocked, true, 'validate ran with staging locked');
});

test('staging locked behind a 200 maintenance page: TTFB is compared with the TTFB staging recorded, not with the maintenance page\'s; a page with no record has no baseline', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  const slow = (origin: () => string): Route => (_req, res) => void setTimeout(() => send(res, 200, page(origin(), '/heavy/')), 400);
  w.stgRoutes.set('/heavy/', slow(() => w.STG));
  w.prodRoutes.set('/heavy/', slow(() => w.PROD));
  w.prodRoutes.set('/heavy-later/', slow(() => w.PROD));
  const p = plan(w, { pages: ['/heavy/', '/heavy-later/'], vitals: { enabled: false, ttfbMs: 200 } });
  const baseline = await recordWhileLive(w, plan(w, { pages: ['/heavy/'] }));
  assert.ok((baseline.pages[0]?.ttfbMs ?? 0) >= 400, JSON.stringify(baseline.pages));
  w.stagingLocked = true;
  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline, stagingLocked: true });
  const heavy = one(r, 'ttfb', '/heavy/', 'pass', /^TTFB \d+ ms \(staging \d+ ms when preflight recorded it \(2030-01-01T08:00:00\.000Z\)\)$/);
  assert.equal(heavy.evidence?.stagingMs, baseline.pages[0]?.ttfbMs);
  one(r, 'ttfb', '/heavy-later/', 'pass', /^TTFB \d+ ms; no staging baseline \(staging, locked, answers its maintenance page with a 200, and no record/);
  assert.deepEqual(pick(r, 'ttfb').filter((f) => f.status !== 'pass'), [], show(r));
});

test('staging locked behind a 200 maintenance page that says noindex: production\'s noindex still fails, without claiming staging has it too; the final status names staging\'s recorded one', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  w.maintenancePage = '<html><head><title>Maintenance</title><meta name="robots" content="noindex"></head><body>Back soon</body></html>';
  w.prodRoutes.set('/', (_req, res) => send(res, 200, '<html><head><title>Shop</title><meta name="robots" content="noindex"></head></html>'));
  w.stgRoutes.set('/gone/', (_req, res) => send(res, 404, page(w.STG, '/gone/')));
  w.prodRoutes.set('/gone/', (_req, res) => send(res, 404, page(w.PROD, '/gone/')));
  const p = plan(w, { pages: ['/', '/gone/'] });
  const baseline = await recordWhileLive(w, p);
  w.stagingLocked = true;
  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline, stagingLocked: true });
  const f = one(r, 'noindex', '/', 'fail', /^production page tells crawlers meta name=robots: noindex$/);
  assert.equal(f.evidence?.staging, undefined, 'the maintenance page\'s directives are not staging\'s');
  one(r, 'status', '/gone/', 'fail', /^final status 404, expected 200 \(staging: 404 when preflight recorded it \(2030-01-01T08:00:00\.000Z\)\)$/);
});

test('a stored record keeps where each page ended, its type, blankness and TTFB; a record from before those fields, or with one of the wrong type, keeps its pages without them', async (t) => {
  const w = await world(t);
  const p = plan(w, { pages: ['/'] });
  const base = { recordedAt: '2030-01-01T08:00:00.000Z', stagingOrigin: p.staging.origin, source: 'plan', sitemapProblems: '' };
  const page = { path: '/', status: 200, html: true, title: 'Shop', placeholder: null };
  const full = { ...page, finalPath: '/', contentType: 'text/html', blank: false, ttfbMs: 12 };
  assert.deepEqual(storedStagingBaseline(JSON.parse(JSON.stringify({ ...base, pages: [full] })), p)?.pages, [full]);
  assert.deepEqual(storedStagingBaseline({ ...base, pages: [page] }, p)?.pages, [page]);
  const odd = { ...page, finalPath: 'https://elsewhere/', contentType: 3, blank: 'no', ttfbMs: -1, leftTo: null, error: 'reset' };
  assert.deepEqual(storedStagingBaseline({ ...base, pages: [odd] }, p)?.pages, [{ ...page, error: 'reset' }]);
});

test("page table with staging locked: staging's columns are the record the checks compared with, not its maintenance page (set apart), in the data and in the rendered report", async (t) => {
  const w = await world(t);
  // A maintenance plugin's 200: the live answer looks like a page, and is none.
  w.maintenanceStatus = 200;
  for (const routes of [w.stgRoutes, w.prodRoutes]) {
    routes.set('/partner/', redirect('https://partner.example.org/offer'));
    routes.set('/gone/', (_req, res) => send(res, 404, '<html><head><title>Not found</title></head></html>'));
  }
  const p = plan(w, { pages: ['/', '/partner/', '/gone/', '/later/'], expectStatus: { '/gone/': 404 } });
  const baseline = await recordWhileLive(w, plan(w, { pages: ['/', '/partner/', '/gone/'] }));
  w.stagingLocked = true;
  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline, stagingLocked: true });
  const row = (report: ValidationReport, path: string) => {
    const x = report.pageTable.find((y) => y.path === path);
    assert.ok(x !== undefined, path);
    return x;
  };
  const at = '2030-01-01T08:00:00.000Z';
  const recordedTtfb = (path: string): number | undefined => baseline.pages.find((x) => x.path === path)?.ttfbMs;
  const { path: _p, status: _s, redirects: _r, ttfbMs: _t, ...gone } = row(r, '/gone/');
  // Its title is production's; staging's 404 is no title to compare with.
  assert.deepEqual(gone, { stagingStatus: 404, stagingTtfbMs: recordedTtfb('/gone/'), stagingBaseline: 'preflight', stagingRecordedAt: at, stagingMaintenanceStatus: 200, title: 'Not found' });
  assert.equal(row(r, '/').stagingStatus, 200);
  assert.equal(row(r, '/').stagingTtfbMs, recordedTtfb('/'));
  const partner = row(r, '/partner/');
  assert.deepEqual([partner.stagingStatus, partner.stagingLeftTo, partner.stagingBaseline, partner.stagingMaintenanceStatus], [null, 'https://partner.example.org/offer', 'preflight', 200]);
  const later = row(r, '/later/');
  assert.deepEqual([later.stagingStatus, later.stagingTtfbMs, later.stagingBaseline, later.stagingMaintenanceStatus], [null, null, 'none', 200]);
  assert.match(later.stagingNote ?? '', /no record of this page was taken before the freeze/);

  const html = renderReportHtml({ validation: r });
  assert.ok(html.includes(`<td>404 <span class="muted">as preflight recorded it (${at})</span><br><span class="muted">now its maintenance page (200), not compared</span></td>`), html);
  assert.ok(html.includes(`<td>→ <code>https://partner.example.org/offer</code> <span class="muted">as preflight recorded it (${at})</span><br>`), html);
  assert.ok(html.includes('<td><span class="muted">not compared: no record of it from before the freeze</span><br><span class="muted">now its maintenance page (200), not compared</span></td>'), html);

  // Not locked (nothing frozen): staging's answer now, as before, with nothing set apart.
  w.stagingLocked = false;
  const live = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline });
  assert.deepEqual([row(live, '/gone/').stagingStatus, row(live, '/gone/').stagingBaseline, 'stagingMaintenanceStatus' in row(live, '/gone/')], [404, 'live', false]);
  assert.ok(renderReportHtml({ validation: live }).includes('<td>404</td>'), 'a live answer is shown as it is');
});

test('a record stored before records kept where redirects went: a page staging redirected off the site reads as "recorded before …", not as staging giving no page or not answering', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  // What such a version stored for a page redirecting off the site: no status, no error, nothing else.
  const old = {
    recordedAt: '2030-01-01T08:00:00.000Z',
    stagingOrigin: `https://staging.example.test:${w.stg.httpsPort}`,
    source: 'plan',
    sitemapProblems: '',
    pages: [
      { path: '/', status: 200, html: true, title: 'Shop', placeholder: null },
      { path: '/partner/', status: null, html: false, title: null, placeholder: null },
      { path: '/down/', status: null, html: false, title: null, placeholder: null, error: 'ECONNRESET' },
    ],
  };
  w.prodRoutes.set('/partner/', redirect('https://partner.example.org/offer'));
  // Production serves the page where staging's old record has nothing to say: identity and TTFB name that.
  const p = plan(w, { pages: ['/', '/partner/', '/down/'] });
  const stored = storedStagingBaseline(JSON.parse(JSON.stringify(old)), p, 'lock');
  assert.deepEqual(stored?.pages.map((x) => [x.path, x.beforeLeftTo]), [['/', undefined], ['/partner/', true], ['/down/', undefined]]);
  // A record that has the fields says nothing of the kind: its page without status was a loop or the like.
  const newer = storedStagingBaseline({ ...old, pages: [{ ...old.pages[0], finalPath: '/' }, old.pages[1]] }, p);
  assert.equal(newer?.pages[1]?.beforeLeftTo, undefined);

  w.stagingLocked = true;
  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: stored, stagingLocked: true });
  const f = one(r, 'redirect-chain', '/partner/', 'fail', /^redirects off the production host to https:\/\/partner\.example\.org\/offer \(staging gave no page when lock recorded it \(2030-01-01T08:00:00\.000Z\), in a record from before Switchyard kept where staging's redirects went: it may have redirected off the site\): the page is not served/);
  assert.doesNotMatch(f.message, /did not answer/);
  const row = r.pageTable.find((x) => x.path === '/partner/');
  assert.deepEqual([row?.stagingStatus, row?.stagingBaseline, row?.stagingNote], [null, 'lock', "gave no page, in a record from before Switchyard kept where staging's redirects went: it may have redirected off the site"]);
  assert.ok(renderReportHtml({ validation: r }).includes(`<span class="muted">${escapeHtml(row?.stagingNote)}</span> <span class="muted">as lock recorded it`));
  // A page that did not answer says so, as it always did.
  one(r, 'ttfb', '/down/', 'pass', /no staging baseline \(staging did not answer \(ECONNRESET\) when lock recorded it/);
  one(r, 'same-site', '/down/', 'warn', /and it did not answer \(ECONNRESET\) at lock/);
});

test('staging locked behind a 200 maintenance page: production showing that same maintenance page (the plugin\'s switch copied over with the database) is not "as on staging"; it fails against the recorded title', async (t) => {
  const w = await world(t);
  w.maintenanceStatus = 200;
  const maintenance = '<html><head><title>Maintenance</title></head><body>Back soon</body></html>';
  const p = plan(w, { pages: ['/', '/later/'] });
  const baseline = await recordWhileLive(w, plan(w, { pages: ['/'] }));
  w.stagingLocked = true;
  for (const path of ['/', '/later/']) w.prodRoutes.set(path, (_req, res) => send(res, 200, maintenance));
  const r = await runValidation(p, { ...pagesOnly, stagingBaseline: baseline, stagingLocked: true });
  one(r, 'same-site', '/', 'fail', /^production answers with another site, not staging's copy: title "Maintenance" where staging had "Shop" when preflight recorded it \(2030-01-01T08:00:00\.000Z\) \(staging, locked, answers 200 with "Maintenance" now\)/);
  one(r, 'same-site', '/later/', 'warn', /^title "Maintenance" on \/later\/; not compared \(staging, locked, answers 200 with "Maintenance", no baseline\)/);
  assert.deepEqual(pick(r, 'same-site').filter((f) => f.status === 'pass'), [], show(r));
});

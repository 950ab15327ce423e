// The small parsers validation relies on: hreflang codes, CSS url(), srcset, robots directives,
// Link headers, Cache-Control cacheability, and the concurrency gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hreflangProblem } from '../../controller/validate/hreflang-code.js';
import { cssUrls } from '../../controller/validate/css-urls.js';
import { srcsetUrls } from '../../controller/validate/srcset.js';
import { headerDirectives, metaDirectives } from '../../controller/validate/robots-directives.js';
import { linkHeader } from '../../controller/validate/link-header.js';
import { cacheability } from '../../controller/validate/admin-cache.js';
import { Limiter, mapLimit } from '../../controller/validate/limit.js';
import { parseHtml } from '../../controller/validate/html-doc.js';
import { parseSitemap } from '../../controller/validate/sitemap.js';
import { urlRefs } from '../../controller/validate/url-refs.js';
import { mixedContentFindings } from '../../controller/validate/mixed-content.js';
import { compareVitals, type VitalsSample } from '../../controller/validate/vitals.js';

test('hreflang codes: valid forms pass, the usual mistakes are named', () => {
  for (const ok of ['en', 'de-AT', 'x-default', 'zh-Hant-TW', 'pt-br', 'fil']) assert.equal(hreflangProblem(ok), null, ok);
  assert.match(hreflangProblem('en-UK') ?? '', /did you mean en-GB/);
  assert.match(hreflangProblem('en_GB') ?? '', /uses "_"/);
  assert.match(hreflangProblem('xx') ?? '', /unknown language/);
  assert.match(hreflangProblem('en-EU') ?? '', /not an ISO 3166-1/);
  assert.match(hreflangProblem('de-DE-1996') ?? '', /only language, script and region/);
  assert.match(hreflangProblem('') ?? '', /empty/);
});

test('CSS url(): quoted, unquoted, @import; comments and strings are not URLs', () => {
  const css = `/* url(commented.png) */ a{background:url( "a b.png" )} b{background:URL(c.png)} @import 'd.css'; e{content:"url(not.png)"} f{mask:url(e\\).svg)}`;
  assert.deepEqual(cssUrls(css), ['a b.png', 'c.png', 'd.css', 'e).svg']);
});

test('srcset: commas inside URLs are kept, descriptors dropped', () => {
  assert.deepEqual(srcsetUrls('a.png 1x, https://cdn/x,y.png 2x,c.png'), ['a.png', 'https://cdn/x,y.png', 'c.png']);
  assert.deepEqual(srcsetUrls('  img.jpg  '), ['img.jpg']);
});

test('robots directives: per-crawler X-Robots-Tag, none, valued directives, meta', () => {
  assert.deepEqual(headerDirectives(['googlebot: noindex, nofollow']).map((d) => `${d.agent}:${d.directive}`), ['googlebot:noindex', 'googlebot:nofollow']);
  assert.deepEqual(headerDirectives(['none']).map((d) => d.directive), ['noindex', 'nofollow']);
  assert.deepEqual(headerDirectives(['max-snippet: 20, unavailable_after: 2030-01-01']), []);
  const doc = parseHtml('<html><head><meta name="ROBOTS" content="NOINDEX"><meta name="googlebot" content="nofollow"><meta name="description" content="noindex"></head></html>', 'https://x/');
  assert.deepEqual(metaDirectives(doc).map((d) => `${d.agent}:${d.directive}`), ['*:noindex', 'googlebot:nofollow']);
});

test('robots directives: space- and semicolon-separated lists, crawler names and valued directives are read as Google reads them', () => {
  const meta = (content: string): string[] => metaDirectives(parseHtml(`<html><head><meta name="robots" content="${content}"></head></html>`, 'https://x/')).map((d) => d.directive);
  const header = (...values: string[]): string[] => headerDirectives(values).map((d) => `${d.agent}:${d.directive}`);
  assert.deepEqual(meta('noindex nofollow'), ['noindex', 'nofollow']);
  assert.deepEqual(meta('NOINDEX;nofollow'), ['noindex', 'nofollow']);
  assert.deepEqual(meta('index, follow, max-image-preview:large'), []);
  assert.deepEqual(header('noindex nofollow'), ['*:noindex', '*:nofollow']);
  assert.deepEqual(header('Googlebot: noindex nofollow'), ['googlebot:noindex', 'googlebot:nofollow']);
  // The comma and the time inside a date do not make "03-jan-2024 15" a crawler.
  assert.deepEqual(header('unavailable_after: Wednesday, 03-Jan-2024 15:00:00 GMT, noindex'), ['*:noindex']);
  assert.deepEqual(header('max-image-preview: none'), []);
  assert.deepEqual(header('max-image-preview: none, noindex'), ['*:noindex']);
});

test('mixed content: an http: stylesheet @imported in a <style> element is active (browsers block it), its url() images passive', () => {
  const doc = parseHtml('<html><head><style>@import url(http://cdn.test/a.css); @import "http://cdn.test/b.css"; body{background:url(http://cdn.test/bg.png)}</style></head></html>', 'https://www.test/');
  assert.deepEqual(urlRefs(doc).map((r) => `${r.kind} ${r.raw}`), ['active http://cdn.test/a.css', 'active http://cdn.test/b.css', 'passive http://cdn.test/bg.png']);
  const findings = mixedContentFindings('https://www.test/', urlRefs(doc), '/');
  assert.deepEqual(findings.map((f) => f.status), ['fail', 'warn']);
  assert.match(findings[0]?.message ?? '', /2 http: script\/stylesheet\/frame .*a\.css, http:\/\/cdn\.test\/b\.css/);
});

test('Link header: targets with commas, quoted params', () => {
  const l = linkHeader(['<https://a/x,y>; rel="canonical", <https://a/de>; rel=alternate; hreflang=de']);
  assert.deepEqual(l.map((x) => [x.target, x.rel.join(' '), x.params.hreflang ?? '']), [['https://a/x,y', 'canonical', ''], ['https://a/de', 'alternate', 'de']]);
});

test('Cache-Control: public, s-maxage and max-age cache; private/no-store/no-cache do not; absent is unspecified', () => {
  assert.equal(cacheability('public, max-age=600').verdict, 'public');
  assert.equal(cacheability('s-maxage=60').verdict, 'public');
  assert.equal(cacheability('max-age=60').verdict, 'public');
  assert.equal(cacheability('private, max-age=600').verdict, 'private');
  assert.equal(cacheability('no-store').verdict, 'private');
  assert.equal(cacheability('max-age=0').verdict, 'private');
  assert.equal(cacheability(null).verdict, 'unspecified');
});

test('sitemap XML: urlset and sitemapindex; malformed XML is an error', () => {
  assert.deepEqual(parseSitemap('<urlset><url><loc> https://a/?x=1&amp;y=2 </loc></url><url><loc>https://a/b</loc></url></urlset>'), { kind: 'urlset', locs: ['https://a/?x=1&y=2', 'https://a/b'] });
  assert.deepEqual(parseSitemap('<sitemapindex><sitemap><loc>https://a/s.xml</loc></sitemap></sitemapindex>'), { kind: 'sitemapindex', locs: ['https://a/s.xml'] });
  assert.throws(() => parseSitemap('<urlset><url></urlset>'), /not well-formed/);
  assert.throws(() => parseSitemap('<html></html>'), /neither/);
});

test('concurrency: never more than n at once, results in order', async () => {
  const gate = new Limiter(2);
  let active = 0;
  let peak = 0;
  const job = (i: number) =>
    gate.run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      active--;
      return i;
    });
  const out = await Promise.all(Array.from({ length: 12 }, (_, i) => job(i)));
  assert.deepEqual(out, Array.from({ length: 12 }, (_, i) => i));
  assert.equal(peak, 2);
  const mapped = await mapLimit([3, 1, 2], 2, async (x) => x * 2);
  assert.deepEqual(mapped, [6, 2, 4]);
});

test('vitals verdict: regression against staging; a locked staging (503) gives no baseline, the "good" limits apply', () => {
  const t = { lcpMs: 500, cls: 0.05, ttfbMs: 300 };
  const sample = (o: Partial<VitalsSample>): VitalsSample => ({ url: 'https://x/', status: 200, ttfbMs: 50, lcpMs: 400, cls: 0, layoutShifts: 0, ...o });
  assert.match(compareVitals('/', sample({ lcpMs: 1400 }), sample({}), t).message, /regression: LCP 1400 ms vs 400 ms on staging/);
  assert.equal(compareVitals('/', sample({ cls: 0.04 }), sample({}), t).status, 'pass');
  const locked = sample({ status: 503, lcpMs: 100 });
  const bad = compareVitals('/', sample({ cls: 0.3 }), locked, t);
  assert.equal(bad.status, 'warn');
  assert.match(bad.message, /no staging baseline \(staging answers 503\).*CLS 0\.3 \(good: ≤ 0\.1\)/);
  const ok = compareVitals('/', sample({}), locked, t);
  assert.equal(ok.status, 'pass');
  assert.match(ok.message, /no staging baseline/);
  assert.match(compareVitals('/', sample({ status: null, lcpMs: null, cls: null, error: 'net::ERR_CONNECTION_REFUSED' }), sample({}), t).message, /not measured on production: net::ERR_CONNECTION_REFUSED/);
});

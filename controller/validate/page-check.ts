// Everything checked about one page: fetched on production and on staging (the baseline),
// then its status and redirects, what it is (HTML, not PHP source, a blank or a download), whether
// it is this site at all (not the default vhost's page), canonical,
// hreflang, robots directives, leftover staging URLs, mixed content and TTFB against staging's.
import { findingsFor, type Finding, type PageRow } from './types.js';
import { canonicalFindings } from './canonical.js';
import { hreflangFindings } from './hreflang.js';
import { looksLikeHtml, parseHtml, type HtmlDoc } from './html-doc.js';
import type { HttpContext } from './http-context.js';
import { leftoverUrlFindings } from './leftover-urls.js';
import { mixedContentFindings } from './mixed-content.js';
import { headerValue, headerValues, type FetchOk } from './pinned-client.js';
import { redirectCount, type Chain } from './redirect-chain.js';
import { headerDirectives, metaDirectives, type RobotsDirective } from './robots-directives.js';
import { statusFindings } from './page-status.js';
import { siteIdentityFindings, type RecordedPage, type TitleRewrite } from './site-identity.js';
import { urlOn, type Side } from './sides.js';
import { urlRefs } from './url-refs.js';

export interface PageCheckEnv {
  http: HttpContext;
  production: Side;
  staging: Side;
  expectedStatus: (path: string) => number;
  /** TTFB over staging's by more than this is a warning. */
  ttfbRegressionMs: number;
  /** Staging's page as preflight recorded it, the baseline while staging is locked. */
  recorded?: (path: string) => RecordedPage | undefined;
  /** The plan's rewrite rules, which production's titles went through. */
  rewrite?: readonly TitleRewrite[];
  /** The cutover has locked staging: what it answers now is its maintenance page, even a 200. */
  stagingLocked?: boolean;
}

export function htmlOf(res: FetchOk): HtmlDoc | null {
  return looksLikeHtml(headerValue(res.headers, 'content-type'), res.body) ? parseHtml(res.body.toString('utf8'), res.url) : null;
}

function directivesOf(res: FetchOk | null, doc: HtmlDoc | null): RobotsDirective[] {
  if (res === null) return [];
  return [...headerDirectives(headerValues(res.headers, 'x-robots-tag')), ...(doc === null ? [] : metaDirectives(doc))];
}

function robotsFindings(prod: RobotsDirective[], staging: RobotsDirective[], path: string, status: number): Finding[] {
  const f = findingsFor('noindex', path);
  // Search engines index only successful pages: a 404/410 the plan expects is dropped whatever
  // it says, and SEO plugins (Yoast) put noindex on exactly those pages.
  if (status < 200 || status >= 300) return [f.pass(`answers ${status}, not indexed anyway: robots directives do not matter`, { production: prod })];
  if (prod.length === 0) return [f.pass('no noindex/nofollow')];
  const what = prod.map((d) => `${d.source}${d.agent === '*' ? '' : ` (${d.agent})`}: ${d.directive}`).join(', ');
  const also = staging.length > 0 ? ' — staging has it too, which is no excuse: production would drop out of search' : '';
  return [f.fail(`production page tells crawlers ${what}${also}`, { production: prod, staging })];
}

// The start of an unexecuted PHP file; `<?xml` and HTML never start like this.
const PHP_SOURCE = /^(?:\uFEFF)?\s*<\?(?:php\b|=)/i;

/**
 * What the page is, as a browser receives it: PHP source (no PHP handler on the production
 * vhost, so every visitor downloads code, secrets included), a blank page, or a page staging
 * serves as HTML arriving as something else. The status and canonical checks see none of them:
 * the status is 200 and there is no HTML to read. Only failures are reported.
 */
function contentFindings(prod: FetchOk, staging: FetchOk | null, path: string): Finding[] {
  if (prod.status < 200 || prod.status >= 300) return [];
  const f = findingsFor('content', path);
  const type = headerValue(prod.headers, 'content-type');
  if (PHP_SOURCE.test(prod.body.subarray(0, 256).toString('utf8'))) {
    return [f.fail(`production serves PHP source instead of running it (Content-Type ${type ?? 'none'}): PHP is not wired to this vhost, and the code, with any secrets in it, is public`, { contentType: type ?? null, excerpt: prod.body.subarray(0, 120).toString('utf8') })];
  }
  // nginx passing PHP-FPM no SCRIPT_FILENAME (fastcgi_params where fastcgi.conf was meant) gets
  // a 200 with nothing in it: a blank page for every visitor. A page blank on staging too is
  // the site's own business.
  const blank = (r: FetchOk): boolean => r.body.length < 1024 && r.body.toString('utf8').trim() === '';
  if (prod.status !== 204 && prod.status !== 205 && blank(prod) && !(staging !== null && staging.status === 200 && blank(staging))) {
    return [f.fail(`production answers ${prod.status} with an empty body: a blank page for visitors (with PHP-FPM, typically SCRIPT_FILENAME not passed)`, { contentType: type ?? null, bytes: prod.body.length })];
  }
  // A locked staging answers an HTML maintenance page (503): no baseline then.
  if (staging === null || staging.status !== 200) return [];
  const stagingType = headerValue(staging.headers, 'content-type');
  // Without any Content-Type browsers sniff, more widely than looksLikeHtml does: no verdict.
  if (type !== undefined && looksLikeHtml(stagingType, staging.body) && !looksLikeHtml(type, prod.body)) {
    return [f.fail(`production answers Content-Type ${type} where staging serves ${stagingType ?? 'HTML'}: browsers download it or show it as text`, { contentType: type, stagingContentType: stagingType ?? null })];
  }
  return [];
}

function ttfbFindings(prod: Chain, staging: Chain, path: string, limitMs: number): Finding[] {
  const p = prod.final?.ttfbMs;
  if (p === undefined) return [];
  const f = findingsFor('ttfb', path);
  // A locked staging answers its maintenance page (503): quick, and no measure of the site.
  const st = staging.final?.status;
  if (st !== 200) return [f.pass(`TTFB ${p} ms; no staging baseline (staging ${st === undefined ? 'did not answer' : `answers ${st}`})`, { productionMs: p, stagingStatus: st ?? null })];
  const s = staging.final?.ttfbMs as number;
  const evidence = { productionMs: p, stagingMs: s, limitMs };
  if (p - s > limitMs) return [f.warn(`TTFB ${p} ms on production vs ${s} ms on staging (+${p - s} ms, limit +${limitMs} ms)`, evidence)];
  return [f.pass(`TTFB ${p} ms (staging ${s} ms)`, evidence)];
}

export async function checkPage(env: PageCheckEnv, path: string): Promise<{ findings: Finding[]; row: PageRow }> {
  const sides = { production: env.production, staging: env.staging };
  const prodUrl = urlOn(env.production, path);
  const [prod, staging] = await Promise.all([env.http.chain(env.production, prodUrl), env.http.chain(env.staging, urlOn(env.staging, path))]);
  const row: PageRow = {
    path,
    status: prod.final?.status ?? null,
    stagingStatus: staging.final?.status ?? null,
    redirects: redirectCount(prod),
    ttfbMs: prod.final?.ttfbMs ?? null,
    stagingTtfbMs: staging.final?.ttfbMs ?? null,
    ...(prod.error === undefined ? {} : { error: prod.error.message }),
  };
  const findings = statusFindings(prod, path, env.expectedStatus(path), sides, staging);
  const final = prod.final;
  if (final === null) return { findings, row };

  if (final.truncated) {
    const enc = headerValue(final.headers, 'content-encoding');
    const mib = `${final.body.length / 1024 / 1024} MiB`;
    findings.push(findingsFor('content', path).warn(`production page is larger than ${mib}${enc === undefined ? '' : ` once its Content-Encoding ${enc} is undone`}; only its first ${mib} were checked`, { bytesRead: final.body.length, contentEncoding: enc ?? null }));
  }
  findings.push(...contentFindings(final, staging.final, path));
  const doc = htmlOf(final);
  const stagingDoc = staging.final === null ? null : htmlOf(staging.final);
  findings.push(...siteIdentityFindings(final, doc, staging.final, stagingDoc, path, sides, { recorded: env.recorded?.(path), rewrite: env.rewrite ?? [], stagingLocked: env.stagingLocked === true }));
  findings.push(...robotsFindings(directivesOf(final, doc), directivesOf(staging.final, stagingDoc), path, final.status));
  findings.push(...canonicalFindings(doc, headerValues(final.headers, 'link'), final.url, path, sides));
  if (doc !== null) {
    const refs = urlRefs(doc);
    findings.push(...(await hreflangFindings(doc, [prodUrl, final.url], path, sides, env.http)));
    findings.push(...leftoverUrlFindings(doc, refs, path, sides));
    findings.push(...mixedContentFindings(final.url, refs, path));
  }
  findings.push(...ttfbFindings(prod, staging, path, env.ttfbRegressionMs));
  return { findings, row };
}

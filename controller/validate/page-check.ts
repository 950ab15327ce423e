// Everything checked about one page: fetched on production and on staging (the baseline),
// then its status and redirects, what it is (HTML, not PHP source, a blank or a download), whether
// it is this site at all (not the default vhost's page), canonical,
// hreflang, robots directives, leftover staging URLs, mixed content and TTFB against staging's.
// Once the cutover has locked staging, "staging's" is its page as recorded before the freeze.
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
import { siteIdentityFindings, titleColumns, type RecordedPage, type TitleRewrite } from './site-identity.js';
import { baselineEvidence, isBlank, noPageText, stagingAgainst, stagingDid, stagingNoPage, when, type Against } from './staging-answer.js';
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

/** `staging`: the directives of staging's page, or null when that is no baseline (its maintenance page). */
function robotsFindings(prod: RobotsDirective[], staging: RobotsDirective[] | null, path: string, status: number): Finding[] {
  const f = findingsFor('noindex', path);
  // Search engines index only successful pages: a 404/410 the plan expects is dropped whatever
  // it says, and SEO plugins (Yoast) put noindex on exactly those pages.
  if (status < 200 || status >= 300) return [f.pass(`answers ${status}, not indexed anyway: robots directives do not matter`, { production: prod })];
  if (prod.length === 0) return [f.pass('no noindex/nofollow')];
  const what = prod.map((d) => `${d.source}${d.agent === '*' ? '' : ` (${d.agent})`}: ${d.directive}`).join(', ');
  const also = staging !== null && staging.length > 0 ? ' — staging has it too, which is no excuse: production would drop out of search' : '';
  return [f.fail(`production page tells crawlers ${what}${also}`, { production: prod, ...(staging === null ? {} : { staging }) })];
}

// The start of an unexecuted PHP file; `<?xml` and HTML never start like this.
const PHP_SOURCE = /^(?:\uFEFF)?\s*<\?(?:php\b|=)/i;

/**
 * What the page is, as a browser receives it: PHP source (no PHP handler on the production
 * vhost, so every visitor downloads code, secrets included), a blank page, or a page staging
 * serves as HTML arriving as something else. The status and canonical checks see none of them:
 * the status is 200 and there is no HTML to read. Only failures are reported, and a comparison
 * that could not be made.
 */
function contentFindings(prod: FetchOk, against: Against, path: string): Finding[] {
  if (prod.status < 200 || prod.status >= 300) return [];
  const f = findingsFor('content', path);
  const type = headerValue(prod.headers, 'content-type');
  if (PHP_SOURCE.test(prod.body.subarray(0, 256).toString('utf8'))) {
    return [f.fail(`production serves PHP source instead of running it (Content-Type ${type ?? 'none'}): PHP is not wired to this vhost, and the code, with any secrets in it, is public`, { contentType: type ?? null, excerpt: prod.body.subarray(0, 120).toString('utf8') })];
  }
  const was = against.answer;
  // nginx passing PHP-FPM no SCRIPT_FILENAME (fastcgi_params where fastcgi.conf was meant) gets
  // a 200 with nothing in it: a blank page for every visitor. A page blank on staging too is
  // the site's own business.
  if (prod.status !== 204 && prod.status !== 205 && isBlank(prod) && !(was !== null && was.status === 200 && was.blank === true)) {
    return [f.fail(`production answers ${prod.status} with an empty body: a blank page for visitors (with PHP-FPM, typically SCRIPT_FILENAME not passed)`, { contentType: type ?? null, bytes: prod.body.length })];
  }
  // Without any Content-Type browsers sniff, more widely than looksLikeHtml does: no verdict.
  if (type === undefined || looksLikeHtml(type, prod.body)) return [];
  const evidence = { contentType: type, ...baselineEvidence(against) };
  // A locked staging's maintenance page is HTML whatever the page is (a feed, JSON, an image).
  if (was === null) return [f.warn(`production answers Content-Type ${type}; not compared with staging's (${against.why})`, evidence)];
  // A staging answering 503 (its maintenance page, or down) is no baseline either.
  if (was.status !== 200 || was.html !== true) return [];
  return [f.fail(`production answers Content-Type ${type} where ${stagingDid(was, `serves ${was.contentType ?? 'HTML'}`, `served ${was.contentType ?? 'HTML'}`)}: browsers download it or show it as text`, { ...evidence, stagingContentType: was.contentType ?? null })];
}

function ttfbFindings(prod: Chain, against: Against, path: string, limitMs: number): Finding[] {
  const p = prod.final?.ttfbMs;
  if (p === undefined) return [];
  const f = findingsFor('ttfb', path);
  const was = against.answer;
  if (was === null) return [f.pass(`TTFB ${p} ms; no staging baseline (${against.why})`, { productionMs: p, ...baselineEvidence(against) })];
  // A staging answering its maintenance 503 is quick, and no measure of the site.
  if (was.status !== 200 || was.ttfbMs === undefined) {
    const why = was.status === null ? stagingNoPage(was) : was.status !== 200 ? stagingDid(was, `answers ${was.status}`, `answered ${was.status}`) : `the record has no TTFB (taken by ${was.source} at ${was.recordedAt ?? ''})`;
    return [f.pass(`TTFB ${p} ms; no staging baseline (${why})`, { productionMs: p, stagingStatus: was.status, ...baselineEvidence(against) })];
  }
  const s = was.ttfbMs;
  const evidence = { productionMs: p, stagingMs: s, limitMs, ...baselineEvidence(against) };
  const on = was.source === 'live' ? 'on staging' : `on staging${when(was)}`;
  if (p - s > limitMs) return [f.warn(`TTFB ${p} ms on production vs ${s} ms ${on} (+${p - s} ms, limit +${limitMs} ms)`, evidence)];
  return [f.pass(`TTFB ${p} ms (staging ${s} ms${when(was)})`, evidence)];
}

/**
 * Staging's columns of the page table: the answer the checks compared with — once staging is
 * locked, the page as recorded before the freeze (or none), with its maintenance page set apart.
 */
function stagingColumns(live: Chain, against: Against, locked: boolean): Pick<PageRow, 'stagingStatus' | 'stagingTtfbMs' | 'stagingBaseline' | 'stagingRecordedAt' | 'stagingLeftTo' | 'stagingNote' | 'stagingMaintenanceStatus'> {
  const a = against.answer;
  const maintenance = locked ? { stagingMaintenanceStatus: live.final?.status ?? null } : {};
  if (a === null) return { stagingStatus: null, stagingTtfbMs: null, stagingBaseline: 'none', stagingNote: against.why, ...maintenance };
  const past = a.source !== 'live';
  return {
    stagingStatus: a.status,
    stagingTtfbMs: a.ttfbMs ?? null,
    stagingBaseline: a.source,
    ...(a.recordedAt === undefined ? {} : { stagingRecordedAt: a.recordedAt }),
    ...(a.leftTo === undefined ? {} : { stagingLeftTo: a.leftTo }),
    ...(a.status === null && a.leftTo === undefined ? { stagingNote: noPageText(a, past) } : {}),
    ...maintenance,
  };
}

export async function checkPage(env: PageCheckEnv, path: string): Promise<{ findings: Finding[]; row: PageRow }> {
  const sides = { production: env.production, staging: env.staging };
  const prodUrl = urlOn(env.production, path);
  const [prod, staging] = await Promise.all([env.http.chain(env.production, prodUrl), env.http.chain(env.staging, urlOn(env.staging, path))]);
  const locked = env.stagingLocked === true;
  const recorded = env.recorded?.(path);
  const against = stagingAgainst(staging, recorded, locked);
  const row: PageRow = {
    path,
    status: prod.final?.status ?? null,
    redirects: redirectCount(prod),
    ttfbMs: prod.final?.ttfbMs ?? null,
    ...stagingColumns(staging, against, locked),
    ...(prod.error === undefined ? {} : { error: prod.error.message }),
  };
  const findings = statusFindings(prod, path, env.expectedStatus(path), sides, staging, against);
  const final = prod.final;
  if (final === null) return { findings, row };

  if (final.truncated) {
    const enc = headerValue(final.headers, 'content-encoding');
    const mib = `${final.body.length / 1024 / 1024} MiB`;
    findings.push(findingsFor('content', path).warn(`production page is larger than ${mib}${enc === undefined ? '' : ` once its Content-Encoding ${enc} is undone`}; only its first ${mib} were checked`, { bytesRead: final.body.length, contentEncoding: enc ?? null }));
  }
  findings.push(...contentFindings(final, against, path));
  const doc = htmlOf(final);
  const stagingDoc = staging.final === null ? null : htmlOf(staging.final);
  const baselines = { recorded, rewrite: env.rewrite ?? [], stagingLocked: locked };
  findings.push(...siteIdentityFindings(final, doc, staging.final, stagingDoc, path, sides, baselines));
  Object.assign(row, titleColumns(doc, staging.final, stagingDoc, sides, baselines));
  // Maintenance plugins often send noindex themselves: a locked staging's says nothing of the page.
  findings.push(...robotsFindings(directivesOf(final, doc), locked ? null : directivesOf(staging.final, stagingDoc), path, final.status));
  findings.push(...canonicalFindings(doc, headerValues(final.headers, 'link'), final.url, path, sides));
  if (doc !== null) {
    const refs = urlRefs(doc);
    findings.push(...(await hreflangFindings(doc, [prodUrl, final.url], path, sides, env.http)));
    findings.push(...leftoverUrlFindings(doc, refs, path, sides));
    findings.push(...mixedContentFindings(final.url, refs, path));
  }
  findings.push(...ttfbFindings(prod, against, path, env.ttfbRegressionMs));
  return { findings, row };
}

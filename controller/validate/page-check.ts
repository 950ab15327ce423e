// Everything checked about one page: fetched on production and on staging (the baseline),
// then its status and redirects, canonical, hreflang, robots directives, leftover staging
// URLs, mixed content and TTFB against staging's.
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
import { urlOn, type Side } from './sides.js';
import { urlRefs } from './url-refs.js';

export interface PageCheckEnv {
  http: HttpContext;
  production: Side;
  staging: Side;
  expectedStatus: (path: string) => number;
  /** TTFB over staging's by more than this is a warning. */
  ttfbRegressionMs: number;
}

function htmlOf(res: FetchOk): HtmlDoc | null {
  return looksLikeHtml(headerValue(res.headers, 'content-type'), res.body) ? parseHtml(res.body.toString('utf8'), res.url) : null;
}

function directivesOf(res: FetchOk | null, doc: HtmlDoc | null): RobotsDirective[] {
  if (res === null) return [];
  return [...headerDirectives(headerValues(res.headers, 'x-robots-tag')), ...(doc === null ? [] : metaDirectives(doc))];
}

function robotsFindings(prod: RobotsDirective[], staging: RobotsDirective[], path: string): Finding[] {
  const f = findingsFor('noindex', path);
  if (prod.length === 0) return [f.pass('no noindex/nofollow')];
  const what = prod.map((d) => `${d.source}${d.agent === '*' ? '' : ` (${d.agent})`}: ${d.directive}`).join(', ');
  const also = staging.length > 0 ? ' — staging has it too, which is no excuse: production would drop out of search' : '';
  return [f.fail(`production page tells crawlers ${what}${also}`, { production: prod, staging })];
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

  const doc = htmlOf(final);
  const stagingDoc = staging.final === null ? null : htmlOf(staging.final);
  findings.push(...robotsFindings(directivesOf(final, doc), directivesOf(staging.final, stagingDoc), path));
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

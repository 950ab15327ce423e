// hreflang alternates of a page: each code valid, each href absolute and on the production
// origin, and each alternate page linking back (search engines drop pairs that are not
// reciprocal). Alternates are fetched on production through the run's shared chain cache.
import { findingsFor, type Finding } from './types.js';
import { hreflangProblem } from './hreflang-code.js';
import { looksLikeHtml, parseHtml, relTokens, resolveUrl, type HtmlDoc } from './html-doc.js';
import { headerValue } from './pinned-client.js';
import type { HttpContext } from './http-context.js';
import { redirectCount } from './redirect-chain.js';
import { isStagingUrl, sameOrigin, type Side } from './sides.js';

export interface Alternate {
  hreflang: string;
  href: string;
  url: URL | null;
}

export function alternatesOf(doc: HtmlDoc): Alternate[] {
  return doc.elements
    .filter((e) => e.tag === 'link' && e.inHead && e.attrs.has('hreflang') && relTokens(e).includes('alternate'))
    .map((e) => {
      const href = e.attrs.get('href') ?? '';
      return { hreflang: e.attrs.get('hreflang') ?? '', href, url: resolveUrl(href, doc.baseUrl) };
    });
}

const bare = (u: URL | string): string => {
  const x = new URL(u.toString());
  x.hash = '';
  return x.toString();
};

function isAbsolute(href: string): boolean {
  try {
    new URL(href.trim());
    return true;
  } catch {
    return false;
  }
}

/** Why the alternate at `url` does not link back to `self` (any of its URLs), or null when it does. */
async function reciprocityProblem(http: HttpContext, production: Side, url: URL, self: ReadonlySet<string>): Promise<string | null> {
  const chain = await http.chain(production, url.toString());
  if (chain.error !== undefined) return `${url} could not be fetched: ${chain.error.message}`;
  if (redirectCount(chain) > 0) return `${url} redirects (${chain.hops.map((h) => h.status).join(' → ')}); alternates must be the final URLs`;
  const final = chain.final;
  if (final === null) return `${url} gave no page`;
  if (final.status !== 200) return `${url} answers ${final.status}`;
  if (!looksLikeHtml(headerValue(final.headers, 'content-type'), final.body)) return `${url} is not HTML`;
  const back = alternatesOf(parseHtml(final.body.toString('utf8'), final.url));
  if (!back.some((a) => a.url !== null && self.has(bare(a.url)))) return `${url} does not link back with hreflang`;
  return null;
}

export async function hreflangFindings(doc: HtmlDoc, pageUrls: readonly string[], path: string, sides: { production: Side; staging: Side }, http: HttpContext): Promise<Finding[]> {
  const f = findingsFor('hreflang', path);
  const alternates = alternatesOf(doc);
  if (alternates.length === 0) return [];
  const self = new Set(pageUrls.map(bare));
  const evidence = { alternates: alternates.map((a) => ({ hreflang: a.hreflang, href: a.href })) };
  const out: Finding[] = [];
  const toFetch: URL[] = [];
  for (const a of alternates) {
    const codeProblem = hreflangProblem(a.hreflang);
    if (codeProblem !== null) out.push(f.fail(`invalid hreflang: ${codeProblem}`, evidence));
    if (!isAbsolute(a.href)) out.push(f.fail(`hreflang=${a.hreflang} href ${JSON.stringify(a.href)} is relative; alternates must be absolute URLs`, evidence));
    if (a.url === null) continue;
    if (isStagingUrl(a.url, sides.staging, sides.production)) out.push(f.fail(`hreflang=${a.hreflang} points to staging: ${a.url}`, evidence));
    else if (!sameOrigin(a.url, sides.production)) out.push(f.warn(`hreflang=${a.hreflang} points off the production origin (${a.url}); reciprocity not checked`, evidence));
    else if (!self.has(bare(a.url))) toFetch.push(a.url);
  }
  const problems = await Promise.all(toFetch.map((u) => reciprocityProblem(http, sides.production, u, self)));
  for (const p of problems) if (p !== null) out.push(f.fail(`not reciprocal: ${p}`, evidence));
  if (out.length === 0) out.push(f.pass(`${alternates.length} alternates, valid and reciprocal`, evidence));
  return out;
}

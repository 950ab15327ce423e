// The canonical URL a page declares (<link rel=canonical> in its head, or a Link header): it
// must name the production origin. A canonical left pointing at staging tells search engines
// the real page is on staging, which is the fastest way to lose a site's rankings.
import { findingsFor, type Finding } from './types.js';
import { relTokens, resolveUrl, type HtmlDoc } from './html-doc.js';
import { linkHeader } from './link-header.js';
import { isStagingUrl, sameOrigin, type Side } from './sides.js';

export function canonicalFindings(doc: HtmlDoc | null, linkHeaders: readonly string[], pageUrl: string, path: string, sides: { production: Side; staging: Side }): Finding[] {
  const f = findingsFor('canonical', path);
  const declared: Array<{ source: string; raw: string; url: URL | null }> = [];
  const inBody: string[] = [];
  for (const el of doc?.elements ?? []) {
    if (el.tag !== 'link' || !relTokens(el).includes('canonical')) continue;
    const raw = el.attrs.get('href') ?? '';
    if (!el.inHead) {
      inBody.push(raw);
      continue;
    }
    declared.push({ source: '<link rel=canonical>', raw, url: resolveUrl(raw, doc?.baseUrl ?? pageUrl) });
  }
  for (const l of linkHeader(linkHeaders)) {
    if (l.rel.includes('canonical')) declared.push({ source: 'Link header', raw: l.target, url: resolveUrl(l.target, pageUrl) });
  }
  const evidence = { canonicals: declared.map((d) => ({ source: d.source, href: d.raw, resolved: d.url?.toString() ?? null })), ...(inBody.length > 0 ? { ignoredInBody: inBody } : {}) };
  const out: Finding[] = [];
  if (inBody.length > 0) out.push(f.warn(`rel=canonical outside <head> is ignored by search engines: ${inBody.join(', ')}`, evidence));
  if (declared.length === 0) return out;

  for (const d of declared) {
    if (d.url === null) out.push(f.fail(`${d.source} ${JSON.stringify(d.raw)} is not a URL`, evidence));
    else if (isStagingUrl(d.url, sides.staging, sides.production)) out.push(f.fail(`${d.source} points to staging: ${d.url}`, evidence));
    else if (!sameOrigin(d.url, sides.production)) out.push(f.fail(`${d.source} points to ${d.url.origin}, not the production origin ${sides.production.origin.origin}`, evidence));
  }
  const distinct = new Set(declared.map((d) => d.url?.toString() ?? d.raw));
  if (distinct.size > 1) out.push(f.fail(`conflicting canonicals (${[...distinct].join(', ')}); search engines ignore them all`, evidence));
  if (!out.some((x) => x.status === 'fail')) out.push(f.pass(`canonical ${[...distinct][0]}`, evidence));
  return out;
}

// References to the staging site left in a production page — links, images, scripts, srcset
// candidates, inline CSS, meta tags and inline scripts. After the switch staging is frozen or
// gone, so each one is a broken link, a missing image or a visitor sent to the old host.
import { findingsFor, type Finding } from './types.js';
import type { HtmlDoc } from './html-doc.js';
import { isStagingUrl, type Side } from './sides.js';
import type { UrlRef } from './url-refs.js';

const MAX_LISTED = 25;

/** Where inline script text mentions the staging host, JSON-escaped slashes included. */
function scriptMentions(doc: HtmlDoc, staging: Side): Array<{ tag: string; attr: string; excerpt: string }> {
  const host = staging.origin.host.toLowerCase();
  const needles = [`//${host}`, `\\/\\/${host}`];
  const found: Array<{ tag: string; attr: string; excerpt: string }> = [];
  for (const el of doc.elements) {
    if (el.tag !== 'script' || el.text === '') continue;
    const text = el.text.toLowerCase();
    for (const n of needles) {
      let at = text.indexOf(n);
      while (at >= 0) {
        found.push({ tag: 'script', attr: '#text', excerpt: el.text.slice(Math.max(0, at - 40), at + n.length + 40).replace(/\s+/g, ' ') });
        at = text.indexOf(n, at + n.length);
      }
    }
  }
  return found;
}

export function leftoverUrlFindings(doc: HtmlDoc, refs: readonly UrlRef[], path: string, sides: { production: Side; staging: Side }): Finding[] {
  const f = findingsFor('staging-urls', path);
  const hits: Array<{ tag: string; attr: string; url?: string; excerpt?: string }> = refs
    .filter((r) => isStagingUrl(r.url, sides.staging, sides.production))
    .map((r) => ({ tag: r.tag, attr: r.attr, url: r.raw }));
  hits.push(...scriptMentions(doc, sides.staging));
  if (hits.length === 0) return [f.pass('no staging URLs in the page')];
  const listed = hits.slice(0, MAX_LISTED);
  const where = [...new Set(listed.map((h) => `${h.tag}[${h.attr}]`))].join(', ');
  return [f.fail(`${hits.length} reference${hits.length === 1 ? '' : 's'} to the staging origin ${sides.staging.origin.origin} (${where})`, { count: hits.length, references: listed })];
}

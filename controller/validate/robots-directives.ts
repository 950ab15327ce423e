// noindex / nofollow as crawlers read them: <meta name="robots|googlebot|…" content> in the
// page and X-Robots-Tag response headers, where a directive may be addressed to one crawler
// (`googlebot: noindex`). Both apply to production whatever staging does.
import type { HtmlDoc } from './html-doc.js';

export interface RobotsDirective {
  /** `meta name=robots`, `X-Robots-Tag`… */
  source: string;
  /** Crawler it applies to; `*` for all. */
  agent: string;
  directive: 'noindex' | 'nofollow';
}

// Directives that carry a value after a colon; anything else before a colon names a crawler.
const VALUED = new Set(['max-snippet', 'max-image-preview', 'max-video-preview', 'unavailable_after', 'indexifembedded']);
// A crawler's name is one word; a colon after anything else (the time in the date of
// `unavailable_after: Wednesday, 03-Jan-2024 15:00:00 GMT`) names no crawler.
const AGENT = /^[a-z0-9][a-z0-9_.-]*$/;

function directivesOf(values: string[]): Array<'noindex' | 'nofollow'> {
  const out = new Set<'noindex' | 'nofollow'>();
  // Google reads `noindex nofollow` (spaces) like `noindex, nofollow`; a stray `;` is read as a
  // separator too, since taking `noindex;nofollow` for no directive at all would pass a page
  // that crawlers may well drop.
  // A valued directive's value is no directive: `max-image-preview: none` leaves indexing alone.
  const bare = values.map((v) => v.replace(/\b(?:max-snippet|max-image-preview|max-video-preview|unavailable_after)\s*:\s*[^,;\s]*/g, ' '));
  for (const t of bare.flatMap((v) => v.split(/[\s,;]+/))) {
    if (t === 'noindex' || t === 'none') out.add('noindex');
    if (t === 'nofollow' || t === 'none') out.add('nofollow');
  }
  return [...out];
}

export function headerDirectives(values: readonly string[]): RobotsDirective[] {
  const found: RobotsDirective[] = [];
  for (const value of values) {
    let agent = '*';
    const tokens: Array<{ agent: string; token: string }> = [];
    for (const part of value.split(',')) {
      let p = part.trim().toLowerCase();
      const colon = p.indexOf(':');
      if (colon > 0 && !VALUED.has(p.slice(0, colon).trim()) && AGENT.test(p.slice(0, colon).trim())) {
        agent = p.slice(0, colon).trim();
        p = p.slice(colon + 1).trim();
      }
      if (p !== '') tokens.push({ agent, token: p });
    }
    const byAgent = new Map<string, string[]>();
    for (const t of tokens) byAgent.set(t.agent, [...(byAgent.get(t.agent) ?? []), t.token]);
    for (const [a, ts] of byAgent) for (const d of directivesOf(ts)) found.push({ source: 'X-Robots-Tag', agent: a, directive: d });
  }
  return found;
}

export function metaDirectives(doc: HtmlDoc): RobotsDirective[] {
  const found: RobotsDirective[] = [];
  for (const el of doc.elements) {
    if (el.tag !== 'meta') continue;
    const name = (el.attrs.get('name') ?? '').trim().toLowerCase();
    if (name !== 'robots' && !name.endsWith('bot') && name !== 'googlebot-news') continue;
    for (const d of directivesOf([(el.attrs.get('content') ?? '').toLowerCase()])) found.push({ source: `meta name=${name}`, agent: name === 'robots' ? '*' : name, directive: d });
  }
  return found;
}

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

function directivesOf(tokens: string[]): Array<'noindex' | 'nofollow'> {
  const out = new Set<'noindex' | 'nofollow'>();
  for (const t of tokens) {
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
      if (colon > 0 && !VALUED.has(p.slice(0, colon).trim())) {
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
    const tokens = (el.attrs.get('content') ?? '').split(',').map((t) => t.trim().toLowerCase());
    for (const d of directivesOf(tokens)) found.push({ source: `meta name=${name}`, agent: name === 'robots' ? '*' : name, directive: d });
  }
  return found;
}

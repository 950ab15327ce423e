// Every URL a page refers to, with what kind of reference it is — the one list both the
// leftover-staging-URL check and the mixed-content check read. Kinds follow the W3C Mixed
// Content rules: `active` subresources (scripts, stylesheets, frames) are blocked by browsers
// on an https page, `passive` ones (images, media) are upgraded or warned about, and
// `navigation`/`metadata` references load nothing.
import { cssRefs, cssUrls } from './css-urls.js';
import { relTokens, resolveUrl, type HtmlDoc, type HtmlElement } from './html-doc.js';
import { srcsetUrls } from './srcset.js';

export type RefKind = 'active' | 'passive' | 'navigation' | 'metadata';

export interface UrlRef {
  /** As written in the page. */
  raw: string;
  url: URL;
  tag: string;
  /** The attribute, or `style`/`#text` for CSS in a <style> element. */
  attr: string;
  kind: RefKind;
}

const SRCSET_ATTRS = new Set(['srcset', 'imagesrcset', 'data-srcset']);

function linkKind(el: HtmlElement): RefKind {
  const rel = relTokens(el);
  if (rel.includes('stylesheet')) return 'active';
  if (rel.includes('preload') || rel.includes('modulepreload') || rel.includes('prefetch')) {
    const as = (el.attrs.get('as') ?? '').toLowerCase();
    return ['image', 'audio', 'video', 'track'].includes(as) ? 'passive' : 'active';
  }
  if (rel.includes('icon') || rel.includes('apple-touch-icon') || rel.includes('manifest')) return 'passive';
  return 'metadata';
}

function kindOf(el: HtmlElement, attr: string): RefKind {
  const t = el.tag;
  if (attr === 'style') return 'passive';
  if (t === 'a' || t === 'area' || (t === 'meta' && (el.attrs.get('http-equiv') ?? '').trim().toLowerCase() === 'refresh')) return 'navigation';
  if (t === 'link' && attr === 'href') return linkKind(el);
  if (t === 'link' && attr === 'imagesrcset') return 'passive';
  if (t === 'script' && attr === 'src') return 'active';
  if ((t === 'iframe' || t === 'frame' || t === 'embed') && attr === 'src') return 'active';
  if (t === 'object' && attr === 'data') return 'active';
  if ((t === 'form' && attr === 'action') || attr === 'formaction') return 'active';
  if (['img', 'picture', 'source', 'video', 'audio', 'track', 'input'].includes(t) && (attr === 'src' || attr === 'srcset' || attr === 'poster')) return 'passive';
  if (attr === 'data-src' || attr === 'data-srcset') return 'passive';
  return 'metadata';
}

/**
 * The URL of `<meta http-equiv=refresh content="5; url='…'">` (HTML's "shared declarative
 * refresh steps"): after the delay, `url=` and quotes are optional. Read as a whole the value is
 * a relative path on the page's own origin, so a refresh to staging would go unseen.
 */
function refreshUrl(content: string): string[] {
  const m = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*)$/is.exec(content);
  if (m === null) return [];
  let url = (m[2] ?? '').trim();
  if (m[1] !== '' && url.includes(m[1] as string)) url = url.slice(0, url.indexOf(m[1] as string));
  return url === '' ? [] : [url];
}

/** Candidate URL strings in one attribute value. */
function valuesOf(el: HtmlElement, attr: string, value: string): string[] {
  if (el.tag === 'meta' && attr === 'content' && (el.attrs.get('http-equiv') ?? '').trim().toLowerCase() === 'refresh') return refreshUrl(value);
  if (SRCSET_ATTRS.has(attr)) return srcsetUrls(value);
  if (attr === 'style') return cssUrls(value);
  return [value];
}

/**
 * URL references in attributes and inline CSS. Every attribute is looked at, not a fixed list,
 * so lazy-loading `data-*` attributes and `<meta content>` (og:url, og:image) are seen too;
 * values that resolve to no http(s) URL are dropped.
 */
export function urlRefs(doc: HtmlDoc): UrlRef[] {
  const refs: UrlRef[] = [];
  for (const el of doc.elements) {
    for (const [attr, value] of el.attrs) {
      for (const raw of valuesOf(el, attr, value)) {
        const url = resolveUrl(raw, doc.baseUrl);
        if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) continue;
        refs.push({ raw, url, tag: el.tag, attr, kind: kindOf(el, attr) });
      }
    }
    if (el.tag === 'style') {
      for (const { url: raw, imported } of cssRefs(el.text)) {
        const url = resolveUrl(raw, doc.baseUrl);
        if (url !== null && (url.protocol === 'http:' || url.protocol === 'https:')) refs.push({ raw, url, tag: 'style', attr: '#text', kind: imported ? 'active' : 'passive' });
      }
    }
  }
  return refs;
}

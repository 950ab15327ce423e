// An HTML page as validation reads it: parsed with parse5 (the WHATWG algorithm browsers
// use, so what we see is what a crawler sees) and walked as a flat list of elements.
import { parse, type DefaultTreeAdapterTypes as T } from 'parse5';

export interface HtmlElement {
  tag: string;
  attrs: ReadonlyMap<string, string>;
  /** Text of the element's own text children (for <style> and <script>). */
  text: string;
  /** Inside <head> (meta and link elements only count there). */
  inHead: boolean;
}

export interface HtmlDoc {
  elements: HtmlElement[];
  /** The document's base URL: <base href> resolved against the page URL. */
  baseUrl: string;
}

function isElement(n: T.Node): n is T.Element {
  return 'tagName' in n;
}

export function parseHtml(html: string, pageUrl: string): HtmlDoc {
  const doc = parse(html);
  const elements: HtmlElement[] = [];
  const walk = (node: T.ParentNode, inHead: boolean): void => {
    for (const child of node.childNodes) {
      if (!isElement(child)) continue;
      const attrs = new Map(child.attrs.map((a) => [a.name.toLowerCase(), a.value] as const));
      const text = child.childNodes.map((c) => ('value' in c && c.nodeName === '#text' ? (c as T.TextNode).value : '')).join('');
      elements.push({ tag: child.tagName.toLowerCase(), attrs, text, inHead });
      const within = inHead || child.tagName === 'head';
      walk(child, within);
      // <template> keeps its children in a separate fragment.
      if (child.tagName === 'template') walk((child as T.Template).content, within);
    }
  };
  walk(doc, false);
  let baseUrl = pageUrl;
  const base = elements.find((e) => e.tag === 'base' && e.attrs.has('href'));
  if (base !== undefined) {
    try {
      baseUrl = new URL(base.attrs.get('href') as string, pageUrl).toString();
    } catch {
      // An unusable <base> is ignored by browsers too.
    }
  }
  return { elements, baseUrl };
}

/** The rel attribute's tokens, lower case. */
export function relTokens(el: HtmlElement): string[] {
  return (el.attrs.get('rel') ?? '').toLowerCase().split(/\s+/).filter((t) => t !== '');
}

/** Resolves an attribute value against the document base; null when it is not a URL. */
export function resolveUrl(value: string, base: string): URL | null {
  const v = value.trim();
  if (v === '') return null;
  try {
    return new URL(v, base);
  } catch {
    return null;
  }
}

/** Whether the response is HTML by its Content-Type (absent: sniff the first bytes like a browser would). */
export function looksLikeHtml(contentType: string | undefined, body: Buffer): boolean {
  if (contentType !== undefined) {
    const mime = contentType.split(';')[0]?.trim().toLowerCase();
    return mime === 'text/html' || mime === 'application/xhtml+xml';
  }
  const head = body.subarray(0, 512).toString('utf8').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

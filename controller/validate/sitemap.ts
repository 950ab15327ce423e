// Sitemaps read with an XML parser: a <urlset> gives page URLs, a <sitemapindex> names more
// sitemaps, which are followed (breadth first, bounded) while they stay on the side's host.
// Gzipped sitemaps (.xml.gz) are unpacked. A sitemap may hold 50,000 URLs in 50 MB, far more
// than the body limit of a page, so sitemaps are read up to that limit instead.
import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { HttpContext } from './http-context.js';
import { onSide, type Side } from './sides.js';

export interface SitemapFile {
  url: string;
  status: number | null;
  kind: 'urlset' | 'sitemapindex' | null;
  entries: number;
  error?: string;
}

export interface SitemapRead {
  urls: string[];
  files: SitemapFile[];
  /** Child sitemaps on another host, not followed. */
  offHost: string[];
  /** Sitemaps named but left unread because maxFiles or maxUrls was reached. */
  unread: string[];
  /** URLs of read sitemaps left out of `urls` past maxUrls. */
  droppedUrls: number;
}

/** How much of a site's sitemaps one check reads: one full sitemap's worth of URLs, 50 files. */
export const SITEMAP_MAX_URLS = 50_000;
export const SITEMAP_MAX_FILES = 50;

/** The sitemap protocol's size limit (uncompressed), sitemaps.org. */
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'url' || name === 'sitemap' });

type Loc = { loc?: unknown };

export function parseSitemap(xml: string): { kind: 'urlset' | 'sitemapindex'; locs: string[] } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as { urlset?: { url?: Loc[] } | ''; sitemapindex?: { sitemap?: Loc[] } | '' };
  const locs = (items: Loc[] | undefined): string[] => (items ?? []).map((i) => (typeof i.loc === 'string' ? i.loc.trim() : '')).filter((l) => l !== '');
  if (doc.urlset !== undefined) return { kind: 'urlset', locs: locs(doc.urlset === '' ? [] : doc.urlset.url) };
  if (doc.sitemapindex !== undefined) return { kind: 'sitemapindex', locs: locs(doc.sitemapindex === '' ? [] : doc.sitemapindex.sitemap) };
  throw new Error('neither <urlset> nor <sitemapindex>');
}

export async function readSitemaps(http: HttpContext, side: Side, start: string, opts: { maxUrls?: number; maxFiles?: number } = {}): Promise<SitemapRead> {
  const maxUrls = opts.maxUrls ?? SITEMAP_MAX_URLS;
  const maxFiles = opts.maxFiles ?? SITEMAP_MAX_FILES;
  const out: SitemapRead = { urls: [], files: [], offHost: [], unread: [], droppedUrls: 0 };
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0 && out.files.length < maxFiles && out.urls.length < maxUrls) {
    const url = queue.shift() as string;
    if (seen.has(url)) continue;
    seen.add(url);
    if (!onSide(new URL(url), side)) {
      out.offHost.push(url);
      continue;
    }
    const chain = await http.chain(side, url, { maxBodyBytes: SITEMAP_MAX_BYTES });
    const res = chain.final;
    if (res === null) {
      out.files.push({ url, status: null, kind: null, entries: 0, error: chain.error?.message ?? (chain.leftTo !== undefined ? `redirects off the host to ${chain.leftTo}` : 'no answer') });
      continue;
    }
    if (res.status !== 200) {
      out.files.push({ url, status: res.status, kind: null, entries: 0, error: `answers ${res.status}` });
      continue;
    }
    const tooBig = `larger than ${SITEMAP_MAX_BYTES / 1024 / 1024} MiB, the sitemap protocol's limit`;
    if (res.truncated) {
      out.files.push({ url, status: res.status, kind: null, entries: 0, error: tooBig });
      continue;
    }
    try {
      const gz = res.body[0] === 0x1f && res.body[1] === 0x8b;
      let xml: Buffer;
      try {
        xml = gz ? gunzipSync(res.body, { maxOutputLength: SITEMAP_MAX_BYTES }) : res.body;
      } catch (err) {
        throw new Error((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `${tooBig} once unpacked` : `gzip does not unpack: ${(err as Error).message}`);
      }
      const parsed = parseSitemap(xml.toString('utf8'));
      out.files.push({ url, status: res.status, kind: parsed.kind, entries: parsed.locs.length });
      if (parsed.kind === 'urlset') {
        const room = maxUrls - out.urls.length;
        out.urls.push(...parsed.locs.slice(0, room));
        out.droppedUrls += Math.max(0, parsed.locs.length - room);
      }
      else queue.push(...parsed.locs);
    } catch (err) {
      out.files.push({ url, status: res.status, kind: null, entries: 0, error: (err as Error).message });
    }
  }
  out.unread = [...new Set(queue.filter((u) => !seen.has(u)))];
  return out;
}

// Sitemaps served by production (those robots.txt lists, and the plan's) must list production
// URLs: a sitemap still full of staging URLs tells crawlers to index the old host.
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { readSitemaps, SITEMAP_MAX_FILES, SITEMAP_MAX_URLS } from './sitemap.js';
import { isStagingUrl, onSide, sameOrigin, urlOn, type Side } from './sides.js';

export async function productionSitemapFindings(http: HttpContext, sides: { production: Side; staging: Side }, declared: readonly string[], planSitemap: string | undefined): Promise<Finding[]> {
  const starts = [...new Set([...declared, ...(planSitemap === undefined ? [] : [urlOn(sides.production, planSitemap)])])];
  const out: Finding[] = [];
  for (const start of starts) {
    const f = findingsFor('sitemap', start);
    let u: URL;
    try {
      u = new URL(start);
    } catch {
      out.push(f.fail(`sitemap ${JSON.stringify(start)} is not a URL`));
      continue;
    }
    if (isStagingUrl(u, sides.staging, sides.production)) {
      out.push(f.fail(`robots.txt points crawlers at the staging sitemap ${start}`));
      continue;
    }
    if (!onSide(u, sides.production)) {
      out.push(f.warn(`sitemap on another host (${u.host}); not checked`));
      continue;
    }
    const read = await readSitemaps(http, sides.production, start);
    const files = read.files;
    const broken = files.filter((x) => x.error !== undefined);
    const foreign = read.urls.filter((loc) => {
      try {
        return !sameOrigin(new URL(loc), sides.production);
      } catch {
        return true;
      }
    });
    const staging = foreign.filter((loc) => {
      try {
        return isStagingUrl(new URL(loc), sides.staging, sides.production);
      } catch {
        return false;
      }
    });
    const evidence = { files, urls: read.urls.length, foreign: foreign.slice(0, 20), foreignCount: foreign.length, offHost: read.offHost };
    const before = out.length;
    if (broken.length > 0) out.push(f.fail(`sitemap unreadable on production: ${broken.map((b) => `${b.url}: ${b.error}`).join('; ')}`, evidence));
    if (foreign.length > 0) {
      out.push(
        f.fail(
          `${foreign.length} of ${read.urls.length} sitemap URLs are not on ${sides.production.origin.origin}${staging.length > 0 ? ` (${staging.length} on staging)` : ''}: ${foreign.slice(0, 3).join(', ')}`,
          evidence,
        ),
      );
    }
    if (read.offHost.length > 0) out.push(f.fail(`sitemap index names sitemaps off the production host: ${read.offHost.join(', ')}`, evidence));
    // A pass must not speak for sitemaps nobody read.
    if (read.unread.length > 0 || read.droppedUrls > 0) {
      const filesLeft = read.unread.length > 0 ? `${read.unread.length} sitemap file${read.unread.length === 1 ? '' : 's'} (${read.unread.slice(0, 3).join(', ')}${read.unread.length > 3 ? ', …' : ''})` : '';
      const urls = read.droppedUrls > 0 ? `${read.droppedUrls} URLs past the first ${read.urls.length}` : '';
      out.push(f.warn(`not all of the sitemap was checked: ${[urls, filesLeft].filter((x) => x !== '').join(' and ')} left unread (limits: ${SITEMAP_MAX_FILES} files, ${SITEMAP_MAX_URLS} URLs)`, { ...evidence, unread: read.unread.slice(0, 50), unreadCount: read.unread.length, droppedUrls: read.droppedUrls }));
    }
    if (out.length === before) out.push(f.pass(`${read.urls.length} URLs, all on the production origin`, evidence));
  }
  return out;
}

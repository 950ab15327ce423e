// Which pages to check: the plan's list, or the first `top` URLs of the staging sitemap (the
// site as it was validated), each reduced to its path so it can be asked of either side.
// validate runs after lock, when a staging that serves its sitemap dynamically (WordPress,
// Yoast) answers its maintenance page (503) for it too; then production's copy of the same
// sitemap gives the paths — its database is staging's, verified, so it lists the same pages.
import type { Plan } from '../cutover/plan.js';
import type { HttpContext } from './http-context.js';
import { readSitemaps, type SitemapRead } from './sitemap.js';
import { urlOn, type Side } from './sides.js';
import { findingsFor, type Finding } from './types.js';

export const DEFAULT_TOP = 100;

/** The sitemap's first `top` URLs as paths, each once. */
export function pathsOf(read: SitemapRead, top: number): string[] {
  const pages: string[] = [];
  for (const loc of read.urls) {
    let u: URL;
    try {
      u = new URL(loc);
    } catch {
      continue;
    }
    const path = `${u.pathname}${u.search}`;
    if (!pages.includes(path)) pages.push(path);
    if (pages.length >= top) break;
  }
  return pages;
}

export const problems = (read: SitemapRead): string => read.files.filter((x) => x.error !== undefined).map((b) => `${b.url}: ${b.error}`).join('; ');

export async function pageList(plan: Plan, http: HttpContext, sides: { production: Side; staging: Side }): Promise<{ pages: string[]; findings: Finding[]; sitemap?: SitemapRead }> {
  if (plan.checks.pages !== undefined) return { pages: [...new Set(plan.checks.pages)], findings: [] };
  const f = findingsFor('pages', plan.checks.sitemap);
  const top = plan.checks.top ?? DEFAULT_TOP;
  const start = urlOn(sides.staging, plan.checks.sitemap as string);
  const read = await readSitemaps(http, sides.staging, start, { maxUrls: top });
  const pages = pathsOf(read, top);
  const broken = problems(read);
  const evidence = { sitemap: start, files: read.files, offHost: read.offHost };
  if (pages.length > 0) {
    const findings = broken !== '' ? [f.warn(`staging sitemap: ${broken}`, evidence)] : [f.pass(`${pages.length} pages from the staging sitemap`, evidence)];
    return { pages, findings, sitemap: read };
  }

  const prodStart = urlOn(sides.production, plan.checks.sitemap as string);
  const prodRead = await readSitemaps(http, sides.production, prodStart, { maxUrls: top });
  const prodPages = pathsOf(prodRead, top);
  const why = broken !== '' ? broken : 'no URLs';
  const both = { ...evidence, production: { sitemap: prodStart, files: prodRead.files, offHost: prodRead.offHost } };
  if (prodPages.length === 0) {
    return { pages: [], findings: [f.fail(`no pages to check: the staging sitemap ${start} gave no URLs (${why}), nor did production's ${prodStart}${problems(prodRead) !== '' ? ` (${problems(prodRead)})` : ''}`, both)], sitemap: read };
  }
  return {
    pages: prodPages,
    findings: [f.warn(`staging sitemap gave no URLs (${why}; staging is locked for the cutover by now and may answer its maintenance page); ${prodPages.length} pages taken from production's sitemap ${prodStart}`, both)],
    sitemap: prodRead,
  };
}

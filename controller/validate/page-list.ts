// Which pages to check: the plan's list, or the first `top` URLs of the staging sitemap (the
// site as it was validated), each reduced to its path so it can be asked of either side.
import type { Plan } from '../cutover/plan.js';
import type { HttpContext } from './http-context.js';
import { readSitemaps, type SitemapRead } from './sitemap.js';
import { urlOn, type Side } from './sides.js';
import { findingsFor, type Finding } from './types.js';

export const DEFAULT_TOP = 100;

export async function pageList(plan: Plan, http: HttpContext, staging: Side): Promise<{ pages: string[]; findings: Finding[]; sitemap?: SitemapRead }> {
  if (plan.checks.pages !== undefined) return { pages: [...new Set(plan.checks.pages)], findings: [] };
  const f = findingsFor('pages', plan.checks.sitemap);
  const top = plan.checks.top ?? DEFAULT_TOP;
  const start = urlOn(staging, plan.checks.sitemap as string);
  const read = await readSitemaps(http, staging, start, { maxUrls: top });
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
  const broken = read.files.filter((x) => x.error !== undefined);
  const evidence = { sitemap: start, files: read.files, offHost: read.offHost };
  if (pages.length === 0) return { pages, findings: [f.fail(`no pages to check: the staging sitemap ${start} gave no URLs${broken.length > 0 ? ` (${broken.map((b) => `${b.url}: ${b.error}`).join('; ')})` : ''}`, evidence)], sitemap: read };
  const findings = broken.length > 0 ? [f.warn(`staging sitemap: ${broken.map((b) => `${b.url}: ${b.error}`).join('; ')}`, evidence)] : [f.pass(`${pages.length} pages from the staging sitemap`, evidence)];
  return { pages, findings, sitemap: read };
}

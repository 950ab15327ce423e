// robots.txt on production, read with a real robots.txt parser: it must not keep `*` or
// Googlebot away from / or from any checked page, except paths the plan says are meant to be
// blocked. A robots.txt copied from staging (`Disallow: /`) is the classic cutover disaster,
// so what staging serves is no excuse. A 5xx, a 429 or no answer counts as blocking everything,
// as Google treats it (a rate limiter in front of robots.txt stops the crawl); any other 4xx
// means no rules.
import { parseRobots, robotsStatusMeaning } from './robots-parser.js';
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { urlOn, type Side } from './sides.js';

export const CRAWLERS = ['*', 'Googlebot'] as const;

export interface RobotsRead {
  findings: Finding[];
  /** Sitemap URLs the file lists. */
  sitemaps: string[];
}

export async function robotsTxtFindings(http: HttpContext, production: Side, pages: readonly string[], blockedPaths: readonly string[]): Promise<RobotsRead> {
  const f = findingsFor('robots-txt', '/robots.txt');
  const robotsUrl = urlOn(production, '/robots.txt');
  const chain = await http.chain(production, robotsUrl);
  const hops = chain.hops.map((h) => ({ url: h.url, status: h.status }));
  if (chain.error !== undefined) return { findings: [f.fail(`robots.txt did not answer (${chain.error.message}); crawlers treat that as "disallow everything"`, { hops })], sitemaps: [] };
  const res = chain.final;
  if (res === null) return { findings: [f.fail(`robots.txt gave no answer (${chain.leftTo !== undefined ? `redirects off the host to ${chain.leftTo}` : 'redirect problem'})`, { hops })], sitemaps: [] };
  const meaning = robotsStatusMeaning(res.status);
  if (meaning === 'disallow-all') return { findings: [f.fail(`robots.txt answers ${res.status}; crawlers treat that as "disallow everything"`, { hops })], sitemaps: [] };
  if (meaning === 'no-rules') return { findings: [f.pass(`no robots.txt (${res.status}): everything may be crawled`, { hops })], sitemaps: [] };
  if (res.status !== 200) return { findings: [f.warn(`robots.txt answers ${res.status}`, { hops })], sitemaps: [] };

  const text = res.body.toString('utf8');
  const robots = parseRobots(robotsUrl, text);
  const meant = new Set(blockedPaths);
  const blocked: Array<{ path: string; agent: string; line: number }> = [];
  for (const path of ['/', ...pages.filter((p) => p !== '/')]) {
    if (meant.has(path)) continue;
    for (const agent of CRAWLERS) {
      if (robots.isDisallowed(urlOn(production, path), agent) === true) blocked.push({ path, agent, line: robots.getMatchingLineNumber(urlOn(production, path), agent) });
    }
  }
  const crawlable = blockedPaths.filter((p) => robots.isAllowed(urlOn(production, p), '*') === true);
  const evidence = { url: robotsUrl, hops, body: text.slice(0, 4000), blocked, sitemaps: robots.getSitemaps() };
  const out: Finding[] = [];
  if (blocked.length > 0) {
    const lines = text.split(/\r?\n/);
    const desc = blocked.map((b) => `${b.path} for ${b.agent} (line ${b.line}: ${JSON.stringify(lines[b.line - 1]?.trim() ?? '')})`);
    out.push(f.fail(`robots.txt blocks ${desc.slice(0, 6).join(', ')}${desc.length > 6 ? ` and ${desc.length - 6} more` : ''}`, evidence));
  }
  if (crawlable.length > 0) out.push(f.warn(`paths the plan lists as blocked are crawlable for *: ${crawlable.join(', ')}`, evidence));
  if (out.length === 0) out.push(f.pass(`/ and ${pages.length} checked pages crawlable for ${CRAWLERS.join(' and ')}`, evidence));
  return { findings: out, sitemaps: robots.getSitemaps() };
}

// robots.txt as production serves it, fetched pinned to the production IP before any DNS
// change. A file that shuts out every crawler (`Disallow: /` for `*` or Googlebot) — typically
// copied from a staging host that hid itself — de-indexes the site within days, so it fails.
// Per RFC 9309 a 5xx for robots.txt makes crawlers assume everything is disallowed (Google reads
// a 429 so too): fails too.
import { pageUrl, pinnedRequest, type PinnedResponse } from '../pinned-http.js';
import { parseRobotsTxt, robotsDecision } from './robots-txt.js';
import { robotsStatusMeaning } from '../../../validate/robots-parser.js';
import { fail, pass, warn, type PreflightCheck } from './types.js';

const NAME = 'robots.txt';
const MAX_REDIRECTS = 5;
const CRAWLERS = ['*', 'googlebot'];

export function robotsCheck(opts: { timeoutMs?: number } = {}): PreflightCheck {
  return async ({ step }) => {
    const { plan } = step;
    let url = pageUrl(plan.production.origin, '/robots.txt');
    const host = new URL(url).host;
    let res: PinnedResponse;
    const hops: string[] = [];
    try {
      for (;;) {
        res = await pinnedRequest(url, plan.production.ip, { timeoutMs: opts.timeoutMs ?? 10_000, maxBodyBytes: 500 * 1024, signal: step.signal });
        const loc = res.headers.location;
        if (res.status < 300 || res.status >= 400 || loc === undefined) break;
        const next = new URL(loc, url);
        hops.push(`${res.status} → ${next.toString()}`);
        // Another host is not production's to answer: it is not reachable pinned to its IP.
        if (next.host !== host || hops.length > MAX_REDIRECTS) {
          return [warn(NAME, `${url} redirects to ${next.toString()}${hops.length > MAX_REDIRECTS ? ' (too many redirects)' : ''}; crawlers follow it, this check does not`, { hops })];
        }
        url = next.toString();
      }
    } catch (err) {
      return [fail(NAME, `production (${plan.production.ip}) did not serve ${url}: ${(err as Error).message}`, { url })];
    }
    const ev = { url, status: res.status, hops, bytes: res.body.length };
    const meaning = robotsStatusMeaning(res.status);
    if (meaning === 'disallow-all') return [fail(NAME, `${url} answers ${res.status}: crawlers treat an unreachable robots.txt as "disallow everything"`, ev)];
    if (meaning === 'no-rules') return [pass(NAME, `${url} answers ${res.status}: no robots.txt, crawlers may fetch everything`, ev)];
    const robots = parseRobotsTxt(res.body.toString('utf8'));
    const paths = [...new Set(['/', ...(plan.checks.pages ?? [])])];
    const blocked: string[] = [];
    const decisions: Record<string, unknown>[] = [];
    for (const agent of CRAWLERS) {
      for (const path of paths) {
        const d = robotsDecision(robots, agent, path);
        decisions.push({ agent, path, allowed: d.allowed, rule: d.rule, groups: d.groupAgents });
        if (!d.allowed) blocked.push(`${agent === '*' ? 'every crawler (*)' : agent} from ${path} (line ${d.rule!.line}: ${d.rule!.allow ? 'Allow' : 'Disallow'}: ${d.rule!.pattern})`);
      }
    }
    const evidence = { ...ev, sitemaps: robots.sitemaps, decisions };
    if (blocked.length > 0) {
      return [fail(NAME, `production's robots.txt blocks ${blocked.join('; ')} — a staging robots.txt on production de-indexes the site; fix it before the switch`, evidence)];
    }
    return [pass(NAME, `${url}: crawlers may fetch ${paths.join(', ')}`, evidence)];
  };
}

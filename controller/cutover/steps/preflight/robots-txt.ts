// robots.txt as RFC 9309 reads it: groups of user-agent lines with their allow/disallow rules;
// a crawler obeys the groups naming its product token (merged), else the `*` groups; among the
// rules matching a path the longest pattern wins, allow over disallow on a tie; `*` matches
// any run of characters and a trailing `$` anchors the end.

export interface RobotsRule {
  allow: boolean;
  pattern: string;
  line: number;
}

export interface RobotsGroup {
  agents: string[];
  rules: RobotsRule[];
}

export interface RobotsTxt {
  groups: RobotsGroup[];
  sitemaps: string[];
}

export interface RobotsDecision {
  allowed: boolean;
  /** The user-agent lines whose groups applied ('*' or the crawler's token); empty: none did. */
  groupAgents: string[];
  /** The rule that decided; null when none matched (allowed). */
  rule: RobotsRule | null;
}

export function parseRobotsTxt(text: string): RobotsTxt {
  const groups: RobotsGroup[] = [];
  const sitemaps: string[] = [];
  let current: RobotsGroup | undefined;
  let lastWasAgent = false;
  text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (m === null) return;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === 'user-agent') {
      if (!lastWasAgent || current === undefined) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      return;
    }
    if (key === 'sitemap') {
      if (value !== '') sitemaps.push(value);
      return;
    }
    if (key === 'allow' || key === 'disallow') {
      lastWasAgent = false;
      // Rules before any user-agent line belong to no group (RFC 9309 2.1).
      // An empty disallow allows everything: it is not a rule.
      if (current !== undefined && value !== '') current.rules.push({ allow: key === 'allow', pattern: value, line: i + 1 });
      return;
    }
    // Other records (crawl-delay, host...) do not end a run of user-agent lines' group.
  });
  return { groups, sitemaps };
}

function patternMatches(pattern: string, path: string): boolean {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const re = body.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}${anchored ? '$' : ''}`).test(path);
}

/** Percent-encoding is compared in one form: decode what is safe to decode, keep the rest. */
function normalizePath(p: string): string {
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
}

/** `agent` is the crawler's product token, e.g. `googlebot`; `*` asks for the default groups. */
export function robotsDecision(robots: RobotsTxt, agent: string, path: string): RobotsDecision {
  const token = agent.toLowerCase();
  let groups = token === '*' ? [] : robots.groups.filter((g) => g.agents.includes(token));
  if (groups.length === 0) groups = robots.groups.filter((g) => g.agents.includes('*'));
  const target = normalizePath(path);
  let best: RobotsRule | null = null;
  for (const g of groups) {
    for (const r of g.rules) {
      if (!patternMatches(normalizePath(r.pattern), target)) continue;
      const len = r.pattern.length;
      if (best === null || len > best.pattern.length || (len === best.pattern.length && r.allow && !best.allow)) best = r;
    }
  }
  return { allowed: best === null || best.allow, groupAgents: groups.length === 0 ? [] : [...new Set(groups.flatMap((g) => g.agents))], rule: best };
}

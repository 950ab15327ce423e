// robots-parser is CommonJS (`module.exports = function`) with a declaration file that
// describes an ES default export; loading it through require gives the function either way.
import { createRequire } from 'node:module';

export interface RobotsRules {
  isAllowed(url: string, ua?: string): boolean | undefined;
  isDisallowed(url: string, ua?: string): boolean | undefined;
  getMatchingLineNumber(url: string, ua?: string): number;
  getSitemaps(): string[];
}

const require = createRequire(import.meta.url);

export const parseRobots = require('robots-parser') as (url: string, contents: string) => RobotsRules;

/**
 * What a robots.txt answer's status tells crawlers, as Google reads it (RFC 9309 for the 5xx):
 * unreachable (a 5xx, or a 429 from a rate limiter in front of it) means "disallow everything",
 * any other 4xx means there are no rules; otherwise the body holds them.
 */
export function robotsStatusMeaning(status: number): 'disallow-all' | 'no-rules' | 'rules' {
  if (status >= 500 || status === 429) return 'disallow-all';
  if (status >= 400) return 'no-rules';
  return 'rules';
}

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

// Theme and asset files on production that still name the staging host. The database rewrite
// does not touch files, so a URL hard-coded in a theme's CSS or a plugin's JSON keeps pointing
// at staging after the switch. The search runs on the production agent (ScanText), root by
// root; the needle is the staging host, which catches http://, https://, protocol-relative and
// JSON-escaped (https:\/\/host) forms alike.
import type { Plan } from '../cutover/plan.js';
import { findingsFor, type Finding } from './types.js';

export const SCAN_EXTENSIONS = ['css', 'js', 'php', 'html', 'json', 'svg'];
const LISTED = 50;

export interface TextMatch {
  path: string;
  line: number;
  excerpt: string;
}

export interface TextScanResult {
  matches: TextMatch[];
  filesScanned: number;
  truncated: boolean;
  skipped: string[];
}

/** Runs ScanText on an agent; the step builds it from the agent directory, tests may fake it. */
export type TextScanner = (agent: string, req: { root: string; needle: string; extensions: string[] }) => Promise<TextScanResult>;

export async function assetScanFindings(plan: Plan, scanner: TextScanner | undefined): Promise<Finding[]> {
  const roots = plan.assets ?? [];
  if (roots.length === 0) return [];
  const needle = new URL(plan.staging.origin).host;
  const out: Finding[] = [];
  for (const r of roots) {
    const f = findingsFor('asset-urls', `${plan.production.agent}:${r.production}`);
    if (scanner === undefined) {
      out.push(f.warn('not run: no agent connection to scan asset files with'));
      continue;
    }
    let res: TextScanResult;
    try {
      res = await scanner(plan.production.agent, { root: r.production, needle, extensions: SCAN_EXTENSIONS });
    } catch (err) {
      out.push(f.warn(`not run: ${(err as Error).message}`));
      continue;
    }
    const files = [...new Set(res.matches.map((m) => m.path))];
    const evidence = { needle, filesScanned: res.filesScanned, files: files.length, matches: res.matches.slice(0, LISTED), truncated: res.truncated || res.matches.length > LISTED, skipped: res.skipped };
    if (res.matches.length === 0) out.push(f.pass(`${res.filesScanned} text files, none names ${needle}`, evidence));
    else
      out.push(
        f.fail(
          `${res.matches.length}${res.truncated ? '+' : ''} lines in ${files.length} files name the staging host ${needle}: ${res.matches
            .slice(0, 3)
            .map((m) => `${m.path}:${m.line}`)
            .join(', ')}${res.matches.length > 3 ? ', …' : ''}`,
          evidence,
        ),
      );
  }
  return out;
}

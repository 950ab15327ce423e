// The host's default locale and which locales it has. A site that calls setlocale('de_DE.UTF-8')
// on a host without that locale silently falls back to C: dates, numbers and sorting change.
import type { LocaleFacts } from '../../shared/proto-gen/switchyard/v1/LocaleFacts.js';
import type { Collected } from './collected.js';
import { errorMessage, findOnPath, runTool, type ToolEnv } from './exec.js';

/** `locale -a` output as a list, blank lines dropped. */
export function parseLocaleList(output: string): string[] {
  return [...new Set(output.split('\n').map((l) => l.trim()).filter((l) => l !== ''))].sort();
}

/** `env`: where LANG and LC_ALL are read from; tests pass their own. */
export async function collectLocaleFacts(tools: ToolEnv = {}, env: NodeJS.ProcessEnv = process.env): Promise<Collected<LocaleFacts>> {
  const defaults = { lang: env.LANG ?? '', lc_all: env.LC_ALL ?? '' };
  const found = await findOnPath('locale', tools);
  if (found === undefined) {
    const error = 'locale not found on this host';
    return { facts: { ...defaults, error }, notes: [`locale: ${error}`] };
  }
  try {
    return { facts: { ...defaults, available: parseLocaleList((await runTool(found, ['-a'], tools)).stdout) }, notes: [] };
  } catch (err) {
    const error = errorMessage(err);
    return { facts: { ...defaults, error }, notes: [`locale: ${error}`] };
  }
}

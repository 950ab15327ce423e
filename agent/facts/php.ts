// The PHP the site runs on: version and compiled/loaded modules, as the CLI binary reports them.
import type { PhpFacts } from '../../shared/proto-gen/switchyard/v1/PhpFacts.js';
import type { Collected } from './collected.js';
import { errorMessage, findOnPath, runTool, type ToolEnv } from './exec.js';

/** Module names from `php -m`: both sections, lower-cased so "Zend OPcache" matches across builds. */
export function parsePhpModules(output: string): string[] {
  const names = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('['))
    .map((l) => l.toLowerCase());
  return [...new Set(names)].sort();
}

export async function collectPhpFacts(binary: string, env: ToolEnv = {}): Promise<Collected<PhpFacts>> {
  const found = await findOnPath(binary, env);
  if (found === undefined) {
    return { facts: { present: false, binary }, notes: [`${binary} not found on this host`] };
  }
  try {
    const [version, modules] = await Promise.all([
      runTool(found, ['-r', 'echo PHP_VERSION;'], env),
      runTool(found, ['-m'], env),
    ]);
    return {
      facts: { present: true, binary: found, version: version.stdout.trim(), modules: parsePhpModules(modules.stdout) },
      notes: [],
    };
  } catch (err) {
    const message = errorMessage(err);
    return { facts: { present: true, binary: found, error: message }, notes: [`php: ${message}`] };
  }
}

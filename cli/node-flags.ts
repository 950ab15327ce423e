// The Node.js flags the `switchyard` binary runs with: its shebang names them, so an installed
// binary (npm's link, the Docker image's, systemd's ExecStart) gets them without a wrapper. Where
// we start the binary ourselves with `node main.js` (the demo, the benchmarks) the same flags are
// read from that line, so what is measured is what is installed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

/** The flags after `node` on the script's `#!/usr/bin/env -S node …` line; none without one. */
export function shebangNodeFlags(script: string = MAIN_SCRIPT): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  if (!first.startsWith('#!')) return [];
  const words = first.slice(2).trim().split(/\s+/);
  const at = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  return at < 0 ? [] : words.slice(at + 1).filter((w) => w.startsWith('--'));
}

// `npm run bench -- NAME [ARGS…]` runs one benchmark of this folder with its own arguments;
// without NAME it lists them. Each takes minutes and wants the machine to itself, so they are
// run one at a time, by name, never all at once. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// This file runs from dist/test/bench/; the sources (for each one's header line) are test/bench/*.ts.
const sources = join(here, '..', '..', '..', 'test', 'bench');

function benches(): Array<{ name: string; about: string }> {
  return readdirSync(here)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => {
      const name = f.slice(0, -3);
      const src = join(sources, `${name}.ts`);
      const first = existsSync(src) ? readFileSync(src, 'utf8').split('\n').find((l) => l.startsWith('// ')) : undefined;
      return { name, about: first?.slice(3) ?? '' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const [name, ...args] = process.argv.slice(2);
const all = benches();
if (name === undefined || name === '--help' || name === '-h') {
  console.log('usage: npm run bench -- NAME [ARGS…]   (each file\'s header names its arguments)\n');
  for (const b of all) console.log(`  ${b.name.padEnd(16)} ${b.about}`);
  process.exit(0);
}
if (!all.some((b) => b.name === name)) {
  console.error(`no benchmark named "${name}"; there are: ${all.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [join(here, `${name}.js`), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);

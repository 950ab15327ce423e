import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths.js';
import { configKeys } from '../../shared/config/keys.js';
import { AgentConfigSchema } from '../../agent/config.js';
import { ControllerConfigSchema } from '../../controller/config.js';

const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
const section = (title: string) => readme.split(`### ${title}`)[1]?.split('\n### ')[0] ?? '';

test('every agent.yaml key is in the README config reference', () => {
  const doc = section('agent.yaml');
  assert.deepEqual(configKeys(AgentConfigSchema).filter((k) => !doc.includes(`\`${k}\``)), []);
});

test('every controller.yaml key is in the README config reference', () => {
  const doc = section('controller.yaml');
  assert.deepEqual(configKeys(ControllerConfigSchema).filter((k) => !doc.includes(`\`${k}\``)), []);
});

test('the README quick start has exactly the two set-up commands', () => {
  assert.match(readme, /npm ci && npm run demo/);
  assert.match(readme, /^npm test\b/m);
});

test('every plan key is in the README plan reference', async () => {
  const { PlanSchema } = await import('../../controller/cutover/plan.js');
  const doc = section('Plan reference');
  assert.deepEqual(configKeys(PlanSchema).filter((k) => !doc.includes(`\`${k}\``)), []);
});

test('every file an npm script runs exists in the repo (for dist/ files, as a TypeScript source)', () => {
  const scripts = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const missing: string[] = [];
  for (const [name, command] of Object.entries(scripts)) {
    // A path with a glob (the test files) names no one file.
    for (const m of command.matchAll(/\bnode (?:--\S+ )*([\w/.-]+\.m?js)\b/g)) {
      const file = m[1]!;
      const source = file.startsWith('dist/') ? file.slice('dist/'.length).replace(/\.js$/, '.ts') : file;
      if (!existsSync(join(packageRoot(), source))) missing.push(`${name}: ${file} (no ${source})`);
    }
  }
  assert.deepEqual(missing, []);
});

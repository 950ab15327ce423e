import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { packageRoot } from '../../shared/paths.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('committed proto types match what proto-loader-gen-types generates from proto/', (t) => {
  const root = packageRoot();
  const out = mkdtempSync(join(tmpdir(), 'sy-protogen-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(process.execPath, [join(root, 'scripts', 'proto-gen.mjs'), '--out', out], { stdio: 'pipe' });
  const committedDir = join(root, 'shared', 'proto-gen');
  const fresh = files(out).map((f) => relative(out, f)).sort();
  const committed = files(committedDir).map((f) => relative(committedDir, f)).sort();
  assert.deepEqual(committed, fresh, 'file list drifted: run `npm run proto:gen` and commit');
  for (const f of fresh) {
    assert.equal(readFileSync(join(committedDir, f), 'utf8'), readFileSync(join(out, f), 'utf8'), `${f} drifted: run \`npm run proto:gen\` and commit`);
  }
});

// The agent's text scan: matches with path and line, only text extensions, case-insensitive,
// symlinks not followed, match limit honoured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanText } from '../../agent/scan/scan-text.js';
import { tempDir } from '../helpers/cutover-fakes.js';

test('scanText: path, line and excerpt of each match in text files', async (t) => {
  const root = tempDir(t, 'sy-scan-');
  const outside = tempDir(t, 'sy-scan-out-');
  mkdirSync(join(root, 'theme', 'css'), { recursive: true });
  writeFileSync(join(root, 'theme', 'css', 'a.css'), 'x{}\ny{background:url(https://STAGING.example.com/i.png)}\n');
  writeFileSync(join(root, 'theme', 'b.json'), '{"u":"https:\\/\\/staging.example.com\\/x"}');
  writeFileSync(join(root, 'theme', 'c.txt'), 'staging.example.com'); // not a scanned extension
  writeFileSync(join(root, 'minified.js'), `${'a'.repeat(5000)}staging.example.com${'b'.repeat(5000)}`);
  writeFileSync(join(outside, 'secret.css'), 'staging.example.com');
  symlinkSync(outside, join(root, 'link'));

  const r = await scanText(root, 'staging.example.com');
  assert.deepEqual(r.matches.map((m) => `${m.path}:${m.line}`), ['minified.js:1', 'theme/b.json:1', 'theme/css/a.css:2']);
  assert.equal(r.filesScanned, 3);
  assert.equal(r.truncated, false);
  const mini = r.matches[0]?.excerpt ?? '';
  assert.ok(mini.length < 300 && mini.includes('staging.example.com') && mini.startsWith('…'), mini);

  const limited = await scanText(root, 'staging.example.com', { maxMatches: 1 });
  assert.equal(limited.matches.length, 1);
  assert.equal(limited.truncated, true);

  const cssOnly = await scanText(root, 'staging.example.com', { extensions: ['css'] });
  assert.deepEqual(cssOnly.matches.map((m) => m.path), ['theme/css/a.css']);
  await assert.rejects(scanText(root, ' '), /needle/);
});

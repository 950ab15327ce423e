// The sizes in a test, not only in the benchmark: a file of several hundred MB beside
// tens of thousands of small files, copied and then changed in one chunk, each result checked
// with find/sha256sum on both sides rather than with the agents' own digests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESCAPING_LINKS, makeTree, pull, snapshotTree, startAssetPair } from '../helpers/tree-fixture.js';

const TOKEN = 'tok-scale-0123456789abcdef';
const BIG = 320 * 1024 * 1024;
const SMALL = 20_000;

test(`a ${BIG / 2 ** 20} MiB file and ${SMALL} small files: copied byte for byte, then a change inside the large file moves one chunk`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-assets-scale-'));
  const stagingRoot = join(dir, 'staging');
  const productionRoot = join(dir, 'production');
  makeTree(stagingRoot, { smallFiles: SMALL, largeFiles: [BIG], smallMax: 8 * 1024 });
  for (const l of ESCAPING_LINKS) unlinkSync(join(stagingRoot, l));
  const { production, req } = await startAssetPair(t, dir, stagingRoot, productionRoot, TOKEN);
  const same = (): void => {
    const a = snapshotTree(stagingRoot);
    const b = snapshotTree(productionRoot);
    assert.equal(b.files, a.files, 'sha256sum of every file');
    assert.equal(b.modes, a.modes, 'types and modes');
    assert.equal(b.links, a.links, 'symlink targets');
    assert.equal(b.mtimes, a.mtimes, 'mtimes, to the microsecond');
  };

  const first = (await pull(production.client, req)).result;
  assert.equal(first.equal, true);
  assert.ok(Number(first.files_copied) >= SMALL, `files copied: ${first.files_copied}`);
  assert.ok(Number(first.bytes_copied) >= BIG);
  same();
  assert.equal(execFileSync('bash', ['-c', "find . -name '.sy-part-*' | wc -l"], { cwd: productionRoot, encoding: 'utf8' }).trim(), '0');

  // 4 KiB rewritten in the middle of the large file, its size unchanged.
  const fd = openSync(join(stagingRoot, 'media', 'big-0.bin'), 'r+');
  try {
    writeSync(fd, randomBytes(4096), 0, 4096, BIG / 2 + 1234);
  } finally {
    closeSync(fd);
  }
  const second = (await pull(production.client, req)).result;
  assert.equal(second.equal, true);
  assert.equal(Number(second.files_copied), 1);
  assert.ok(Number(second.bytes_wire) < 1024 * 1024, `one 256 KiB chunk travels, not the file: ${second.bytes_wire} B on the wire`);
  assert.ok(Number(second.bytes_reused) >= BIG - 512 * 1024, `the rest comes from production's own copy: ${second.bytes_reused} B reused`);
  same();
});

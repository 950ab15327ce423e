import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwitchyardError } from '../../shared/errors.js';
import {
  checkRelativePath,
  relativePathProblem,
  resolveInside,
  resolveLinkProblem,
  symlinkTargetProblem,
} from '../../agent/assets/path-safety.js';
import { assertRealDir } from '../../agent/assets/copy-file.js';

test('plain relative paths pass, unicode and spaces included', () => {
  for (const p of ['a', 'a/b/c.jpg', 'with space/ü ñ 日本.txt', '.hidden', '..dots', 'a..b/c', '…', 'emoji 😀/x', 'back\\slash']) {
    assert.equal(relativePathProblem(p), undefined, p);
    assert.equal(checkRelativePath(p), p);
  }
});

test('absolute, .., ., NUL, empty segments and non-strings are refused with SY_PATH_UNSAFE', () => {
  const bad: Array<[unknown, RegExp]> = [
    ['/etc/passwd', /absolute/],
    ['../../etc/x', /\.\./],
    ['a/../../b', /\.\./],
    ['a/..', /\.\./],
    ['..', /\.\./],
    ['./a', /contains \./],
    ['a/./b', /contains \./],
    ['a\0b', /NUL/],
    ['', /empty/],
    ['a//b', /empty segment/],
    ['a/', /empty segment/],
    [undefined, /empty/],
    [42, /empty/],
    ['x'.repeat(256), /name too long/],
    [`${'abcdefgh/'.repeat(500)}x`, /too long/],
    ['bad\uD800name', /UTF-8/],
  ];
  for (const [p, why] of bad) {
    assert.match(relativePathProblem(p) ?? 'ok', why, String(p));
    assert.throws(
      () => checkRelativePath(p, 'entries.path'),
      (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_PATH_UNSAFE' && err.field === 'entries.path',
    );
  }
});

test('resolveInside joins under the root and refuses anything else', () => {
  assert.equal(resolveInside('/srv/root', 'a/b'), '/srv/root/a/b');
  assert.equal(resolveInside('/srv/root/', 'a'), '/srv/root/a');
  assert.throws(() => resolveInside('/srv/root', '../root2/x'), /\.\./);
  assert.throws(() => resolveInside('/srv/root', '/srv/root/x'), /absolute/);
});

test('symlink targets: inside passes; absolute or climbing above the root is refused', () => {
  assert.equal(symlinkTargetProblem('a/link', 'b'), undefined);
  assert.equal(symlinkTargetProblem('a/link', '../b'), undefined);
  assert.equal(symlinkTargetProblem('a/b/link', '../../c/./d'), undefined);
  assert.equal(symlinkTargetProblem('a/link', '..'), undefined);
  assert.match(symlinkTargetProblem('link', '../x') ?? '', /leaves the root/);
  assert.match(symlinkTargetProblem('a/link', '../../x') ?? '', /leaves the root/);
  assert.match(symlinkTargetProblem('a/link', 'b/../../../x') ?? '', /leaves the root/);
  assert.match(symlinkTargetProblem('a/link', '/etc/passwd') ?? '', /absolute/);
  assert.match(symlinkTargetProblem('a/link', '') ?? '', /empty/);
  assert.match(symlinkTargetProblem('a/link', 'x\0') ?? '', /NUL/);
});

test('a chain of links that each look inside but escape together is caught on disk', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sy-links-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'a/b/c'), { recursive: true });
  symlinkSync('../../..', join(root, 'a/b/c/s')); // lexically: the root itself
  symlinkSync('a/b/c/s/..', join(root, 'x')); // lexically: a/b — but really the root's parent
  symlinkSync('a/b', join(root, 'ok'));
  symlinkSync('missing/deeper', join(root, 'dangling'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  assert.equal(symlinkTargetProblem('a/b/c/s', '../../..'), undefined);
  assert.equal(symlinkTargetProblem('x', 'a/b/c/s/..'), undefined);
  return (async () => {
    assert.match((await resolveLinkProblem(root, 'x')) ?? '', /outside/);
    assert.equal(await resolveLinkProblem(root, 'a/b/c/s'), undefined);
    assert.equal(await resolveLinkProblem(root, 'ok'), undefined);
    assert.equal(await resolveLinkProblem(root, 'dangling'), undefined);
    assert.match((await resolveLinkProblem(root, 'loop1')) ?? '', /too long/);
  })();
});

test('a pull writes only below real paths: a linked or missing parent, or one under a file, is refused', async (t) => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'sy-realdir-')));
  const outside = mkdtempSync(join(tmpdir(), 'sy-realdir-out-'));
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'a/b'), { recursive: true });
  symlinkSync(outside, join(root, 'out'));
  symlinkSync('a', join(root, 'alias'));
  writeFileSync(join(root, 'file'), 'x');
  const r = { name: 'site', path: root, allowExternalSymlinks: false };
  assert.equal(await assertRealDir(r, ''), root);
  assert.equal(await assertRealDir(r, 'a/b'), join(root, 'a/b'));
  // (A file itself passes: it is its own real path, and a write below it fails with ENOTDIR.)
  for (const bad of ['out', 'alias', 'alias/b', 'file/sub', 'missing', 'a/missing']) {
    await assert.rejects(assertRealDir(r, bad), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_PATH_UNSAFE', bad);
  }
  await assert.rejects(assertRealDir(r, '../x'), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_PATH_UNSAFE');
});

test('temporary file names: every name partName makes, and no other name with the prefix', async () => {
  const { partName } = await import('../../agent/assets/copy-file.js');
  const { isPartName } = await import('../../agent/assets/path-safety.js');
  const sha = Buffer.alloc(32, 0xab);
  for (const name of [partName('a/b.jpg', sha), partName('l', Buffer.from('x')), partName('l', Buffer.from('a/long/target/path'))]) assert.ok(isPartName(name), name);
  for (const name of ['.sy-part-notes.txt', '.sy-part-', '.sy-part-0123456789abcdef', '.sy-part-0123456789abcdef-', '.sy-part-0123456789ABCDEF-00', 'x.sy-part-0123456789abcdef-00']) assert.ok(!isPartName(name), name);
});

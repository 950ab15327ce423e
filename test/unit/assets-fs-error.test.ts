import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/state/sqlite.js';
import { fsError } from '../../agent/assets/fs-error.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { AssetRoots } from '../../agent/assets/roots.js';

const root = { name: 'uploads', path: '/srv/www/uploads' };
const errno = (code: string, syscall?: string, path?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: node's text`), { code, ...(syscall === undefined ? {} : { syscall }), ...(path === undefined ? {} : { path }) });

test('each file-system errno a sysadmin must act on becomes SY_FILESYSTEM with its meaning, the path in the root and what to do', () => {
  const cases: Array<[string, RegExp, RegExp]> = [
    ['ENOSPC', /no space left on device/, /free space on the file system that holds \/srv\/www\/uploads/],
    ['EDQUOT', /disk quota exceeded/, /raise the disk quota/],
    ['EACCES', /permission denied/, /the agent runs as .*uid \d+.*chown -R/],
    ['EPERM', /operation not permitted/, /the agent runs as/],
    ['EROFS', /read-only file system/, /ReadWritePaths=.*remount it read-write/],
    ['EMFILE', /too many open files in the agent/, /LimitNOFILE=/],
    ['ENFILE', /too many open files on the system/, /fs\.file-max/],
    ['EIO', /input\/output error/, /dmesg, smartctl/],
    ['EFBIG', /file too large/, /cannot hold a file this large/],
  ];
  for (const [code, meaning, advice] of cases) {
    const e = fsError(errno(code, 'write'), root, 'img/a b.jpg');
    assert.ok(e instanceof SwitchyardError, code);
    assert.equal(e.code, 'SY_FILESYSTEM');
    assert.match(e.message, meaning, code);
    assert.match(e.message, advice, code);
    assert.ok(e.message.includes(`(${code}, write) at "img/a b.jpg"`), e.message);
    assert.deepEqual(e.details, { errno: code, syscall: 'write', host: hostname(), root: 'uploads', path: 'img/a b.jpg' });
    assert.ok(e.message.includes(`(/srv/www/uploads on ${hostname()})`), 'the message names the host: the error may come from either agent');
  }
});

test('without a path from the caller, the error\'s own is named when it lies inside the root, and only then', () => {
  const inside = fsError(errno('ENOSPC', 'mkdir', '/srv/www/uploads/2024/05'), root) as SwitchyardError;
  assert.equal(inside.details?.path, '2024/05');
  const top = fsError(errno('EACCES', 'open', '/srv/www/uploads'), root) as SwitchyardError;
  assert.equal(top.details?.path, '.');
  for (const outside of ['/srv/www/uploads-old/x', '/srv/www', '/var/lib/switchyard/state.sqlite']) {
    const e = fsError(errno('ENOSPC', 'open', outside), root) as SwitchyardError;
    assert.equal(e.code, 'SY_FILESYSTEM');
    assert.equal(e.details?.path, undefined, outside);
    assert.doesNotMatch(e.message, / at "/, outside);
  }
});

test('other errors are left as they are: typed ones, and errnos that are a race or a bug rather than the host', () => {
  const typed = new SwitchyardError('SY_PATH_UNSAFE', 'x');
  assert.equal(fsError(typed, root, 'a'), typed);
  for (const code of ['ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST']) {
    const e = errno(code, 'rename');
    assert.equal(fsError(e, root, 'a'), e, code);
  }
  const plain = new Error('boom');
  assert.equal(fsError(plain, root, 'a'), plain);
});

test('a production root that cannot be created is a typed error naming the config key, not a bare errno', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-fs-error-'));
  try {
    writeFileSync(join(dir, 'file'), '');
    const roots = new AssetRoots({ uploads: { path: join(dir, 'file/uploads'), allowExternalSymlinks: false } }, new ManifestStore(openDatabase(':memory:', ASSET_MIGRATIONS)));
    await assert.rejects(roots.get('uploads', 'production_root', true), (err: unknown) => {
      assert.ok(err instanceof SwitchyardError, String(err));
      assert.equal(err.code, 'SY_PRECONDITION');
      assert.equal(err.field, 'assets.uploads.path');
      assert.match(err.message, /file\/uploads cannot be created: ENOTDIR/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/state/sqlite.js';
import { fsError } from '../../agent/assets/fs-error.js';
import { ASSET_MIGRATIONS, ManifestBatcher, ManifestStore } from '../../agent/assets/manifest-store.js';
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

test('a manifest write that fails in the batcher\'s timer (the state file\'s disk full) does not end the agent: the next flush throws it', async () => {
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  try {
    const store = new ManifestStore(db);
    const batcher = new ManifestBatcher(store, 'uploads', 512, 10);
    const entry = { path: 'a.txt', type: 'file' as const, mode: 0o644, size: 1, mtimeNs: '0', ctimeNs: '0', ino: '1', sha256: null, chunks: null, target: null };
    // Writes refused by SQLite itself, as on a full disk (here: a read-only connection's answer).
    db.pragma('query_only = ON');
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      batcher.upsert(entry);
      await new Promise((r) => setTimeout(r, 60));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(uncaught, []);
    assert.throws(() => batcher.flush(), (err: unknown) => (err as { code?: string }).code === 'SQLITE_READONLY');
    db.pragma('query_only = OFF');
    batcher.upsert(entry);
    batcher.flush();
    assert.equal(store.get('uploads', 'a.txt')?.size, 1);
  } finally {
    db.close();
  }
});

test('the state file full (SQLite\'s code, not an errno) is SY_FILESYSTEM naming the state file', () => {
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const e = fsError(full, root, 'img/a.jpg', '/var/lib/switchyard/agent.sqlite') as SwitchyardError;
  assert.equal(e.code, 'SY_FILESYSTEM');
  assert.match(e.message, /writing the agent's state file \/var\/lib\/switchyard\/agent\.sqlite: database or disk is full \(SQLITE_FULL\)/);
  assert.match(e.message, /free space on .*then run the pull again/);
  assert.deepEqual(e.details, { errno: 'SQLITE_FULL', host: hostname(), root: 'uploads', stateFile: '/var/lib/switchyard/agent.sqlite' });
  const other = Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
  assert.equal(fsError(other, root, 'a'), other);
});

// The paths of a raw fs.watch event as chokidar passes it on: what the watcher thread forwards at
// once, before chokidar has re-read the directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawEventPaths } from '../../agent/assets/raw-event-path.js';

test('rawEventPaths: a directory watch names the entry, a file watch names itself, polling names nothing', () => {
  const isDir = (p: string): boolean => p === '/srv/up/2024' || p === '/srv/up';
  assert.deepEqual(rawEventPaths('img 1.jpg', { watchedPath: '/srv/up/2024' }, isDir), ['/srv/up/2024/img 1.jpg']);
  assert.deepEqual(rawEventPaths('a.jpg', { watchedPath: '/srv/up/a.jpg' }, isDir), ['/srv/up/a.jpg']);
  assert.deepEqual(rawEventPaths(null, { watchedPath: '/srv/up/2024' }, isDir), ['/srv/up/2024'], 'no name: the watched path itself');
  assert.deepEqual(rawEventPaths('', { watchedPath: '/srv/up' }, isDir), ['/srv/up']);
  assert.deepEqual(rawEventPaths('x', { curr: {}, prev: {} }, isDir), [], 'fs.watchFile events carry no watched path');
  assert.deepEqual(rawEventPaths('x', undefined, isDir), []);
});

/** The name the kernel's event on a watch of `dir` carries when `change` runs. */
async function eventName(dir: string, change: () => void): Promise<string> {
  const watcher = watch(dir);
  try {
    const named = once(watcher, 'change');
    change();
    const [, name] = (await named) as [string, string];
    return name;
  } finally {
    watcher.close();
  }
}

test('rawEventPaths: a directory holding an entry of its own name (img/img) — its events may be about the child or itself, both go', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sy-raw-'));
  try {
    const dir = join(root, 'img');
    mkdirSync(dir);
    writeFileSync(join(dir, 'img'), 'v1');
    // The directory's watch when its child img/img changes, and when the directory itself does:
    // the same name either way.
    const childName = await eventName(dir, () => writeFileSync(join(dir, 'img'), 'v2'));
    const selfName = await eventName(dir, () => chmodSync(dir, 0o750));
    assert.equal(childName, 'img');
    assert.equal(selfName, 'img');
    assert.deepEqual(rawEventPaths(childName, { watchedPath: dir }), [dir, join(dir, 'img')], 'the child is among the paths forwarded');
    // A plain directory's event about itself carries its own name too: the directory goes first
    // (with a child of that name, which is not there and costs the reader one lstat).
    const plain = join(root, 'uploads');
    mkdirSync(plain);
    const plainName = await eventName(plain, () => chmodSync(plain, 0o750));
    assert.equal(plainName, 'uploads');
    assert.equal(rawEventPaths(plainName, { watchedPath: plain })[0], plain, 'the directory itself, first');
    // The file's own watch names itself with the same basename: that event is about the file.
    assert.deepEqual(rawEventPaths('img', { watchedPath: join(dir, 'img') }), [join(dir, 'img')]);
    // A vanished watched path is taken as the path itself (its removal is what happened).
    assert.deepEqual(rawEventPaths('gone', { watchedPath: join(root, 'gone') }), [join(root, 'gone')]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

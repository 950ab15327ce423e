// The path of a raw fs.watch event as chokidar passes it on: what the watcher thread forwards at
// once, before chokidar has re-read the directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawEventPath } from '../../agent/assets/raw-event-path.js';

test('rawEventPath: a directory watch names the entry, a file watch names itself, polling names nothing', () => {
  assert.equal(rawEventPath('img 1.jpg', { watchedPath: '/srv/up/2024' }), '/srv/up/2024/img 1.jpg');
  assert.equal(rawEventPath('a.jpg', { watchedPath: '/srv/up/a.jpg' }), '/srv/up/a.jpg');
  assert.equal(rawEventPath(null, { watchedPath: '/srv/up/2024' }), '/srv/up/2024', 'no name: the watched path itself');
  assert.equal(rawEventPath('', { watchedPath: '/srv/up' }), '/srv/up');
  assert.equal(rawEventPath('x', { curr: {}, prev: {} }), undefined, 'fs.watchFile events carry no watched path');
  assert.equal(rawEventPath('x', undefined), undefined);
});

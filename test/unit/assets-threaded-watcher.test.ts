// Which directories chokidar watches is read from its private `_closers` table (chokidar 4);
// where that is gone the agent quietly re-reads directories at every settle instead (slower
// deltas, no wrong answer). This test makes an upgrade that drops it fail here, by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadedWatcher } from '../../agent/assets/threaded-watcher.js';

async function until(what: string, f: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await f())) {
    if (Date.now() > deadline) assert.fail(`${what} within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the watcher thread names the directories chokidar holds a watch of: those it read, a new one once read, not a removed one', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sy-watching-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'a/b'), { recursive: true });
  writeFileSync(join(root, 'a/b/x.jpg'), 'x');
  const w = new ThreadedWatcher(root);
  t.after(() => w.close());
  await new Promise<void>((resolve, reject) => {
    w.once('ready', () => resolve());
    w.once('error', reject);
  });
  const asked = ['', 'a', 'a/b', 'missing'];
  assert.deepEqual(
    (await w.watching(asked)).sort(),
    ['', 'a', 'a/b'],
    "chokidar's private `_closers` table (see agent/assets/watch-worker.ts) no longer answers which directories are watched",
  );

  mkdirSync(join(root, 'c'));
  await until('a new directory watched', async () => (await w.watching(['c'])).includes('c'));
  rmSync(join(root, 'a/b'), { recursive: true });
  await until('a removed directory no longer watched', async () => !(await w.watching(['a/b'])).includes('a/b'));
  assert.deepEqual((await w.watching(['a', 'c'])).sort(), ['a', 'c']);
});

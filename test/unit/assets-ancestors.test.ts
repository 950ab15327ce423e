import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addAncestors } from '../../agent/assets/manifest-store.js';

test('the directories above paths are added once each, the root and the paths themselves not', () => {
  const dirs = new Set<string>();
  for (const p of ['a/b/c/1.txt', 'a/b/2.txt', 'top.txt', 'a/x/3.txt', 'a/b/c/d']) addAncestors(dirs, p);
  assert.deepEqual([...dirs].sort(), ['a', 'a/b', 'a/b/c', 'a/x']);
});

test('a directory already in the set stops the walk: its own directories are taken to be there', () => {
  const dirs = new Set<string>(['a/b']);
  addAncestors(dirs, 'a/b/c/1.txt');
  assert.deepEqual([...dirs].sort(), ['a/b', 'a/b/c'], "'a' is not added, since 'a/b' was already there");
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest } from '../../shared/suggest.js';

test('closest guesses a typo of a known key and stays quiet when nothing is near', () => {
  const known = ['until', 'force', 'reason', 'dns', 'allowDiffer', 'limit', 'cursor'];
  const guesses = ['froce', 'forc', 'reasn', 'dnss', 'allowdiffer', 'limt', 'cusror', 'untill'].map((w) => closest(w, known));
  assert.deepEqual(guesses, ['force', 'force', 'reason', 'dns', 'allowDiffer', 'limit', 'cursor', 'until']);
  assert.deepEqual(['x', 'colour', 'db', 'staging', ''].map((w) => closest(w, known)), [undefined, undefined, undefined, undefined, undefined]);
  assert.equal(closest('force', []), undefined);
});

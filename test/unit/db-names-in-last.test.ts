import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namesInLast } from '../../agent/db/swap.js';

function assertDistinct(join: Array<{ table: string; as: string }>, last: readonly string[]): void {
  const names = [...last, ...join.map((j) => j.as)];
  assert.equal(new Set(names).size, names.length, `a name given twice in __sy_last: ${JSON.stringify(join)}`);
  for (const j of join) assert.ok(j.as.length <= 64, `${j.as} is over 64 characters`);
}

test('names in __sy_last: two long tables alike in their first 60 characters, both kept there before, get two names', () => {
  const a = `${'t'.repeat(60)}_aaa`;
  const b = `${'t'.repeat(60)}_bbb`;
  const join = namesInLast([a, b, 'posts'], [a, b], ['posts']);
  assert.deepEqual(join.map((j) => j.table), ['posts', a, b]);
  assertDistinct(join, [a, b]);
  assert.ok(join.slice(1).every((j) => /__sy_\d+$/.test(j.as)));
});

test('names in __sy_last: a kept table gets no name a live table moving there under its own name has (x__sy_2 beside x)', () => {
  const join = namesInLast(['x', 'x__sy_2', 'posts'], ['x'], ['posts']);
  assert.deepEqual(join, [
    { table: 'x__sy_2', as: 'x__sy_2' },
    { table: 'posts', as: 'posts' },
    { table: 'x', as: 'x__sy_3' },
  ]);
  assertDistinct(join, ['x']);
});

test('names in __sy_last: a table __sy_last lacks goes there under its own name; one it holds that staging has too is replaced, not kept beside', () => {
  assert.deepEqual(namesInLast(['posts', 'orders', 'log'], ['posts', 'log', 'log__sy_2'], ['posts']), [
    { table: 'orders', as: 'orders' },
    { table: 'log', as: 'log__sy_3' },
  ]);
});

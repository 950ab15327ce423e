// `cutover status` in the fallback window: while it lasts, until when; once it has passed, that
// nothing was released on its own and what is left to do (a release drops what a rollback needs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCutover } from '../../cli/commands/cutover.js';

const base = { id: 'co_1', site: 'www.example.test', steps: [], fallbackUntil: '2026-12-08T10:00:00.000Z' };
const at = (iso: string): number => Date.parse(iso);

test('cutover status says until when the fallback window lasts, and once it is over that nothing is released on its own', () => {
  const during = formatCutover({ ...base, state: 'fallback' }, at('2026-12-08T09:00:00Z'));
  assert.match(during, /^fallback window until 2026-12-08T10:00:00\.000Z: staging read-only and ready; rollback goes back$/m);
  const after = formatCutover({ ...base, state: 'fallback' }, at('2026-12-08T11:00:00Z'));
  assert.match(after, /^fallback window over since 2026-12-08T10:00:00\.000Z; staging is still held read-only and nothing is released on its own: release when sure \(switchyard cutover release co_1\), or roll back$/m);
  // Only in the fallback state: a completed cutover keeps its fallbackUntil but has nothing to say.
  assert.doesNotMatch(formatCutover({ ...base, state: 'completed' }, at('2026-12-08T11:00:00Z')), /fallback window/);
});

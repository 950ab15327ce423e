// `cutover status` in the fallback window: while it lasts, until when; once it has passed, that
// nothing was released on its own and what is left to do (a release drops what a rollback needs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCutover } from '../../cli/commands/cutover.js';

const base = { id: 'co_1', site: 'www.example.test', steps: [], fallbackUntil: '2026-12-08T10:00:00.000Z' };
const at = (iso: string): number => Date.parse(iso);

test('cutover status says until when the fallback window lasts, and once it is over that nothing is released on its own', () => {
  const during = formatCutover({ ...base, state: 'fallback' }, at('2026-12-08T09:00:00Z'));
  assert.match(during, /^fallback window until 2026-12-08T10:00:00\.000Z \(in 1 h 0 min\): staging read-only and ready; rollback goes back$/m);
  const after = formatCutover({ ...base, state: 'fallback' }, at('2026-12-08T11:00:00Z'));
  assert.match(after, /^fallback window over since 2026-12-08T10:00:00\.000Z \(1 h 0 min ago\); staging is still held read-only and nothing is released on its own: release when sure \(switchyard cutover release co_1\), or roll back$/m);
  // Only in the fallback state: a completed cutover keeps its fallbackUntil but has nothing to say.
  assert.doesNotMatch(formatCutover({ ...base, state: 'completed' }, at('2026-12-08T11:00:00Z')), /fallback window/);
});

test('cutover status in the fallback window says how long it has left beside the UTC time: hours and minutes, rounded up to the minute', () => {
  const line = (now: string) => formatCutover({ ...base, state: 'fallback' }, at(now)).split('\n').find((l) => l.startsWith('fallback window'));
  assert.equal(line('2026-12-07T07:55:00Z'), 'fallback window until 2026-12-08T10:00:00.000Z (in 26 h 5 min): staging read-only and ready; rollback goes back');
  assert.match(line('2026-12-08T07:30:30Z')!, /until 2026-12-08T10:00:00\.000Z \(in 2 h 30 min\):/, 'part of a minute left counts as a minute');
  assert.match(line('2026-12-08T09:15:00Z')!, /until 2026-12-08T10:00:00\.000Z \(in 45 min\):/);
  assert.match(line('2026-12-08T09:59:59Z')!, /\(in 1 min\):/, 'an open window never reads 0');
});

test('once the window is over, cutover status says how long ago it ended beside the UTC time', () => {
  const line = (now: string) => formatCutover({ ...base, state: 'fallback' }, at(now)).split('\n').find((l) => l.startsWith('fallback window'));
  assert.match(line('2026-12-09T12:31:59Z')!, /^fallback window over since 2026-12-08T10:00:00\.000Z \(26 h 31 min ago\); /);
  assert.match(line('2026-12-08T10:00:00Z')!, /over since 2026-12-08T10:00:00\.000Z \(0 min ago\); /);
});

test('cutover status of a plan with neither database nor assets (lock skipped) does not say staging is held read-only in the fallback window', () => {
  const skipped = { ...base, state: 'fallback', steps: [{ name: 'lock', state: 'skipped', attempt: 1, startedAt: null, endedAt: null, durationMs: null, summary: null, error: null }] };
  const during = formatCutover(skipped, at('2026-12-08T09:00:00Z'));
  assert.match(during, /^fallback window until 2026-12-08T10:00:00\.000Z \(in 1 h 0 min\): nothing on staging is held read-only: the plan has neither database nor assets/m);
  assert.doesNotMatch(during, /read-only and ready/);
  const after = formatCutover(skipped, at('2026-12-08T11:00:00Z'));
  assert.match(after, /^fallback window over since .*nothing on staging is held read-only.*release when sure \(switchyard cutover release co_1\), or roll back$/m);
  assert.doesNotMatch(after, /still held read-only/);
});

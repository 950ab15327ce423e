// `switchyard cutover status`: the step table keeps its columns whatever the steps took — a
// 12 s step must not push its summary one column right of a 0.4 s step's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCutover, stepDuration } from '../../cli/commands/cutover.js';

const step = (name: string, state: string, durationMs: number | null, summary: string | null) => ({ name, state, durationMs, summary, error: null });

const cutover = {
  id: 'co_1',
  site: 'www.example.com',
  state: 'paused',
  steps: [
    step('preflight', 'succeeded', 400, 'PRE'),
    step('presync', 'succeeded', 12_000, 'PRESYNC'),
    step('lock', 'succeeded', 185_000, 'LOCK'),
    step('sync', 'succeeded', 7_200_000, 'SYNC'),
    step('verify', 'running', null, 'VERIFY'),
    step('rewrite', 'pending', null, null),
  ],
};

test('durations read as the report writes them: tenths of a second, then m/s, then h/m', () => {
  assert.deepEqual([400, 12_000, 185_000, 7_200_000].map(stepDuration), ['0.4s', '12.0s', '3m05s', '2h00m']);
  assert.equal(stepDuration(0), '0.0s');
  assert.equal(stepDuration(59_960), '1m00s', 'not "60.0s"');
  assert.equal(stepDuration(3_599_000), '59m59s');
});

test('every summary starts in one column whether its step took 0.4 s, 12 s, 3 min 5 s or 2 h, or is still running', () => {
  const lines = formatCutover(cutover).split('\n');
  const columns = ['PRE', 'PRESYNC', 'LOCK', 'SYNC', 'VERIFY'].map((s) => {
    const line = lines.find((l) => l.endsWith(`  ${s}`));
    assert.ok(line !== undefined, `a line for ${s}:\n${lines.join('\n')}`);
    return line.length - s.length;
  });
  assert.equal(new Set(columns).size, 1, `summaries start at columns ${columns.join(', ')}:\n${lines.join('\n')}`);

  // The durations are right-aligned: each ends where the widest ("12.0s", "3m05s", "2h00m") ends.
  const ends = ['0.4s', '12.0s', '3m05s', '2h00m'].map((d) => {
    const line = lines.find((l) => l.includes(` ${d}  `))!;
    return line.indexOf(` ${d}  `) + d.length + 1;
  });
  assert.equal(new Set(ends).size, 1, ends.join(', '));
  assert.match(lines.find((l) => l.includes('rewrite'))!, /^ {4}rewrite +pending$/, 'a pending step has no trailing blanks');
});

test('a cutover no step of which has run yet has no duration column', () => {
  const fresh = { ...cutover, state: 'planned', steps: [step('preflight', 'pending', null, null), step('presync', 'pending', null, null)] };
  assert.deepEqual(formatCutover(fresh).split('\n').slice(1), ['    preflight  pending', '    presync    pending']);
});

test('a rollback that left staging frozen says so under its parts; one that unfroze it does not', () => {
  const restored = { readOnly: true, superReadOnly: '', flagFile: '/srv/staging/.maintenance', flagFileExisted: true, noDatabase: false };
  const rolledBack = (detail: Record<string, unknown>) => ({
    ...cutover,
    state: 'rolled_back',
    rollback: { state: 'done', reason: 'requested by ops', parts: [{ name: 'dns', state: 'done' }, { name: 'unlock-staging', state: 'done', detail }] },
  });
  const lines = formatCutover(rolledBack({ agent: 'staging-1', wasLocked: true, restored })).split('\n');
  const at = lines.findIndex((l) => l.startsWith('rollback: done'));
  assert.ok(at >= 0, lines.join('\n'));
  assert.match(lines[at + 1] ?? '', /^ {2}staging left as its lock found it, still frozen: read_only=ON, maintenance flag \/srv\/staging\/\.maintenance up/);
  assert.match(formatCutover(rolledBack({ agent: 'staging-1', wasLocked: false, heldBy: 'co_other' })), /staging left frozen: the freeze is cutover co_other's/);
  assert.doesNotMatch(formatCutover(rolledBack({ agent: 'staging-1', wasLocked: true, restored: { ...restored, readOnly: false, flagFileExisted: false } })), /frozen/);
});

test('a running step shows its time so far and since when, in the duration column', () => {
  const now = Date.parse('2030-01-01T01:00:00.000Z');
  const running = {
    ...cutover,
    state: 'running',
    running: true,
    steps: [
      step('preflight', 'succeeded', 400, 'PRE'),
      { ...step('presync', 'running', null, null), startedAt: '2030-01-01T00:56:55.000Z' },
      step('lock', 'pending', null, null),
    ],
  };
  const lines = formatCutover(running, now).split('\n');
  const line = lines.find((l) => l.includes('presync'))!;
  assert.match(line, /^ {2}▶ presync +running +3m05s {2}so far, since 2030-01-01T00:56:55\.000Z$/, lines.join('\n'));
  // Right-aligned with the finished steps' durations.
  const pre = lines.find((l) => l.includes('preflight'))!;
  assert.equal(pre.indexOf(' 0.4s') + ' 0.4s'.length, line.indexOf('3m05s') + '3m05s'.length, lines.join('\n'));
  // An older controller's step without startedAt stays as it was.
  const old = { ...running, steps: [step('presync', 'running', null, null)] };
  assert.deepEqual(formatCutover(old, now).split('\n').slice(1), ['  ▶ presync    running']);
});

test('a rollback that only cancelled (presync and lock had not run) says so, not a bare "rollback: done (reason) "', () => {
  const cancelled = { ...cutover, state: 'rolled_back', steps: [step('preflight', 'pending', null, null)], rollback: { state: 'done', reason: 'cancel', cancelled: true, parts: [] } };
  const lines = formatCutover(cancelled).split('\n');
  assert.ok(lines.includes('rollback: done (cancel) cancelled: presync and lock had not run, so nothing was copied or frozen to put back'), lines.join('\n'));
});

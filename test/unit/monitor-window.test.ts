import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreSamples, SlidingWindow, WatchTotals, judge } from '../../controller/cutover/steps/monitor-window.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const limits = { maxErrorRate: 0.02, minSamples: 50 };

test('old samples leave the window; the share is over what remains', () => {
  const w = new SlidingWindow(60_000);
  w.add({ at: T0, source: 'log', total: 100, errors: 50 });
  w.add({ at: T0 + 30_000, source: 'log', total: 100, errors: 1 });
  w.add({ at: T0 + 30_000, source: 'probe', total: 1, errors: 1 });
  let s = w.stats(T0 + 59_000);
  assert.equal(s.total, 201);
  assert.equal(s.errors, 52);
  assert.deepEqual(s.log, { total: 200, errors: 51 });
  assert.deepEqual(s.probes, { total: 1, errors: 1 });
  assert.equal(judge(s, limits).kind, 'rollback');
  // The burst at T0 ages out exactly one window later.
  s = w.stats(T0 + 60_000);
  assert.equal(s.total, 101);
  assert.equal(s.errors, 2);
  assert.equal(s.from, '2030-01-01T00:00:00.000Z');
  assert.equal(judge(s, limits).kind, 'ok');
  s = w.stats(T0 + 90_001);
  assert.equal(s.total, 0);
  assert.equal(s.errorRate, 0);
});

test('under minSamples even an all-5xx window is no reason to roll back', () => {
  const w = new SlidingWindow(60_000);
  w.add({ at: T0, source: 'log', total: 49, errors: 49 });
  const v = judge(w.stats(T0 + 1), limits);
  assert.equal(v.kind, 'too-few');
  w.add({ at: T0 + 2, source: 'probe', total: 1, errors: 1 });
  const v2 = judge(w.stats(T0 + 3), limits);
  assert.equal(v2.kind, 'rollback');
  assert.match(v2.kind === 'rollback' ? v2.reason : '', /5xx share 100\.0% \(50 of 50 requests: 49\/49 in the access log, 1\/1 probes\).*over maxErrorRate 2\.0%/);
});

test('exactly at maxErrorRate is still fine; just over is not', () => {
  const w = new SlidingWindow(60_000);
  w.add({ at: T0, source: 'log', total: 100, errors: 2 });
  assert.equal(judge(w.stats(T0 + 1), limits).kind, 'ok');
  w.add({ at: T0 + 1, source: 'probe', total: 1, errors: 1 }); // 3 of 101
  assert.equal(judge(w.stats(T0 + 2), limits).kind, 'rollback');
});

test('the whole watch sums every sample since its start, by source', () => {
  const w = new WatchTotals(T0);
  w.add({ at: T0 + 1, source: 'probe', total: 1, errors: 1 });
  w.add({ at: T0 + 400_000, source: 'log', total: 60, errors: 0 });
  const s = w.stats(T0 + 900_000);
  assert.deepEqual(s, { from: '2030-01-01T00:00:00.000Z', to: '2030-01-01T00:15:00.000Z', total: 61, errors: 1, errorRate: 1 / 61, log: { total: 60, errors: 0 }, probes: { total: 1, errors: 1 } });
  assert.equal(judge(s, limits).kind, 'ok');
});

test('a backlog read at once is judged in the first look, then ages from when its requests began', () => {
  const w = new SlidingWindow(60_000);
  // Ten minutes of log since the switch, 60 of 100 5xx, arriving in one sample at T0.
  w.add({ at: T0, since: T0 - 600_000, source: 'log', total: 100, errors: 60 });
  const first = w.stats(T0 + 1);
  assert.equal(first.total, 100, 'older than the window, yet judged: a burst while DNS spread rolls back at once');
  assert.equal(first.from, new Date(T0 - 600_000).toISOString(), 'the share is said to be over the time the backlog covers');
  assert.equal(judge(first, limits).kind, 'rollback');
  // Counted live, all of it would have left the window by now: it does not linger a window after T0.
  w.add({ at: T0 + 2, source: 'probe', total: 1, errors: 0 });
  const next = w.stats(T0 + 3);
  assert.equal(next.total, 1);
  assert.equal(next.from, new Date(T0 + 3 - 60_000).toISOString());

  // A backlog shorter than the window stays until its oldest requests are a window old.
  const v = new SlidingWindow(60_000);
  v.add({ at: T0, since: T0 - 20_000, source: 'log', total: 40, errors: 0 });
  assert.equal(v.stats(T0 + 1).total, 40);
  v.add({ at: T0 + 30_000, source: 'log', total: 10, errors: 0 });
  assert.equal(v.stats(T0 + 39_999).total, 50, 'judged once enough samples, with the backlog still in');
  assert.equal(v.stats(T0 + 40_000).total, 10);
});

test('the whole watch reaches back to when the backlog it holds began, not only to monitor\'s start', () => {
  const w = new WatchTotals(T0);
  assert.equal(w.stats(T0 + 1).from, new Date(T0).toISOString());
  // The access log since the switch, five minutes before monitor started, arrives in one sample.
  w.add({ at: T0 + 100, since: T0 - 300_000, source: 'log', total: 80, errors: 4 });
  w.add({ at: T0 + 200, source: 'probe', total: 1, errors: 0 });
  const s = w.stats(T0 + 1000);
  assert.equal(s.from, new Date(T0 - 300_000).toISOString());
  assert.equal(s.total, 81);
});

test('the window stored for a restart is read back as the same window: summed per source in 1/60 slices, aged by its own times', () => {
  const w = new SlidingWindow(60_000);
  // Outside the window at T0 + 60 s by then: not stored.
  w.add({ at: T0 - 1000, source: 'probe', total: 1, errors: 1 });
  w.stats(T0);
  // Many probes in one 1 s slice (1/60 of the window) are one stored sample; the log's stays apart.
  for (let i = 0; i < 40; i++) w.add({ at: T0 + 10_000 + i * 10, source: 'probe', total: 1, errors: i % 2 });
  w.add({ at: T0 + 10_200, source: 'log', total: 30, errors: 20 });
  w.add({ at: T0 + 50_000, since: T0 + 20_000, source: 'log', total: 10, errors: 0 });
  const now = T0 + 59_500;
  const before = w.stats(now);
  const stored = JSON.parse(JSON.stringify(w.stored(now))) as unknown;
  assert.deepEqual(stored, [
    { at: new Date(T0 + 10_390).toISOString(), source: 'probe', total: 40, errors: 20 },
    { at: new Date(T0 + 10_200).toISOString(), source: 'log', total: 30, errors: 20 },
    { at: new Date(T0 + 50_000).toISOString(), source: 'log', total: 10, errors: 0, since: new Date(T0 + 20_000).toISOString() },
  ]);
  const restored = new SlidingWindow(60_000, restoreSamples(stored));
  const after = restored.stats(now);
  assert.deepEqual({ ...after, from: undefined }, { ...before, from: undefined });
  assert.equal(after.errors, 40);
  // The slice leaves with its newest probe (at most 1 s late); the backlog when its oldest requests are a window old.
  assert.equal(restored.stats(T0 + 70_200).total, 50);
  assert.equal(restored.stats(T0 + 70_391).total, 10);
  assert.equal(restored.stats(T0 + 80_000).total, 0);
  // Entries that are not samples are left out, not guessed at.
  assert.deepEqual(restoreSamples([{ at: 'x', source: 'log', total: 1, errors: 0 }, { at: new Date(T0).toISOString(), source: 'dns', total: 1, errors: 0 }, { at: new Date(T0).toISOString(), source: 'log', total: 1, errors: 2 }, null]), []);
  assert.deepEqual(restoreSamples(undefined), []);
});

test('a window early in the watch starts where the watch does, not a full window before it; its share is over the requests since then', () => {
  const w = new SlidingWindow(10_000);
  const watch = new WatchTotals(T0);
  const add = (s: Parameters<SlidingWindow['add']>[0]) => {
    w.add(s);
    watch.add(s);
  };
  add({ at: T0 + 500, source: 'probe', total: 1, errors: 0 });
  add({ at: T0 + 1000, source: 'log', total: 60, errors: 2 });
  const early = w.stats(T0 + 1300, watch.from);
  assert.equal(early.from, new Date(T0).toISOString(), 'from: monitor\'s start, not 8.7 s before it');
  assert.equal(early.to, new Date(T0 + 1300).toISOString());
  // The 2% rule is not weakened for a short span: 61 requests are enough, 2 of 61 (3.3%) rolls back.
  assert.deepEqual([early.total, early.errors], [61, 2]);
  assert.equal(judge(early, limits).kind, 'rollback');
  // Once the watch is older than a window, the window is a full one again.
  assert.equal(w.stats(T0 + 12_000, watch.from).from, new Date(T0 + 2000).toISOString());

  // Counted from the switch: the backlog's start bounds it (the switch), never further back.
  const v = new SlidingWindow(10_000);
  const vw = new WatchTotals(T0);
  const backlog = { at: T0 + 100, since: T0 - 3000, source: 'log' as const, total: 20, errors: 0 };
  v.add(backlog);
  vw.add(backlog);
  assert.equal(v.stats(T0 + 200, vw.from).from, new Date(T0 - 3000).toISOString());
  // A sample older than the bound given (carried from a watch that stored none) still widens it: the span holds every request counted.
  const c = new SlidingWindow(10_000, [{ at: T0 - 2000, source: 'probe', total: 1, errors: 1 }]);
  assert.equal(c.stats(T0 + 100, T0).from, new Date(T0 - 2000).toISOString());
});

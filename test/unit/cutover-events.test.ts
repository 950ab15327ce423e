import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CutoverEvent } from '../../controller/cutover/events.js';
import type { CutoverEngine } from '../../controller/cutover/machine.js';
import { FakeWorld, fakePlan, fakeRollback, fakeStep, fakeSteps, gate, newEngine, tempStore, until } from '../helpers/cutover-fakes.js';

/** Collects events into an array until aborted. */
function collect(engine: CutoverEngine, id: string, after: number): { events: CutoverEvent[]; stop: () => void; finished: Promise<void> } {
  const ac = new AbortController();
  const events: CutoverEvent[] = [];
  const finished = (async () => {
    for await (const e of engine.events(id, { after, signal: ac.signal })) events.push(e);
  })();
  return { events, stop: () => ac.abort(), finished };
}

test('events are persisted in order and replayed from any sequence number', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world) });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'sync', 'alice').done;

  const all = collect(engine, id, 0);
  await until(() => all.events.length >= 12);
  all.stop();
  await all.finished;
  const seqs = all.events.map((e) => e.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'gapless from 1');
  const kinds = all.events.map((e) => (e.type === 'step-started' || e.type === 'step-finished' ? `${e.type}:${String(e.data.step)}` : e.type));
  assert.deepEqual(kinds, [
    'created',
    'state-changed',
    'step-started:preflight',
    'step-finished:preflight',
    'step-started:presync',
    'step-finished:presync',
    'step-started:lock',
    'step-finished:lock',
    'step-started:sync',
    'progress',
    'step-finished:sync',
    'state-changed',
  ]);
  const progress = all.events.find((e) => e.type === 'progress')!;
  assert.deepEqual(progress.data, { step: 'sync', phase: 'wp_posts', rows: 10, rowsTotal: 20, bytes: 1000, rate: 500, etaSeconds: 2 });
  assert.deepEqual(all.events.at(-1)!.data, { from: 'running', to: 'paused' });

  // A client reconnecting with Last-Event-ID: 8 gets only what came after.
  const late = collect(engine, id, 8);
  await until(() => late.events.length >= 4);
  late.stop();
  await late.finished;
  assert.deepEqual(late.events.map((e) => e.seq), [9, 10, 11, 12]);
});

test('a subscriber sees replay then live events without gaps or duplicates', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const hold = gate();
  const engine = newEngine(store, {
    executors: fakeSteps(world, { presync: fakeStep(world, 'presync', { run: () => hold.promise.then(() => ({ summary: 'copied' })) }) }),
    rollback: fakeRollback(world),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  const run = engine.advance(id, 'presync', 'alice');
  await until(() => store.steps.get(id, 'presync')?.state === 'running');

  const sub = collect(engine, id, 0);
  await until(() => sub.events.some((e) => e.type === 'step-started' && e.data.step === 'presync'));
  hold.open();
  await run.done;
  await engine.rollback(id, 'done testing', 'alice').done;
  await until(() => sub.events.some((e) => e.type === 'rollback-finished'));
  sub.stop();
  await sub.finished;

  const seqs = sub.events.map((e) => e.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  const finished = sub.events.find((e) => e.type === 'step-finished' && e.data.step === 'presync')!;
  assert.equal(finished.data.summary, 'copied');
  assert.equal(finished.data.state, 'succeeded');
  assert.deepEqual(
    sub.events.filter((e) => e.type.startsWith('rollback')).map((e) => e.type),
    ['rollback-requested', 'rollback-started', ...Array<string>(6).fill('rollback-part'), 'rollback-finished'],
  );
  // After presync the parts run (each finds for itself whether it has anything to undo).
  assert.equal(sub.events.find((e) => e.type === 'rollback-started')!.data.cancelled, false);
});

test('progress is throttled per step but the last update is always delivered', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, {
    progressIntervalMs: 60_000,
    executors: fakeSteps(world, {
      presync: fakeStep(world, 'presync', {
        run: (ctx) => {
          for (let i = 1; i <= 100; i++) ctx.emit({ files: i, filesTotal: 100 });
        },
      }),
    }),
  });
  const { id } = engine.create(fakePlan(), 'alice');
  await engine.advance(id, 'presync', 'alice').done;
  const progress = store.events.after(id, 0).filter((e) => e.type === 'progress');
  assert.deepEqual(progress.map((e) => e.data.files), [1, 100]);
});

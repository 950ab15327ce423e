import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../shared/keyed-queue.js';

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('one key runs its tasks one at a time, in call order', async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const task = (name: string, ms: number) => async () => {
    running++;
    most = Math.max(most, running);
    log.push(`start ${name}`);
    await tick(ms);
    log.push(`end ${name}`);
    running--;
    return name;
  };
  const out = await Promise.all([q.run('z', task('a', 30)), q.run('z', task('b', 5)), q.run('z', task('c', 1))]);
  assert.deepEqual(out, ['a', 'b', 'c']);
  assert.equal(most, 1);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(q.pending, 0, 'a key with nothing queued is forgotten');
});

test('different keys run side by side', async () => {
  const q = new KeyedQueue();
  let running = 0;
  let most = 0;
  const task = async () => {
    running++;
    most = Math.max(most, running);
    await tick(20);
    running--;
  };
  await Promise.all([q.run('a', task), q.run('b', task), q.run('c', task)]);
  assert.equal(most, 3);
});

test('a failed task rejects its own caller and does not stop the next', async () => {
  const q = new KeyedQueue();
  const first = q.run('z', async () => {
    await tick(5);
    throw new Error('provider said no');
  });
  const second = q.run('z', async () => 'done');
  await assert.rejects(first, /provider said no/);
  assert.equal(await second, 'done');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { ConnPool } from '../../agent/db/conn-pool.js';

/** Stand-ins for connections: the pool only hands them out and closes them. */
function fakeOpener(failFirst = 0) {
  const opened: Array<{ id: number; ended: boolean }> = [];
  let attempts = 0;
  const open = async (): Promise<Connection> => {
    attempts++;
    await new Promise((r) => setImmediate(r));
    if (attempts <= failFirst) throw new Error(`refused ${attempts}`);
    const c = { id: opened.length, ended: false, end: async () => void (c.ended = true) };
    opened.push(c);
    return c as unknown as Connection;
  };
  return { open, opened };
}

test('opens connections only as concurrent work needs them, never more than max', async () => {
  const { open, opened } = fakeOpener();
  const pool = new ConnPool(open, 2);
  await pool.use(async () => undefined);
  await pool.use(async () => undefined);
  assert.equal(opened.length, 1, 'sequential work reuses one connection');
  let running = 0;
  let peak = 0;
  const seen = new Set<unknown>();
  await Promise.all(
    Array.from({ length: 6 }, () =>
      pool.use(async (c) => {
        seen.add(c);
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.equal(opened.length, 2);
  assert.equal(seen.size, 2);
  await pool.close();
  assert.ok(opened.every((c) => c.ended));
});

test('a connection freed by a failing job goes back to the pool; the failure reaches the caller', async () => {
  const { open, opened } = fakeOpener();
  const pool = new ConnPool(open, 1);
  await assert.rejects(pool.use(async () => Promise.reject(new Error('query failed'))), /query failed/);
  assert.equal(await pool.use(async () => 'next'), 'next');
  assert.equal(opened.length, 1);
  await pool.close();
});

test('a waiter does not hang when the connection it waited for could not be opened', async () => {
  const { open } = fakeOpener(1);
  const pool = new ConnPool(open, 1);
  const first = pool.use(async () => 'a');
  const second = pool.use(async () => 'b');
  await assert.rejects(first, /refused 1/);
  assert.equal(await second, 'b');
  await pool.close();
});

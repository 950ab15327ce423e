import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { COARSE_CLOCK_MARGIN_S, guard, newestCommit, waitPast } from '../../agent/db/update-guard.js';

const mark = { mark: 1000, create: 50, since: 'presync' };

test('the guard holds only for a known stamp below the mark, on the same table (CREATE_TIME)', () => {
  assert.deepEqual(guard(mark, { update: 999, create: 50 }), { holds: true, reason: 'unchanged since presync (UPDATE_TIME)' });
  // A commit in the mark's own second may be before or after the sums were read: changed.
  assert.deepEqual(guard(mark, { update: 1000, create: 50 }), { holds: false, reason: 'written since presync (UPDATE_TIME 0 s at or after the mark)' });
  assert.deepEqual(guard(mark, { update: 1500, create: 50 }), { holds: false, reason: 'written since presync (UPDATE_TIME 500 s at or after the mark)' });
  assert.deepEqual(guard(mark, { update: null, create: 50 }), { holds: false, reason: 'UPDATE_TIME unknown' });
  assert.deepEqual(guard(mark, undefined), { holds: false, reason: 'UPDATE_TIME unknown' });
  // RENAME keeps a table's UPDATE_TIME: another table renamed into the name must not pass.
  assert.deepEqual(guard(mark, { update: 10, create: 60 }), { holds: false, reason: 'table re-created or renamed since presync' });
  assert.deepEqual(guard(undefined, { update: 10, create: 50 }), { holds: false, reason: 'no sums recorded' });
});

test('waitPast returns only once the server clock is past the second by the coarse-clock margin', async () => {
  // A server whose NOW(6) is read off a list: each query takes the next reading.
  const readings = [100.99, 101.001, 101.004, 101.03, 101.06, 101.5];
  let asked = 0;
  const fake = { query: async () => [[{ s: String(readings[Math.min(asked++, readings.length - 1)]) }]] } as unknown as Connection;
  assert.equal(await waitPast(fake, 100), true, 'it had to wait');
  // 101.001 .. 101.03 are in the next second by NOW(6) but within the margin of InnoDB's time().
  assert.equal(asked, 5, 'returned at the first reading at or past 101 + margin');
  assert.ok(COARSE_CLOCK_MARGIN_S >= 0.02, 'the margin covers a 10 ms tick (HZ=100) with room');
  asked = 0;
  const past = { query: async () => { asked++; return [[{ s: '101.2' }]]; } } as unknown as Connection;
  assert.equal(await waitPast(past, 100), false, 'it did not wait');
  assert.equal(asked, 1, 'already past: one reading, no sleep');
});

test('newestCommit is the latest known UPDATE_TIME; unknown stamps do not count', () => {
  const st = (update: number | null) => ({ update, create: 1 });
  assert.equal(newestCommit(new Map([['a', st(5)], ['b', st(null)], ['c', st(9)], ['d', st(7)]])), 9);
  assert.equal(newestCommit(new Map([['a', st(null)]])), undefined);
  assert.equal(newestCommit(new Map()), undefined);
});

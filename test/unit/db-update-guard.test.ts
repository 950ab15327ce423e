import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guard } from '../../agent/db/update-guard.js';

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

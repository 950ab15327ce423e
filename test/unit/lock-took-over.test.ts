// The lock step's summary for a freeze taken over from a finished cutover says how staging was
// found: the agent keeps a released cutover's record even after a person unfroze staging by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tookOverNote } from '../../controller/cutover/steps/lock.js';

const found = { readOnly: true, flagFile: '/srv/staging/.maintenance', flagFileExisted: true };

test('staging still frozen by the finished owner: recorded as found (frozen), a rollback leaves it so', () => {
  assert.equal(tookOverNote('co_a', found), '; staging was still frozen by cutover co_a, which is over: recorded as found (frozen), and a rollback leaves it so');
  assert.match(tookOverNote('co_a', { ...found, readOnly: false, noDatabase: true }), /still frozen by cutover co_a/, 'a flag-only freeze with its flag up');
});

test('staging unfrozen by hand since the owner released: not called frozen, and the rollback puts it back writable', () => {
  const note = tookOverNote('co_a', { ...found, readOnly: false, flagFileExisted: false });
  assert.doesNotMatch(note, /still frozen|leaves it so/);
  assert.match(note, /record of cutover co_a's freeze, which is over, but staging was no longer frozen \(read_only=OFF, no maintenance flag; undone by hand since\?\): recorded as found, and a rollback puts it back so/);
});

test('half undone (read_only back OFF, the flag still up): both are named', () => {
  assert.match(tookOverNote('co_a', { ...found, readOnly: false }), /still partly frozen by cutover co_a, which is over \(maintenance flag up, read_only=OFF\): recorded as found, and a rollback puts it back so/);
  assert.match(tookOverNote('co_a', { ...found, flagFileExisted: false }), /partly frozen .*\(read_only=ON, no maintenance flag\)/);
});

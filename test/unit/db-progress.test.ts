// Presync progress: the byte total is information_schema's guess per table (DATA_LENGTH, pages on
// disk), which can be far below the bytes the rows take on the wire. The bar must never read
// "955.5 KiB/48.0 KiB".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressMeter, type ProgressEvent } from '../../agent/db/progress.js';
import { formatEvent } from '../../cli/commands/cutover.js';

const KiB = 1024;

test('presync progress: the byte total grows past a short estimate, never reads below the bytes sent, and is exact once every table is done', () => {
  const events: ProgressEvent[] = [];
  // Three small tables, each guessed as one 16 KiB page: 48 KiB in all.
  const meter = new ProgressMeter('presync', 3, new Map([['a', 16 * KiB], ['b', 16 * KiB], ['c', 16 * KiB]]), (e) => events.push(e));
  for (let i = 0; i < 40; i++) meter.add('a', 0, 10 * KiB, true);
  meter.add('a', 1000, 0);
  meter.tableDone('a');
  meter.add('b', 0, 4 * KiB, true);
  meter.tableDone('b');
  for (let i = 0; i < 50; i++) meter.add('c', 0, 11 * KiB, true);
  meter.tableDone('c');
  assert.ok(events.length > 90);
  for (const e of events) assert.ok(e.totalBytesEstimate >= e.bytes, `total ${e.totalBytesEstimate} below bytes ${e.bytes}`);
  // a sent 400 KiB: its guess is replaced, b and c still count as guessed.
  const aDone = events.find((e) => e.tablesDone === 1)!;
  assert.equal(aDone.totalBytesEstimate, 400 * KiB + 16 * KiB + 16 * KiB);
  // b sent less than its guess: once done it counts what it sent.
  const bDone = events.find((e) => e.tablesDone === 2)!;
  assert.equal(bDone.totalBytesEstimate, 400 * KiB + 4 * KiB + 16 * KiB);
  const last = events.at(-1)!;
  assert.equal(last.bytes, 954 * KiB);
  assert.equal(last.totalBytesEstimate, last.bytes, 'exact at the end');
});

test('a meter with no estimate reports a total of 0 (unknown), as sync does', () => {
  const events: ProgressEvent[] = [];
  const meter = new ProgressMeter('sync', 2, 0, (e) => events.push(e));
  meter.add('a', 5, 100, true);
  meter.tableDone('a');
  assert.deepEqual(events.map((e) => e.totalBytesEstimate), [0, 0]);
});

test('cutover watch: a progress total the bytes have passed is not shown as a full bar; bytes within a total still are', () => {
  const at = { seq: 1, at: '2030-01-01T00:00:00.000Z' };
  const over = formatEvent({ type: 'progress', id: 1, data: { ...at, step: 'presync', phase: 'database copy', bytes: 978_432, bytesTotal: 49_152 } });
  assert.doesNotMatch(over, /\[#|100%|\/48\.0 KiB/, over);
  assert.match(over, /presync\s+database copy 955\.5 KiB$/);
  const within = formatEvent({ type: 'progress', id: 2, data: { ...at, step: 'presync', phase: 'database copy', bytes: 24_576, bytesTotal: 49_152 } });
  assert.match(within, /\[#{12}\.{12}\]  50% 24\.0 KiB\/48\.0 KiB/);
  const unknown = formatEvent({ type: 'progress', id: 3, data: { ...at, step: 'sync', bytes: 2048 } });
  assert.match(unknown, /sync\s+2\.0 KiB$/);
});

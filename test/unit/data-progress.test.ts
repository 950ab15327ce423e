// What the controller passes on of an agent's progress: a byte total below the bytes done (an
// older agent's short estimate) must not reach the API or `cutover watch` as if it were one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assetProgress, dbProgress } from '../../controller/cutover/steps/data-agents.js';
import { formatEvent } from '../../cli/commands/cutover.js';
import type { Progress } from '../../controller/cutover/executor.js';

const KiB = 1024;
const at = { seq: 1, at: '2030-01-01T00:00:00.000Z' };
const watched = (step: string, p: Progress): string => formatEvent({ type: 'progress', id: 1, data: { ...at, step, ...p } });

const db = (bytes: number, total: number) =>
  dbProgress('presync', { phase: 'copy', table: 'wp_posts', rows: '1000', bytes: String(bytes), tables_done: 1, tables_total: 3, rate_bytes_per_second: 100 * KiB, total_bytes_estimate: String(total) });

const assets = (bytes: number, total: number, eta = 3, files: [number, number] = [7, 9]) =>
  assetProgress('sync', { staging: 'uploads', production: 'uploads', delete: false }, {
    phase: 'files', files_done: String(files[0]), files_total: String(files[1]), bytes_done: String(bytes), bytes_total: String(total), bytes_wire: String(bytes), rate_bytes_per_second: 100 * KiB, eta_seconds: eta,
  });

test("presync progress: an agent's total below the bytes done is dropped, with its ETA; a total at or above them is passed on", () => {
  const short = db(955 * KiB, 48 * KiB);
  assert.equal(short.bytes, 955 * KiB);
  assert.equal(short.bytesTotal, undefined, 'a total the bytes have passed is no total');
  assert.equal(short.etaSeconds, undefined);
  assert.match(watched('presync', short), /presync\s+database copy wp_posts 955\.0 KiB {2}rows 1000/);

  const within = db(24 * KiB, 48 * KiB);
  assert.deepEqual([within.bytesTotal, within.etaSeconds], [48 * KiB, 0]);
  const exact = db(48 * KiB, 48 * KiB);
  assert.deepEqual([exact.bytesTotal, exact.etaSeconds], [48 * KiB, undefined]);
  assert.equal(db(5, 0).bytesTotal, undefined, 'no estimate: no total, as before');
});

test("asset progress: an agent's total below the bytes done is dropped, with its ETA; a total at or above them, and an empty pull's 0 of 0, are passed on", () => {
  const short = assets(12 * KiB * KiB, 10 * KiB * KiB);
  assert.equal(short.bytes, 12 * KiB * KiB);
  assert.equal(short.bytesTotal, undefined, 'a total the bytes have passed is no total');
  assert.equal(short.etaSeconds, undefined, 'an ETA reckoned against it neither');
  assert.doesNotMatch(watched('sync', short), /\[#|%|\/10\.0 MiB/);

  const within = assets(5 * KiB * KiB, 10 * KiB * KiB);
  assert.deepEqual([within.bytesTotal, within.etaSeconds], [10 * KiB * KiB, 3]);
  assert.match(watched('sync', within), /\[#{12}\.{12}\]  50% 5\.0 MiB\/10\.0 MiB/);
  assert.equal(assets(10 * KiB * KiB, 10 * KiB * KiB, 0).bytesTotal, 10 * KiB * KiB);
  assert.equal(assets(0, 0, 0).bytesTotal, 0);
  assert.equal(assets(1, 0, 0).bytesTotal, undefined);
});

test("asset progress: an agent's file total below the files done is dropped, the bytes' total kept; a file total at or above them, and an empty pull's 0 of 0, are passed on", () => {
  const short = assets(5 * KiB * KiB, 10 * KiB * KiB, 3, [12, 9]);
  assert.equal(short.files, 12);
  assert.equal(short.filesTotal, undefined, 'a total the files have passed is no total');
  assert.deepEqual([short.bytesTotal, short.etaSeconds], [10 * KiB * KiB, 3], 'the byte total is judged on its own');
  const line = watched('sync', short);
  assert.match(line, / files 12(?!\/)/);
  assert.doesNotMatch(line, /12\/9/);

  assert.equal(assets(5, 10, 3, [7, 9]).filesTotal, 9);
  assert.match(watched('sync', assets(5, 10, 3, [7, 9])), /files 7\/9/);
  assert.equal(assets(5, 10, 3, [9, 9]).filesTotal, 9);
  assert.equal(assets(0, 0, 0, [0, 0]).filesTotal, 0, "an empty pull's 0 of 0 files stays");
  assert.equal(assets(5, 10, 3, [3, 0]).filesTotal, undefined, 'no count from the agent: none passed on');
});

test('watch names what preflight, propagate and monitor count: checks, servers and requests, not files and rows', () => {
  const line = (step: string, data: Record<string, unknown>) => formatEvent({ type: 'progress', id: 1, data: { ...at, step, ...data } });
  assert.match(line('preflight', { phase: 'preflight', files: 6, filesTotal: 12 }), /preflight\s+preflight checks 6\/12$/);
  assert.match(line('propagate', { phase: 'propagation', files: 1, filesTotal: 2, message: '1/2 servers answer 127.0.0.3' }), /propagation servers 1\/2 1\/2 servers answer/);
  assert.match(line('monitor', { phase: 'monitor', rows: 33, etaSeconds: 0, message: '0/33 5xx in the last 10 s' }), /monitor requests 33 {2}ETA 0s 0\/33 5xx/);
  // Files and rows moved are still files and rows.
  assert.match(line('sync', { phase: 'assets uploads', files: 7, filesTotal: 9 }), /files 7\/9/);
  assert.match(line('presync', { phase: 'database presync wp_posts', rows: 2000 }), /rows 2000/);
});

// Production sets staging's mtime to the microsecond, through Node's utimes (a double of seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { sameMtime, utimesArg } from '../../agent/assets/mtime.js';

function scratchFile(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-mtime-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'f');
  writeFileSync(f, 'x');
  return f;
}

test("utimesArg lands on staging's microsecond exactly, for every nanosecond part", (t) => {
  const f = scratchFile(t);
  // Microsecond parts where `µs / 1e6` falls just short as a double, and random ones.
  const samples: bigint[] = [1_733_500_000_000_001_000n, 1_733_500_000_123_456_789n, 1_733_500_000_999_999_999n, 1_733_500_000_000_000_000n];
  for (let i = 0; i < 3000; i++) samples.push(BigInt(randomInt(1, 2 ** 31 - 1)) * 1_000_000_000n + BigInt(randomInt(0, 1_000_000_000)));
  const off: string[] = [];
  for (const ns of samples) {
    const arg = utimesArg(ns);
    utimesSync(f, arg, arg);
    const got = statSync(f, { bigint: true }).mtimeNs;
    if (got !== (ns / 1000n) * 1000n) off.push(`${ns} -> ${got}`);
    assert.ok(sameMtime(got, ns), `${ns} and ${got} count as the same mtime`);
  }
  assert.deepEqual(off.slice(0, 5), [], `${off.length} of ${samples.length} landed off staging's microsecond`);
});

test('an mtime before 1970 is set to its microsecond too, not replaced by now', (t) => {
  const f = scratchFile(t);
  for (const ns of [-86_400_123_456_789n, -1n, -999_999_999n, -1_000_000_000_000_000_000n]) {
    const arg = utimesArg(ns);
    utimesSync(f, arg, arg);
    const got = statSync(f, { bigint: true }).mtimeNs;
    const floorUs = ns % 1000n === 0n ? ns : (ns / 1000n - 1n) * 1000n;
    assert.equal(got, floorUs, `${ns} set as ${got}`);
    assert.ok(sameMtime(got, ns));
    assert.ok(!sameMtime(got, ns - 1000n));
  }
});

test('sameMtime: the same microsecond is equal, the next one is not', () => {
  assert.ok(sameMtime('1733500000123456000', '1733500000123456999'));
  assert.ok(!sameMtime('1733500000123456000', '1733500000123455999'), 'one nanosecond into the microsecond before');
  assert.ok(!sameMtime('1733500000123457000', '1733500000123456999'));
  assert.ok(sameMtime(5n, 5n));
});

// Fixed-size chunks against content-defined chunks (CDC), measured: what CDC costs on the scan
// path and what it saves on the wire, for the changes an asset tree sees.
//   npx tsc -p . && node dist/test/bench/chunking.js [--mb 256]
// The CDC here is a gear hash with FastCDC's normalised cut (min 64 KiB, average 256 KiB, max
// 1 MiB), written in plain JavaScript as the agent would have to; SHA-256 per chunk on top, as
// for fixed chunks. Not part of `npm test`.
import { createHash, randomBytes } from 'node:crypto';
import { CHUNK_SIZE } from '../../agent/assets/chunking.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const MIN = 64 * 1024;
const AVG = 256 * 1024;
const MAX = 1024 * 1024;
// A fixed table of 256 random 32-bit words (seeded, so runs compare).
const GEAR = new Uint32Array(256);
{
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    GEAR[i] = x >>> 0;
  }
}
// FastCDC's normalised chunking: before the average size a cut needs log2(avg)+2 zero bits,
// after it log2(avg)-2 (the top bits of the gear hash carry the most of its 32-byte window).
const topBits = (n: number): number => (0xffffffff << (32 - n)) >>> 0;
const MASK_S = topBits(20);
const MASK_L = topBits(16);

/** Cut points of `data` (chunk ends), by gear hash. */
function cdcCuts(data: Buffer): number[] {
  const cuts: number[] = [];
  let start = 0;
  while (start < data.length) {
    const end = Math.min(data.length, start + MAX);
    let h = 0;
    let i = start + Math.min(MIN, end - start);
    const normal = Math.min(end, start + AVG);
    let cut = end;
    for (; i < normal; i++) {
      h = ((h << 1) + GEAR[data[i]!]!) >>> 0;
      if ((h & MASK_S) === 0) {
        cut = i + 1;
        break;
      }
    }
    if (cut === end && i >= normal) {
      for (; i < end; i++) {
        h = ((h << 1) + GEAR[data[i]!]!) >>> 0;
        if ((h & MASK_L) === 0) {
          cut = i + 1;
          break;
        }
      }
    }
    cuts.push(cut);
    start = cut;
  }
  return cuts;
}

function fixedCuts(data: Buffer): number[] {
  const cuts: number[] = [];
  for (let p = CHUNK_SIZE; p < data.length; p += CHUNK_SIZE) cuts.push(p);
  cuts.push(data.length);
  return cuts;
}

function chunkHashes(data: Buffer, cuts: number[]): string[] {
  let start = 0;
  return cuts.map((end) => {
    const h = createHash('sha256').update(data.subarray(start, end)).digest('hex');
    start = end;
    return h;
  });
}

/** Bytes of `after` that are not in chunks `before` already had: what must cross the wire. */
function newBytes(before: Buffer, after: Buffer, cutter: (b: Buffer) => number[]): number {
  const have = new Set(chunkHashes(before, cutter(before)));
  const cuts = cutter(after);
  let start = 0;
  let sent = 0;
  for (const [i, h] of chunkHashes(after, cuts).entries()) {
    if (!have.has(h)) sent += cuts[i]! - start;
    start = cuts[i]!;
  }
  return sent;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

const mbTotal = Number(arg('mb', '256'));
const data = randomBytes(mbTotal * 1024 * 1024);
// Warm both paths once.
chunkHashes(data.subarray(0, 8 << 20), fixedCuts(data.subarray(0, 8 << 20)));
chunkHashes(data.subarray(0, 8 << 20), cdcCuts(data.subarray(0, 8 << 20)));
const fixedS = time(() => chunkHashes(data, fixedCuts(data)));
let cdcChunks = 0;
const cdcS = time(() => {
  const cuts = cdcCuts(data);
  cdcChunks = cuts.length;
  chunkHashes(data, cuts);
});
const fixedRate = mbTotal / fixedS;
const cdcRate = mbTotal / cdcS;

// The changes an asset tree sees, on a 64 MiB file.
const file = data.subarray(0, 64 * 1024 * 1024);
const tail = randomBytes(100_000);
const cases: Array<[string, Buffer]> = [
  ['appended (100 kB)', Buffer.concat([file, tail])],
  ['overwritten in place (100 kB at 32 MiB)', (() => { const b = Buffer.from(file); tail.copy(b, 32 * 1024 * 1024); return b; })()],
  ['inserted (100 kB at 32 MiB)', Buffer.concat([file.subarray(0, 32 * 1024 * 1024), tail, file.subarray(32 * 1024 * 1024)])],
  ['replaced entirely', randomBytes(file.length)],
];

console.log(`scan path (chunk + SHA-256 of every chunk), ${mbTotal} MiB: fixed ${fixedRate.toFixed(0)} MB/s, CDC ${cdcRate.toFixed(0)} MB/s (${cdcChunks} chunks, mean ${(mbTotal * 1024 / cdcChunks).toFixed(0)} KiB) — CDC/fixed ${(cdcRate / fixedRate).toFixed(2)}×`);
console.log('\n| change to a 64 MiB file | fixed 256 KiB: bytes sent | CDC: bytes sent | fixed/CDC |\n| --- | --- | --- | --- |');
for (const [name, after] of cases) {
  const f = newBytes(file, after, fixedCuts);
  const c = newBytes(file, after, cdcCuts);
  console.log(`| ${name} | ${(f / 1e6).toFixed(2)} MB | ${(c / 1e6).toFixed(2)} MB | ${(f / Math.max(1, c)).toFixed(2)}× |`);
}

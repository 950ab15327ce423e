import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvEncoder } from '../../agent/db/tsv.js';
import { rowPayload } from '../helpers/row-packet.js';
import { encodeTextRow, framesToTsv, rowValues, RowFrameSplitter, textRowValues, type RowPacket } from '../../agent/db/text-rows.js';

/** A text-protocol row packet as the server sends it, behind a few unrelated bytes. */
function packet(values: Array<Buffer | null>): RowPacket {
  const buffer = Buffer.concat([Buffer.from([1, 2, 3, 4]), rowPayload(values), Buffer.from([9, 9])]);
  return { buffer, offset: 4, end: buffer.length - 2, isEOF: () => false };
}

const encode = (rows: Array<Array<Buffer | null>>, viaPacket: boolean): Buffer => {
  const out: Buffer[] = [];
  const enc = new TsvEncoder(1000, (c) => out.push(c));
  for (const r of rows) {
    if (viaPacket) encodeTextRow(enc, packet(r), r.length);
    else enc.writeRow(r);
  }
  enc.flush();
  return Buffer.concat(out);
};

test('a row packet encodes exactly as its parsed values would: NULL, empty, every byte, every length prefix', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const rows: Array<Array<Buffer | null>> = [
    [Buffer.from('1'), null, Buffer.alloc(0), Buffer.from('\\N')],
    [all, all.subarray(0, 40), Buffer.alloc(300, 0x5c), Buffer.alloc(70_000, 0x61)],
    [null, Buffer.from('\t\n\r\0\x1a'), Buffer.alloc(1 << 24, 0x0a), Buffer.from('😀')],
  ];
  assert.deepEqual(encode(rows, true), encode(rows, false));
  assert.deepEqual(textRowValues(packet(rows[0]!), 4, [3, 1, 0]), [Buffer.from('\\N'), null, Buffer.from('1')]);
});

test('a row packet with fewer or more fields than columns, or a field past its end, is an error', () => {
  const enc = new TsvEncoder(1000, () => undefined);
  assert.throws(() => encodeTextRow(enc, packet([Buffer.from('a')]), 2), /fewer fields/);
  assert.throws(() => encodeTextRow(enc, packet([Buffer.from('a'), Buffer.from('b')]), 1), /more fields/);
  const p = packet([Buffer.from('abc')]);
  assert.throws(() => encodeTextRow(enc, { ...p, end: p.end - 1 }, 1), /past the packet/);
});

/** Rows in the "rows" wire format, as the staging agent frames them. */
const framed = (rows: Array<Array<Buffer | null>>, chunkSize: number): Buffer[] => {
  const out: Buffer[] = [];
  const enc = new TsvEncoder(chunkSize, (c) => out.push(c));
  for (const r of rows) {
    const p = packet(r);
    enc.frame(p.buffer, p.offset, p.end);
  }
  enc.flush();
  return out;
};

const FRAME_ROWS: Array<Array<Buffer | null>> = [
  [Buffer.from('1'), null, Buffer.alloc(0)],
  [Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\\N'), Buffer.alloc(300, 0x09)],
  [null, null, null],
  [Buffer.from('4'), Buffer.from('😀'), Buffer.alloc(70_000, 0x5c)],
];

test('"rows" frames split back into the same values however the stream is cut, inside length prefixes too', () => {
  const whole = Buffer.concat(framed(FRAME_ROWS, 64));
  for (const step of [1, 2, 3, 5, 7, 64, 1000, whole.length]) {
    const got: Array<Array<Buffer | null>> = [];
    const split = new RowFrameSplitter((buf, s, e) => got.push(rowValues(buf, s, e, 3).map((v) => (v === null ? null : Buffer.from(v)))));
    for (let i = 0; i < whole.length; i += step) split.write(whole.subarray(i, i + step));
    split.end();
    assert.deepEqual(got, FRAME_ROWS, `cut every ${step} bytes`);
  }
});

test('"rows" frames turned into LOAD DATA text are the text staging would have sent', async () => {
  const out: Buffer[] = [];
  for await (const c of framesToTsv((async function* () { yield* framed(FRAME_ROWS, 100); })(), 3, 50)) out.push(c);
  assert.deepEqual(Buffer.concat(out), encode(FRAME_ROWS, false));
});

test('a "rows" stream cut inside a row, or a row with the wrong number of fields, is an error', () => {
  const whole = Buffer.concat(framed(FRAME_ROWS, 1 << 20));
  const cut = new RowFrameSplitter(() => undefined);
  cut.write(whole.subarray(0, whole.length - 1));
  assert.throws(() => cut.end(), /stream ended inside a row/);
  const short = new RowFrameSplitter(() => undefined);
  short.write(whole.subarray(0, 2));
  assert.throws(() => short.end(), /stream ended inside a row/);
  const wrong = new RowFrameSplitter((buf, s, e) => rowValues(buf, s, e, 4));
  assert.throws(() => wrong.write(whole), /fewer fields than columns/);
  const more = new RowFrameSplitter((buf, s, e) => rowValues(buf, s, e, 2));
  assert.throws(() => more.write(whole), /more fields than columns/);
  // A length no packet can have is refused at once, not waited for (it would hold the stream).
  const huge = Buffer.alloc(8);
  huge.writeUInt32LE(0xfffffff0, 0);
  assert.throws(() => new RowFrameSplitter(() => undefined).write(huge), /more than any packet holds/);
  const hugeCut = new RowFrameSplitter(() => undefined);
  hugeCut.write(huge.subarray(0, 2));
  assert.throws(() => hugeCut.write(huge.subarray(2)), /more than any packet holds/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvEncoder } from '../../agent/db/tsv.js';
import { encodeTextRow, textRowValues, type RowPacket } from '../../agent/db/text-rows.js';

/** A text-protocol row packet as the server sends it, behind a few unrelated bytes. */
function packet(values: Array<Buffer | null>): RowPacket {
  const parts: Buffer[] = [Buffer.from([1, 2, 3, 4])];
  for (const v of values) {
    if (v === null) parts.push(Buffer.from([0xfb]));
    else if (v.length < 251) parts.push(Buffer.from([v.length]), v);
    else if (v.length < 1 << 16) parts.push(Buffer.from([0xfc, v.length & 0xff, v.length >> 8]), v);
    else if (v.length < 1 << 24) parts.push(Buffer.from([0xfd, v.length & 0xff, (v.length >> 8) & 0xff, v.length >> 16]), v);
    else {
      const h = Buffer.alloc(9);
      h[0] = 0xfe;
      h.writeUInt32LE(v.length, 1);
      parts.push(h, v);
    }
  }
  const buffer = Buffer.concat([...parts, Buffer.from([9, 9])]);
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

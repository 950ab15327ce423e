import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvDecoder, TsvEncoder, TsvSplitter } from '../../agent/db/tsv.js';
import { keyCompare, keyLiteral, rangeWhere } from '../../agent/db/sql.js';
import { TransferAuthorizations } from '../../agent/db/transfer-auth.js';

/** Every byte value, NULL vs empty vs the text "\\N", escapes, 4-byte UTF-8. */
const HARD_ROWS: Array<Array<Buffer | null>> = [
  [Buffer.from(Array.from({ length: 256 }, (_, i) => i)), null, Buffer.alloc(0)],
  [Buffer.from('\\N'), Buffer.from('\t\n\\'), Buffer.from('😀')],
  [null, null, null],
];

test('row format: every byte value, NULL vs empty vs the text "\\N", across chunk boundaries', () => {
  const rows = HARD_ROWS;
  const chunks: Buffer[] = [];
  const enc = new TsvEncoder(7, (c) => chunks.push(c));
  for (const r of rows) enc.writeRow(r);
  enc.flush();
  assert.equal(enc.rows, 3);
  const out: Array<Array<Buffer | null>> = [];
  const dec = new TsvDecoder((r) => out.push(r));
  const joined = Buffer.concat(chunks);
  for (let i = 0; i < joined.length; i += 3) dec.write(joined.subarray(i, i + 3)); // splits escapes too
  dec.end();
  assert.deepEqual(out, rows);
  // Only what LOAD DATA would misread is escaped: the separators and the escape character.
  const first = joined.subarray(0, joined.indexOf(0x0a));
  for (const b of [0x00, 0x0d, 0x1a]) assert.equal(first.filter((x) => x === b).length, 1, `byte ${b} goes as it is`);
  assert.equal(first.filter((x) => x === 0x09).length, 2, 'the two separators; the TAB in the value is escaped');
});

test('splitter: the same rows as the decoder for every way of cutting the stream, clean values not copied', () => {
  const rows: Array<Array<Buffer | null>> = [
    ...HARD_ROWS,
    [Buffer.from('x'.repeat(300)), Buffer.from('N'), Buffer.from('\\')],
    [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)],
  ];
  const chunks: Buffer[] = [];
  const enc = new TsvEncoder(1 << 16, (c) => chunks.push(c));
  for (const r of rows) enc.writeRow(r);
  enc.flush();
  const joined = Buffer.concat(chunks);
  for (const step of [1, 2, 3, 5, 64, joined.length]) {
    const out: Array<Array<Buffer | null>> = [];
    const sizes: number[] = [];
    const sp = new TsvSplitter(3, (r, bytes) => {
      out.push(r.map((v) => (v === null ? null : Buffer.from(v))));
      sizes.push(bytes);
    });
    for (let i = 0; i < joined.length; i += step) sp.write(joined.subarray(i, i + step));
    sp.end();
    assert.deepEqual(out, rows, `cut every ${step} bytes`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), joined.length, 'row sizes add up to the stream');
  }
  // A clean value is a view of the chunk it came in, not a copy.
  const chunk = Buffer.from('1\tabc\tdef\n');
  let seen: Array<Buffer | null> = [];
  new TsvSplitter(3, (r) => (seen = r)).write(chunk);
  assert.equal(seen[1]!.buffer, chunk.buffer);
});

test('splitter: a row with too few or too many fields, or cut short, is an error', () => {
  assert.throws(() => new TsvSplitter(3, () => undefined).write(Buffer.from('1\t2\n')), /2 fields, expected 3/);
  assert.throws(() => new TsvSplitter(2, () => undefined).write(Buffer.from('1\t2\t3\n')), /more than 2 fields/);
  const sp = new TsvSplitter(2, () => undefined);
  sp.write(Buffer.from('1\t2'));
  assert.throws(() => sp.end(), /inside a row/);
  assert.throws(() => new TsvSplitter(1, () => undefined).write(Buffer.from('ab\\\n')), /ends in an escape/);
});

test('a stream cut inside a row is an error, never a silently shorter table', () => {
  const dec = new TsvDecoder(() => undefined);
  dec.write(Buffer.from('1\tab'));
  assert.throws(() => dec.end(), /inside a row/);
});

test('key literals: hex with the column charset, numbers validated, composite ranges expanded', () => {
  const int = { name: 'id', dataType: 'int', charset: null, collation: null };
  const str = { name: 'k`x', dataType: 'varchar', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' };
  assert.equal(keyLiteral(int, Buffer.from('42')), '42');
  assert.throws(() => keyLiteral(int, Buffer.from('1; DROP TABLE x')), /not a number/);
  assert.equal(keyLiteral(str, Buffer.from("a'b")), "_utf8mb4 X'612762' COLLATE utf8mb4_unicode_ci");
  assert.equal(keyLiteral({ ...str, charset: 'binary' }, Buffer.from('a')), "_binary X'61'");
  assert.equal(keyCompare([int, str], [Buffer.from('1'), Buffer.from('a')], '>='), "((`id` >= 1) OR (`id` <=> 1 AND `k``x` >= _utf8mb4 X'61' COLLATE utf8mb4_unicode_ci))".replace('(`id` >= 1)', '(`id` > 1)'));
  assert.equal(rangeWhere([int], {}), '1=1');
  assert.equal(rangeWhere([int], { lower: [Buffer.from('5')], upper: [Buffer.from('9')] }), '(`id` >= 5) AND (`id` < 9)');
});

test('transfer tokens: short refused, unknown and revoked rejected, schema bound', () => {
  const a = new TransferAuthorizations();
  assert.throws(() => a.authorize('short', 'shop', 60), /16/);
  a.authorize('x'.repeat(32), 'shop', 600);
  assert.equal(a.check('x'.repeat(32)), 'shop');
  assert.throws(() => a.check('y'.repeat(32)), /unknown or expired/);
  assert.equal(a.revoke('x'.repeat(32)), true);
  assert.throws(() => a.check('x'.repeat(32)), /unknown or expired/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { ExecuteRows, rawExecuteUsable } from '../../agent/db/raw-execute.js';
import { rowPayload } from '../helpers/row-packet.js';

// mysql2's own encoder of an execute packet, the reference our packets must equal.
const req = createRequire(import.meta.url);
const root = dirname(req.resolve('mysql2'));
const Mysql2Execute = req(join(root, 'lib/packets/execute.js')) as new (id: number, params: Array<Buffer | null>, charset: number) => { toPacket(): { buffer: Buffer } };

/** Rows added as views of one buffer, behind and between unrelated bytes, as a chunk holds them. */
function collect(rows: Array<Array<Buffer | null>>): ExecuteRows {
  const fields = rows[0]!.length;
  const parts: Buffer[] = [Buffer.from([7, 7, 7])];
  const spans: Array<[number, number]> = [];
  let at = 3;
  for (const r of rows) {
    const p = rowPayload(r);
    spans.push([at, at + p.length]);
    parts.push(p, Buffer.from([9]));
    at += p.length + 1;
  }
  const chunk = Buffer.concat(parts);
  const out = new ExecuteRows(fields);
  for (const [s, e] of spans) out.add(chunk, s, e);
  return out;
}

const reference = (id: number, rows: Array<Array<Buffer | null>>) => new Mysql2Execute(id, rows.flat(), 45).toPacket().buffer.subarray(4);
const ours = (x: ExecuteRows, id: number, from: number, n: number) => x.packet(id, from, n).subarray(4);

test("an execute packet from row packets is byte for byte mysql2's for the same Buffer parameters", () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const rows: Array<Array<Buffer | null>> = [
    [Buffer.from('1'), null, Buffer.alloc(0), Buffer.from([0xfb])],
    [Buffer.from('2'), all, all.subarray(0, 250), all.subarray(0, 251)],
    [null, null, null, null],
    [Buffer.from('4'), randomBytes(70_000), null, Buffer.from('\\N')],
    [Buffer.from('5'), Buffer.from('😀 ünï'), randomBytes(1000), null],
  ];
  // Every NULL pattern across more than 8 parameters, so the bitmap spans several bytes.
  for (let i = 0; i < 16; i++) rows.push([i & 1 ? null : Buffer.from(`k${i}`), i & 2 ? null : randomBytes(i * 20), i & 4 ? null : Buffer.alloc(0), i & 8 ? null : Buffer.from('x')]);
  const x = collect(rows);
  assert.equal(x.rows, rows.length);
  assert.deepEqual(ours(x, 0x01020304, 0, rows.length), reference(0x01020304, rows));
  // Any run of rows, as a batch is cut into statements of power-of-two sizes.
  for (const [from, n] of [[0, 1], [2, 1], [3, 8], [5, 16], [20, 1]] as const) assert.deepEqual(ours(x, 7, from, n), reference(7, rows.slice(from, from + n)), `rows ${from}+${n}`);
});

test('a malformed row packet is refused whole and leaves the batch as it was', () => {
  const x = collect([[Buffer.from('a'), null]]);
  const good = rowPayload([Buffer.from('b'), Buffer.from('c')]);
  for (const bad of [rowPayload([Buffer.from('b')]), rowPayload([Buffer.from('b'), null, Buffer.from('c')]), Buffer.concat([rowPayload([null]), Buffer.from([0xfc, 0x10])]), Buffer.from([0xff, 0x00])]) {
    assert.throws(() => x.add(bad, 0, bad.length), /row packet: (fewer fields|more fields|field runs past|bad length prefix)/);
  }
  x.add(good, 0, good.length);
  assert.equal(x.rows, 2);
  assert.deepEqual(ours(x, 1, 0, 2), reference(1, [[Buffer.from('a'), null], [Buffer.from('b'), Buffer.from('c')]]));
  assert.throws(() => x.packet(1, 1, 2), /rows 1\+2 of 2/);
});

test('a server that expects query attributes (MySQL 8.0.23+) gets mysql2\'s own encoding, not our packet', () => {
  const QUERY_ATTRIBUTES = 1 << 27;
  const conn = (server: number) => ({ connection: { config: { clientFlags: QUERY_ATTRIBUTES | 1 }, serverCapabilityFlags: server, addCommand: () => undefined } }) as unknown as Connection;
  assert.equal(rawExecuteUsable(conn(QUERY_ATTRIBUTES | 1)), false);
  assert.equal(rawExecuteUsable(conn(1)), true);
  assert.equal(rawExecuteUsable({} as Connection), false, 'no mysql2 core connection: not usable');
});

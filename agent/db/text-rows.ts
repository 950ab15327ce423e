// Row packets of a text-protocol result set, read straight into the TSV row format. Each field of
// such a packet is the server's own text bytes behind a length-encoded integer (0xFB alone: NULL),
// which is all the copy needs: letting mysql2 parse the row first made a Buffer per field and an
// array per row, and that was most of the staging agent's CPU during a full copy.
import { SwitchyardError } from '../../shared/errors.js';
import type { TsvEncoder } from './tsv.js';

/** The part of a mysql2 row packet we read: the payload is buffer[offset, end). */
export interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

const malformed = (what: string) => new SwitchyardError('SY_DB', `row packet: ${what}`);

/** Where field `i`'s value starts, or -1 for NULL; `next` gets where the field after it starts. */
function fieldAt(buf: Buffer, pos: number, end: number, out: { start: number; end: number }): void {
  if (pos >= end) throw malformed('fewer fields than columns');
  const b = buf[pos]!;
  let len: number;
  let at: number;
  if (b < 0xfb) {
    len = b;
    at = pos + 1;
  } else if (b === 0xfb) {
    out.start = -1;
    out.end = pos + 1;
    return;
  } else if (b === 0xfc) {
    len = buf[pos + 1]! | (buf[pos + 2]! << 8);
    at = pos + 3;
  } else if (b === 0xfd) {
    len = buf[pos + 1]! | (buf[pos + 2]! << 8) | (buf[pos + 3]! << 16);
    at = pos + 4;
  } else if (b === 0xfe) {
    len = buf.readUInt32LE(pos + 1) + buf.readUInt32LE(pos + 5) * 2 ** 32;
    at = pos + 9;
  } else {
    throw malformed(`bad length prefix 0x${b.toString(16)}`);
  }
  if (at + len > end) throw malformed('field runs past the packet');
  out.start = at;
  out.end = at + len;
}

const spot = { start: 0, end: 0 };

/** Appends the row in `p` to `enc`, as writeRow would append the same values. */
export function encodeTextRow(enc: TsvEncoder, p: RowPacket, fields: number): void {
  const buf = p.buffer;
  let pos = p.offset;
  for (let i = 0; i < fields; i++) {
    fieldAt(buf, pos, p.end, spot);
    if (spot.start < 0) enc.nullField(i === 0);
    else enc.field(buf, spot.start, spot.end, i === 0);
    pos = spot.end;
  }
  if (pos !== p.end) throw malformed('more fields than columns');
  enc.endRow();
}

/** Copies of the values of fields `idx` (in that order) of the row in `p`. */
export function textRowValues(p: RowPacket, fields: number, idx: number[]): Array<Buffer | null> {
  const all: Array<Buffer | null> = [];
  let pos = p.offset;
  for (let i = 0; i < fields; i++) {
    fieldAt(p.buffer, pos, p.end, spot);
    all.push(spot.start < 0 ? null : Buffer.from(p.buffer.subarray(spot.start, spot.end)));
    pos = spot.end;
  }
  return idx.map((i) => all[i]!);
}

/**
 * Has mysql2's running text query hand each row packet to `onRow` instead of parsing it (no
 * 'result' events follow). mysql2 runs a command as a chain of packet handlers, the `row` one
 * returning itself until the result's EOF; an own `row` on the query takes that place, and the
 * EOF still goes to mysql2's.
 */
export function takeRowPackets(query: unknown, onRow: (p: RowPacket) => void): void {
  const q = query as { row: (p: RowPacket, c: unknown) => unknown };
  const own = q.row;
  if (typeof own !== 'function') throw new SwitchyardError('SY_INTERNAL', 'mysql2 query without a row handler');
  const row = function (this: unknown, p: RowPacket, c: unknown): unknown {
    if (p.isEOF()) return own.call(this, p, c);
    onRow(p);
    return row;
  };
  q.row = row;
}

// Row packets of a text-protocol result set, read straight into the TSV row format. Each field of
// such a packet is the server's own text bytes behind a length-encoded integer (0xFB alone: NULL),
// which is all the copy needs: letting mysql2 parse the row first made a Buffer per field and an
// array per row, and that was most of the staging agent's CPU during a full copy.
import { SwitchyardError } from '../../shared/errors.js';
import { TsvEncoder } from './tsv.js';

/** The part of a mysql2 row packet we read: the payload is buffer[offset, end). */
export interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

const malformed = (what: string) => new SwitchyardError('SY_DB', `row packet: ${what}`);

/**
 * The field at buf[pos] of a row packet ending at `end`: `out.start` where its value starts (-1
 * for NULL), `out.end` where it ends, which is where the next field starts.
 */
export function fieldAt(buf: Buffer, pos: number, end: number, out: { start: number; end: number }): void {
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

/** No row is larger than the protocol's largest packet (max_allowed_packet is at most 1 GiB). */
const MAX_FRAME = 1 << 30;

/**
 * Cuts a "rows" stream (each row a 4-byte little-endian length and a text-protocol row payload;
 * see TableData in database.proto) back into payloads: `onRow(buf, start, end)` for each, the
 * payload being buf[start, end). A payload inside one chunk is a view of it; one split across
 * chunks is joined once.
 */
export class RowFrameSplitter {
  /** The start of a frame that runs past the chunks seen so far. */
  private pieces: Buffer[] = [];
  private pending = 0;
  /** That frame's whole length, length prefix included; -1 while its prefix is incomplete. */
  private need = -1;

  constructor(private readonly onRow: (buf: Buffer, start: number, end: number) => void) {}

  write(chunk: Buffer): void {
    let pos = 0;
    if (this.pending > 0) {
      if (this.need < 0) {
        const take = Math.min(4 - this.pending, chunk.length);
        this.pieces.push(chunk.subarray(0, take));
        this.pending += take;
        pos = take;
        if (this.pending < 4) return;
        this.need = frameLength(Buffer.concat(this.pieces), 0);
      }
      // Only the frame's own bytes are joined, not the rest of the chunk.
      const take = Math.min(this.need - this.pending, chunk.length - pos);
      this.pieces.push(chunk.subarray(pos, pos + take));
      this.pending += take;
      pos += take;
      if (this.pending < this.need) return;
      const frame = Buffer.concat(this.pieces, this.need);
      this.pieces = [];
      this.pending = 0;
      this.need = -1;
      this.onRow(frame, 4, frame.length);
    }
    while (pos + 4 <= chunk.length) {
      const end = pos + frameLength(chunk, pos);
      if (end > chunk.length) break;
      this.onRow(chunk, pos + 4, end);
      pos = end;
    }
    if (pos < chunk.length) {
      const rest = chunk.subarray(pos);
      this.pieces.push(rest);
      this.pending = rest.length;
      this.need = rest.length >= 4 ? frameLength(rest, 0) : -1;
    }
  }

  end(): void {
    if (this.pending > 0) throw malformed('stream ended inside a row');
  }
}

/** The whole length of the frame at buf[pos]; a length no row can have is an error, not a wait. */
function frameLength(buf: Buffer, pos: number): number {
  const len = buf.readUInt32LE(pos);
  if (len > MAX_FRAME) throw malformed(`a row of ${len} bytes, more than any packet holds`);
  return 4 + len;
}

/** The values of the `fields` fields of payload buf[start, end): views of buf, null for NULL. */
export function rowValues(buf: Buffer, start: number, end: number, fields: number): Array<Buffer | null> {
  const row = new Array<Buffer | null>(fields);
  let pos = start;
  for (let i = 0; i < fields; i++) {
    fieldAt(buf, pos, end, spot);
    row[i] = spot.start < 0 ? null : buf.subarray(spot.start, spot.end);
    pos = spot.end;
  }
  if (pos !== end) throw malformed('more fields than columns');
  return row;
}

/** A "rows" stream as LOAD DATA text, for tables that load that way. */
export async function* framesToTsv(source: AsyncIterable<Buffer>, fields: number, chunkSize = 1 << 20): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const enc = new TsvEncoder(chunkSize, (c) => out.push(c));
  const packet: RowPacket = { buffer: Buffer.alloc(0), offset: 0, end: 0, isEOF: () => false };
  const split = new RowFrameSplitter((buf, s, e) => {
    packet.buffer = buf;
    packet.offset = s;
    packet.end = e;
    encodeTextRow(enc, packet, fields);
  });
  for await (const chunk of source) {
    split.write(chunk);
    if (out.length > 0) yield* out.splice(0);
  }
  split.end();
  enc.flush();
  yield* out.splice(0);
}

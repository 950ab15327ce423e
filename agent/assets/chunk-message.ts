// A Fetch response carrying file bytes, encoded by hand so the bytes are read from disk straight
// into the message. The generic path cost three 256 KiB allocations per chunk on staging (our
// copy of the read buffer, protobuf's encoding, grpc-js's framing); V8 starts a major GC for
// every ~64 MB of such buffers, and the staging agent spent ~40% of a large-file copy marking.
// This leaves one of ours and grpc-js's framing. The wire format is plain protobuf: the
// production side decodes it with the generated code like any other response.
import type * as grpc from '@grpc/grpc-js';

/** A response already in wire form; the service's serializer passes it through untouched. */
export class EncodedFetchResponse {
  constructor(readonly bytes: Buffer) {}
}

function varintLength(v: bigint): number {
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: bigint): number {
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** The end of a request served in full (AssetFetchEnd). */
export const END_OK = { status: 'ok', current: null, error: '' };
/** END_OK as the response's field 3 on the wire: field 1 = "ok" inside. */
const END_OK_BYTES = Buffer.from([0x1a, 0x04, 0x0a, 0x02, 0x6f, 0x6b]);

/**
 * AssetFetchResponse { request_id, chunk: AssetChunkData { index, offset, data } } with room
 * for `length` data bytes: the caller fills `data` (a view into the message) before sending.
 * With `endOk` the message also ends the request with status "ok" (for a client that asked
 * for `end_with_chunk`).
 */
export function chunkResponse(requestId: string | number, index: number, length: number, offset = 0, endOk = false): { message: EncodedFetchResponse; data: Buffer } {
  const id = BigInt(requestId);
  // AssetChunkData: index = 1 (varint), data = 2 (bytes), offset = 3 (varint); zero values
  // are left out as proto3 does. Field order on the wire is free; offset goes before the data.
  const idx = BigInt(index);
  const off = BigInt(offset);
  const len = BigInt(length);
  const chunkLen = (idx !== 0n ? 1 + varintLength(idx) : 0) + (off !== 0n ? 1 + varintLength(off) : 0) + 1 + varintLength(len) + length;
  const total = (id !== 0n ? 1 + varintLength(id) : 0) + 1 + varintLength(BigInt(chunkLen)) + chunkLen + (endOk ? END_OK_BYTES.length : 0);
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  if (id !== 0n) {
    buf[pos++] = 0x08; // field 1, varint
    pos = writeVarint(buf, pos, id);
  }
  buf[pos++] = 0x12; // field 2 (chunk), length-delimited
  pos = writeVarint(buf, pos, BigInt(chunkLen));
  if (idx !== 0n) {
    buf[pos++] = 0x08; // chunk.index
    pos = writeVarint(buf, pos, idx);
  }
  if (off !== 0n) {
    buf[pos++] = 0x18; // chunk.offset
    pos = writeVarint(buf, pos, off);
  }
  buf[pos++] = 0x12; // chunk.data
  pos = writeVarint(buf, pos, len);
  if (endOk) END_OK_BYTES.copy(buf, pos + length);
  if (pos + length + (endOk ? END_OK_BYTES.length : 0) !== total) throw new Error(`chunkResponse: encoded ${pos + length} of ${total} bytes`);
  return { message: new EncodedFetchResponse(buf), data: buf.subarray(pos, pos + length) };
}

/** The Assets service definition with a Fetch serializer that lets pre-encoded responses through. */
export function withEncodedFetch(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const fetch = service.Fetch;
  if (fetch === undefined) return service;
  const original = fetch.responseSerialize as (v: unknown) => Buffer;
  return {
    ...service,
    Fetch: { ...fetch, responseSerialize: (v: unknown) => (v instanceof EncodedFetchResponse ? v.bytes : original(v)) },
  };
}

// What identifies the access log at a position once its inode is gone: a rotation that compressed
// it wrote a new file. The bytes just before the position are the same in the compressed copy's
// content, so their hash finds the file again without trusting its name or its size.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { compressedChunks } from './compressed-chunks.js';

export const FINGERPRINT_BYTES = 4096;

export function fingerprint(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The fingerprint of the up to FINGERPRINT_BYTES before `offset` in an open file. */
export async function fingerprintBefore(fh: FileHandle, offset: number): Promise<string> {
  return fingerprint(await bytesBefore(fh, offset));
}

/** The up to FINGERPRINT_BYTES before `offset` in an open file (fewer when it is shorter now). */
export async function bytesBefore(fh: FileHandle, offset: number): Promise<Buffer> {
  const from = Math.max(0, offset - FINGERPRINT_BYTES);
  const buf = Buffer.alloc(offset - from);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** `held` (the bytes before a position) followed by `chunk`, cut to the last FINGERPRINT_BYTES: the bytes before the position after it. */
export function keepTail(held: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= FINGERPRINT_BYTES) return Buffer.from(chunk.subarray(chunk.length - FINGERPRINT_BYTES));
  const both = Buffer.concat([held, chunk]);
  return both.subarray(Math.max(0, both.length - FINGERPRINT_BYTES));
}

/**
 * The fingerprint of the up to FINGERPRINT_BYTES before `offset` in a compressed file's content
 * (gzip, or through the host's xz, bzip2, zstd); undefined when its content is shorter or it cannot
 * be decompressed. Decompresses up to `offset` only.
 */
export async function compressedFingerprintBefore(fh: FileHandle, compressed: string, offset: number): Promise<string | undefined> {
  const head: Buffer[] = [];
  try {
    for await (const { chunk, at } of compressedChunks(fh, compressed)) {
      gatherBefore(head, chunk, at, offset);
      if (at + chunk.length >= offset) return fingerprint(Buffer.concat(head));
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds to `head` the part of `chunk` (which starts at `at` in a file's content) that lies in the up
 * to FINGERPRINT_BYTES before `offset`, if any: chunk by chunk, `head` gathers the bytes whose
 * fingerprint is compared. Only such parts are kept, so the chunks read before them can be freed.
 */
export function gatherBefore(head: Buffer[], chunk: Buffer, at: number, offset: number): void {
  const from = Math.max(at, offset - FINGERPRINT_BYTES);
  const to = Math.min(at + chunk.length, offset);
  if (from < to) head.push(chunk.subarray(from - at, to - at));
}

// What identifies the access log at a position once its inode is gone: a rotation that compressed
// it wrote a new file. The bytes just before the position are the same in the gzip's uncompressed
// stream, so their hash finds the file again without trusting its name or its size.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

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
 * The fingerprint of the up to FINGERPRINT_BYTES before `offset` in a gzip'd file's content;
 * undefined when its content is shorter or it cannot be decompressed. Decompresses up to `offset` only.
 */
export async function gzipFingerprintBefore(fh: FileHandle, offset: number): Promise<string | undefined> {
  const src = fh.createReadStream({ autoClose: false });
  const gunzip = createGunzip();
  src.on('error', (err) => gunzip.destroy(err));
  const head: Buffer[] = [];
  let pos = 0;
  try {
    for await (const chunk of src.pipe(gunzip) as AsyncIterable<Buffer>) {
      const end = pos + chunk.length;
      const from = Math.max(pos, offset - FINGERPRINT_BYTES);
      if (from < Math.min(end, offset)) head.push(chunk.subarray(from - pos, Math.min(end, offset) - pos));
      pos = end;
      if (end >= offset) return fingerprint(Buffer.concat(head));
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    src.destroy();
  }
}

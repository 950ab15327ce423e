// What identifies the access log at a position once its inode is gone: a rotation that compressed
// it wrote a new file. The bytes just before the position are the same in the gzip's uncompressed
// stream, so their hash finds the file again without trusting its name or its size.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export const FINGERPRINT_BYTES = 4096;

export function fingerprint(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The fingerprint of the up to FINGERPRINT_BYTES before `offset` in an open file. */
export async function fingerprintBefore(fh: FileHandle, offset: number): Promise<string> {
  const from = Math.max(0, offset - FINGERPRINT_BYTES);
  const buf = Buffer.alloc(offset - from);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return fingerprint(buf.subarray(0, got));
}

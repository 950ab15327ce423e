// A rotated log compressed by logrotate is read through its uncompressed content from the start:
// the one place that opens such a file, so every reader handles its errors and its end alike.
import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/**
 * The uncompressed content of an open gzip'd file, chunk by chunk, each with `at`, where it starts
 * in that content. A read error ends the loop with that error, as a broken gzip does. However the
 * loop ends (done, break, return, throw), the read stream is destroyed; the file handle stays open.
 * One loop per opened handle: a second on a handle whose first loop ended early never ends.
 */
export async function* gunzipChunks(fh: FileHandle): AsyncGenerator<{ chunk: Buffer; at: number }, void, undefined> {
  const src = fh.createReadStream({ autoClose: false });
  const gunzip = createGunzip();
  // pipe() does not forward the source's errors: without this a failed read would hang the loop.
  src.on('error', (err) => gunzip.destroy(err));
  let at = 0;
  try {
    for await (const chunk of src.pipe(gunzip) as AsyncIterable<Buffer>) {
      yield { chunk, at };
      at += chunk.length;
    }
  } finally {
    src.destroy();
  }
}

// Reading a configuration file the host's admin or a user controls (a crontab, a pool file):
// a FIFO left at its path would block a plain read until a writer comes, and a huge file would be
// read whole into the agent's memory. Both are refused with a reason, as runparts.ts does for scripts.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Crontabs and pool files are a few KiB; one larger than this is not read. */
export const SMALL_FILE_CAP = 1024 * 1024;

export type SmallFile = { text: string } | { refused: string; directory?: true };

/**
 * The file's text (UTF-8) when it is a regular file of at most `cap` bytes; otherwise why not.
 * Errors opening or reading it (ENOENT, EACCES, ELOOP…) are thrown as they are, for the caller's
 * own handling of a file that is not there or may not be read.
 */
export async function readSmallFile(path: string, cap = SMALL_FILE_CAP): Promise<SmallFile> {
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await handle.stat();
    if (s.isDirectory()) return { refused: 'a directory, not a file', directory: true };
    if (!s.isFile()) return { refused: 'not a regular file (a FIFO, socket or device), not read' };
    if (s.size > cap) return { refused: `${s.size} bytes, over the ${cap}-byte limit for this file, not read` };
    // Grown since the stat: still only what fits under the cap is read.
    return { text: (await readUpTo(handle, s.size)).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** At most `size` bytes from the start of `handle` (fewer when the file shrank since its stat). */
export async function readUpTo(handle: FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  let read = 0;
  while (read < buf.length) {
    const { bytesRead } = await handle.read(buf, read, buf.length - read, read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buf.subarray(0, read);
}

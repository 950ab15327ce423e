// The files a rotation may have renamed the access log to: `<path>.1` (logrotate's default),
// `<path>-20261207` (dateext), `<path>.1` left uncompressed by delaycompress, … — every sibling in
// the log's directory named `<base>.*` or `<base>-*`. The tailer tells them apart by inode, so a
// name scheme need not be guessed. Compressed ones are left out: their inode is a new file's,
// and their bytes are not the log's at the recorded offset.
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|lz|z|zip)$/i;

/** Candidate rotated copies of `path`, `<path>.1` first (the likeliest); [] when the directory cannot be read. */
export async function rotatedSiblings(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found = names
    .filter((n) => (n.startsWith(`${base}.`) || n.startsWith(`${base}-`)) && n.length > base.length + 1 && !COMPRESSED.test(n))
    .sort((a, b) => (a === `${base}.1` ? -1 : b === `${base}.1` ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return found.map((n) => join(dir, n));
}

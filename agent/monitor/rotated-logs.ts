// The files a rotation may have renamed the access log to: `<path>.1` (logrotate's default),
// `<path>-20261207` (dateext), `<path>.1` left uncompressed by delaycompress, … — every sibling in
// the log's directory named `<base>.<digit>…` or `<base>-<digit>…`. The tailer tells them apart by inode, so a
// name scheme need not be guessed. Compressed ones are left out: their inode is a new file's,
// and their bytes are not the log's at the recorded offset.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|lz|z|zip)$/i;

async function siblingNames(path: string): Promise<string[]> {
  const base = basename(path);
  try {
    // The suffix starts with a digit: logrotate's `.N` and dateext's `-20261207` (or a dateformat
    // like `.2026-12-07`) do, while a live sibling such as `access.log-json` or `access.log.bak`
    // does not — read whole as a rotation in between, its lines would be counted as traffic.
    return (await readdir(dirname(path))).filter((n) => (n.startsWith(`${base}.`) || n.startsWith(`${base}-`)) && /^[0-9]/.test(n.slice(base.length + 1)));
  } catch {
    return [];
  }
}

/** Candidate rotated copies of `path`, `<path>.1` first (the likeliest); [] when the directory cannot be read. */
export async function rotatedSiblings(path: string): Promise<string[]> {
  const base = basename(path);
  const found = (await siblingNames(path))
    .filter((n) => !COMPRESSED.test(n))
    .sort((a, b) => (a === `${base}.1` ? -1 : b === `${base}.1` ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return found.map((n) => join(dirname(path), n));
}

export interface RotatedFile {
  path: string;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  /** Its compression suffix ('gz', 'xz', …); null for a plain file. */
  compressed: string | null;
}

/**
 * The rotated copies of `path` last written after `afterMtimeNs` (the mtime of a file rotated
 * away), oldest first: what a second rotation put between that file and the current log, which a
 * tail going from one straight to the other would skip. By mtime, not name: `.N` counts down
 * while dateext counts up, and logrotate keeps a file's mtime when it compresses it. Files older
 * than the switch were last written before the rotated file was, so they are not in it. Inodes in
 * `skip` (the rotated file itself, the current log) are left out.
 */
export async function rotatedAfter(path: string, afterMtimeNs: bigint, skip: bigint[]): Promise<RotatedFile[]> {
  return (await rotatedFiles(path)).filter((f) => f.mtimeNs > afterMtimeNs && !skip.includes(f.ino));
}

/**
 * The gzip'd rotated copies of `path`, newest first, at most `max`: where a file rotated away
 * since a position may be once compressed (after two rotations with delaycompress, at once with
 * compress) — the newest few, as it was the log not long ago.
 */
export async function gzippedRotations(path: string, max = 4): Promise<RotatedFile[]> {
  return (await rotatedFiles(path)).filter((f) => f.compressed === 'gz').reverse().slice(0, max);
}

/** Every rotated copy (plain or compressed) that is a regular file, oldest mtime first. */
export async function rotatedFiles(path: string): Promise<RotatedFile[]> {
  const found: RotatedFile[] = [];
  for (const name of await siblingNames(path)) {
    const p = join(dirname(path), name);
    let st;
    try {
      st = await stat(p, { bigint: true });
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    found.push({ path: p, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, compressed: COMPRESSED.exec(name)?.[1]?.toLowerCase() ?? null });
  }
  return found.sort((a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : 0));
}

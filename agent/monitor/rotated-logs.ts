// The files a rotation may have renamed the access log to: `<path>.1` (logrotate's default),
// `<path>-20261207` (dateext), `<path>.1` left uncompressed by delaycompress, … — every sibling in
// the log's directory named `<base>.<digit>…` or `<base>-<digit>…`. The tailer tells which one
// is the file it was reading by inode (or bytes), so a name scheme need not be guessed for that;
// which came after it is told by the name (rotationAge), the order logrotate keeps. Compressed
// ones are left out of rotatedSiblings: their inode is a new file's, and their bytes are not the
// log's at the recorded offset.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { canDecompress } from './compressed-chunks.js';

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
  /** Where its name puts it in the rotation order (see rotationAge). */
  age: RotationAge;
}

/**
 * How old a rotated copy is by its name, the one order logrotate itself keeps: `.N` counts up
 * with age (`.1` is the newest), a date suffix (dateext's `-20261207`, a dateformat like
 * `.2026-12-07` or `-20261207-1700`) counts down. Not by mtime: a copy touched since (a backup
 * tool, an admin's `touch`, copytruncate's copy stamped when it was made) would move in the
 * order, and be read twice or skipped. A compression suffix is no part of the age.
 */
export type RotationAge = { scheme: 'number'; n: number } | { scheme: 'date'; key: string };

export function rotationAge(path: string, name: string): RotationAge {
  const suffix = name.slice(basename(path).length).replace(COMPRESSED, '');
  // Up to five digits after a dot is logrotate's counter (`rotate 365` is three); eight digits is a date.
  const n = /^\.([0-9]{1,5})$/.exec(suffix);
  return n !== null ? { scheme: 'number', n: Number(n[1]) } : { scheme: 'date', key: suffix.slice(1) };
}

/** Negative when `a` is older than `b`, 0 for the same age (a copy and its compressed twin), undefined across schemes. */
export function compareAge(a: RotationAge, b: RotationAge): number | undefined {
  if (a.scheme === 'number' && b.scheme === 'number') return b.n - a.n;
  if (a.scheme === 'date' && b.scheme === 'date') return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  return undefined;
}

/**
 * The rotated copies of `path` newer than `anchor` (the file a tail was reading, found where it is
 * now by its inode or its bytes), oldest first: what later rotations put between it and the current
 * log, which a tail going from one straight to the other would skip. Inodes in `skip` (the anchor
 * itself, the current log) are left out, and of a copy and its compressed twin (compression under
 * way) the plain one is read only.
 *
 * Copies named in the anchor's scheme are placed against it by name. Those of the other scheme
 * (logrotate's naming changed, `.N` to dateext or back, its old copies still there) cannot be: they
 * come after the anchor's scheme's, and of them, those newer by name than the newest one last
 * written before the anchor are taken (`byMtime`) — so an old copy touched since is not, while the
 * first written under the new naming is. Taken by mtime, they are still read by name, oldest first:
 * within one naming the names are the order logrotate rotated them in (a `.2` touched since is still
 * older than `.1`), and the last one read is where a later look places the tail (its position,
 * resumed, goes on with the copies newer than it by name) — read by mtime, a `.1` before that `.2`
 * would be read again.
 */
export function rotatedAfter(files: RotatedFile[], anchor: RotatedFile, skip: bigint[]): { files: RotatedFile[]; byMtime: RotatedFile[] } {
  const same = files.filter((f) => f.age.scheme === anchor.age.scheme && compareAge(anchor.age, f.age)! < 0);
  const other = files.filter((f) => f.age.scheme !== anchor.age.scheme);
  let from = other.length;
  while (from > 0 && other[from - 1]!.mtimeNs > anchor.mtimeNs) from--;
  const byMtime = oneOfEachAge(other.slice(from)).filter((f) => !skip.includes(f.ino));
  return { files: [...oneOfEachAge(same).filter((f) => !skip.includes(f.ino)), ...byMtime], byMtime };
}

/**
 * The rotated copies last written after `mtimeNs`, for a file rotated away that cannot be placed
 * among them (rotatedAfter needs it as the anchor): in the order they were last written, oldest
 * first — their names cannot be placed against the lost file's, and a `.1` beside dated copies from
 * before a naming change would otherwise come first — by name for the same stamp. Of a copy and its
 * compressed twin (compression under way) the plain one only, judged by its own stamp, as
 * rotatedAfter does: both read, each of their lines would be counted twice, and the twin's stamp
 * is when compresscmd wrote it, not when the log was. Inodes in `skip` are left out.
 */
export function writtenAfter(files: RotatedFile[], mtimeNs: bigint, skip: bigint[]): RotatedFile[] {
  return oneOfEachAge(files)
    .filter((f) => f.mtimeNs > mtimeNs && !skip.includes(f.ino))
    .sort((a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : 0));
}

/** `files` (in rotatedFiles' order: a plain copy before its compressed twin) without the twins; two namings' ages are never the same. */
function oneOfEachAge(files: RotatedFile[]): RotatedFile[] {
  return files.filter((f, i) => i === 0 || compareAge(files[i - 1]!.age, f.age) !== 0);
}

/** How many of the newest compressed copies are searched for the log at a position: it was the log not long ago. */
export const COMPRESSED_SEARCHED = 4;

/**
 * The compressed rotated copies of `path` the agent can read (compressed-chunks.ts), newest first,
 * at most COMPRESSED_SEARCHED: where a file rotated away since a position may be once compressed
 * (after two rotations with delaycompress, at once with compress) — the newest few.
 */
export function compressedRotations(files: RotatedFile[]): RotatedFile[] {
  return files.filter((f) => canDecompress(f.compressed)).reverse().slice(0, COMPRESSED_SEARCHED);
}

/**
 * Every rotated copy (plain or compressed) that is a regular file, oldest first by name
 * (rotationAge). Names of two schemes side by side (the config changed) cannot be placed against
 * each other: numbered ones are listed first, then dated ones.
 */
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
    found.push({ path: p, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, compressed: COMPRESSED.exec(name)?.[1]?.toLowerCase() ?? null, age: rotationAge(path, name) });
  }
  const scheme = (f: RotatedFile): number => (f.age.scheme === 'number' ? 0 : 1);
  // A plain copy and its compressed twin (compression under way) are the same age: plain first.
  return found.sort((a, b) => scheme(a) - scheme(b) || (compareAge(a.age, b.age) ?? 0) || (a.compressed === null ? 0 : 1) - (b.compressed === null ? 0 : 1) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

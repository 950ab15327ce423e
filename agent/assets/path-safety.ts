// Every path that arrives from a peer is hostile until proven otherwise: a compromised staging
// agent must not be able to make production write, delete or link anywhere outside the root.
// The checks here are lexical and pure; resolveLinkInside() adds the one check that needs the
// disk (a chain of links that is only seen to escape once the kernel would follow it).
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { SwitchyardError } from '../../shared/errors.js';

export const MAX_PATH_BYTES = 4095;
export const MAX_NAME_BYTES = 255;
/** Temporary files of an unfinished transfer; never listed, never served, never verified. */
export const PART_PREFIX = '.sy-part-';
/**
 * A temporary file's whole name as partName (copy-file.ts) makes it: the path's hash, then the
 * content's (a link's target: its first bytes, 1 to 8). Any name with the prefix was skipped
 * before, so a site's own `.sy-part-notes.txt` was never copied and verify still said equal.
 */
const PART_NAME = /^\.sy-part-[0-9a-f]{16}-(?:[0-9a-f]{2}){1,8}$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unsafe(path: string, why: string, field: string): SwitchyardError {
  return new SwitchyardError('SY_PATH_UNSAFE', `${field} ${JSON.stringify(path)}: ${why}`, { field });
}

/** Why a peer-supplied relative path is unsafe, or undefined when it is a plain path inside the root. */
export function relativePathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'empty';
  if (path.includes('\0')) return 'contains NUL';
  if (path.startsWith('/')) return 'absolute';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return 'too long';
  // A lone surrogate cannot be a file name on disk: it would be written as U+FFFD, a different name.
  if (LONE_SURROGATE.test(path)) return 'not valid UTF-8';
  for (const seg of path.split('/')) {
    if (seg === '') return 'empty segment (// or trailing /)';
    if (seg === '..') return 'contains ..';
    if (seg === '.') return 'contains .';
    if (Buffer.byteLength(seg) > MAX_NAME_BYTES) return 'name too long';
  }
  return undefined;
}

/** The path itself, or SY_PATH_UNSAFE naming why. */
export function checkRelativePath(path: unknown, field = 'path'): string {
  const why = relativePathProblem(path);
  if (why !== undefined) throw unsafe(String(path), why, field);
  return path as string;
}

/** Absolute path of `rel` under `root`; `root` must be absolute and already resolved. */
export function resolveInside(root: string, rel: string, field = 'path'): string {
  checkRelativePath(rel, field);
  const abs = posix.join(root, rel);
  const base = root.endsWith('/') ? root : `${root}/`;
  if (!abs.startsWith(base)) throw unsafe(rel, 'resolves outside the root', field);
  return abs;
}

/** Set-user-ID and set-group-ID: a pull never puts them on a file (see fileModeFromPeer). */
export const SETID_BITS = 0o6000;

/**
 * The mode a file from the peer gets on production: staging's, without set-ID bits. With them a
 * compromised staging could plant a program that runs as the agent's user (the one holding its
 * keys and state) or group for anyone allowed to execute it; asset trees hold no such programs.
 * Directories keep theirs (set-group-ID on a directory only passes its group on).
 */
export function fileModeFromPeer(mode: number): number {
  return mode & 0o7777 & ~SETID_BITS;
}

export function isPartName(name: string): boolean {
  return PART_NAME.test(name);
}

/**
 * Whether a link at `linkRel` with `target` stays inside the root when read lexically (the
 * link's own directory, then the target's segments). An absolute target always counts as
 * escaping: the root may move, and production's root is not staging's.
 */
export function symlinkTargetProblem(linkRel: string, target: string): string | undefined {
  if (target === '') return 'empty symlink target';
  if (target.includes('\0')) return 'symlink target contains NUL';
  if (Buffer.byteLength(target) > MAX_PATH_BYTES) return 'symlink target too long';
  if (target.startsWith('/')) return 'symlink target is absolute';
  let depth = linkRel.split('/').length - 1;
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      depth -= 1;
      if (depth < 0) return 'symlink target leaves the root';
    } else depth += 1;
  }
  return undefined;
}

const MAX_HOPS = 40;

/**
 * Follows `rel` under `root` the way the kernel would (component by component, links
 * expanded, `..` applied after expansion) without ever leaving the root to look. Returns the
 * problem if resolution would step outside, undefined if it stays inside (a dangling end is
 * fine: it cannot reach anything outside). Needed because every link of a chain can pass the
 * lexical check while the chain escapes, e.g. `a/b/c/s -> ../../..` then `x -> a/b/c/s/..`.
 */
export async function resolveLinkProblem(root: string, rel: string): Promise<string | undefined> {
  const pending = rel.split('/').reverse();
  const stack: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const seg = pending.pop()!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (stack.length === 0) return 'symlink resolves outside the root';
      stack.pop();
      continue;
    }
    stack.push(seg);
    const abs = posix.join(root, ...stack);
    let isLink = false;
    try {
      isLink = (await lstat(abs)).isSymbolicLink();
    } catch {
      return undefined; // dangling: nothing beyond it exists to reach
    }
    if (!isLink) continue;
    if (++hops > MAX_HOPS) return 'symlink chain too long';
    const target = await readlink(abs);
    if (target.startsWith('/')) return 'symlink target is absolute';
    stack.pop();
    pending.push(...target.split('/').reverse());
  }
  return undefined;
}

// Removes what is at a path inside a root, a whole directory tree included, also where that tree
// holds read-only directories: a directory that came over from staging as 0555 keeps its mode on
// production, and an agent that is not root cannot remove the entries of such a directory — the
// tree staging replaced by a file or a link then failed the pull with EACCES on every rerun.
import { readdirSync, realpathSync, lstatSync, chmodSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';

/**
 * rm -rf `abs` (never following a link), opening read-only directories inside it to us (u+rwx)
 * when the first attempt is refused. The parent of `abs` must be writable already. When even that
 * fails (a directory inside that is not the agent's), the directories still there get their modes
 * back: left open, they differed from staging's until some later pull ended.
 */
export async function removeTree(abs: string): Promise<void> {
  try {
    await rm(abs, { recursive: true, force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    const opened: Array<{ abs: string; mode: number }> = [];
    try {
      openDirsBelow(abs, opened);
      await rm(abs, { recursive: true, force: true });
    } catch (again) {
      // Deepest first: a parent given back a mode without u+x would hide its children.
      for (const d of opened.reverse()) closeDir(d.abs, d.mode);
      throw again;
    }
  }
}

/** Gives every directory of the tree at `abs` u+rwx, top down, noting each one changed; links are not followed, nor gone through. */
function openDirsBelow(abs: string, opened: Array<{ abs: string; mode: number }>): void {
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (st === undefined || !st.isDirectory()) return;
  // lstat follows every component but the last: a directory above replaced by a link meanwhile
  // would have the chmod land wherever that link leads.
  if (realpathSync.native(abs) !== abs) return;
  if ((st.mode & 0o700) !== 0o700) {
    try {
      chmodSync(abs, (st.mode & 0o7777) | 0o700);
      opened.push({ abs, mode: st.mode & 0o7777 });
    } catch {
      // Not ours (another owner): the removal says why it cannot be done.
      return;
    }
  }
  for (const name of readdirSync(abs)) openDirsBelow(posix.join(abs, name), opened);
}

/** `mode` again on the directory at `abs`, if it is still one there (not through a link). */
function closeDir(abs: string, mode: number): void {
  try {
    if (lstatSync(abs, { throwIfNoEntry: false })?.isDirectory() !== true || realpathSync.native(abs) !== abs) return;
    chmodSync(abs, mode);
  } catch {
    // Gone meanwhile, or not ours: nothing to give back.
  }
}

// The paths a raw fs.watch event may be about, as chokidar passes it on ('raw': event, name, details).
import { lstatSync } from 'node:fs';
import { basename, join } from 'node:path';

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A directory's watch names the entry that changed; a file's own watch names the file itself
 * (its basename), and so does a directory's watch for a change of the directory itself (the
 * kernel's event carries no name, libuv passes the basename). Where a directory holds an entry
 * of its own name (`img/img`) a directory's event can be either, so both paths go: the reader
 * re-reads each, and an unchanged one costs an lstat. Empty for events without a watched path
 * (chokidar's polling mode).
 */
export function rawEventPaths(name: unknown, details: unknown, isDir: (path: string) => boolean = isDirectory): string[] {
  const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
  if (typeof watched !== 'string') return [];
  if (typeof name !== 'string' || name === '') return [watched];
  if (name !== basename(watched)) return [join(watched, name)];
  return isDir(watched) ? [watched, join(watched, name)] : [watched];
}

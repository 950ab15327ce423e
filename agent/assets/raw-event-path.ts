// The path a raw fs.watch event is about, as chokidar passes it on ('raw': event, name, details).
import { basename, join } from 'node:path';

/**
 * A directory's watch names the entry that changed; a file's own watch names the file itself
 * (its basename). Undefined for events without a watched path (chokidar's polling mode).
 */
export function rawEventPath(name: unknown, details: unknown): string | undefined {
  const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
  if (typeof watched !== 'string') return undefined;
  return typeof name === 'string' && name !== '' && name !== basename(watched) ? join(watched, name) : watched;
}

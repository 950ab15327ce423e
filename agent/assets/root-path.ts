// Where an asset root lies on this host, as Hello reports it: the controller compares these to
// see two root names for one directory, or a root inside another, which share files.
import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The root's real path (symlinks resolved, as AssetRoots.get resolves it). A root not created
 * yet (production before its first copy) gets its nearest existing parent's real path joined
 * with the rest as configured, so `/srv/link/uploads` under a symlinked `/srv/link` still lands
 * where the copy will create it.
 */
export async function rootRealPath(configured: string): Promise<string> {
  try {
    return await realpath(configured);
  } catch {
    // Not there, or not readable: fall through to the nearest parent that is.
  }
  const abs = resolve(configured);
  const rest: string[] = [];
  for (let dir = abs; ; ) {
    const parent = dirname(dir);
    if (parent === dir) return abs;
    rest.unshift(basename(dir));
    dir = parent;
    try {
      return join(await realpath(dir), ...rest);
    } catch {
      // Keep climbing.
    }
  }
}

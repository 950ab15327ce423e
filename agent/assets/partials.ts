// The temporary files (.sy-part-*) a pull keeps when it fails, for a large file to resume where
// it stopped: grouped for the rerun to find by path, and counted for a disk-full error.
import { lstat } from 'node:fs/promises';
import { SwitchyardError } from '../../shared/errors.js';
import { stalePartKey } from './copy-file.js';
import type { ManifestStore } from './manifest-store.js';
import { resolveInside } from './path-safety.js';
import type { AssetRoot } from './roots.js';

/** Past this many, a disk-full error counts no further (a lstat each, on the failure path only). */
const COUNTED = 10_000;

/** The temporary files earlier pulls left in this root, by the path they were for; none: one indexed lookup. */
export function earlierParts(store: ManifestStore, root: string): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  if (store.parts(root, 1).length === 0) return byPath;
  for (const rel of store.parts(root, Number.MAX_SAFE_INTEGER)) {
    const key = stalePartKey(rel);
    const group = byPath.get(key);
    if (group === undefined) byPath.set(key, [rel]);
    else group.push(rel);
  }
  return byPath;
}

/**
 * `err` with, when it is a full disk or quota, how much of it the kept temporary files take:
 * the sysadmin freeing space sees them (sparse: their blocks, not their sizes), and what removing
 * them costs.
 */
export async function withPartialSpace(err: unknown, root: AssetRoot, store: ManifestStore): Promise<unknown> {
  if (!(err instanceof SwitchyardError) || err.code !== 'SY_FILESYSTEM') return err;
  const errno = err.details?.errno;
  if (errno !== 'ENOSPC' && errno !== 'EDQUOT' && errno !== 'SQLITE_FULL') return err;
  let files = 0;
  let bytes = 0;
  try {
    for (const rel of store.parts(root.name, COUNTED)) {
      const st = await lstat(resolveInside(root.path, rel)).catch(() => undefined);
      if (st === undefined || !st.isFile()) continue;
      files++;
      bytes += st.blocks * 512;
    }
  } catch {
    // The state file unreadable as well: the error as it is.
    return err;
  }
  if (files === 0) return err;
  const one = files === 1;
  const mb = (bytes / 1e6).toFixed(1);
  const note = `${files} partial ${one ? 'file' : 'files'} kept to resume ${one ? 'a large file' : 'large files'} (.sy-part-* in the root) ${one ? 'holds' : 'hold'} ${mb} MB of that space: the rerun resumes from ${one ? 'it' : 'them'}, also for a file staging changed since; deleting ${one ? 'it' : 'them'} frees that space, and ${one ? 'its file is' : 'their files are'} then fetched whole`;
  return new SwitchyardError(err.code, `${err.message}. ${note}`, {
    ...(err.field === undefined ? {} : { field: err.field }),
    details: { ...err.details, partialFiles: files, partialBytes: bytes },
    cause: err.cause,
  });
}

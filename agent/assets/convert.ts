// Manifest entries between the store's shape and the wire's. Entries from the wire are checked
// here, once: a path that is not a plain relative path never gets further.
import type { AssetManifestEntry, AssetManifestEntry__Output } from '../../shared/proto-gen/switchyard/v1/AssetManifestEntry.js';
import type { AssetTreeSummary, AssetTreeSummary__Output } from '../../shared/proto-gen/switchyard/v1/AssetTreeSummary.js';
import type { AssetRefresh__Output } from '../../shared/proto-gen/switchyard/v1/AssetRefresh.js';
import { SwitchyardError } from '../../shared/errors.js';
import { chunkCount, HASH_BYTES } from './chunking.js';
import type { Entry } from './manifest-store.js';
import { checkRelativePath, isPartName } from './path-safety.js';
import type { TreeSummary } from './tree-digest.js';
import type { RefreshMode } from './roots.js';

export function toWireEntry(e: Entry): AssetManifestEntry {
  return {
    path: e.path,
    type: e.type,
    mode: e.mode,
    size: e.size,
    mtime_ns: e.mtimeNs,
    sha256: e.sha256 ?? Buffer.alloc(0),
    chunks: e.type === 'file' && e.chunks !== null && e.chunks.length > HASH_BYTES ? e.chunks : Buffer.alloc(0),
    target: e.target ?? '',
  };
}

/** A peer's entry, validated: safe path, known type, hashes of the right length. */
export function fromWireEntry(w: AssetManifestEntry__Output, field = 'entry'): Entry {
  const path = checkRelativePath(w.path, `${field}.path`);
  // Staging's scanner never lists a temporary file's name, and production's skips it: a file
  // written under one would be in no manifest, no digest and no verify — a place for a
  // compromised staging to leave something that nothing would ever show or delete.
  if (path.split('/').some(isPartName)) throw new SwitchyardError('SY_PATH_UNSAFE', `${field}.path ${JSON.stringify(path)}: temporary file name`, { field: `${field}.path` });
  const bad = (why: string): SwitchyardError => new SwitchyardError('SY_VALIDATION', `${field} ${JSON.stringify(path)}: ${why}`, { field });
  if (w.type !== 'file' && w.type !== 'dir' && w.type !== 'symlink') throw bad(`unknown type ${JSON.stringify(w.type)}`);
  const size = Number(w.size);
  if (!Number.isSafeInteger(size) || size < 0) throw bad('bad size');
  let chunks: Buffer | null = null;
  if (w.type === 'file') {
    if (w.sha256.length !== HASH_BYTES) throw bad('sha256 missing');
    const n = chunkCount(size);
    // One-chunk files travel without their chunk list: it is the file's own hash.
    chunks = n <= 1 ? (n === 0 ? Buffer.alloc(0) : Buffer.from(w.sha256)) : Buffer.from(w.chunks);
    if (chunks.length !== n * HASH_BYTES) throw bad('chunk list does not match size');
  }
  if (w.type === 'symlink' && w.target === '') throw bad('symlink without target');
  return {
    path,
    type: w.type,
    mode: w.mode & 0o7777,
    size: w.type === 'file' ? size : 0,
    mtimeNs: /^-?\d+$/.test(w.mtime_ns) ? w.mtime_ns : '0',
    ctimeNs: '0',
    ino: '0',
    sha256: w.type === 'file' ? Buffer.from(w.sha256) : null,
    chunks,
    target: w.type === 'symlink' ? w.target : null,
  };
}

export function toWireSummary(s: TreeSummary): AssetTreeSummary {
  return { digest: s.digest, files: s.files, dirs: s.dirs, symlinks: s.symlinks, bytes: s.bytes };
}

export function fromWireSummary(s: AssetTreeSummary__Output | null | undefined): TreeSummary {
  return { digest: s?.digest ?? '', files: Number(s?.files ?? 0), dirs: Number(s?.dirs ?? 0), symlinks: Number(s?.symlinks ?? 0), bytes: Number(s?.bytes ?? 0) };
}

export function refreshFromWire(r: AssetRefresh__Output | number | undefined): RefreshMode {
  switch (r) {
    case 'ASSET_REFRESH_STAT':
    case 1:
      return 'stat';
    case 'ASSET_REFRESH_FULL':
    case 2:
      return 'full';
    case 'ASSET_REFRESH_NONE':
    case 3:
      return 'none';
    default:
      return 'watched';
  }
}

export function refreshToWire(m: RefreshMode): AssetRefresh__Output {
  return ({ watched: 'ASSET_REFRESH_WATCHED', stat: 'ASSET_REFRESH_STAT', full: 'ASSET_REFRESH_FULL', none: 'ASSET_REFRESH_NONE' } as const)[m];
}

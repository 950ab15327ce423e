// The proof of equal trees: one SHA-256 over every entry in path byte order, each entry given
// by path, type, mode, size and content hash (a symlink by its target; a directory by its
// mode, since directory sizes are a property of the file system, not of the site). Mtimes are
// left out on purpose: they are mirrored, but two trees with equal bytes are equal. That is why
// equal digests alone do not end a pull (pull.ts): a touched file moves the journal, not this.
import { createHash, type Hash } from 'node:crypto';
import type { DigestCounts, Entry, ManifestStore } from './manifest-store.js';

export interface TreeSummary {
  digest: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

/** One line of the digest from its fields (the manifest's row, or an entry's). */
export function recordOf(type: string, path: string, mode: number, size: number, sha256: Buffer | null, target: string | null): string {
  const m = (mode & 0o7777).toString(8);
  switch (type) {
    case 'file':
      return `f\0${path}\0${m}\0${size}\0${sha256?.toString('hex') ?? ''}\n`;
    case 'dir':
      return `d\0${path}\0${m}\n`;
    default:
      return `l\0${path}\0${target ?? ''}\n`;
  }
}

/** One line of the digest; also what two entries must share to count as equal. */
export function entryRecord(e: Entry): string {
  return recordOf(e.type, e.path, e.mode, e.size, e.sha256, e.target);
}

export class DigestBuilder {
  private readonly hash: Hash = createHash('sha256');
  private readonly s = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  // Records are hashed in blocks: one update call per record cost as much as building it.
  private block = '';

  add(e: Entry): void {
    this.addFields(e.type, e.path, e.mode, e.size, e.sha256, e.target);
  }

  addFields(type: string, path: string, mode: number, size: number, sha256: Buffer | null, target: string | null): void {
    this.addRecord(type, size, recordOf(type, path, mode, size, sha256, target));
  }

  /** A record already built (recordOf's line), with its entry's type and size for the counts. */
  addRecord(type: string, size: number, record: string): void {
    this.block += record;
    if (this.block.length >= 64 * 1024) {
      this.hash.update(this.block);
      this.block = '';
    }
    if (type === 'file') {
      this.s.files++;
      this.s.bytes += size;
    } else if (type === 'dir') this.s.dirs++;
    else this.s.symlinks++;
  }

  finish(): TreeSummary {
    this.hash.update(this.block);
    this.block = '';
    return { digest: this.hash.digest('hex'), ...this.s };
  }
}

/**
 * The digest of what the manifest holds, cached until the next change to the root's rows. The
 * records come from the store's copy in memory (patched as rows change; see digest-cache.ts), or,
 * for a root too large for one, from SQLite a page at a time (forEachDigestBlock); it runs on
 * both sides of every pull that changed something.
 */
export function manifestDigest(store: ManifestStore, root: string): TreeSummary {
  const cached = store.rootState(root).digest;
  if (cached !== null) return JSON.parse(cached) as TreeSummary;
  const summary = store.digestFromCopy(root) ?? digestOfBlocks((visit) => store.forEachDigestBlock(root, visit));
  store.setRootState(root, { digest: JSON.stringify(summary) });
  return summary;
}

/** The digest of record blocks given in path order (see ManifestStore.forEachDigestBlock). */
export function digestOfBlocks(walk: (visit: (block: string, counts: DigestCounts) => void) => void): TreeSummary {
  const hash = createHash('sha256');
  const s = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  walk((block, counts) => {
    hash.update(block);
    s.files += counts.files;
    s.dirs += counts.dirs;
    s.symlinks += counts.symlinks;
    s.bytes += counts.bytes;
  });
  return { digest: hash.digest('hex'), ...s };
}

// The proof of equal trees: one SHA-256 over every entry in path byte order, each entry given
// by path, type, mode, size and content hash (a symlink by its target; a directory by its
// mode, since directory sizes are a property of the file system, not of the site). Mtimes are
// left out on purpose: they are mirrored, but two trees with equal bytes are equal.
import { createHash, type Hash } from 'node:crypto';
import type { Entry, ManifestStore } from './manifest-store.js';

export interface TreeSummary {
  digest: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

/** One line of the digest; also what two entries must share to count as equal. */
export function entryRecord(e: Entry): string {
  const mode = (e.mode & 0o7777).toString(8);
  switch (e.type) {
    case 'file':
      return `f\0${e.path}\0${mode}\0${e.size}\0${e.sha256?.toString('hex') ?? ''}\n`;
    case 'dir':
      return `d\0${e.path}\0${mode}\n`;
    case 'symlink':
      return `l\0${e.path}\0${e.target ?? ''}\n`;
  }
}

export class DigestBuilder {
  private readonly hash: Hash = createHash('sha256');
  private readonly s = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };

  add(e: Entry): void {
    this.hash.update(entryRecord(e));
    if (e.type === 'file') {
      this.s.files++;
      this.s.bytes += e.size;
    } else if (e.type === 'dir') this.s.dirs++;
    else this.s.symlinks++;
  }

  finish(): TreeSummary {
    return { digest: this.hash.digest('hex'), ...this.s };
  }
}

/** The digest of what the manifest holds, cached until the next change to the root's rows. */
export function manifestDigest(store: ManifestStore, root: string): TreeSummary {
  const cached = store.rootState(root).digest;
  if (cached !== null) return JSON.parse(cached) as TreeSummary;
  const b = new DigestBuilder();
  for (const e of store.iterate(root, 5000)) b.add(e);
  const summary = b.finish();
  store.setRootState(root, { digest: JSON.stringify(summary) });
  return summary;
}

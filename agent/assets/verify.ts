// The proof: both agents bring their manifests up to date from the disk (an lstat of every
// entry with a re-hash of whatever moved, or with `full` a re-read of every byte) and compare
// tree digests. When they differ, staging's listing is merged with production's to name each
// differing path.
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import { comparePaths, type Entry } from './manifest-store.js';
import { stagingDigest } from './pull.js';
import { stagingEntries } from './staging-listing.js';
import type { AssetRoot, AssetRoots, RefreshMode } from './roots.js';
import { entryRecord, manifestDigest, type TreeSummary } from './tree-digest.js';

export interface Difference {
  path: string;
  kind: 'missing' | 'extra' | 'differs';
  staging: string;
  production: string;
}

export interface VerifyReport {
  equal: boolean;
  staging: TreeSummary;
  production: TreeSummary;
  differences: Difference[];
  differenceCount: number;
}

function describe(e: Entry): string {
  return entryRecord(e).trimEnd().replace(/\0/g, ' ');
}

export async function verifyAgainstPeer(
  roots: AssetRoots,
  opts: { peer: AssetsClient; token: string; stagingRoot: string; root: AssetRoot; refresh: RefreshMode; maxDifferences?: number; /** How errors name staging (see stagingName). */ stagingAgent?: string },
): Promise<VerifyReport> {
  const mode: RefreshMode = opts.refresh === 'full' ? 'full' : 'stat';
  const [staging] = await Promise.all([
    stagingDigest(opts.peer, opts.token, opts.stagingRoot, mode, opts.stagingAgent),
    roots.exclusive(opts.root.name, () => roots.refresh(opts.root, mode)),
  ]);
  const production = manifestDigest(roots.store, opts.root.name);
  const report: VerifyReport = { equal: staging.digest === production.digest, staging, production, differences: [], differenceCount: 0 };
  if (report.equal) return report;

  const max = opts.maxDifferences !== undefined && opts.maxDifferences > 0 ? opts.maxDifferences : 1000;
  // Only the first `max` differences are described and kept; the rest are counted.
  const add = (path: string, kind: Difference['kind'], s: Entry | undefined, l: Entry | undefined): void => {
    report.differenceCount++;
    if (report.differences.length < max) report.differences.push({ path, kind, staging: s === undefined ? '' : describe(s), production: l === undefined ? '' : describe(l) });
  };
  const local = roots.store;
  let page = local.page(opts.root.name, '', 1000);
  let i = 0;
  const peek = (): Entry | undefined => {
    if (i >= page.length && page.length === 1000) {
      page = local.page(opts.root.name, page[page.length - 1]!.path, 1000);
      i = 0;
    }
    return page[i];
  };
  for await (const s of stagingEntries(opts.peer, opts.token, opts.stagingRoot, 'none', [], opts.stagingAgent)) {
    let l = peek();
    while (l !== undefined && comparePaths(l.path, s.path) < 0) {
      add(l.path, 'extra', undefined, l);
      i++;
      l = peek();
    }
    if (l !== undefined && l.path === s.path) {
      i++;
      if (entryRecord(l) !== entryRecord(s)) add(s.path, 'differs', s, l);
    } else add(s.path, 'missing', s, undefined);
  }
  for (let l = peek(); l !== undefined; l = peek()) {
    add(l.path, 'extra', undefined, l);
    i++;
  }
  return report;
}

// The tree digest's records of one root, in path order, held in memory and patched as the
// manifest's rows change: the digest at the end of a pull is then a pass over strings (a few
// ms at 26k entries) instead of every row read back and its record built again (40-90 ms, the
// largest fixed cost of a 1% delta). Bounded: roots above DIGEST_CACHE_MAX_ENTRIES (~330 bytes
// of heap an entry) keep reading the rows, and more changes since the copy was made than it has entries
// (an initial copy) drop it until the next digest builds it again. The store checks it against
// the root's journal position before each use, so a row changed without it (another
// connection) drops it instead of going unseen.
import { comparePaths, type Entry, type EntryType } from './manifest-store.js';
import { DigestBuilder, recordOf, type TreeSummary } from './tree-digest.js';

export const DIGEST_CACHE_MAX_ENTRIES = 100_000;

/** One entry's digest line, with what the summary counts. */
export interface DigestRecord {
  path: string;
  type: EntryType;
  size: number;
  rec: string;
}

export type DigestCacheOp = { op: 'put'; entry: Entry } | { op: 'remove'; path: string } | { op: 'remove-tree'; path: string };

export class DigestCache {
  /** Changes applied since the copy was made: past its size, rebuilding is the cheaper way. */
  private churn = 0;

  /** `recs` in path byte order; `seq`: the root's journal position they reflect. */
  constructor(
    private readonly recs: DigestRecord[],
    public seq: number,
  ) {}

  get size(): number {
    return this.recs.length;
  }

  /** Applies the changes in order; false when there were too many to keep the copy worth patching. */
  apply(ops: readonly DigestCacheOp[]): boolean {
    this.churn += ops.length;
    if (this.churn > Math.max(1024, this.recs.length)) return false;
    for (const o of ops) {
      if (o.op === 'put') this.put(o.entry);
      else if (o.op === 'remove') this.remove(o.path);
      else this.removeTree(o.path);
    }
    return true;
  }

  summary(): TreeSummary {
    const d = new DigestBuilder();
    for (const r of this.recs) d.addRecord(r.type, r.size, r.rec);
    return d.finish();
  }

  /** The first index whose path is at or after `path` in byte order. */
  private lowerBound(path: string): number {
    let lo = 0;
    let hi = this.recs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePaths(this.recs[mid]!.path, path) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private put(e: Entry): void {
    const r: DigestRecord = { path: e.path, type: e.type, size: e.type === 'file' ? e.size : 0, rec: recordOf(e.type, e.path, e.mode, e.size, e.sha256, e.target) };
    const i = this.lowerBound(e.path);
    if (this.recs[i]?.path === e.path) this.recs[i] = r;
    else this.recs.splice(i, 0, r);
  }

  private remove(path: string): void {
    const i = this.lowerBound(path);
    if (this.recs[i]?.path === path) this.recs.splice(i, 1);
  }

  /** The path and everything below it: [path/, path0) in byte order ('0' follows '/'). */
  private removeTree(path: string): void {
    this.remove(path);
    const lo = this.lowerBound(`${path}/`);
    const hi = this.lowerBound(`${path}0`);
    if (hi > lo) this.recs.splice(lo, hi - lo);
  }
}

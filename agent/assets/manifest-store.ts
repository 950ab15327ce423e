// The asset manifest in the agent's sqlite file: one row per entry of each root, plus an index
// from chunk hash to where that chunk lives, so production can reuse bytes it already has.
// Rows are read in pages by path (never one long iterator), so callers stay bounded in memory
// and the connection stays free for the watcher's writes between pages.
import { randomBytes } from 'node:crypto';
import type { Db, Migration } from '../../shared/state/sqlite.js';
import { HASH_BYTES } from './chunking.js';
import { DIGEST_CACHE_MAX_ENTRIES, DigestCache, type DigestCacheOp, type DigestRecord } from './digest-cache.js';
import type { TreeSummary } from './tree-digest.js';


/**
 * One entry's line of the tree digest, built by SQLite: the same bytes as recordOf() in
 * tree-digest.ts (a unit test holds them equal), without a JS object and string per row —
 * at 26k entries 35 ms instead of 60.
 */
const DIGEST_RECORD_SQL =
  `CASE type WHEN 'file' THEN 'f' || char(0) || path || char(0) || printf('%o', mode & 4095) || char(0) || size || char(0) || coalesce(lower(hex(sha256)), '') || char(10) ` +
  `WHEN 'dir' THEN 'd' || char(0) || path || char(0) || printf('%o', mode & 4095) || char(10) ` +
  `ELSE 'l' || char(0) || path || char(0) || coalesce(target, '') || char(10) END`;
/** One page of the digest's records, joined in path order, with their counts (see forEachDigestBlock). */
export const DIGEST_PAGE_SQL =
  `SELECT group_concat(rec, '' ORDER BY path) AS block, max(path) AS last, count(*) AS n, sum(type = 'file') AS files, ` +
  `sum(type = 'dir') AS dirs, sum(type = 'symlink') AS symlinks, sum(CASE WHEN type = 'file' THEN size ELSE 0 END) AS bytes ` +
  `FROM (SELECT path, type, size, ${DIGEST_RECORD_SQL} AS rec FROM asset_entries WHERE root = ? AND path > ? ORDER BY path LIMIT ?)`;

export type DigestCounts = { files: number; dirs: number; symlinks: number; bytes: number };

/**
 * Every page of the digest's records through `page` (a statement of DIGEST_PAGE_SQL), in path
 * order. For the agent's own store and for a second, read-only connection in a file thread.
 */
export function forEachDigestPage(page: { get(...args: unknown[]): unknown }, root: string, visit: (block: string, counts: DigestCounts) => void, pageSize = 2000): void {
  let after = '';
  for (;;) {
    const r = page.get(root, after, pageSize) as { block: string | null; last: string | null; n: number; files: number | null; dirs: number | null; symlinks: number | null; bytes: number | null };
    if (r.n === 0) return;
    visit(r.block ?? '', { files: r.files ?? 0, dirs: r.dirs ?? 0, symlinks: r.symlinks ?? 0, bytes: r.bytes ?? 0 });
    if (r.n < pageSize) return;
    after = r.last!;
  }
}

export type EntryType = 'file' | 'dir' | 'symlink';

export interface Entry {
  path: string;
  type: EntryType;
  /** Permission bits only (mode & 0o7777). */
  mode: number;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  sha256: Buffer | null;
  chunks: Buffer | null;
  target: string | null;
}

export interface RootState {
  root: string;
  scanComplete: boolean;
  scannedAt: string | null;
  fullHashAt: string | null;
  digest: string | null;
}

export const ASSET_MIGRATIONS: Migration[] = [
  {
    id: 400,
    name: 'assets-manifest',
    sql: `
      CREATE TABLE asset_entries (
        root TEXT NOT NULL,
        path TEXT NOT NULL,
        parent TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('file', 'dir', 'symlink')),
        mode INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns TEXT NOT NULL,
        ctime_ns TEXT NOT NULL,
        ino TEXT NOT NULL,
        sha256 BLOB,
        chunks BLOB,
        target TEXT,
        PRIMARY KEY (root, path)
      ) WITHOUT ROWID;
      CREATE INDEX asset_entries_parent ON asset_entries (root, parent);
      CREATE INDEX asset_entries_sha ON asset_entries (root, sha256) WHERE type = 'file';
      CREATE TABLE asset_chunk_index (
        hash BLOB NOT NULL,
        root TEXT NOT NULL,
        path TEXT NOT NULL,
        idx INTEGER NOT NULL,
        PRIMARY KEY (hash, root, path, idx)
      ) WITHOUT ROWID;
      CREATE INDEX asset_chunk_index_path ON asset_chunk_index (root, path);
      CREATE TABLE asset_parts (
        root TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (root, path)
      ) WITHOUT ROWID;
      CREATE TABLE asset_roots (
        root TEXT PRIMARY KEY,
        scan_complete INTEGER NOT NULL DEFAULT 0,
        scanned_at TEXT,
        full_hash_at TEXT,
        digest TEXT
      );
    `,
  },
  {
    // The change journal: every row change takes the root's next sequence number, and a
    // removed path leaves a tombstone with its own. A puller that remembers where the journal
    // stood asks only for what changed since — the freeze-time listing grows with the change,
    // not with the tree. The epoch tells a journal apart from one of a recreated state file.
    id: 401,
    name: 'assets-change-journal',
    sql: `
      ALTER TABLE asset_entries ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE asset_roots ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE asset_roots ADD COLUMN epoch TEXT;
      ALTER TABLE asset_roots ADD COLUMN peer_epoch TEXT;
      ALTER TABLE asset_roots ADD COLUMN peer_seq INTEGER;
      ALTER TABLE asset_roots ADD COLUMN local_seq INTEGER;
      CREATE TABLE asset_tombstones (
        root TEXT NOT NULL,
        path TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (root, path)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Tombstones are kept for a bounded number of removals per root (see pruneTombstones):
    // tomb_floor is the journal position up to which they may be gone, so a changes-only
    // listing from before it is refused (the asker lists the whole tree instead).
    id: 402,
    name: 'assets-tombstone-floor',
    sql: `
      ALTER TABLE asset_roots ADD COLUMN tomb_floor INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX asset_tombstones_seq ON asset_tombstones (root, seq);
    `,
  },
];

/** Where a root's journal stood after the last pull that ended equal: the next pull's starting point. */
export interface JournalMark {
  peerEpoch: string;
  peerSeq: number;
  localSeq: number;
}

interface Row {
  path: string;
  type: EntryType;
  mode: number;
  size: number;
  mtime_ns: string;
  ctime_ns: string;
  ino: string;
  sha256: Buffer | null;
  chunks: Buffer | null;
  target: string | null;
}

function toEntry(r: Row): Entry {
  return {
    path: r.path,
    type: r.type,
    mode: r.mode,
    size: r.size,
    mtimeNs: r.mtime_ns,
    ctimeNs: r.ctime_ns,
    ino: r.ino,
    sha256: r.sha256,
    chunks: r.chunks,
    target: r.target,
  };
}

/** Adds every directory above `path` (the root aside) to `dirs`, stopping at one already there: its own are too. */
export function addAncestors(dirs: Set<string>, path: string): void {
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const d = path.slice(0, i);
    if (dirs.has(d)) return;
    dirs.add(d);
  }
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Byte order of the UTF-8 encoding (SQLite's BINARY collation), not JavaScript's UTF-16 order. */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Tombstones kept per root before the oldest half goes (each a path and a number). */
export const TOMBSTONES_KEPT = 100_000;

/**
 * What the open transaction has taken: a journal position per root, roots whose digest it
 * clears, and the changes its roots' digest copies take when it commits.
 */
interface TxScope {
  seqs: Map<string, number>;
  dirty: Set<string>;
  ops: Array<{ root: string; op: DigestCacheOp }>;
}

export class ManifestStore {
  private readonly s;
  private scope: TxScope | undefined;
  /** Per root, its digest's records in memory (see digest-cache.ts); made by the first digest asked for. */
  private readonly digestCopies = new Map<string, DigestCache>();
  /** Tombstones written since the last look at their number, per root. */
  private readonly tombsSinceCheck = new Map<string, number>();

  constructor(
    readonly db: Db,
    private readonly tombstonesKept = TOMBSTONES_KEPT,
  ) {
    const cols = 'path, type, mode, size, mtime_ns, ctime_ns, ino, sha256, chunks, target';
    this.s = {
      get: db.prepare(`SELECT ${cols} FROM asset_entries WHERE root = ? AND path = ?`),
      upsert: db.prepare(
        `INSERT INTO asset_entries (root, path, parent, type, mode, size, mtime_ns, ctime_ns, ino, sha256, chunks, target, seq)
         VALUES (@root, @path, @parent, @type, @mode, @size, @mtime_ns, @ctime_ns, @ino, @sha256, @chunks, @target, @seq)
         ON CONFLICT (root, path) DO UPDATE SET type = excluded.type, mode = excluded.mode, size = excluded.size,
           mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, ino = excluded.ino, sha256 = excluded.sha256,
           chunks = excluded.chunks, target = excluded.target,
           -- A row written again unchanged (a full re-hash) keeps its place in the journal.
           seq = CASE WHEN asset_entries.type IS excluded.type AND asset_entries.mode IS excluded.mode AND asset_entries.size IS excluded.size
             AND asset_entries.mtime_ns IS excluded.mtime_ns AND asset_entries.ctime_ns IS excluded.ctime_ns AND asset_entries.ino IS excluded.ino
             AND asset_entries.sha256 IS excluded.sha256 AND asset_entries.chunks IS excluded.chunks AND asset_entries.target IS excluded.target
             THEN asset_entries.seq ELSE excluded.seq END`,
      ),
      del: db.prepare('DELETE FROM asset_entries WHERE root = ? AND path = ?'),
      delTree: db.prepare('DELETE FROM asset_entries WHERE root = ? AND path >= ? AND path < ?'),
      nextSeq: db.prepare('UPDATE asset_roots SET seq = seq + 1 WHERE root = ? RETURNING seq'),
      curSeq: db.prepare('SELECT seq, epoch FROM asset_roots WHERE root = ?'),
      setEpoch: db.prepare('UPDATE asset_roots SET epoch = ? WHERE root = ? AND epoch IS NULL'),
      tomb: db.prepare('INSERT OR REPLACE INTO asset_tombstones (root, path, seq) VALUES (?, ?, ?)'),
      tombTree: db.prepare('INSERT OR REPLACE INTO asset_tombstones (root, path, seq) SELECT root, path, ? FROM asset_entries WHERE root = ? AND path >= ? AND path < ?'),
      untomb: db.prepare('DELETE FROM asset_tombstones WHERE root = ? AND path = ?'),
      tombCount: db.prepare('SELECT COUNT(*) AS n FROM asset_tombstones WHERE root = ?'),
      tombNth: db.prepare('SELECT seq FROM asset_tombstones INDEXED BY asset_tombstones_seq WHERE root = ? ORDER BY seq DESC LIMIT 1 OFFSET ?'),
      tombPrune: db.prepare('DELETE FROM asset_tombstones WHERE root = ? AND seq <= ?'),
      floorGet: db.prepare('SELECT tomb_floor AS f FROM asset_roots WHERE root = ?'),
      floorRaise: db.prepare('UPDATE asset_roots SET tomb_floor = max(tomb_floor, ?) WHERE root = ?'),
      changedPage: db.prepare(`SELECT ${cols} FROM asset_entries WHERE root = ? AND seq > ? AND seq <= ? AND path > ? ORDER BY path LIMIT ?`),
      tombPage: db.prepare('SELECT path FROM asset_tombstones WHERE root = ? AND seq > ? AND seq <= ? AND path > ? ORDER BY path LIMIT ?'),
      markGet: db.prepare('SELECT peer_epoch, peer_seq, local_seq FROM asset_roots WHERE root = ?'),
      markSet: db.prepare('UPDATE asset_roots SET peer_epoch = ?, peer_seq = ?, local_seq = ? WHERE root = ?'),
      delChunks: db.prepare('DELETE FROM asset_chunk_index WHERE root = ? AND path = ?'),
      delChunksTree: db.prepare('DELETE FROM asset_chunk_index WHERE root = ? AND path >= ? AND path < ?'),
      addChunk: db.prepare('INSERT OR IGNORE INTO asset_chunk_index (hash, root, path, idx) VALUES (?, ?, ?, ?)'),
      // INDEXED BY: left to itself SQLite scans the whole root by primary key (root = ?) for
      // every directory — 26k rows per query on a 2 GB tree, seconds per stat walk.
      children: db.prepare('SELECT path, type FROM asset_entries INDEXED BY asset_entries_parent WHERE root = ? AND parent = ?'),
      childEntries: db.prepare(`SELECT ${cols} FROM asset_entries INDEXED BY asset_entries_parent WHERE root = ? AND parent = ?`),
      childPage: db.prepare(`SELECT ${cols} FROM asset_entries INDEXED BY asset_entries_parent WHERE root = ? AND parent = ? AND path > ? ORDER BY path LIMIT ?`),
      getMany: db.prepare(`SELECT ${cols} FROM asset_entries WHERE root = ? AND path IN (SELECT value FROM json_each(?))`),
      page: db.prepare(`SELECT ${cols} FROM asset_entries WHERE root = ? AND path > ? ORDER BY path LIMIT ?`),
      digestPage: db.prepare(DIGEST_PAGE_SQL),
      digestRecs: db.prepare(`SELECT path, type, size, ${DIGEST_RECORD_SQL} AS rec FROM asset_entries WHERE root = ? AND path > ? ORDER BY path LIMIT ?`).raw(),
      byChunk: db.prepare('SELECT path, idx FROM asset_chunk_index WHERE hash = ? AND root = ? LIMIT 4'),
      bySha: db.prepare("SELECT path FROM asset_entries WHERE root = ? AND sha256 = ? AND type = 'file' LIMIT 4"),
      rootGet: db.prepare('SELECT root, scan_complete, scanned_at, full_hash_at, digest FROM asset_roots WHERE root = ?'),
      rootEnsure: db.prepare('INSERT OR IGNORE INTO asset_roots (root) VALUES (?)'),
      invalidate: db.prepare('UPDATE asset_roots SET digest = NULL WHERE root = ? AND digest IS NOT NULL'),
      partAdd: db.prepare('INSERT OR IGNORE INTO asset_parts (root, path) VALUES (?, ?)'),
      partDel: db.prepare('DELETE FROM asset_parts WHERE root = ? AND path = ?'),
      parts: db.prepare('SELECT path FROM asset_parts WHERE root = ? LIMIT ?'),
      count: db.prepare('SELECT count(*) AS n FROM asset_entries WHERE root = ?'),
      anyFile: db.prepare("SELECT 1 AS x FROM asset_entries WHERE root = ? AND type = 'file' LIMIT 1"),
      linkPage: db.prepare("SELECT path, target FROM asset_entries WHERE root = ? AND type = 'symlink' AND path > ? ORDER BY path LIMIT ?"),
    };
  }

  /**
   * Row changes inside one take one journal position per root and clear the cached digest once,
   * at the end: a statement each per row (the root's row ensured, its sequence bumped, the
   * digest cleared) was half of what a batch of upserts cost. Readers on other connections see
   * the whole transaction or none of it, so one position for all of its rows tells them as much.
   */
  transaction<T>(fn: () => T): T {
    if (this.scope !== undefined) {
      const opsBefore = this.scope.ops.length;
      try {
        return this.db.transaction(fn)();
      } catch (err) {
        // A nested part rolled back may have taken the position itself: take a new one after.
        // Its rows are back as they were, so the digest copies take none of its changes.
        this.scope.seqs.clear();
        this.scope.ops.length = opsBefore;
        throw err;
      }
    }
    const scope: TxScope = { seqs: new Map(), dirty: new Set(), ops: [] };
    this.scope = scope;
    let out: T;
    try {
      out = this.db.transaction(() => {
        const r = fn();
        for (const root of scope.dirty) this.s.invalidate.run(root);
        return r;
      })();
    } finally {
      this.scope = undefined;
    }
    // Committed: the copies take the changes (rolled back, they were never applied).
    const byRoot = new Map<string, DigestCacheOp[]>();
    for (const { root, op } of scope.ops) {
      let list = byRoot.get(root);
      if (list === undefined) byRoot.set(root, (list = []));
      list.push(op);
    }
    for (const [root, ops] of byRoot) {
      try {
        this.patchDigestCopy(root, ops);
      } catch {
        // Committed all the same: a copy that could not follow is dropped, not trusted.
        this.digestCopies.delete(root);
      }
    }
    return out;
  }

  /** A row change for the root's digest copy: at commit when a transaction is open, else now. */
  private digestChange(root: string, op: DigestCacheOp): void {
    if (!this.digestCopies.has(root)) return;
    if (this.scope !== undefined) this.scope.ops.push({ root, op });
    else this.patchDigestCopy(root, [op]);
  }

  private patchDigestCopy(root: string, ops: DigestCacheOp[]): void {
    const copy = this.digestCopies.get(root);
    if (copy === undefined) return;
    if (!copy.apply(ops)) {
      this.digestCopies.delete(root);
      return;
    }
    copy.seq = this.changeSeq(root);
  }

  /**
   * The root's tree digest from its copy in memory, made first when there is none and the root
   * is small enough (undefined otherwise: the caller reads the rows). Never inside an open
   * transaction: a copy made from rows that then roll back would be wrong.
   */
  digestFromCopy(root: string): TreeSummary | undefined {
    if (this.scope !== undefined) return undefined;
    const copy = this.digestCopies.get(root);
    if (copy !== undefined) {
      if (copy.seq === this.changeSeq(root)) return copy.summary();
      // Rows changed that it did not see: made again below.
      this.digestCopies.delete(root);
    }
    if (this.count(root) > DIGEST_CACHE_MAX_ENTRIES) return undefined;
    const made = this.transaction(() => {
      const recs: DigestRecord[] = [];
      let after = '';
      for (;;) {
        const rows = this.s.digestRecs.all(root, after, 2000) as Array<[string, EntryType, number, string]>;
        for (const [path, type, size, rec] of rows) recs.push({ path, type, size: type === 'file' ? size : 0, rec });
        if (rows.length < 2000) break;
        after = rows[rows.length - 1]![0];
      }
      return new DigestCache(recs, this.changeSeq(root));
    });
    if (made.size > DIGEST_CACHE_MAX_ENTRIES) return undefined;
    this.digestCopies.set(root, made);
    return made.summary();
  }

  /** Whether the root's digest is held in memory and current (the next digest is a pass over it). */
  hasDigestCopy(root: string): boolean {
    return this.digestCopies.get(root)?.seq === this.changeSeq(root);
  }

  /** The cached digest no longer holds: now, or at the end of the open transaction. */
  private invalidate(root: string): void {
    if (this.scope !== undefined) this.scope.dirty.add(root);
    else this.s.invalidate.run(root);
  }

  get(root: string, path: string): Entry | undefined {
    const r = this.s.get.get(root, path) as Row | undefined;
    return r === undefined ? undefined : toEntry(r);
  }

  /** The root's next journal position: every change to a row takes one. */
  private nextSeq(root: string): number {
    const taken = this.scope?.seqs.get(root);
    if (taken !== undefined) return taken;
    this.s.rootEnsure.run(root);
    const seq = (this.s.nextSeq.get(root) as { seq: number }).seq;
    this.scope?.seqs.set(root, seq);
    return seq;
  }

  /** The root's last journal position (0 before any change): moves with every change to a row. */
  changeSeq(root: string): number {
    return (this.s.curSeq.get(root) as { seq: number } | undefined)?.seq ?? 0;
  }

  /** Where the root's change journal stands now, and its epoch (created on first use). */
  journal(root: string): { epoch: string; seq: number } {
    this.s.rootEnsure.run(root);
    this.s.setEpoch.run(randomBytes(12).toString('hex'), root);
    const r = this.s.curSeq.get(root) as { seq: number; epoch: string };
    return { epoch: r.epoch, seq: r.seq };
  }

  /** Entries changed in (after, upTo] of the journal, in path order, a page at a time. */
  *changedSince(root: string, after: number, upTo: number, pageSize = 1000): Generator<Entry> {
    let last = '';
    for (;;) {
      const rows = (this.s.changedPage.all(root, after, upTo, last, pageSize) as Row[]).map(toEntry);
      yield* rows;
      if (rows.length < pageSize) return;
      last = rows[rows.length - 1]!.path;
    }
  }

  /** Paths removed in (after, upTo] of the journal, in path order, a page at a time. */
  *removedSince(root: string, after: number, upTo: number, pageSize = 1000): Generator<string> {
    let last = '';
    for (;;) {
      const rows = (this.s.tombPage.all(root, after, upTo, last, pageSize) as Array<{ path: string }>).map((r) => r.path);
      yield* rows;
      if (rows.length < pageSize) return;
      last = rows[rows.length - 1]!;
    }
  }

  /**
   * The journal position up to which removals may have been forgotten: a changes-only listing
   * must start at or after it.
   */
  tombstoneFloor(root: string): number {
    const r = this.s.floorGet.get(root) as { f: number } | undefined;
    return r?.f ?? 0;
  }

  private countTombs(root: string, n: number): void {
    const since = (this.tombsSinceCheck.get(root) ?? 0) + n;
    // Counting is a scan of the root's tombstones: done once per many removals, not per one.
    if (since < Math.max(1, this.tombstonesKept >> 4)) {
      this.tombsSinceCheck.set(root, since);
      return;
    }
    this.tombsSinceCheck.set(root, 0);
    this.pruneTombstones(root);
  }

  /**
   * Keeps the newest half once a root holds more than its share of tombstones: a site that makes
   * and deletes temporary files would otherwise grow the state file without end. A puller whose
   * last position is older than what is kept plans from whole listings once (see tombstoneFloor).
   */
  pruneTombstones(root: string): number {
    const n = (this.s.tombCount.get(root) as { n: number }).n;
    if (n <= this.tombstonesKept) return 0;
    const edge = this.s.tombNth.get(root, Math.floor(this.tombstonesKept / 2)) as { seq: number } | undefined;
    if (edge === undefined) return 0;
    this.s.rootEnsure.run(root);
    this.s.floorRaise.run(edge.seq, root);
    return this.s.tombPrune.run(root, edge.seq).changes;
  }

  journalMark(root: string): JournalMark | undefined {
    this.s.rootEnsure.run(root);
    const r = this.s.markGet.get(root) as { peer_epoch: string | null; peer_seq: number | null; local_seq: number | null };
    return r.peer_epoch === null || r.peer_seq === null || r.local_seq === null ? undefined : { peerEpoch: r.peer_epoch, peerSeq: r.peer_seq, localSeq: r.local_seq };
  }

  setJournalMark(root: string, mark: JournalMark | undefined): void {
    this.s.rootEnsure.run(root);
    this.s.markSet.run(mark?.peerEpoch ?? null, mark?.peerSeq ?? null, mark?.localSeq ?? null, root);
  }

  upsert(root: string, e: Entry): void {
    this.s.untomb.run(root, e.path);
    this.s.upsert.run({
      seq: this.nextSeq(root),
      root,
      path: e.path,
      parent: parentOf(e.path),
      type: e.type,
      mode: e.mode,
      size: e.size,
      mtime_ns: e.mtimeNs,
      ctime_ns: e.ctimeNs,
      ino: e.ino,
      sha256: e.sha256,
      chunks: e.chunks,
      target: e.target,
    });
    this.s.delChunks.run(root, e.path);
    // Single-chunk files are found through their whole-file sha256; only larger ones need rows here.
    if (e.type === 'file' && e.chunks !== null && e.chunks.length > HASH_BYTES) {
      for (let i = 0; i * HASH_BYTES < e.chunks.length; i++) {
        this.s.addChunk.run(e.chunks.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), root, e.path, i);
      }
    }
    this.invalidate(root);
    this.digestChange(root, { op: 'put', entry: e });
  }

  delete(root: string, path: string): void {
    this.s.tomb.run(root, path, this.nextSeq(root));
    this.countTombs(root, 1);
    this.s.del.run(root, path);
    this.s.delChunks.run(root, path);
    this.invalidate(root);
    this.digestChange(root, { op: 'remove', path });
  }

  /** The entry and everything below it. */
  deleteTree(root: string, path: string): void {
    this.delete(root, path);
    // '0' is the character after '/', so [p/, p0) is exactly the subtree.
    this.countTombs(root, this.s.tombTree.run(this.nextSeq(root), root, `${path}/`, `${path}0`).changes);
    this.s.delTree.run(root, `${path}/`, `${path}0`);
    this.s.delChunksTree.run(root, `${path}/`, `${path}0`);
    this.digestChange(root, { op: 'remove-tree', path });
  }

  children(root: string, parent: string): Array<{ path: string; type: EntryType }> {
    return this.s.children.all(root, parent) as Array<{ path: string; type: EntryType }>;
  }

  /** Full rows of one directory's entries (a directory's worth, read at once by the scanner). */
  childEntries(root: string, parent: string): Entry[] {
    return (this.s.childEntries.all(root, parent) as Row[]).map(toEntry);
  }

  /** One directory's rows a page at a time, in path order (a directory too large to read at once). */
  childPage(root: string, parent: string, after: string, limit: number): Entry[] {
    return (this.s.childPage.all(root, parent, after, limit) as Row[]).map(toEntry);
  }

  /** The rows at these paths, in one query. */
  getMany(root: string, paths: string[]): Map<string, Entry> {
    return new Map((this.s.getMany.all(root, JSON.stringify(paths)) as Row[]).map((r) => [r.path, toEntry(r)]));
  }

  page(root: string, after: string, limit: number): Entry[] {
    return (this.s.page.all(root, after, limit) as Row[]).map(toEntry);
  }

  /** All entries in path order, fetched a page at a time. */
  *iterate(root: string, pageSize = 1000): Generator<Entry> {
    let after = '';
    for (;;) {
      const rows = this.page(root, after, pageSize);
      yield* rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.path;
    }
  }

  /**
   * The digest's records of every entry in path order (see DIGEST_RECORD_SQL), as text blocks of
   * up to `pageSize` entries with their counts, in one synchronous pass: nothing else can use the
   * connection meanwhile, so it is one consistent read, bounded in memory (a page at a time).
   */
  forEachDigestBlock(root: string, visit: (block: string, counts: DigestCounts) => void, pageSize = 2000): void {
    forEachDigestPage(this.s.digestPage, root, visit, pageSize);
  }

  /** Where a chunk with this hash may be found locally: [path, chunk index]. Candidates only; re-check the bytes. */
  chunkLocations(root: string, hash: Buffer): Array<{ path: string; idx: number }> {
    const multi = this.s.byChunk.all(hash, root) as Array<{ path: string; idx: number }>;
    const whole = (this.s.bySha.all(root, hash) as Array<{ path: string }>).map((r) => ({ path: r.path, idx: 0 }));
    return [...multi, ...whole];
  }

  /** Files whose whole content has this hash (a rename, a duplicate): candidates, re-check the bytes. */
  filesWithSha(root: string, sha: Buffer): string[] {
    return (this.s.bySha.all(root, sha) as Array<{ path: string }>).map((r) => r.path);
  }

  /** Temporary files are recorded before they exist, so a crash never leaves one unknown. */
  addPart(root: string, path: string): void {
    this.s.partAdd.run(root, path);
  }

  removePart(root: string, path: string): void {
    this.s.partDel.run(root, path);
  }

  parts(root: string, limit = 1000): string[] {
    return (this.s.parts.all(root, limit) as Array<{ path: string }>).map((r) => r.path);
  }

  /** The root's symlinks after `after`, in path order, a page at a time (one pass over the root's rows in all). */
  linkPage(root: string, after: string, limit: number): Array<{ path: string; target: string }> {
    return this.s.linkPage.all(root, after, limit) as Array<{ path: string; target: string }>;
  }

  hasFiles(root: string): boolean {
    return this.s.anyFile.get(root) !== undefined;
  }

  count(root: string): number {
    return (this.s.count.get(root) as { n: number }).n;
  }

  rootState(root: string): RootState {
    this.s.rootEnsure.run(root);
    const r = this.s.rootGet.get(root) as { root: string; scan_complete: number; scanned_at: string | null; full_hash_at: string | null; digest: string | null };
    // Rows changed earlier in the open transaction: the digest is cleared when it ends.
    const digest = this.scope?.dirty.has(root) === true ? null : r.digest;
    return { root: r.root, scanComplete: r.scan_complete === 1, scannedAt: r.scanned_at, fullHashAt: r.full_hash_at, digest };
  }

  setRootState(root: string, patch: Partial<Omit<RootState, 'root'>>): void {
    this.s.rootEnsure.run(root);
    const map: Record<string, string> = { scanComplete: 'scan_complete', scannedAt: 'scanned_at', fullHashAt: 'full_hash_at', digest: 'digest' };
    for (const [k, v] of Object.entries(patch)) {
      const col = map[k];
      if (col === undefined) continue;
      this.db.prepare(`UPDATE asset_roots SET ${col} = ? WHERE root = ?`).run(typeof v === 'boolean' ? (v ? 1 : 0) : v, root);
    }
  }
}

/** Groups row changes into one transaction per batch: a commit per file would dominate a copy of many small files. */
export class ManifestBatcher {
  private ops: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  /** A flush run by the timer that failed (a full disk): thrown by the next flush, not from a timer, where it ended the agent. */
  private failure: unknown;

  constructor(
    private readonly store: ManifestStore,
    private readonly root: string,
    private readonly max = 512,
    private readonly delayMs = 200,
  ) {}

  upsert(e: Entry): void {
    this.push(() => this.store.upsert(this.root, e));
  }

  deleteTree(path: string): void {
    this.push(() => this.store.deleteTree(this.root, path));
  }

  private push(op: () => void): void {
    this.ops.push(op);
    if (this.ops.length >= this.max) this.flush();
    else
      this.timer ??= setTimeout(() => {
        try {
          this.flush();
        } catch (err) {
          this.failure ??= err;
        }
      }, this.delayMs);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const ops = this.ops;
    this.ops = [];
    const failure = this.failure;
    this.failure = undefined;
    if (ops.length > 0) this.store.transaction(() => ops.forEach((op) => op()));
    if (failure !== undefined) throw failure;
  }
}

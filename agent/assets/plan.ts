// The pull plan: staging's listing merged with production's manifest, both in path byte order,
// written to a temporary table instead of memory, so a tree of a million entries costs pages,
// not a million objects. Each row says what to do with one path.
import { SwitchyardError } from '../../shared/errors.js';
import type { Db } from '../../shared/state/sqlite.js';
import { addAncestors, comparePaths, type Entry, type ManifestStore } from './manifest-store.js';
import { entryRecord } from './tree-digest.js';
import { sameMtime } from './mtime.js';
import { UNNAMED_STAGING } from './staging-name.js';

export type PlanKind = 'dir' | 'file' | 'symlink' | 'meta' | 'delete';
export type MarkTag = 'touched-dir' | 'link-made' | 'closed-dir';

export interface PlanTotals {
  files: number;
  bytes: number;
  dirs: number;
  symlinks: number;
  meta: number;
  deletes: number;
}

function encode(e: Entry): string {
  return JSON.stringify({ ...e, sha256: e.sha256?.toString('hex') ?? null, chunks: e.chunks?.toString('base64') ?? null });
}

function decode(s: string): Entry {
  const o = JSON.parse(s) as Entry & { sha256: string | null; chunks: string | null };
  return { ...o, sha256: o.sha256 === null ? null : Buffer.from(o.sha256, 'hex'), chunks: o.chunks === null ? null : Buffer.from(o.chunks, 'base64') };
}

let nextPlanId = 1;

export class Plan {
  readonly id = nextPlanId++;
  readonly totals: PlanTotals = { files: 0, bytes: 0, dirs: 0, symlinks: 0, meta: 0, deletes: 0 };
  private readonly s;
  private seq = 0;

  constructor(private readonly db: Db) {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS asset_plan (plan INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, entry TEXT, PRIMARY KEY (plan, seq));
             CREATE INDEX IF NOT EXISTS temp.asset_plan_kind ON asset_plan (plan, kind, path);
             CREATE TEMP TABLE IF NOT EXISTS asset_plan_dirs (plan INTEGER NOT NULL, path TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (plan, path));
             CREATE TEMP TABLE IF NOT EXISTS asset_plan_marks (plan INTEGER NOT NULL, tag TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (plan, tag, path)) WITHOUT ROWID;`);
    this.s = {
      add: db.prepare('INSERT INTO asset_plan (plan, seq, kind, path, entry) VALUES (?, ?, ?, ?, ?)'),
      addDir: db.prepare('INSERT OR REPLACE INTO asset_plan_dirs (plan, path, entry) VALUES (?, ?, ?)'),
      dir: db.prepare('SELECT entry FROM asset_plan_dirs WHERE plan = ? AND path = ?'),
      page: db.prepare('SELECT seq, path, entry FROM asset_plan WHERE plan = ? AND kind = ? AND seq > ? ORDER BY seq LIMIT ?'),
      pageDesc: db.prepare('SELECT seq, path, entry FROM asset_plan WHERE plan = ? AND kind = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      drop: db.prepare('DELETE FROM asset_plan WHERE plan = ?'),
      dropDirs: db.prepare('DELETE FROM asset_plan_dirs WHERE plan = ?'),
      mark: db.prepare('INSERT OR IGNORE INTO asset_plan_marks (plan, tag, path) VALUES (?, ?, ?)'),
      marksFirst: db.prepare('SELECT path FROM asset_plan_marks WHERE plan = ? AND tag = ? ORDER BY path DESC LIMIT ?'),
      marksAfter: db.prepare('SELECT path FROM asset_plan_marks WHERE plan = ? AND tag = ? AND path < ? ORDER BY path DESC LIMIT ?'),
      dropMarks: db.prepare('DELETE FROM asset_plan_marks WHERE plan = ?'),
    };
  }

  add(kind: PlanKind, path: string, e: Entry | null): void {
    this.s.add.run(this.id, ++this.seq, kind, path, e === null ? null : encode(e));
    if (kind === 'file') {
      this.totals.files++;
      this.totals.bytes += e?.size ?? 0;
    } else if (kind === 'dir') this.totals.dirs++;
    else if (kind === 'symlink') this.totals.symlinks++;
    else if (kind === 'meta') this.totals.meta++;
    else this.totals.deletes++;
  }

  addStagingDir(e: Entry): void {
    this.s.addDir.run(this.id, e.path, encode(e));
  }

  stagingDir(path: string): Entry | undefined {
    const r = this.s.dir.get(this.id, path) as { entry: string } | undefined;
    return r === undefined ? undefined : decode(r.entry);
  }

  /** Rows of one kind in path order (or reverse), a page at a time. */
  *rows(kind: PlanKind, reverse = false, pageSize = 500): Generator<{ path: string; entry: Entry | null }> {
    let cursor = reverse ? Number.MAX_SAFE_INTEGER : 0;
    for (;;) {
      const rows = (reverse ? this.s.pageDesc : this.s.page).all(this.id, kind, cursor, pageSize) as Array<{ seq: number; path: string; entry: string | null }>;
      for (const r of rows) yield { path: r.path, entry: r.entry === null ? null : decode(r.entry) };
      if (rows.length < pageSize) return;
      cursor = rows[rows.length - 1]!.seq;
    }
  }

  // Paths the pull remembers for later (directories it wrote into, links it made): a set per
  // tag in the temporary database, since a million files may touch a million directories. The
  // small in-memory set only skips repeats — files arrive in path order, mostly one dir at a time.
  private readonly recentMarks = new Set<string>();
  // New marks are written a batch per transaction: one insert per statement cost a delta
  // ~1.5 ms per directory (each its own transaction), more than copying a small file.
  private pendingMarks: Array<[MarkTag, string]> = [];

  mark(tag: MarkTag, path: string): void {
    const key = `${tag}\0${path}`;
    if (this.recentMarks.has(key)) return;
    if (this.recentMarks.size >= 1024) this.recentMarks.clear();
    this.recentMarks.add(key);
    this.pendingMarks.push([tag, path]);
    if (this.pendingMarks.length >= 512) this.flushMarks();
  }

  private flushMarks(): void {
    if (this.pendingMarks.length === 0) return;
    const batch = this.pendingMarks;
    this.pendingMarks = [];
    this.db.transaction(() => {
      for (const [tag, path] of batch) this.s.mark.run(this.id, tag, path);
    })();
  }

  /** Marked paths of one tag, each once, in reverse path byte order (children before parents), a page at a time. */
  *marked(tag: MarkTag, pageSize = 500): Generator<string> {
    this.flushMarks();
    let rows = this.s.marksFirst.all(this.id, tag, pageSize) as Array<{ path: string }>;
    for (;;) {
      for (const r of rows) yield r.path;
      if (rows.length < pageSize) return;
      rows = this.s.marksAfter.all(this.id, tag, rows[rows.length - 1]!.path, pageSize) as Array<{ path: string }>;
    }
  }

  drop(): void {
    this.pendingMarks = [];
    this.s.drop.run(this.id);
    this.s.dropDirs.run(this.id);
    this.s.dropMarks.run(this.id);
    this.recentMarks.clear();
  }
}

/** Paged cursor over production's manifest, so the merge never holds a long-lived iterator. */
class LocalCursor {
  private buf: Entry[] = [];
  private i = 0;
  private after = '';
  private done = false;

  constructor(private readonly store: ManifestStore, private readonly root: string) {}

  peek(): Entry | undefined {
    if (this.i >= this.buf.length && !this.done) {
      this.buf = this.store.page(this.root, this.after, 1000);
      this.i = 0;
      if (this.buf.length < 1000) this.done = true;
      if (this.buf.length > 0) this.after = this.buf[this.buf.length - 1]!.path;
    }
    return this.buf[this.i];
  }

  next(): void {
    this.i++;
  }
}

/** What to do with a path staging has, given what production has there; undefined: nothing. */
function rowKind(s: Entry, same: Entry | undefined): PlanKind | undefined {
  if (same !== undefined && entryRecord(same) === entryRecord(s)) {
    if (s.type === 'file' && !sameMtime(same.mtimeNs, s.mtimeNs)) return 'meta';
    if (s.type === 'dir' && !sameMtime(same.mtimeNs, s.mtimeNs)) return 'dir';
    return undefined;
  }
  if (s.type === 'file' && same?.type === 'file' && same.sha256?.equals(s.sha256!) === true) return 'meta';
  return s.type;
}

export interface JournalChanges {
  /** Staging's entries changed since the last pull. */
  staging: Map<string, Entry>;
  /** Paths staging removed since the last pull. */
  removed: Set<string>;
  /** Paths production's own journal shows changed or removed since the last pull. */
  local: Set<string>;
}

/**
 * The plan from both journals instead of both whole trees: every path either side changed
 * since the last equal pull, and the directories holding them (whose modes and mtimes the
 * pull sets), each compared like buildPlan compares. Paths staging did not list are asked for
 * by name (`lookup`); one it does not return is gone on staging. Memory grows with the change
 * (the caller caps it), never with the tree.
 */
export async function buildPartialPlan(plan: Plan, changes: JournalChanges, lookup: (paths: string[]) => AsyncIterable<Entry>, store: ManifestStore, root: string, withDelete: boolean, parts?: Record<string, number>, who: string = UNNAMED_STAGING): Promise<void> {
  let t = performance.now();
  const paths = new Set<string>([...changes.staging.keys(), ...changes.removed, ...changes.local]);
  // A path met here that is itself in the set has its directories added when its turn comes.
  for (const p of [...paths]) addAncestors(paths, p);
  const ask = [...paths].filter((p) => !changes.staging.has(p) && !changes.removed.has(p));
  for (let i = 0; i < ask.length; i += 500) {
    const wanted = new Set(ask.slice(i, i + 500));
    for await (const e of lookup([...wanted])) {
      if (!wanted.has(e.path)) throw new SwitchyardError('SY_VALIDATION', `${who} answered for ${JSON.stringify(e.path)}, which was not asked for`, { field: 'entries' });
      changes.staging.set(e.path, e);
    }
  }
  if (parts !== undefined) {
    parts.lookup = (performance.now() - t) / 1000;
    parts.asked = ask.length;
    t = performance.now();
  }
  const rows: Array<[PlanKind, string, Entry | null]> = [];
  const dirs: Entry[] = [];
  for (const path of [...paths].sort(comparePaths)) {
    const s = changes.removed.has(path) && !changes.staging.has(path) ? undefined : changes.staging.get(path);
    const l = store.get(root, path);
    if (s === undefined) {
      if (l !== undefined && withDelete) rows.push(['delete', path, null]);
      continue;
    }
    if (s.type === 'dir') dirs.push(s);
    const kind = rowKind(s, l);
    if (kind !== undefined) rows.push([kind, path, s]);
  }
  // One transaction for all: a statement each (its own commit) cost a delta ~1.5 ms a row.
  store.transaction(() => {
    for (const d of dirs) plan.addStagingDir(d);
    for (const [k, p, e] of rows) plan.add(k, p, e);
  });
  if (parts !== undefined) parts.rows = (performance.now() - t) / 1000;
}

/**
 * Merges staging's entries (validated, in strictly increasing path order — checked, since the
 * merge relies on it) with production's manifest into the plan. `who` names staging in errors
 * (stagingName).
 */
export async function buildPlan(plan: Plan, staging: AsyncIterable<Entry>, store: ManifestStore, root: string, withDelete: boolean, who: string = UNNAMED_STAGING): Promise<void> {
  const local = new LocalCursor(store, root);
  let prev: string | undefined;
  const rows: Array<[PlanKind, string, Entry | null]> = [];
  const dirs: Entry[] = [];
  const flush = (): void => {
    store.transaction(() => {
      for (const d of dirs) plan.addStagingDir(d);
      for (const [k, p, e] of rows) plan.add(k, p, e);
    });
    rows.length = 0;
    dirs.length = 0;
  };
  const extra = (l: Entry): void => {
    if (withDelete) rows.push(['delete', l.path, null]);
  };
  for await (const s of staging) {
    if (prev !== undefined && comparePaths(prev, s.path) >= 0) {
      throw new SwitchyardError('SY_VALIDATION', `${who} manifest out of order at ${JSON.stringify(s.path)}`, { field: 'entries' });
    }
    prev = s.path;
    if (s.type === 'dir') dirs.push(s);
    let l = local.peek();
    while (l !== undefined && comparePaths(l.path, s.path) < 0) {
      extra(l);
      local.next();
      l = local.peek();
    }
    const same = l !== undefined && l.path === s.path ? l : undefined;
    if (same !== undefined) local.next();
    const kind = rowKind(s, same);
    if (kind !== undefined) rows.push([kind, s.path, s]);
    if (rows.length + dirs.length >= 500) flush();
  }
  for (let l = local.peek(); l !== undefined; l = local.peek()) {
    extra(l);
    local.next();
    if (rows.length >= 500) flush();
  }
  flush();
}

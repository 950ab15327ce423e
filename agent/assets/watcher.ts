// Keeps one root's manifest current between scans, so at freeze time the diff is ready without
// reading the tree. chokidar reports paths; each is re-read with refreshPath, which trusts a
// row only while size, mtime, ctime and inode still match and re-hashes otherwise. Should the
// watcher fail, the root stops counting as watched and every 'watched' refresh walks the tree.
import { readdir } from 'node:fs/promises';
import { posix, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../shared/logger.js';
import type { AssetRoot, AssetRoots, RootWatcher } from './roots.js';
import { isPartName, relativePathProblem } from './path-safety.js';
import { pool } from './pool.js';
import { refreshPath } from './scanner.js';
import { ThreadedWatcher } from './threaded-watcher.js';
import { manifestDigest } from './tree-digest.js';

const DEBOUNCE_MS = 50;
/**
 * After changes are applied and the tree has been quiet this long, the tree digest is computed
 * ahead of the next pull or verify (it is O(entries): ~80 ms at 26k files, once per change).
 * At freeze time staging stops changing, so the freeze's first question finds it ready. The
 * wait is at least three times the last computation, so a site that never stops writing spends
 * at most a quarter of a core on it (a million entries: seconds per digest). It also waits while
 * a peer pulls from the root (measured: 110 ms of staging's main thread in the middle of a delta).
 */
const WARM_DIGEST_MS = 300;
const WARM_RETRY_MS = 100;
const RESTART_DELAY_MS = 1500;
/** After a pull: chokidar counts as done re-reading once its events have stopped this long (waited for at most CATCH_UP_MAX_MS). */
const CATCH_UP_QUIET_MS = 300;
const CATCH_UP_MAX_MS = 30_000;
const DRAIN_PARALLELISM = 8;
/**
 * Distinct paths waiting to be re-read. Past this a stat scan is the cheaper way to catch up
 * (and the queue stays bounded: a whole tree rewritten must not mean a string per file).
 */
export const MAX_QUEUED = 50_000;
/**
 * A directory that appeared is re-read at every settle until a re-read that began once chokidar
 * had a watch of it, and at most this long. Until chokidar has added that watch (0.6–1.1 s behind
 * on 26k files under load, measured), nothing reports files created or written in it after the
 * watcher first listed it. (Re-reading a 131-file directory at every settle cost the first
 * question of each delta pull 14–21 ms on staging.)
 */
const FRESH_DIR_MS = 10_000;
const MAX_FRESH_DIRS = 1000;
/**
 * ...and also re-read a little after they appear, then every so often while they are young, so
 * the manifest (and the warm digest) catches up without waiting for chokidar or a settle.
 */
const FRESH_RECHECK_MS = 300;
const FRESH_RECHECK_YOUNG_MS = 2_000;
/**
 * The largest tree (files, directories and links) watched by default. chokidar keeps an inotify
 * watch and ~5.9 KB of memory per entry (131 → 637 MB RSS for 10k → 100k files, measured), so a
 * tree past this is left to stat scans: what the agent holds stays bounded however many files
 * the root gets. Per root: `watchMaxEntries` in agent.yaml.
 */
export const DEFAULT_WATCH_MAX_ENTRIES = 100_000;
/** While watched, the entry count is looked at again after changes, at most this often (a COUNT over the root's rows). */
const SIZE_CHECK_MS = 5_000;

export class AssetWatcher implements RootWatcher {
  private watcher: ThreadedWatcher | undefined;
  private readonly queue = new Set<string>();
  /** Directories new to the manifest, by when the watcher first listed them. */
  private readonly freshDirs = new Map<string, number>();
  private freshTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warmTimer: NodeJS.Timeout | undefined;
  private lastDigestMs = 0;
  /** The manifest's change sequence when the watcher last looked. */
  private seenSeq = -1;
  private draining: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    private readonly roots: AssetRoots,
    private readonly root: AssetRoot,
    logger: Logger,
    private readonly maxQueued = MAX_QUEUED,
  ) {
    this.logger = logger.child({ root: root.name });
  }

  private closed = false;
  private readonly stopping = new AbortController();
  private restarting: Promise<void> = Promise.resolve();

  /** First scan (resumable), then watch; resolves when events are flowing. */
  async start(): Promise<void> {
    this.roots.register(this.root.name, this);
    await this.open();
  }

  private async open(): Promise<void> {
    const t = performance.now();
    // Known to be too large (from an earlier scan), or never scanned: then its size is learned by
    // a scan first, before chokidar walks the tree and takes its per-entry state.
    if (this.tooLarge()) return;
    if (this.roots.store.count(this.root.name) === 0) {
      await this.roots.exclusive(this.root.name, () => this.roots.refresh(this.root, 'stat'));
      if (this.closed || this.tooLarge()) return;
    }
    this.watcher = new ThreadedWatcher(this.root.path);
    const w = this.watcher;
    let failed = (): void => undefined;
    w.on('all', (_event: string, path: string) => this.enqueue(path));
    // Any error means some path may go unseen (at scale typically ENOSPC: chokidar takes an
    // inotify watch per file, past fs.inotify.max_user_watches). Close it — its per-path state
    // is thousands of bytes per file — and leave the root to stat scans until the next restart.
    // Also before 'ready' or during the first scan, which must then not mark the root watched.
    w.on('error', (err: Error) => {
      this.roots.setWatched(this.root.name, undefined);
      if (this.watcher !== w) return;
      this.logger.warn({ err }, 'asset watcher failed; falling back to scans');
      this.watcher = undefined;
      void w.close().catch(() => undefined);
      failed();
    });
    await new Promise<void>((resolve) => {
      failed = resolve;
      w.once('ready', () => resolve());
    });
    // Scan after the watcher is ready: anything changed during the scan is also queued.
    await this.roots.exclusive(this.root.name, () => this.roots.refresh(this.root, 'stat'));
    if (this.watcher === w && this.tooLarge()) {
      await this.letGo(w);
      return;
    }
    // A pull that began meanwhile mutes and catches up after itself.
    if (this.closed || this.watcher !== w || this.roots.isWriting(this.root.name)) return;
    // An overflow during that scan dropped events: its catch-up scan marks the root watched.
    if (this.rescan !== undefined) return;
    this.roots.setWatched(this.root.name, this);
    this.warmDigestSoon();
    // Operators (and the benchmark) learn here that freeze-time diffs no longer walk the tree.
    this.logger.info({ seconds: (performance.now() - t) / 1000 }, 'asset root watched');
  }

  /**
   * While a pull writes the root: chokidar stays open but muted (it would re-read a directory for
   * nearly every file the pull creates in it); the paths of all events still come and wait in
   * the queue. The root does not count as watched until resume() has caught up.
   */
  async pause(): Promise<void> {
    this.roots.setWatched(this.root.name, undefined);
    // A catch-up under way stops at its next step. Not waited for: the pull calling this holds
    // the root's exclusive lock, which that catch-up's stat scan may be queued for.
    this.catchUp++;
    await this.watcher?.mute();
  }

  /** Counts pauses and resumes; a catch-up goes on only while it is the latest. */
  private catchUp = 0;

  /**
   * A little later (a pull is usually followed at once by its proof, which should not share the
   * CPU with this), chokidar re-reads, once, each directory that had entries created or removed
   * while muted, and so starts watching the directories the pull made. A stat scan follows: files
   * written into a new directory before chokidar watched it were reported by nothing. Then the
   * root counts as watched again; until then 'watched' refreshes stat-scan. A watcher that had
   * failed is started anew instead.
   */
  resume(): void {
    if (this.closed) return;
    // Paths queued while the root was written (mostly the pull's own files: ~490 in a 1% delta
    // of the 2 GB bench tree, each re-read with an lstat and a manifest read right after the
    // pull, beside the proof that follows it in the freeze) are dropped: the stat scan below
    // reads every entry anyway, and until it has, the root does not count as watched.
    const dropped = this.queue.size;
    this.queue.clear();
    if (dropped > 0) this.logger.info({ dropped }, 'paths queued during the write dropped; the catch-up scan reads them');
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const w = this.watcher;
    const mine = ++this.catchUp;
    const current = (): boolean => !this.closed && mine === this.catchUp && !this.roots.isWriting(this.root.name);
    this.restarting = sleep(RESTART_DELAY_MS, undefined, { signal: this.stopping.signal })
      .then(async () => {
        if (!current()) return;
        if (w === undefined || this.watcher !== w) {
          await this.open();
          return;
        }
        // Grown past the limit by the pull (a first copy, typically): let go before chokidar's
        // re-reads watch every directory the pull made.
        if (this.tooLarge()) {
          await this.letGo(w);
          return;
        }
        const t = performance.now();
        w.unmute();
        // chokidar's re-reads of the muted directories find every entry new to it (the pull's
        // files, tens of thousands after an initial copy; not forwarded, the scan below covers
        // them) and watch the new directories as they go: let them finish first.
        for (let waited = 0; waited < CATCH_UP_MAX_MS && (await w.quietFor('chokidar', CATCH_UP_QUIET_MS)) < CATCH_UP_QUIET_MS; waited += CATCH_UP_QUIET_MS / 2) {
          if (!current()) return;
          await sleep(CATCH_UP_QUIET_MS / 2, undefined, { signal: this.stopping.signal });
        }
        // Never quiet for long enough: chokidar's events are forwarded again from here all the same.
        await w.quietFor('chokidar', 0);
        let scanned = false;
        await this.roots.exclusive(this.root.name, async () => {
          if (!current()) return;
          await this.roots.refresh(this.root, 'stat');
          scanned = true;
        });
        if (!scanned || !current() || this.watcher !== w || this.rescan !== undefined) return;
        this.roots.setWatched(this.root.name, this);
        this.warmDigestSoon();
        this.logger.info({ seconds: (performance.now() - t) / 1000 }, 'asset root watched');
      })
      .catch((err: unknown) => {
        if (!this.closed) this.logger.warn({ err }, 'asset watcher did not catch up; falling back to scans');
      });
  }

  /** More entries in the manifest than this root may watch (or a limit of 0): logged once per size seen, and then true. */
  private tooLarge(): boolean {
    const limit = this.root.watchMaxEntries ?? DEFAULT_WATCH_MAX_ENTRIES;
    const entries = this.roots.store.count(this.root.name);
    if (entries <= limit && limit > 0) return false;
    if (this.reportedTooLarge !== entries) {
      this.reportedTooLarge = entries;
      this.logger.warn({ entries, watchMaxEntries: limit }, 'asset root has more entries than watchMaxEntries: not watched, stat scans instead');
    }
    return true;
  }

  private reportedTooLarge: number | undefined;
  private sizeCheckedAt = 0;
  private sizeTimer: NodeJS.Timeout | undefined;

  /**
   * After changes are in: a root the site itself grew past the limit is let go. At most one count
   * every SIZE_CHECK_MS; a check that comes sooner is made when that time is up.
   */
  private async checkSize(): Promise<void> {
    const w = this.watcher;
    if (w === undefined || this.closed) return;
    const wait = this.sizeCheckedAt + SIZE_CHECK_MS - performance.now();
    if (wait > 0) {
      this.sizeTimer ??= setTimeout(() => {
        this.sizeTimer = undefined;
        this.draining = this.draining.then(() => this.checkSize());
      }, wait);
      return;
    }
    this.sizeCheckedAt = performance.now();
    if (this.tooLarge()) await this.letGo(w);
  }

  /** Closes chokidar (and its per-entry state); the root stays with stat scans until a later open (after a pull, or at start) finds it small enough. */
  private async letGo(w: ThreadedWatcher): Promise<void> {
    this.roots.setWatched(this.root.name, undefined);
    this.watcher = undefined;
    await w.close().catch(() => undefined);
  }

  private enqueue(abs: string): void {
    const rel = relative(this.root.path, abs).split(sep).join('/');
    if (rel === '' || rel.startsWith('..')) return;
    if (this.queue.size >= this.maxQueued && !this.queue.has(rel)) {
      this.overflow();
      return;
    }
    this.queue.add(rel);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, DEBOUNCE_MS);
  }

  private rescan: Promise<void> | undefined;
  private rescanAgain = false;

  /**
   * Too many changes at once: forget the queue, stop counting as watched (so a 'watched'
   * refresh walks the tree meanwhile) and stat-scan the root; events keep being queued and are
   * applied after. Another overflow during the scan means one more scan.
   */
  private overflow(): void {
    this.queue.clear();
    this.roots.setWatched(this.root.name, undefined);
    if (this.rescan !== undefined) {
      this.rescanAgain = true;
      return;
    }
    this.logger.warn({ queued: this.maxQueued }, 'too many changes queued; a stat scan catches up instead');
    const w = this.watcher;
    this.rescan = (async () => {
      do {
        this.rescanAgain = false;
        await this.roots.exclusive(this.root.name, () => this.roots.refresh(this.root, 'stat'));
      } while (this.rescanAgain && !this.closed);
      if (!this.closed && this.watcher === w && w !== undefined) this.roots.setWatched(this.root.name, this);
    })()
      .catch((err: unknown) => this.logger.warn({ err }, 'catch-up scan failed; falling back to scans'))
      .finally(() => {
        this.rescan = undefined;
      });
  }

  /**
   * Applies queued paths. Not under the root's exclusive lock: refresh() calls settle() while
   * holding it, and re-reading a path from disk is safe beside a scan. While a pull writes the
   * root, events wait (the pull records what it writes); afterwards they cost a stat each.
   */
  private drain(force = false): Promise<void> {
    if (!force && this.roots.isWriting(this.root.name)) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, 200);
      return this.draining;
    }
    this.draining = this.draining.then(async () => {
      while (this.queue.size > 0) {
        // A thousand at a time, without copying the whole queue each round.
        const paths: string[] = [];
        for (const p of this.queue) {
          paths.push(p);
          if (paths.length >= 1000) break;
        }
        for (const p of paths) this.queue.delete(p);
        // A pull right after the freeze waits for these: in a 2 GB delta 232 changed files took
        // 0.22 s eight at a time, where 258–260 one by one took 0.29–0.34 s. Distinct paths
        // only, each row following its own stat.
        await this.refreshAll(paths);
        this.changed();
      }
      await this.checkSize();
    });
    return this.draining;
  }

  /**
   * Re-reads these paths, eight at a time. A directory new to the manifest is also listed here,
   * and so on down: chokidar reports the files of a directory created or moved in only after
   * reading it itself, 0.8 s for 130 files in a traced 2 GB delta — and the freeze-time settle,
   * which waits for quiet inotify, not for chokidar, could answer without them. Bounded: one
   * directory's names at a time.
   */
  private async refreshAll(paths: string[]): Promise<void> {
    const store = this.roots.store;
    const dirs: string[] = [];
    await pool(paths, DRAIN_PARALLELISM, async (p) => {
      const before = store.get(this.root.name, p);
      const e = await refreshPath(store, this.root.name, this.root.path, p).catch((err: unknown) => {
        this.logger.warn({ err, path: p }, 'could not refresh manifest entry');
        return undefined;
      });
      // New directories only: an existing one is watched, its children's events come directly.
      if (e?.type === 'dir' && before?.type !== 'dir') {
        dirs.push(p);
        this.freshDirs.delete(p);
        this.freshDirs.set(p, performance.now());
        if (this.freshDirs.size > MAX_FRESH_DIRS) this.freshDirs.delete(this.freshDirs.keys().next().value!);
        this.recheckFreshSoon();
      }
    });
    for (const dir of dirs) {
      if (this.closed) return;
      const differing = await this.childrenDiffering(dir);
      if (differing.length > 0) await this.refreshAll(differing);
    }
  }

  /**
   * Every entry of the directories that appeared lately, re-read: files may have been created or
   * written in them after they were first listed, with no watch there yet to say so. An lstat
   * each for what is unchanged.
   */
  private recheckFreshSoon(): void {
    if (this.freshTimer !== undefined || this.closed) return;
    this.freshTimer = setTimeout(() => {
      this.freshTimer = undefined;
      void this.recheckFreshDirs().then(() => {
        const now = performance.now();
        if ([...this.freshDirs.values()].some((seen) => now - seen < FRESH_RECHECK_YOUNG_MS)) this.recheckFreshSoon();
      });
    }, FRESH_RECHECK_MS);
    this.freshTimer.unref();
  }

  private recheckFreshDirs(): Promise<void> {
    const now = performance.now();
    const dirs: string[] = [];
    for (const [dir, seen] of this.freshDirs) {
      if (now - seen > FRESH_DIR_MS) this.freshDirs.delete(dir);
      else dirs.push(dir);
    }
    if (dirs.length === 0) return this.draining;
    const w = this.watcher;
    this.draining = this.draining.then(async () => {
      // Asked before the re-read: a directory chokidar watches now reports whatever changes
      // after it, and this re-read covers what came before, so it is the last one it needs.
      const seenAt = new Map(dirs.map((d) => [d, this.freshDirs.get(d)]));
      const watched = new Set(w === undefined ? [] : await w.watching(dirs));
      for (const dir of dirs) {
        if (this.closed) return;
        const names = await this.childrenOnDiskOrKnown(dir);
        if (names.length > 0) await this.refreshAll(names);
        // Not if it appeared anew meanwhile (removed and made again): that one is not yet watched.
        if (watched.has(dir) && this.freshDirs.get(dir) === seenAt.get(dir)) this.freshDirs.delete(dir);
      }
      this.changed();
    });
    return this.draining;
  }

  /** Children of `dir` on disk, and those the manifest has that the disk lacks. */
  private async childrenOnDiskOrKnown(dir: string): Promise<string[]> {
    const out = new Set(this.roots.store.children(this.root.name, dir).map((e) => e.path));
    let names: string[];
    try {
      names = await readdir(dir === '' ? this.root.path : posix.join(this.root.path, dir));
    } catch {
      return [...out];
    }
    for (const name of names) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (!isPartName(name) && relativePathProblem(rel) === undefined) out.add(rel);
    }
    return [...out];
  }

  /** Children of `dir` on disk that the manifest lacks, and children it has that the disk lacks. */
  private async childrenDiffering(dir: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(dir === '' ? this.root.path : posix.join(this.root.path, dir));
    } catch {
      return [];
    }
    const known = new Set(this.roots.store.childEntries(this.root.name, dir).map((e) => e.path));
    const out: string[] = [];
    const onDisk = new Set<string>();
    for (const name of names) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (isPartName(name) || relativePathProblem(rel) !== undefined) continue;
      onDisk.add(rel);
      if (!known.has(rel)) out.push(rel);
    }
    for (const rel of known) if (!onDisk.has(rel)) out.push(rel);
    return out;
  }

  /** After re-reading paths: the warm-up waits from the last change, not from the last event. */
  private changed(): void {
    const seq = this.roots.store.changeSeq(this.root.name);
    if (seq === this.seenSeq) return;
    this.seenSeq = seq;
    this.warmDigestSoon();
  }

  /**
   * `retry`: the wait was served but events were pending; look again shortly. chokidar's own
   * events trail the raw ones by up to a second at 26k files, and re-reading them changes
   * nothing, so they must not restart the whole wait (measured: the digest ready 1.9 s after a
   * change instead of 0.7 s).
   */
  private warmDigestSoon(retry = false): void {
    if (this.warmTimer !== undefined) clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      if (this.closed || this.roots.isWriting(this.root.name)) return;
      if (this.queue.size > 0 || this.timer !== undefined) {
        this.warmDigestSoon(true);
        return;
      }
      // A peer is pulling from this root: its Fetch replies must not wait behind the digest.
      if (this.roots.isServing(this.root.name)) {
        this.warmDigestSoon();
        return;
      }
      // Synchronous: no row changes while it runs, and the result is cached until the next change.
      const t = performance.now();
      try {
        manifestDigest(this.roots.store, this.root.name);
      } catch (err) {
        this.logger.warn({ err }, 'tree digest not computed ahead');
      }
      this.lastDigestMs = performance.now() - t;
    }, retry ? WARM_RETRY_MS : Math.max(WARM_DIGEST_MS, 3 * this.lastDigestMs));
    this.warmTimer.unref();
  }

  /**
   * Lets events already under way arrive, then applies everything queued. The kernel queues an
   * inotify event as the write returns, and the watcher thread's next poll hands it to chokidar;
   * from there chokidar gets DEBOUNCE_MS to finish with it. So the wait runs from the last event
   * seen, not from the call: on a quiet tree (every freeze-time pull) it is one question to the
   * watcher thread, not 50 ms.
   */
  async settle(): Promise<void> {
    const started = performance.now();
    const w = this.watcher;
    const quietFor = w === undefined ? 0 : await w.quietFor();
    if (quietFor < DEBOUNCE_MS) {
      await sleep(DEBOUNCE_MS - quietFor);
      // What chokidar finished meanwhile is forwarded before this answer.
      await w?.quietFor();
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const pending = this.queue.size;
    const sample = [...this.queue].slice(0, 5);
    const quiet = performance.now();
    await this.drain(true);
    const drained = performance.now();
    await this.recheckFreshDirs();
    // Changes still being taken in when a pull or verify asked: what the answer waited for.
    if (pending > 0 || quietFor < DEBOUNCE_MS) {
      const ms = (a: number, b: number): number => Math.round(b - a);
      this.logger.info({ pending, sample, quietForMs: Math.round(quietFor), waitMs: ms(started, quiet), drainMs: ms(quiet, drained), recheckMs: ms(drained, performance.now()), seconds: (performance.now() - started) / 1000 }, 'watcher settled');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    this.roots.setWatched(this.root.name, undefined);
    this.roots.register(this.root.name, undefined);
    await this.restarting;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.warmTimer !== undefined) clearTimeout(this.warmTimer);
    if (this.freshTimer !== undefined) clearTimeout(this.freshTimer);
    if (this.sizeTimer !== undefined) clearTimeout(this.sizeTimer);
    await this.watcher?.close();
    await this.draining;
    await this.rescan;
  }
}

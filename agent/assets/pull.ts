// Production pulls one asset root from staging: compare tree digests (equal: done), else plan
// from staging's listing and the local manifest, then mirror directories, files (chunk by
// chunk, reusing what is already here), symlinks and metadata, delete what staging lacks when
// asked, and finish with both digests. Progress is reported as it goes.
import { lstat, lutimes, mkdir, readlink, rename, rm, symlink, unlink, chmod, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { AssetTreeSummary__Output } from '../../shared/proto-gen/switchyard/v1/AssetTreeSummary.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { fromWireSummary, refreshToWire } from './convert.js';
import { assertRealDir, assertWritableDir, copyFile, partName, type CopyContext, type CopyCounters } from './copy-file.js';
import { DurableCommitter } from './durable-commit.js';
import { pool } from './pool.js';
import { sharedFileThread } from './file-thread.js';
import { Fetcher } from './fetcher.js';
import { ManifestBatcher, type Entry } from './manifest-store.js';
import { fileModeFromPeer, resolveInside, resolveLinkProblem, SETID_BITS, symlinkTargetProblem } from './path-safety.js';
import { stagingEntries } from './staging-listing.js';
import { fromStaging, UNNAMED_STAGING } from './staging-name.js';
import { planPull } from './journal-plan.js';
import { utimesArg } from './mtime.js';
import { Plan } from './plan.js';
import { CappedList, cappedMessages } from './capped-list.js';
import { RateLimiter } from './rate-limiter.js';
import { removeTree } from './remove-tree.js';
import { fsError } from './fs-error.js';
import { earlierParts, withPartialSpace } from './partials.js';
import type { AssetRoot, AssetRoots, RefreshMode } from './roots.js';
import { entryFromStat } from './scanner.js';
import { entryRecord, manifestDigest, type TreeSummary } from './tree-digest.js';

export interface PullParams {
  peer: AssetsClient;
  token: string;
  stagingRoot: string;
  /** How errors name the staging agent (see stagingName); "staging" when left out. */
  stagingAgent?: string;
  root: AssetRoot;
  delete: boolean;
  parallelism?: number;
  bandwidthLimit?: number;
  stagingRefresh?: RefreshMode;
  productionRefresh?: RefreshMode;
  onProgress?: (p: PullProgress) => void;
  progressIntervalMs?: number;
  logger: Logger;
  signal?: AbortSignal;
}

export interface PullProgress {
  phase: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  bytesWire: number;
  rateBytesPerSecond: number;
  etaSeconds: number;
}

export interface PullResult {
  filesCopied: number;
  bytesCopied: number;
  bytesWire: number;
  bytesReused: number;
  bytesResumed: number;
  entriesDeleted: number;
  metadataFixed: number;
  filesChangedDuringCopy: number;
  filesVanishedDuringCopy: number;
  refused: string[];
  staging: TreeSummary;
  production: TreeSummary;
  equal: boolean;
  seconds: number;
  /** Planned from the change journals rather than whole listings. */
  fromJournal: boolean;
}

const MAX_RETRIES = 3;
const MAX_REFUSED_LISTED = 1000;

export async function stagingDigest(peer: AssetsClient, token: string, root: string, refresh: RefreshMode, who = UNNAMED_STAGING): Promise<TreeSummary> {
  return (await stagingDigestAndJournal(peer, token, root, refresh, who)).summary;
}

/** Staging's digest, and where its change journal stood then (undefined from an older agent). */
async function stagingDigestAndJournal(peer: AssetsClient, token: string, root: string, refresh: RefreshMode, who: string): Promise<{ summary: TreeSummary; journal: { epoch: string; seq: number } | undefined }> {
  const res = await new Promise<AssetTreeSummary__Output>((resolve, reject) => {
    peer.TreeDigest({ root, refresh: refreshToWire(refresh), token }, (err, r) => (err ? reject(fromStaging(err, who, 'TreeDigest')) : resolve(r!)));
  });
  return { summary: fromWireSummary(res), journal: res.journal_epoch === '' ? undefined : { epoch: res.journal_epoch, seq: Number(res.journal_seq) } };
}

/**
 * Pulls one root. Planned from both change journals when a previous pull ended equal; should
 * such a pull not end equal (a journal missed something), it is redone from whole listings.
 */
export async function pullAssets(roots: AssetRoots, p: PullParams): Promise<PullResult> {
  // A second pull counts from zero again: reported as they were, its bytes done went down
  // mid-pull, after a 'done'. The first one's 'done' is held back until it is known to be the
  // last, and the second's reports go on from where the first's ended.
  const onProgress = p.onProgress;
  let ended: PullProgress | undefined;
  const hold = onProgress === undefined ? p : { ...p, onProgress: (ev: PullProgress) => (ev.phase === 'done' ? (ended = ev) : onProgress(ev)) };
  const first = await pullOnce(roots, hold, true).catch((err: unknown) => {
    if (ended !== undefined) onProgress?.(ended);
    throw err;
  });
  if (first.equal || !first.fromJournal) {
    if (ended !== undefined) onProgress?.(ended);
    return first;
  }
  p.logger.warn({ root: p.root.name }, 'pull planned from the change journals did not end equal; pulling again from whole listings');
  const b = ended ?? { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, bytesWire: 0 };
  const after = onProgress === undefined ? p : {
    ...p,
    onProgress: (ev: PullProgress) => onProgress({
      ...ev, filesDone: b.filesDone + ev.filesDone, filesTotal: b.filesTotal + ev.filesTotal,
      bytesDone: b.bytesDone + ev.bytesDone, bytesTotal: b.bytesTotal + ev.bytesTotal, bytesWire: b.bytesWire + ev.bytesWire,
    }),
  };
  const second = await pullOnce(roots, after, false);
  for (const k of ['filesCopied', 'bytesCopied', 'bytesWire', 'bytesReused', 'bytesResumed', 'entriesDeleted', 'metadataFixed', 'filesChangedDuringCopy', 'filesVanishedDuringCopy'] as const) second[k] += first[k];
  second.seconds += first.seconds;
  second.refused = [...first.refused, ...second.refused];
  return second;
}

/** Directories given their modes and times per job of the writer thread, at the end of a pull. */
const DIRS_PER_JOB = 512;

/** How long after a pull its root's digest records are read into memory (see digest-cache.ts). */
const DIGEST_COPY_AFTER_MS = 200;

async function pullOnce(roots: AssetRoots, p: PullParams, useJournal: boolean): Promise<PullResult> {
  const started = performance.now();
  const { root, peer } = p;
  const who = p.stagingAgent ?? UNNAMED_STAGING;
  const store = roots.store;
  const counters: CopyCounters = { filesDone: 0, bytesDone: 0, bytesWire: 0, bytesReused: 0, bytesResumed: 0 };
  const result: PullResult = {
    filesCopied: 0, bytesCopied: 0, bytesWire: 0, bytesReused: 0, bytesResumed: 0, entriesDeleted: 0, metadataFixed: 0,
    filesChangedDuringCopy: 0, filesVanishedDuringCopy: 0, refused: [],
    staging: fromWireSummary(undefined), production: fromWireSummary(undefined), equal: false, seconds: 0, fromJournal: false,
  };
  let phase = 'scan';
  // Seconds each phase took, logged at the end: where a slow pull spends its time.
  const phaseSeconds: Record<string, number> = {};
  // The scan phase's parts: staging's answer, production's own refresh (both at once), then
  // production's tree digest (cached when its watcher computed it ahead).
  const scanSeconds: Record<string, number> = {};
  // The plan's parts (from the journals: staging's changes, the lookup of their directories and
  // how many, the rows) and the finish's (directories, waiting for the digest read ahead).
  const planParts: Record<string, number> = {};
  const finishSeconds: Record<string, number> = {};
  // Set when the digests were equal but a journal had moved (a touch, or no mark yet): why this
  // pull went on to list, for its log.
  let journalsMoved: { staging: boolean; production: boolean } | undefined;
  let phaseStarted = started;
  const enter = (next: string): void => {
    const now = performance.now();
    phaseSeconds[phase] = (phaseSeconds[phase] ?? 0) + (now - phaseStarted) / 1000;
    phaseStarted = now;
    phase = next;
  };
  let totals = { files: 0, bytes: 0 };
  let lastRate = { t: performance.now(), bytes: 0, rate: 0 };
  const report = (): void => {
    if (p.onProgress === undefined) return;
    const now = performance.now();
    const dt = (now - lastRate.t) / 1000;
    if (dt >= 0.2) {
      const inst = (counters.bytesDone - lastRate.bytes) / dt;
      lastRate = { t: now, bytes: counters.bytesDone, rate: lastRate.rate === 0 ? inst : lastRate.rate * 0.7 + inst * 0.3 };
    }
    const left = Math.max(0, totals.bytes - counters.bytesDone);
    p.onProgress({
      phase, filesDone: counters.filesDone, filesTotal: totals.files, bytesDone: counters.bytesDone, bytesTotal: totals.bytes,
      bytesWire: counters.bytesWire, rateBytesPerSecond: lastRate.rate, etaSeconds: lastRate.rate > 0 ? left / lastRate.rate : 0,
    });
  };
  const ticker = setInterval(report, p.progressIntervalMs ?? 500);
  const plan = new Plan(store.db);
  const batcher = new ManifestBatcher(store, root.name);
  let fetcher: Fetcher | undefined;
  let succeeded = false;
  let committer: DurableCommitter | undefined;
  try {
    // Both sides bring their manifests up to date at once; equal digests end the pull here.
    const timed = async <T>(key: string, work: Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await work;
      } finally {
        scanSeconds[key] = (performance.now() - t) / 1000;
      }
    };
    const [{ summary: staging, journal: stagingJournal }] = await Promise.all([
      timed('staging', stagingDigestAndJournal(peer, p.token, p.stagingRoot, p.stagingRefresh ?? 'watched', who)),
      timed('production', roots.refresh(root, p.productionRefresh ?? 'watched')),
    ]);
    result.staging = staging;
    const digestStarted = performance.now();
    const before = manifestDigest(store, root.name);
    scanSeconds.digest = (performance.now() - digestStarted) / 1000;
    // Equal digests prove equal bytes, modes and links, not equal mtimes: the pull ends here only
    // when neither journal moved since the last pull that ended equal. Without such a pull to
    // start from, only an older staging (which does not say where its journal stands) is taken
    // at its digest, as before; production's own journal counts whatever staging's age.
    const mark = store.journalMark(root.name);
    const stagingMoved = stagingJournal !== undefined && (mark === undefined || mark.peerEpoch !== stagingJournal.epoch || mark.peerSeq !== stagingJournal.seq);
    const productionMoved = mark === undefined ? stagingJournal !== undefined : mark.localSeq !== store.journal(root.name).seq;
    if (before.digest === staging.digest && (stagingMoved || productionMoved)) journalsMoved = { staging: stagingMoved, production: productionMoved };
    if (before.digest === staging.digest && !stagingMoved && !productionMoved && store.parts(root.name, 1).length === 0) {
      result.production = before;
      result.equal = true;
      return result;
    }

    // Closing chokidar (a watch per file) takes a while on a large tree; the listing and plan
    // need no watcher, so they go on meanwhile. Nothing is written before the close is done.
    const pausing = roots.pauseWatcherForWrite(root.name);
    pausing.catch(() => undefined);

    enter('plan');
    report();
    const planned = await planPull(plan, {
      peer, token: p.token, stagingRoot: p.stagingRoot, who, store, root: root.name, withDelete: p.delete,
      mark: useJournal ? store.journalMark(root.name) : undefined,
      parts: planParts,
    });
    await pausing;
    result.staging = planned.summary;
    result.fromJournal = planned.partial;
    totals = { files: plan.totals.files, bytes: plan.totals.bytes };

    enter('copy');
    report();
    // Refused links are named up to a point and counted beyond it.
    const refused = new CappedList<string>(MAX_REFUSED_LISTED);
    const commits = new Set<Promise<void>>();
    let commitFailure: unknown;
    // Directories written into, kept in the plan's table (not a Set): their modes and mtimes are set last.
    const touch = (path: string): void => {
      const d = posix.dirname(path);
      plan.mark('touched-dir', d === '.' ? '' : d);
    };
    // A directory opened to us to write in: the finish gives it staging's mode again.
    const opened = (d: string): void => plan.mark('touched-dir', d);
    // A file-system error names the path it happened at (see fs-error.ts).
    const named = async <T>(path: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        throw fsError(err, root, path, store.db.name);
      }
    };
    const parallelism = p.parallelism !== undefined && p.parallelism > 0 ? p.parallelism : 4;
    fetcher = new Fetcher(peer, p.token, p.stagingRoot, parallelism, who);
    const ctx: CopyContext = {
      root, store, batcher, fetcher,
      limiter: new RateLimiter(p.bandwidthLimit ?? 0),
      committer: (committer = new DurableCommitter(root.path, sharedFileThread('small-writes'))),
      writer: sharedFileThread('small-writes'),
      hasher: sharedFileThread('large-hashes'),
      counters,
      realDirs: new Map(),
      openedDir: opened,
      localFiles: store.hasFiles(root.name),
      staleParts: earlierParts(store, root.name),
      track: (pr) => {
        const t = pr.catch((err: unknown) => {
          commitFailure ??= err;
        });
        commits.add(t);
        void t.finally(() => commits.delete(t));
      },
    };
    const settleCommits = async (): Promise<void> => {
      await ctx.committer.close();
      await Promise.all(commits);
      if (commitFailure !== undefined) throw commitFailure;
    };

    // Directories first, parents before children; writable by us until their final mode is set.
    for (const { path, entry } of plan.rows('dir')) {
      p.signal?.throwIfAborted();
      await named(path, async () => {
        const abs = resolveInside(root.path, path);
        await assertWritableDir(root, posix.dirname(path) === '.' ? '' : posix.dirname(path), opened);
        const cur = await lstat(abs).catch(() => undefined);
        if (cur !== undefined && !cur.isDirectory()) {
          await rm(abs, { force: true });
          batcher.deleteTree(path);
        }
        const made = cur === undefined || !cur.isDirectory();
        if (made) await mkdir(abs, { mode: 0o700 });
        // A mode that leaves us read, write and search is set now, and the row written, so the
        // digest the finish reads ahead already has this directory as it stays (only its mtime
        // moves after). A mode without them waits for the finish, which then digests again.
        const want = entry ?? plan.stagingDir(path);
        if (want !== undefined && (want.mode & 0o700) === 0o700 && (made || (cur!.mode & 0o7777) !== (want.mode & 0o7777))) {
          await chmod(abs, want.mode & 0o7777);
          batcher.upsert(entryFromStat(path, await lstat(abs, { bigint: true })));
        }
        plan.mark('touched-dir', path);
        touch(path);
      });
    }

    const removeLocal = async (path: string): Promise<void> => named(path, async () => {
      const abs = resolveInside(root.path, path);
      // A parent that is no real directory inside the root (a file by now, or a link) has
      // nothing of ours below it — and rm must not follow a link out of the root.
      const parentReal = await assertWritableDir(root, posix.dirname(path) === '.' ? '' : posix.dirname(path), opened).then(() => true, () => false);
      if (parentReal) {
        await removeTree(abs).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOTDIR') throw err;
        });
      }
      batcher.deleteTree(path);
      touch(path);
    });

    // Named each pull: the file is there without the bits, so its mode differs from staging's.
    const refuseSetId = (s: Entry): void => {
      if ((s.mode & SETID_BITS) !== 0) refused.push(`${s.path}: set-user-ID/set-group-ID bits not mirrored`);
    };

    const copyOne = async (s: Entry): Promise<void> => {
      refuseSetId(s);
      let want: Entry | undefined = s;
      for (let attempt = 0; want !== undefined; attempt++) {
        let out: Awaited<ReturnType<typeof copyFile>>;
        try {
          out = await copyFile(ctx, { ...want, mode: fileModeFromPeer(want.mode) });
        } catch (err) {
          throw fsError(err, root, want.path, store.db.name);
        }
        if (out.status === 'ok') {
          result.filesCopied++;
          result.bytesCopied += want.size;
          touch(want.path);
          return;
        }
        // This attempt is over: what it counted stays in the bytes done, and its planned size is
        // no longer ahead. The total grows by the one and drops by the other, so it never falls
        // below the bytes done (a file that grew was counted twice, once per attempt, against a
        // total that had grown only by the growth) and ends equal to them.
        totals.bytes += out.counted - want.size;
        if (attempt === 0) result.filesChangedDuringCopy += out.status === 'changed' ? 1 : 0;
        if (out.status === 'vanished') break;
        if (attempt >= MAX_RETRIES) throw new SwitchyardError('SY_CONFLICT', `${want.path}: what ${who} sent did not match the SHA-256 it listed, ${attempt + 1} times — the file keeps changing on staging while being copied, or staging's agent sends data that is not the file it lists; nothing was written at its path`, { field: 'path' });
        // Changed: take staging's current entry (or ask for it) and go again.
        let current = out.current;
        if (current === undefined) {
          for await (const e of stagingEntries(peer, p.token, p.stagingRoot, 'none', [want.path], who)) current = e;
        }
        if (current === undefined || current.type !== 'file' || current.path !== want.path) break;
        totals.bytes += current.size;
        want = current;
      }
      // Deleted on staging while we copied: staging no longer has it, so neither should production,
      // and it is no longer one of the files to copy.
      result.filesVanishedDuringCopy++;
      totals.files--;
      if (p.delete) await removeLocal(s.path);
    };

    const linkOne = async (s: Entry): Promise<void> => named(s.path, async () => {
      const target = s.target!;
      const why = symlinkTargetProblem(s.path, target);
      if (why !== undefined && !root.allowExternalSymlinks) {
        refused.push(`${s.path}: ${why}`);
        return;
      }
      const dirRel = posix.dirname(s.path) === '.' ? '' : posix.dirname(s.path);
      const dirAbs = await assertWritableDir(root, dirRel, opened);
      const abs = resolveInside(root.path, s.path);
      const tmp = posix.join(dirAbs, partName(s.path, Buffer.from(target)));
      await rm(tmp, { force: true });
      await symlink(target, tmp);
      const mtime = utimesArg(s.mtimeNs);
      await lutimes(tmp, mtime, mtime).catch(() => undefined);
      const cur = await lstat(abs).catch(() => undefined);
      if (cur?.isDirectory()) {
        await removeTree(abs);
        // Its rows go with it: kept, the digest still counted the files that were below it, and
        // a pull without delete did not end equal though the disk was.
        batcher.deleteTree(s.path);
      }
      await rename(tmp, abs);
      batcher.upsert(entryFromStat(s.path, await lstat(abs, { bigint: true }), { target: await readlink(abs) }));
      plan.mark('link-made', s.path);
      touch(s.path);
    });

    const metaOne = async (s: Entry): Promise<void> => named(s.path, async () => {
      const abs = resolveInside(root.path, s.path);
      await assertRealDir(root, posix.dirname(s.path) === '.' ? '' : posix.dirname(s.path));
      const cur = await lstat(abs);
      if (!cur.isFile()) throw new SwitchyardError('SY_CONFLICT', `${s.path} is no longer a file on production`);
      refuseSetId(s);
      await chmod(abs, fileModeFromPeer(s.mode));
      const mtime = utimesArg(s.mtimeNs);
      await utimes(abs, mtime, mtime);
      const known = store.get(root.name, s.path);
      batcher.upsert(entryFromStat(s.path, await lstat(abs, { bigint: true }), { sha256: known?.sha256 ?? s.sha256, chunks: known?.chunks ?? s.chunks }));
      result.metadataFixed++;
    });

    // Files in flight: each small file is a round trip through two busy processes (~20 ms on
    // a loaded 2-core machine), so throughput is in-flight count over latency; 16 capped a tree
    // of small files at ~800 files/s. Memory: at most a chunk buffer per file.
    const concurrency = parallelism * 16;
    enter('files');
    await pool(plan.rows('file'), concurrency, async (r) => copyOne(r.entry!));
    enter('commit');
    await settleCommits();
    enter('links');
    await pool(plan.rows('symlink'), 8, async (r) => linkOne(r.entry!));
    await pool(plan.rows('meta'), 16, async (r) => metaOne(r.entry!));

    if (p.delete) {
      enter('delete');
      // Children before parents; a path inside an already removed directory is simply gone.
      for (const { path } of plan.rows('delete', true)) {
        await removeLocal(path);
        result.entriesDeleted++;
      }
    }

    // A link may pass the lexical check and still escape through another link: check on disk.
    if (!root.allowExternalSymlinks) {
      const refuse = async (path: string, why: string): Promise<void> => {
        await unlink(resolveInside(root.path, path)).catch(() => undefined);
        batcher.deleteTree(path);
        refused.push(`${path}: ${why}`);
      };
      let linksMade = false;
      for (const path of plan.marked('link-made')) {
        linksMade = true;
        const why = await resolveLinkProblem(root.path, path);
        if (why !== undefined) await refuse(path, why);
      }
      // A link made now also changes where older links lead through it: `t -> a/b/s/..` stayed
      // inside while a/b/s was a directory and leads out of the root once a/b/s is a link to
      // `../..` — and t, unchanged, was never looked at again. Only a `..` can climb out (a walk
      // down through links that each stay inside stays inside), so the links whose targets have
      // one are followed again; those that already fail the lexical check (absolute, or climbing
      // out on their own — production's own, with delete off) are not this pull's doing.
      if (linksMade) {
        batcher.flush();
        for (let after: string | undefined = ''; after !== undefined; ) {
          const page = store.linkPage(root.name, after, 500);
          after = page.length < 500 ? undefined : page[page.length - 1]!.path;
          for (const { path, target } of page) {
            if (!target.split('/').includes('..') || symlinkTargetProblem(path, target) !== undefined) continue;
            const why = await resolveLinkProblem(root.path, path);
            if (why !== undefined) await refuse(path, why);
          }
        }
      }
    }

    enter('finish');
    // Directory modes and mtimes last, deepest first: writing inside a directory moves its mtime.
    result.refused = cappedMessages(refused);
    // The tree digest, read on a file thread from what the copy committed, while the directories
    // are finished here: their mtimes are not in the digest, so unless a directory's record
    // changes below (its mode, or a row the copy had not written) the answer stands. Not needed
    // where the store holds the root's digest records in memory (a pass over them at the end is
    // a few ms), nor possible for a manifest held in memory (no file for another connection).
    batcher.flush();
    const stateFile = store.db.memory || store.hasDigestCopy(root.name) ? undefined : store.db.name;
    const digestAhead = stateFile === undefined ? undefined : ctx.hasher.digest(stateFile, root.name).catch(() => undefined);
    let recordsChanged = false;
    // Every write into these directories is done by now, and setting one directory's mode and
    // times does not move its parent's: the writer thread sets them, a batch per job, with
    // blocking calls (through the promise API, three calls each cost the main thread ~30 ms of
    // a 1% delta). Except a directory whose mode takes away our own search permission: nothing
    // below it could be reached after it, so those go last, deepest first, in order.
    const finishDirs = async (batch: Array<{ d: string; s: Entry }>): Promise<void> => {
      if (batch.length === 0) return;
      const stats = await ctx.writer.finishDirs(batch.map(({ d, s }) => ({ abs: resolveInside(root.path, d), mode: s.mode, mtime: utimesArg(s.mtimeNs) })));
      batch.forEach(({ d }, i) => {
        const st = stats[i];
        if (st === undefined) return;
        const now = entryFromStat(d, st);
        // The row as the digest thread read it (nothing else writes it meanwhile): still the same record?
        const was = store.get(root.name, d);
        if (was === undefined || entryRecord(was) !== entryRecord(now)) recordsChanged = true;
        batcher.upsert(now);
      });
    };
    let batch: Array<{ d: string; s: Entry }> = [];
    for (const d of plan.marked('touched-dir')) {
      const s = d === '' ? undefined : plan.stagingDir(d);
      if (s === undefined) continue;
      if ((s.mode & 0o100) === 0) plan.mark('closed-dir', d);
      else batch.push({ d, s });
      if (batch.length >= DIRS_PER_JOB) {
        await finishDirs(batch);
        batch = [];
      }
    }
    // Reverse byte order puts every directory before its parent.
    for (const d of plan.marked('closed-dir')) {
      batch.push({ d, s: plan.stagingDir(d)! });
      if (batch.length >= DIRS_PER_JOB) {
        await finishDirs(batch);
        batch = [];
      }
    }
    await finishDirs(batch);
    finishSeconds.dirs = (performance.now() - phaseStarted) / 1000;

    // Temporary files of earlier, interrupted runs that this run did not finish: not needed now.
    for (let parts = store.parts(root.name); parts.length > 0; parts = store.parts(root.name)) {
      for (const part of parts) {
        // Not through a link: its directory may have been replaced by one during this pull, and
        // the unlink would then remove a file of that name wherever the link leads.
        const dir = posix.dirname(part) === '.' ? '' : posix.dirname(part);
        if (await assertRealDir(root, dir).then(() => true, () => false)) await unlink(resolveInside(root.path, part)).catch(() => undefined);
        store.removePart(root.name, part);
      }
    }
    batcher.flush();
    const waitStarted = performance.now();
    const ahead = await digestAhead;
    finishSeconds.digestWait = (performance.now() - waitStarted) / 1000;
    // Since that read only directories' rows were written, and removals of temporary files the
    // manifest does not list: unless a directory's record changed, the digest read ahead stands.
    if (ahead !== undefined && !recordsChanged) store.setRootState(root.name, { digest: JSON.stringify(ahead) });
    result.production = manifestDigest(store, root.name);
    result.equal = result.production.digest === result.staging.digest;
    // The next pull starts from here — or, when this one did not end equal, from whole listings.
    store.setJournalMark(root.name, result.equal ? { peerEpoch: planned.journal.epoch, peerSeq: planned.journal.seq, localSeq: store.journal(root.name).seq } : undefined);
    succeeded = true;
    // The next pull's digest from the records in memory: made shortly after this one when this
    // one had none (a first pull, or one too large to patch them) — off its clock, once.
    if (!store.hasDigestCopy(root.name)) {
      setTimeout(() => {
        try {
          store.digestFromCopy(root.name);
        } catch {
          // The state file closed meanwhile (the agent stopping): the next digest reads the rows.
        }
      }, DIGEST_COPY_AFTER_MS).unref();
    }
    return result;
  } catch (err) {
    // Where no step above named the path: the error's own, when it lies inside the root.
    throw await withPartialSpace(fsError(err, root, undefined, store.db.name), root, store);
  } finally {
    clearInterval(ticker);
    await committer?.close().catch(() => undefined);
    // The rows of what was written: on a full disk that holds the state file this write fails
    // too, which must neither hide the pull's own error nor skip the clean-up below (the fetch
    // stream to staging stayed open, and the pull never ended).
    let flushFailure: unknown;
    try {
      batcher.flush();
    } catch (err) {
      flushFailure = err;
    }
    plan.drop();
    if (fetcher !== undefined) {
      if (!succeeded) fetcher.cancel();
      await fetcher.close().catch(() => undefined);
    }
    result.bytesWire = counters.bytesWire;
    result.bytesReused = counters.bytesReused;
    result.bytesResumed = counters.bytesResumed;
    result.seconds = (performance.now() - started) / 1000;
    enter('done');
    report();
    p.logger.info({ root: root.name, phases: phaseSeconds, scan: scanSeconds, plan: planParts, finish: finishSeconds, files: result.filesCopied, bytes: result.bytesCopied, fromJournal: result.fromJournal, journalsMoved }, 'asset pull finished');
    // A pull whose last rows were not kept did not succeed.
    if (succeeded && flushFailure !== undefined) throw fsError(flushFailure, root, undefined, store.db.name);
  }
}

// Puts one file from staging at its path on production, safely: bytes go to a temporary file in
// the same directory (named after the path and the wanted content, so a rerun finds and resumes
// it), chunks come from the resumed temporary file, from any local file that has them, or from
// staging; the whole file's SHA-256 is checked, mode and mtime set, then it is made durable and
// renamed into place. No partial file ever sits at the final path.
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { chmod, copyFile as copyWholeFile, lstat, open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import type { AssetFetchEnd__Output } from '../../shared/proto-gen/switchyard/v1/AssetFetchEnd.js';
import { SwitchyardError } from '../../shared/errors.js';
import { CHUNK_SIZE, chunkCount, chunkHash, chunkLength, readFully, sha256 } from './chunking.js';
import { fromWireEntry } from './convert.js';
import type { DurableCommitter } from './durable-commit.js';
import type { Fetcher } from './fetcher.js';
import type { AppendOutcome, FileThread } from './file-thread.js';
import type { Entry, ManifestBatcher, ManifestStore } from './manifest-store.js';
import { utimesArg } from './mtime.js';
import { PART_PREFIX, resolveInside } from './path-safety.js';
import type { RateLimiter } from './rate-limiter.js';
import { removeTree } from './remove-tree.js';
import { fsError } from './fs-error.js';
import type { AssetRoot } from './roots.js';
import { entryFromStat, type StatLike } from './scanner.js';

export interface CopyCounters {
  filesDone: number;
  bytesDone: number;
  bytesWire: number;
  bytesReused: number;
  bytesResumed: number;
}

export interface CopyContext {
  root: AssetRoot;
  store: ManifestStore;
  batcher: ManifestBatcher;
  fetcher: Fetcher;
  limiter: RateLimiter;
  committer: DurableCommitter;
  /** Small files' hash check and writes, off the main thread. */
  writer: FileThread;
  /** Large files' whole-file SHA-256, off the main thread. */
  hasher: FileThread;
  counters: CopyCounters;
  /** Keeps a commit that finishes after copyFile returned; its failure fails the pull. */
  track: (p: Promise<void>) => void;
  /** Directories already found real (and writable) during this pull. */
  realDirs: Map<string, string>;
  /** A directory made writable for the pull (see assertWritableDir): its mode is set again at the end. */
  openedDir: (dirRel: string) => void;
  /** Whether production's manifest held any file as the pull began (none: nothing to reuse). */
  localFiles: boolean;
  /**
   * Temporary files left by earlier pulls, grouped by the path they were for (see stalePartKey);
   * empty unless an earlier pull failed or was stopped.
   */
  staleParts: Map<string, string[]>;
}

/**
 * How one attempt at a file ended. `counted`: the bytes a failed attempt added to
 * `counters.bytesDone` and left there (chunks written before staging said the file changed or
 * went; with a redo after local chunks that did not check out, both tries' together, the larger
 * of the two): done, though the file is done again or not at all, so the pull's byte total must
 * grow by them for it to end equal to the bytes done.
 */
export type CopyOutcome = { status: 'ok' } | { status: 'changed'; current: Entry | undefined; counted: number } | { status: 'vanished'; counted: number };

const LARGE_FILE = 4 * 1024 * 1024;
export const REAL_DIRS_KEPT = 10_000;

export function partName(path: string, sha: Buffer): string {
  return `${PART_PREFIX}${createHash('sha256').update(path).digest('hex').slice(0, 16)}-${sha.toString('hex').slice(0, 16)}`;
}

/** What the temporary file names of every content of the file at `path` share (their path in the root, less the content's part). */
export function stalePartKey(partRel: string): string {
  return partRel.slice(0, -16);
}

/**
 * The temporary files earlier pulls left for this path, for content other than `tmpRel`'s: the
 * first one becomes `tmp` (when there is none yet) so that the chunks it holds which the new
 * content still has are kept; the others are removed. Before, each content had its own, and a
 * rerun after a disk-full failure wrote a second large file beside the first, which still took
 * its space until the pull ended — and so ran out of space again. Without `tmp` (the file is
 * small now) all are removed.
 */
async function takeOverStaleParts(ctx: CopyContext, dirAbs: string, tmpRel: string, tmp: string | undefined): Promise<void> {
  const key = stalePartKey(tmpRel);
  const stale = ctx.staleParts.get(key);
  if (stale === undefined) return;
  ctx.staleParts.delete(key);
  // In `dirAbs`, found a real directory by the caller: nothing here goes through a link.
  let free = tmp !== undefined && (await lstat(tmp).catch(() => undefined)) === undefined;
  for (const rel of stale) {
    if (rel === tmpRel) continue;
    const abs = posix.join(dirAbs, posix.basename(rel));
    if (free && (await rename(abs, tmp!).then(() => true, () => false))) {
      free = false;
      // Its row is tmpRel's now (added by the caller).
      ctx.store.removePart(ctx.root.name, rel);
      continue;
    }
    await unlink(abs).catch(() => undefined);
    ctx.store.removePart(ctx.root.name, rel);
  }
}

/**
 * Throws unless the path from the root down to `dirRel` exists and holds no link (a file at its
 * end passes; anything written below it then fails with ENOTDIR).
 */
export async function assertRealDir(root: AssetRoot, dirRel: string): Promise<string> {
  const abs = dirRel === '' ? root.path : resolveInside(root.path, dirRel, 'path');
  // realpath(3) itself, blocking: ~12 µs here, where the promise API's round trip through the
  // thread pool cost ~45 µs of CPU per call — once per directory a pull writes into.
  let real: string | undefined;
  try {
    real = realpathSync.native(abs);
  } catch {
    real = undefined;
  }
  if (real !== abs) throw new SwitchyardError('SY_PATH_UNSAFE', `path ${JSON.stringify(dirRel)}: parent is not a directory inside the root`, { field: 'path' });
  return abs;
}

/**
 * assertRealDir, and the directory opened to us (u+rwx) where we may not create or remove entries
 * in it: staging keeps it read-only (0555, say), its mode came over with it, and the agent is no
 * root — every later change inside it failed with EACCES. `opened` hears of each directory so
 * changed, for the finish to give it staging's mode again. The root's mode is production's own.
 */
export async function assertWritableDir(root: AssetRoot, dirRel: string, opened: (dirRel: string) => void): Promise<string> {
  const abs = await assertRealDir(root, dirRel);
  if (dirRel === '') return abs;
  try {
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch {
    // A file at its end passes assertRealDir (a write below it fails with ENOTDIR): not to be opened.
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (st?.isDirectory() !== true) return abs;
    opened(dirRel);
    // Not ours to open (another owner): the write itself then says why it cannot be done.
    await chmod(abs, (st.mode & 0o7777) | 0o700).catch(() => undefined);
  }
  return abs;
}

/** assertWritableDir, remembered for the pull: directories are created by the pull itself, before the files. */
async function assertRealDirCached(ctx: CopyContext, dirRel: string): Promise<string> {
  const hit = ctx.realDirs.get(dirRel);
  if (hit !== undefined) return hit;
  const abs = await assertWritableDir(ctx.root, dirRel, ctx.openedDir);
  // Bounded: a tree of a million directories must not keep a million entries for the whole pull;
  // files come in path order, so forgetting costs at most one realpath per directory again.
  if (ctx.realDirs.size >= REAL_DIRS_KEPT) ctx.realDirs.clear();
  ctx.realDirs.set(dirRel, abs);
  return abs;
}

/**
 * Reads a chunk with this hash from some local file into `buf`; true when it was read (and, with
 * `checkLocal`, its bytes check out).
 */
async function readLocalChunk(ctx: CopyContext, hash: Buffer, len: number, buf: Buffer, checkLocal: boolean): Promise<boolean> {
  for (const loc of ctx.store.chunkLocations(ctx.root.name, hash)) {
    let fh: FileHandle | undefined;
    try {
      fh = await open(resolveInside(ctx.root.path, loc.path), constants.O_RDONLY | constants.O_NOFOLLOW);
      const got = await readFully(fh, buf, len, loc.idx * CHUNK_SIZE);
      if (got === len && (!checkLocal || sha256(buf.subarray(0, len)).equals(hash))) return true;
    } catch {
      // Moved or gone since the manifest saw it: try the next place, or the network.
    } finally {
      await fh?.close();
    }
  }
  return false;
}

/** Reads a small local file that has exactly these bytes (a rename, a duplicate), blocking. */
function readLocalWhole(ctx: CopyContext, sha: Buffer, size: number): Buffer | undefined {
  // Whole-file matches only: one indexed query per small file, not the chunk index as well.
  for (const path of ctx.store.filesWithSha(ctx.root.name, sha)) {
    try {
      const fd = openSync(resolveInside(ctx.root.path, path), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const data = Buffer.allocUnsafe(size);
        const got = readSync(fd, data, 0, size, 0);
        if (got === size && sha256(data).equals(sha)) return data;
      } finally {
        closeSync(fd);
      }
    } catch {
      // gone or changed: next candidate, or the network
    }
  }
  return undefined;
}

/**
 * The file production has at this path, when staging's could be it appended to (smaller, one
 * chunk): its size and hash as the manifest has them, so staging need only send the rest. Taken
 * on the manifest's word here; the writer thread reads the old bytes and checks them before
 * using them (see FileThread.append).
 */
function appendBase(s: Entry, cur: Entry | undefined): { size: number; sha256: Buffer } | undefined {
  if (cur?.type !== 'file' || cur.sha256 === null || cur.size === 0 || cur.size >= s.size) return undefined;
  return { size: cur.size, sha256: cur.sha256 };
}

type SmallFetch = { status: 'whole'; data: Buffer } | { status: 'tail'; data: Buffer } | { status: 'vanished' } | { status: 'changed'; current: Entry | undefined };

/** A small file from staging: whole, or only what follows `base` when staging's file starts with it. */
async function fetchSmall(ctx: CopyContext, s: Entry, base: { size: number; sha256: Buffer } | undefined): Promise<SmallFetch> {
  let got: SmallFetch | undefined;
  const end = await ctx.fetcher.fetch({
    path: s.path,
    indexes: [0],
    expectedSha256: s.sha256!,
    expectedSize: s.size,
    ...(base === undefined ? {} : { base }),
    onChunk: async (index, chunk, offset) => {
      const ok = index === 0 && (offset === 0 ? chunk.length === s.size : base !== undefined && offset === base.size && offset + chunk.length === s.size);
      if (!ok) throw new SwitchyardError('SY_VALIDATION', `${ctx.fetcher.who} sent a bad chunk ${index} for ${s.path}`, { field: 'chunk' });
      await ctx.limiter.take(chunk.length);
      got = { status: offset === 0 ? 'whole' : 'tail', data: chunk };
      ctx.counters.bytesWire += chunk.length;
    },
  });
  if (end.status === 'vanished') return { status: 'vanished' };
  if (end.status === 'changed') return { status: 'changed', current: end.current ? fromWireEntry(end.current, 'current') : undefined };
  if (end.status !== 'ok') throw sendFailure(ctx.fetcher.who, s.path, end);
  return got ?? { status: 'changed', current: undefined };
}

/**
 * Why staging ended a request without the file: a file it could not read (its errno given; a
 * staging agent without the field gives none) is for its admin to fix, as SY_FILESYSTEM.
 */
function sendFailure(who: string, path: string, end: AssetFetchEnd__Output): SwitchyardError {
  if (end.errno === '') return new SwitchyardError('SY_AGENT_UNREACHABLE', `${who} could not send ${path}: ${end.error}`);
  return new SwitchyardError('SY_FILESYSTEM', `${who} could not read ${path}: ${end.error}`, {
    details: { errno: end.errno, ...(end.host === '' ? {} : { host: end.host }), path, side: 'staging' },
  });
}

/**
 * Files of one chunk or less: held in memory (at most one chunk per job) and written with
 * blocking calls, each a few microseconds where the promise API spends tens of microseconds of
 * main-thread time — for tens of thousands of small files that decides the race. No resume
 * state: refetching a small file costs less than tracking it.
 */
async function copySmallFile(ctx: CopyContext, s: Entry, dirAbs: string, abs: string): Promise<CopyOutcome> {
  const sha = s.sha256!;
  // What production's manifest (brought up to date as the pull began) has at this path.
  const cur = ctx.store.get(ctx.root.name, s.path);
  const tmp = posix.join(dirAbs, partName(s.path, sha));
  const mtime = utimesArg(s.mtimeNs);
  // The hash checks and the blocking writes run on the writer thread (see file-thread-worker).
  let written: AppendOutcome | undefined;
  // A first copy has nothing local to reuse: no index lookup per file.
  const local = s.size === 0 ? Buffer.alloc(0) : ctx.localFiles ? readLocalWhole(ctx, sha, s.size) : undefined;
  if (local !== undefined) {
    ctx.counters.bytesReused += s.size;
    written = await ctx.writer.write(tmp, local, sha, s.mode, mtime);
  } else {
    let base = appendBase(s, cur);
    for (;;) {
      const got = await fetchSmall(ctx, s, base);
      // A small file counts its bytes only once written: a failed attempt counted none.
      if (got.status === 'vanished' || got.status === 'changed') return { ...got, counted: 0 };
      if (got.status === 'whole') written = await ctx.writer.write(tmp, got.data, sha, s.mode, mtime);
      else written = await ctx.writer.append(abs, base!.size, base!.sha256, got.data, tmp, sha, s.mode, mtime);
      // Production's old file is not what its manifest says (changed behind its back): the whole file, then.
      if (written !== 'base-mismatch') break;
      base = undefined;
    }
  }
  if (written !== 'ok') return { status: 'changed', current: undefined, counted: 0 };
  ctx.counters.bytesDone += s.size;
  // Only where the manifest has a directory: an lstat per file cost more than its share here.
  // A directory made at this path by someone else during the pull fails the rename (EISDIR),
  // and with it the pull; the rerun's manifest knows the directory.
  const existing = cur?.type === 'dir' ? lstatSyncSafe(abs) : undefined;
  if (existing?.isDirectory()) {
    await removeTree(abs);
    ctx.batcher.deleteTree(s.path);
  }
  ctx.track(
    ctx.committer.commit(tmp, abs).then(
      (st) => {
        ctx.batcher.upsert(entryFromStat(s.path, st, { sha256: sha, chunks: s.chunks }));
        ctx.counters.filesDone++;
      },
      (err: unknown) => {
        throw fsError(err, ctx.root, s.path);
      },
    ),
  );
  return { status: 'ok' };
}

function lstatSyncSafe(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

export async function copyFile(ctx: CopyContext, s: Entry): Promise<CopyOutcome> {
  if (s.size <= CHUNK_SIZE) {
    const dirRel = posix.dirname(s.path) === '.' ? '' : posix.dirname(s.path);
    const dirAbs = await assertRealDirCached(ctx, dirRel);
    // A large file's temporary file, left by an earlier pull, of a file that is small now.
    if (ctx.staleParts.size > 0) await takeOverStaleParts(ctx, dirAbs, dirRel === '' ? partName(s.path, s.sha256!) : `${dirRel}/${partName(s.path, s.sha256!)}`, undefined);
    return copySmallFile(ctx, s, dirAbs, resolveInside(ctx.root.path, s.path));
  }
  // Chunks found in production's own files are taken on the manifest's word: the whole file's
  // SHA-256 is checked before the rename anyway, and hashing each such chunk as well was a second
  // pass over every reused byte on the main thread (a large file appended to: all of it). Should
  // the file then not match, it is done again with every local chunk checked — the bytes the first
  // attempt counted done stay done (taken back, the pull's bytes done went down mid-pull), and
  // the second adds only what goes beyond them.
  const out = await copyLargeFile(ctx, s, false, 0);
  if (out.status !== 'check-local') return out;
  const again = await copyLargeFile(ctx, s, true, out.counted);
  if (again.status === 'check-local') throw new SwitchyardError('SY_INTERNAL', `${s.path}: a copy with every local chunk checked asked to be done again`);
  return again;
}

/**
 * A local file holding some of staging's chunks at the same indexes — the file at this path (an
 * append, or a change in place), else one with the same content (a rename, a duplicate) — to be
 * copied in whole by the kernel (copy_file_range) before the rest is fetched: chunk by chunk, a
 * 50 MB file appended to took 0.6 s here (a lookup, an open and two copies through JavaScript per
 * 256 KiB chunk). Its chunks are taken on the manifest's word, like any local chunk: the whole
 * file's SHA-256 decides, and a mismatch redoes the file with each chunk checked. Only a regular
 * file (lstat, so no link is followed) whose inode is the manifest's.
 */
async function cloneSource(ctx: CopyContext, s: Entry, abs: string): Promise<{ abs: string; indexes: number[] } | undefined> {
  if (!ctx.localFiles) return undefined;
  const chunks = s.chunks!;
  const n = chunkCount(s.size);
  const usable = async (path: string, e: Entry | undefined): Promise<boolean> => {
    if (e?.type !== 'file' || e.chunks === null) return false;
    const st = await lstat(path, { bigint: true }).catch(() => undefined);
    return st !== undefined && st.isFile() && st.ino === BigInt(e.ino) && Number(st.size) === e.size;
  };
  const cur = ctx.store.get(ctx.root.name, s.path);
  if (cur?.type === 'file' && cur.chunks !== null) {
    const indexes: number[] = [];
    for (let i = 0, m = Math.min(n, chunkCount(cur.size)); i < m; i++) if (chunkHash(cur.chunks, i).equals(chunkHash(chunks, i))) indexes.push(i);
    if (indexes.length > 0 && (await usable(abs, cur))) return { abs, indexes };
  }
  for (const path of ctx.store.filesWithSha(ctx.root.name, s.sha256!)) {
    if (path === s.path) continue;
    const other = resolveInside(ctx.root.path, path);
    const parent = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    if (!(await assertRealDir(ctx.root, parent).then(() => true, () => false))) continue;
    if (await usable(other, ctx.store.get(ctx.root.name, path))) return { abs: other, indexes: Array.from({ length: n }, (_, i) => i) };
  }
  return undefined;
}

/**
 * One attempt at a large file. `credit`: the bytes an earlier attempt at it counted done and left
 * there; this one adds to `counters.bytesDone` only what it counts beyond them, so the pull's bytes
 * done never go down, and a failed attempt's `counted` is the larger of the two (what the file
 * holds in the bytes done, as pull.ts's totals expect). 'check-local': the file did not match,
 * with chunks taken unchecked — `counted` of it stays done, as the next attempt's credit.
 */
async function copyLargeFile(ctx: CopyContext, s: Entry, checkLocal: boolean, credit: number): Promise<CopyOutcome | { status: 'check-local'; counted: number }> {
  const { root } = ctx;
  const sha = s.sha256!;
  const chunks = s.chunks!;
  const dirRel = posix.dirname(s.path) === '.' ? '' : posix.dirname(s.path);
  const dirAbs = await assertWritableDir(root, dirRel, ctx.openedDir);
  const abs = resolveInside(root.path, s.path);
  const tmpRel = dirRel === '' ? partName(s.path, sha) : `${dirRel}/${partName(s.path, sha)}`;
  const tmp = posix.join(dirAbs, partName(s.path, sha));
  ctx.store.addPart(root.name, tmpRel);
  if (ctx.staleParts.size > 0) await takeOverStaleParts(ctx, dirAbs, tmpRel, tmp);

  let fh: FileHandle | undefined;
  let resumed = false;
  // Chunks the temporary file already holds at their place: copied in by the kernel from a
  // local file with the same chunks at the same indexes (see cloneSource).
  let cloned: number[] = [];
  try {
    fh = await open(tmp, constants.O_RDWR | constants.O_NOFOLLOW);
    resumed = (await fh.stat()).isFile();
  } catch {
    await rm(tmp, { force: true, recursive: true });
    const source = checkLocal ? undefined : await cloneSource(ctx, s, abs);
    if (source !== undefined) {
      try {
        // COPYFILE_EXCL: created with O_EXCL, so nothing planted at the temporary name is followed.
        await copyWholeFile(source.abs, tmp, constants.COPYFILE_EXCL);
        fh = await open(tmp, constants.O_RDWR | constants.O_NOFOLLOW);
        cloned = source.indexes;
      } catch {
        await rm(tmp, { force: true });
        fh = undefined;
      }
    }
    fh ??= await open(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  }
  // Kept after an error (staging gone, disk full): the rerun resumes from it. Dropped when the
  // content it was meant for no longer exists.
  let discard = false;
  try {
    await fh.truncate(s.size);
    const n = chunkCount(s.size);
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    const need: number[] = [];
    let unchecked = 0;
    // What this attempt took from each source (the reused and resumed bytes taken back if it is
    // done again), and the bytes of the file it has counted done, credit or not.
    const counted = { resumed: 0, reused: 0, wire: 0 };
    let attemptDone = 0;
    const addDone = (len: number): void => {
      const before = Math.max(attemptDone, credit);
      attemptDone += len;
      ctx.counters.bytesDone += Math.max(attemptDone, credit) - before;
    };
    const doneHere = (): number => Math.max(attemptDone, credit);
    const isCloned = new Set(cloned);
    // A large clone's bytes start for the disk now, while the rest is fetched and the whole is
    // hashed (the commit's fsync would otherwise wait for all of them at the end).
    const early = cloned.length > 0 && s.size >= LARGE_FILE ? fh.datasync().catch(() => undefined) : undefined;
    for (let i = 0; i < n; i++) {
      const h = chunkHash(chunks, i);
      const len = chunkLength(s.size, i);
      if (isCloned.has(i)) {
        unchecked++;
        ctx.counters.bytesReused += len;
        addDone(len);
        counted.reused += len;
        continue;
      }
      if (resumed) {
        const got = await readFully(fh, buf, len, i * CHUNK_SIZE);
        if (got === len && sha256(buf.subarray(0, len)).equals(h)) {
          ctx.counters.bytesResumed += len;
          addDone(len);
          counted.resumed += len;
          continue;
        }
      }
      if (await readLocalChunk(ctx, h, len, buf, checkLocal)) {
        if (!checkLocal) unchecked++;
        await fh.write(buf, 0, len, i * CHUNK_SIZE);
        ctx.counters.bytesReused += len;
        addDone(len);
        counted.reused += len;
        continue;
      }
      need.push(i);
    }

    if (need.length > 0) {
      const end = await ctx.fetcher.fetch({
        path: s.path,
        indexes: need,
        expectedSha256: sha,
        expectedSize: s.size,
        onChunk: async (index, data, offset) => {
          if (offset !== 0 || !need.includes(index) || data.length !== chunkLength(s.size, index)) {
            throw new SwitchyardError('SY_VALIDATION', `${ctx.fetcher.who} sent a bad chunk ${index} for ${s.path}`, { field: 'chunk' });
          }
          await ctx.limiter.take(data.length);
          await fh.write(data, 0, data.length, index * CHUNK_SIZE);
          ctx.counters.bytesWire += data.length;
          addDone(data.length);
          counted.wire += data.length;
        },
      });
      if (end.status === 'vanished' || end.status === 'changed') discard = true;
      if (end.status === 'vanished') return { status: 'vanished', counted: doneHere() };
      if (end.status === 'changed') return { status: 'changed', current: end.current ? fromWireEntry(end.current, 'current') : undefined, counted: doneHere() };
      if (end.status !== 'ok') throw sendFailure(ctx.fetcher.who, s.path, end);
    }
    // Read back and hashed on the hash thread, through this descriptor: hashing on the main
    // thread as the chunks passed held up the small files behind a large one.
    const { sha256: digest, bytes } = await ctx.hasher.hash(fh.fd, s.size);
    if (bytes !== s.size || !digest.equals(sha)) {
      // Kept: the next attempt resumes from it, checking each chunk it holds. The bytes done stay
      // (the next attempt's credit). After such a redo the pull's bytes reused and resumed say
      // where the file's bytes came from in the checked attempt (the clone and the wire bytes of
      // this one come back as resumed, from the temporary file), so this one's are taken back;
      // the bytes on the wire stay: they crossed it, once per attempt that fetched them.
      if (unchecked > 0) {
        ctx.counters.bytesResumed -= counted.resumed;
        ctx.counters.bytesReused -= counted.reused;
        return { status: 'check-local', counted: doneHere() };
      }
      discard = true;
      return { status: 'changed', current: undefined, counted: doneHere() };
    }

    await fh.chmod(s.mode);
    const mtime = utimesArg(s.mtimeNs);
    await fh.utimes(mtime, mtime);
    const large = s.size >= LARGE_FILE;
    await early;
    if (large) await fh.sync();
    await fh.close();
    const existing = await lstat(abs).catch(() => undefined);
    if (existing?.isDirectory()) {
      await removeTree(abs);
      ctx.batcher.deleteTree(s.path);
    }
    const done = async (committed?: StatLike): Promise<void> => {
      ctx.store.removePart(root.name, tmpRel);
      const st = committed ?? (await lstat(abs, { bigint: true }));
      ctx.batcher.upsert(entryFromStat(s.path, st, { sha256: sha, chunks }));
      ctx.counters.filesDone++;
    };
    if (large) {
      await rename(tmp, abs);
      await done();
    } else {
      // The slot is free for the next file while the batch waits for its syncfs.
      ctx.track(
        ctx.committer.commit(tmp, abs).then(done, (err: unknown) => {
          throw fsError(err, root, s.path);
        }),
      );
    }
    return { status: 'ok' };
  } finally {
    await fh.close().catch(() => undefined);
    if (discard) {
      await unlink(tmp).catch(() => undefined);
      ctx.store.removePart(root.name, tmpRel);
    }
  }
}

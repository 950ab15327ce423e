// Brings a root's manifest in line with the disk. Every entry is lstat'ed; a file is hashed
// again only when its size, mtime, ctime or inode moved (or always, with `full`). Rows are
// committed a batch at a time, so a scan that is killed resumes where it was: the rerun only
// stats what it had already hashed. Memory holds one directory listing (at most DIR_PIECE names
// of it) and the hash pool.
import { lstat, opendir, readdir, readlink, realpath } from 'node:fs/promises';
import { lstatSync, type BigIntStats, type Dir } from 'node:fs';
import { posix } from 'node:path';
import { CHUNK_SIZE, FileChangedError, hashFile, hashSmallFileSync } from './chunking.js';
import type { Entry, EntryType, ManifestStore } from './manifest-store.js';
import { isPartName, relativePathProblem } from './path-safety.js';
import { fsError } from './fs-error.js';

export interface ScanOptions {
  /** Re-hash every file, trusting nothing the manifest says. */
  full?: boolean;
  /** Files hashed at once; I/O overlaps even where hashing shares one core. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (s: ScanStats) => void;
  /** Names of one directory compared with their rows at once (DIR_PIECE); a test makes it small. */
  dirPiece?: number;
  /** Test hook: read every directory whole, as where a file system's directory sizes say nothing. */
  readWhole?: boolean;
}

export interface ScanStats {
  entries: number;
  hashed: number;
  hashedBytes: number;
  removed: number;
  /** Names that cannot be mirrored (not UTF-8, sockets, devices) or vanished mid-scan. */
  skipped: number;
  /** Leftover temporary files of an interrupted transfer, relative paths (the first thousand). */
  partFiles: string[];
  partFilesCount: number;
  seconds: number;
}

const BATCH = 256;
const STAT_PARALLEL = 64;
/**
 * A directory of fewer names is read whole and compared with its rows in memory (~1.8 KB per
 * entry: 150k names took 355 MB); a larger one is read and compared this many names at a time,
 * so one huge directory does not mean a row object per entry at once.
 */
const DIR_PIECE = 20_000;

/** What an entry is made from: an lstat's answer (or the file thread's copy of one). */
export type StatLike = Pick<BigIntStats, 'mode' | 'size' | 'mtimeNs' | 'ctimeNs' | 'ino' | 'isFile' | 'isDirectory' | 'isSymbolicLink'>;

export function typeOf(st: StatLike): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return undefined;
}

export function entryFromStat(path: string, st: StatLike, extra: Partial<Entry> = {}): Entry {
  const type = typeOf(st) ?? 'file';
  return {
    path,
    type,
    mode: Number(st.mode & 0o7777n),
    size: type === 'file' ? Number(st.size) : 0,
    mtimeNs: st.mtimeNs.toString(),
    ctimeNs: st.ctimeNs.toString(),
    ino: st.ino.toString(),
    sha256: null,
    chunks: null,
    target: null,
    ...extra,
  };
}

/** The stored entry still describes the file on disk, so its hashes can be trusted. */
export function statMatches(e: Entry | undefined, st: BigIntStats): boolean {
  return (
    e !== undefined &&
    e.type === typeOf(st) &&
    e.sha256 !== null &&
    e.size === Number(st.size) &&
    e.mtimeNs === st.mtimeNs.toString() &&
    e.ctimeNs === st.ctimeNs.toString() &&
    e.ino === st.ino.toString() &&
    e.mode === Number(st.mode & 0o7777n)
  );
}

/** Hashes one file into a manifest entry, retrying a few times if it is being written to. */
export async function hashEntry(abs: string, rel: string, buf?: Buffer): Promise<Entry | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await hashFile(abs, buf);
      return entryFromStat(rel, h.stat, { sha256: h.sha256, chunks: h.chunks });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') return undefined;
      if (err instanceof FileChangedError && attempt < 4) continue;
      throw err;
    }
  }
}

/** hashEntry for a file of at most one chunk, blocking (see hashSmallFileSync). */
export function hashSmallEntrySync(abs: string, rel: string, buf: Buffer): Entry | undefined {
  for (let attempt = 0; ; attempt++) {
    try {
      const h = hashSmallFileSync(abs, buf);
      return entryFromStat(rel, h.stat, { sha256: h.sha256, chunks: h.chunks });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') return undefined;
      // Grown past one chunk meanwhile: the general path handles it.
      if (err instanceof FileChangedError && attempt < 4) continue;
      throw err;
    }
  }
}

/**
 * Re-reads one path (file, dir or link) into the manifest, or removes it if gone. `blockingStat`:
 * its lstat blocks (microseconds on a local disk) instead of going through the promise API,
 * whose round trip through the thread pool cost more main-thread time than the call itself.
 */
export async function refreshPath(store: ManifestStore, root: string, rootAbs: string, rel: string, blockingStat = false): Promise<Entry | undefined> {
  const abs = posix.join(rootAbs, rel);
  // A path the manifest does not hold has nothing to delete: no tombstone, and the cached tree
  // digest stays (the watcher also hands over paths that were gone again by the time it looked).
  const forget = (): undefined => {
    if (store.get(root, rel) !== undefined) store.transaction(() => store.deleteTree(root, rel));
    return undefined;
  };
  let st: BigIntStats | undefined;
  try {
    st = blockingStat ? lstatSync(abs, { bigint: true, throwIfNoEntry: false }) : await lstat(abs, { bigint: true });
  } catch (err) {
    // Only a path that cannot be there is gone. A directory on the way the agent may no longer
    // search (EACCES) says nothing about the file: read as gone, the file would be deleted on
    // production by a pull with `delete`, and the proof would then agree.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP' && code !== 'ENAMETOOLONG') throw fsError(err, { name: root, path: rootAbs }, rel);
    st = undefined;
  }
  if (st === undefined) return forget();
  const type = typeOf(st);
  if (type === undefined) return forget();
  const known = store.get(root, rel);
  // Unchanged: leave the row (and the cached tree digest) alone.
  if (type === 'file' && statMatches(known, st)) return known;
  if (type === 'dir' && known?.type === 'dir' && known.mode === Number(st.mode & 0o7777n) && known.mtimeNs === st.mtimeNs.toString() && known.ino === st.ino.toString()) return known;
  let entry: Entry | undefined;
  if (type === 'file') entry = await hashEntry(abs, rel);
  else if (type === 'symlink') entry = entryFromStat(rel, st, { target: await readlink(abs).catch(() => '') });
  else entry = entryFromStat(rel, st);
  const e = entry;
  store.transaction(() => {
    if (e === undefined) store.deleteTree(root, rel);
    else {
      if (known !== undefined && known.type === 'dir' && e.type !== 'dir') store.deleteTree(root, rel);
      store.upsert(root, e);
    }
  });
  return e;
}

function existsQuietly(abs: string): boolean {
  try {
    lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}

export async function scanRoot(store: ManifestStore, root: string, rootPath: string, opts: ScanOptions = {}): Promise<ScanStats> {
  const started = performance.now();
  const rootAbs = await realpath(rootPath);
  const stats: ScanStats = { entries: 0, hashed: 0, hashedBytes: 0, removed: 0, skipped: 0, partFiles: [], partFilesCount: 0, seconds: 0 };
  const concurrency = opts.concurrency ?? 4;
  store.setRootState(root, { scanComplete: false });

  let pending: Entry[] = [];
  const removals: string[] = [];
  const flush = (): void => {
    if (pending.length === 0 && removals.length === 0) return;
    const rows = pending;
    const gone = removals.splice(0);
    pending = [];
    store.transaction(() => {
      for (const p of gone) store.deleteTree(root, p);
      for (const e of rows) {
        const known = store.get(root, e.path);
        if (known !== undefined && known.type === 'dir' && e.type !== 'dir') store.deleteTree(root, e.path);
        store.upsert(root, e);
      }
    });
  };
  const put = (e: Entry): void => {
    pending.push(e);
    if (pending.length >= BATCH) flush();
  };

  const inFlight = new Set<Promise<void>>();
  const buffers: Buffer[] = [];
  let failure: unknown;
  const smallBuf = Buffer.allocUnsafe(CHUNK_SIZE);
  const hashInto = (abs: string, rel: string, size: number): void => {
    if (size <= CHUNK_SIZE) {
      let e: Entry | undefined;
      try {
        e = hashSmallEntrySync(abs, rel, smallBuf);
      } catch (err) {
        if (!(err instanceof FileChangedError)) {
          failure ??= err;
          return;
        }
      }
      if (e !== undefined && e.size <= CHUNK_SIZE) {
        stats.hashed++;
        stats.hashedBytes += e.size;
        put(e);
        return;
      }
      if (e === undefined && !existsQuietly(abs)) {
        stats.skipped++;
        removals.push(rel);
        return;
      }
    }
    const p = (async () => {
      const buf = buffers.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE);
      try {
        const e = await hashEntry(abs, rel, buf);
        if (e === undefined) {
          stats.skipped++;
          removals.push(rel);
          return;
        }
        stats.hashed++;
        stats.hashedBytes += e.size;
        put(e);
      } catch (err) {
        failure ??= err;
      } finally {
        buffers.push(buf);
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const dirs: string[] = [''];
  const pieceSize = Math.max(1, opts.dirPiece ?? DIR_PIECE);
  while (dirs.length > 0) {
    opts.signal?.throwIfAborted();
    const dir = dirs.pop()!;
    const dirAbs = dir === '' ? rootAbs : posix.join(rootAbs, dir);
    // A directory whose inode says it may hold more than a piece is read a piece at a time;
    // any other whole (readdir, off the main thread). Where a file system's directory sizes say
    // nothing, a long listing is still compared with its rows a piece at a time below.
    let handle: Dir | undefined;
    let names: string[];
    try {
      if (opts.readWhole !== true && maybeLarge(dirAbs, pieceSize)) {
        handle = await opendir(dirAbs, { bufferSize: 256 });
        names = readNames(handle, pieceSize);
      } else {
        names = await readdir(dirAbs);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (dir !== '') removals.push(dir);
        continue;
      }
      throw err;
    }
    try {
      if (handle === undefined ? names.length <= pieceSize : names.length < pieceSize) {
        // The whole directory: one query for its rows, which also tell what vanished.
        if (handle !== undefined) names.sort();
        const seen = new Set<string>();
        const knownHere = new Map(store.childEntries(root, dir).map((e) => [e.path, e]));
        await visit(dir, dirAbs, names, () => (rel) => knownHere.get(rel), seen);
        for (const child of knownHere.values()) {
          if (!seen.has(child.path)) {
            removals.push(child.path);
            stats.removed++;
          }
        }
      } else {
        // Too many names to hold with their rows: a piece at a time (in name order, as the rows
        // are kept: inserted out of order, a first scan of a large directory ran 3× slower),
        // each group's rows by one query; then the directory's rows a page at a time to find
        // what vanished.
        const listed = handle === undefined ? names : undefined;
        let offset = 0;
        let piece = listed === undefined ? names : listed.slice(0, pieceSize);
        while (piece.length > 0) {
          if (listed === undefined) piece.sort();
          await visit(dir, dirAbs, piece, (rels) => {
            const rows = store.getMany(root, rels);
            return (rel) => rows.get(rel);
          });
          offset += pieceSize;
          piece = listed === undefined ? readNames(handle!, pieceSize) : listed.slice(offset, offset + pieceSize);
        }
        flush();
        for (let after = ''; ; ) {
          const rows = store.childPage(root, dir, after, 1000);
          if (rows.length === 0) break;
          for (const row of rows) {
            const st = lstatQuietly(posix.join(rootAbs, row.path));
            if (st === undefined || typeOf(st) === undefined) {
              removals.push(row.path);
              stats.removed++;
            }
          }
          // Rows behind the page's key go now; the next page starts after it either way.
          if (removals.length >= BATCH) flush();
          after = rows[rows.length - 1]!.path;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    } finally {
      if (handle !== undefined) {
        try {
          await handle.close();
        } catch {
          // Already closed by reaching its end.
        }
      }
    }
    if (removals.length > 0) flush();
    opts.onProgress?.(stats);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  flush();
  const now = new Date().toISOString();
  store.setRootState(root, { scanComplete: true, scannedAt: now, ...(opts.full === true ? { fullHashAt: now } : {}) });
  stats.seconds = (performance.now() - started) / 1000;
  return stats;

  /** Stats `names` (entries of `dir`), compares each with its row and queues what changed; adds what it saw to `seen`. */
  async function visit(dir: string, dirAbs: string, names: string[], rowsOf: (rels: string[]) => (rel: string) => Entry | undefined, seen?: Set<string>): Promise<void> {
    for (let i = 0; i < names.length; i += STAT_PARALLEL) {
      const group = names.slice(i, i + STAT_PARALLEL);
      // Blocking lstat: a few microseconds from the inode cache, where a promise costs tens of
      // microseconds of main-thread time — the whole stat walk of a freeze-time proof is these.
      const stated = group.map((name) => {
        const rel = dir === '' ? name : `${dir}/${name}`;
        if (isPartName(name)) return { rel, name, st: undefined, part: true };
        if (relativePathProblem(rel) !== undefined) return { rel, name, st: undefined, part: false };
        let st: BigIntStats | undefined;
        try {
          st = lstatSync(posix.join(dirAbs, name), { bigint: true });
        } catch {
          st = undefined;
        }
        return { rel, name, st, part: false };
      });
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      const rowOf = rowsOf(stated.map((x) => x.rel));
      for (const { rel, st, part } of stated) {
        if (part) {
          // Recorded like the large files' own (addPart), so the next pull into this root
          // removes it unless it finishes it: a small file's or a link's temporary file, left
          // by a crash, whose file then changed or went on staging, was otherwise never removed
          // (nothing else renames it, and no manifest lists it). Scans run under the root's lock,
          // a pull's own before it writes: whatever one sees is left from an earlier run.
          store.addPart(root, rel);
          stats.partFilesCount++;
          if (stats.partFiles.length < 1000) stats.partFiles.push(rel);
          continue;
        }
        const type = st === undefined ? undefined : typeOf(st);
        if (st === undefined || type === undefined) {
          stats.skipped++;
          continue;
        }
        seen?.add(rel);
        stats.entries++;
        const known = rowOf(rel);
        if (type === 'dir') {
          dirs.push(rel);
          const e = entryFromStat(rel, st);
          if (known === undefined || known.type !== 'dir' || known.mode !== e.mode || known.mtimeNs !== e.mtimeNs || known.ino !== e.ino) put(e);
        } else if (type === 'symlink') {
          if (known === undefined || known.type !== 'symlink' || known.mtimeNs !== st.mtimeNs.toString() || known.ino !== st.ino.toString()) {
            const target = await readlink(posix.join(rootAbs, rel)).catch(() => undefined);
            if (target === undefined) stats.skipped++;
            else put(entryFromStat(rel, st, { target }));
          }
        } else if (opts.full === true || !statMatches(known, st)) {
          while (inFlight.size >= concurrency) await Promise.race(inFlight);
          if (failure !== undefined) throw failure;
          hashInto(posix.join(rootAbs, rel), rel, Number(st.size));
        }
      }
    }
  }
}

/** Up to `max` names from an open directory (blocking reads of its buffered entries, like the lstats). */
function readNames(handle: Dir, max: number): string[] {
  const names: string[] = [];
  while (names.length < max) {
    const d = handle.readSync();
    if (d === null) break;
    names.push(d.name);
  }
  return names;
}

/**
 * Whether a directory's inode is big enough to hold `names` entries: ext4 takes at least 12
 * bytes per entry (8 and the name, rounded up to 4), most file systems more.
 */
function maybeLarge(dirAbs: string, names: number): boolean {
  const st = lstatQuietly(dirAbs);
  return st === undefined || st.size >= BigInt(names) * 12n;
}

function lstatQuietly(abs: string): BigIntStats | undefined {
  try {
    return lstatSync(abs, { bigint: true });
  } catch {
    return undefined;
  }
}

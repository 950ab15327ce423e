// The staging side of a transfer: lists the manifest and serves chunks to a peer holding a
// transfer token. A requested path is re-checked here too (a compromised production agent must
// not read outside the root either), and a file whose stat no longer matches its manifest row
// is re-hashed and answered with "changed" and its current entry, never served half-new.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { hostname } from 'node:os';
import { posix } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { AssetFetchRequest__Output } from '../../shared/proto-gen/switchyard/v1/AssetFetchRequest.js';
import type { AssetFetchResponse } from '../../shared/proto-gen/switchyard/v1/AssetFetchResponse.js';
import type { AssetManifestBatch } from '../../shared/proto-gen/switchyard/v1/AssetManifestBatch.js';
import type { AssetManifestEntry } from '../../shared/proto-gen/switchyard/v1/AssetManifestEntry.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { CHUNK_SIZE, chunkCount, chunkLength, readFully, sameContentStat, sha256 } from './chunking.js';
import { chunkResponse, END_OK, type EncodedFetchResponse } from './chunk-message.js';
import { toWireEntry, toWireSummary } from './convert.js';
import { fsError } from './fs-error.js';
import { addAncestors, comparePaths, type Entry, type ManifestStore } from './manifest-store.js';
import { JOURNAL_CAP } from './journal-plan.js';
import { checkRelativePath } from './path-safety.js';
import type { AssetRoot, AssetRoots, RefreshMode } from './roots.js';
import { pool } from './pool.js';
import { refreshPath, statMatches } from './scanner.js';
import type { TransferTokens } from './transfer-tokens.js';
import { DigestBuilder, entryRecord, manifestDigest } from './tree-digest.js';

const BATCH_BYTES = 512 * 1024;
const SMALL_FILE = 256 * 1024;
const BATCH_ENTRIES = 2000;
/** Paths asked for by name, re-read at once. */
const LOOKUP_PARALLEL = 16;

/** Writes one message, waiting for the peer to drain when the transport says so. */
export async function writeWithBackpressure<T>(call: { write(msg: T): boolean } & NodeJS.EventEmitter, msg: T): Promise<void> {
  if (call.write(msg)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('error', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('error', done);
    call.on('close', done);
  });
}

/** Pre-encoded responses travel as they are: the service's Fetch serializer (withEncodedFetch) knows them. */
function asResponse(msg: EncodedFetchResponse | AssetFetchResponse): AssetFetchResponse {
  return msg as AssetFetchResponse;
}

function wireSize(w: AssetManifestEntry): number {
  return Buffer.byteLength(w.path ?? '') + (w.chunks as Buffer).length + 64;
}

/** Entries in wire form, cut into batches by size and count; the last one (maybe empty) says so. */
function* wireBatches(entries: Iterable<Entry>): Generator<{ entries: AssetManifestEntry[]; last: boolean }> {
  let batch: AssetManifestEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const w = toWireEntry(e);
    batch.push(w);
    bytes += wireSize(w);
    if (bytes >= BATCH_BYTES || batch.length >= BATCH_ENTRIES) {
      yield { entries: batch, last: false };
      batch = [];
      bytes = 0;
    }
  }
  yield { entries: batch, last: true };
}

/**
 * The directories holding a set of paths (every ancestor but the root), less those already
 * listed as entries of their own. Past `cap` paths it gives none: a change that large is
 * planned from whole listings (JOURNAL_CAP), where reading them would be wasted.
 */
class HoldingDirs {
  private readonly dirs = new Set<string>();
  private readonly listed = new Set<string>();
  private count = 0;

  constructor(private readonly cap: number) {}

  note(path: string, isDir: boolean): void {
    if (++this.count > this.cap) return;
    if (isDir) this.listed.add(path);
    addAncestors(this.dirs, path);
  }

  unlisted(): string[] {
    if (this.count > this.cap) return [];
    return [...this.dirs].filter((d) => !this.listed.has(d)).sort(comparePaths);
  }
}

export class AssetSource {
  constructor(
    private readonly roots: AssetRoots,
    private readonly tokens: TransferTokens,
    private readonly logger: Logger,
  ) {}

  private get store() {
    return this.roots.store;
  }

  async authorizedRoot(token: string, rootName: string): Promise<AssetRoot> {
    this.tokens.check(token, rootName);
    return this.roots.get(rootName);
  }

  /**
   * Batches of entries in path order; the last batch carries the summary of what was sent.
   * With `since` from an earlier listing of the same journal: only the entries changed and the
   * paths removed since then, with the summary of the whole tree as of the journal position
   * sent (both read at once, before the first batch).
   */
  async *listManifest(token: string, rootName: string, mode: RefreshMode, paths: string[], since?: { epoch: string; seq: number }): AsyncGenerator<AssetManifestBatch> {
    const root = await this.authorizedRoot(token, rootName);
    if (paths.length > 0) {
      // Asked by a puller that saw a file change: read these from disk now. Every name checked
      // before any is read.
      const rels = paths.map((p, i) => checkRelativePath(p, `paths[${i}]`));
      yield { entries: (await this.readFromDisk(root, rels)).map(toWireEntry), chunk_size: CHUNK_SIZE };
      return;
    }
    await this.roots.exclusive(root.name, () => this.roots.refresh(root, mode));
    const journal = this.store.journal(root.name);
    let position = { journal_epoch: journal.epoch, journal_seq: journal.seq };
    if (since !== undefined && since.epoch === journal.epoch && since.seq <= journal.seq && since.seq >= this.store.tombstoneFloor(root.name)) {
      let summary = toWireSummary(manifestDigest(this.store, root.name));
      const holders = new HoldingDirs(JOURNAL_CAP);
      const noted = function* (entries: Iterable<Entry>): Generator<Entry> {
        for (const e of entries) {
          holders.note(e.path, e.type === 'dir');
          yield e;
        }
      };
      for (const { entries } of wireBatches(noted(this.store.changedSince(root.name, since.seq, journal.seq)))) {
        if (entries.length > 0) yield { entries, complete: false, chunk_size: CHUNK_SIZE, ...position };
      }
      let deleted: string[] = [];
      for (const path of this.store.removedSince(root.name, since.seq, journal.seq)) {
        holders.note(path, false);
        deleted.push(path);
        if (deleted.length >= BATCH_ENTRIES) {
          yield { entries: [], deleted, complete: false, chunk_size: CHUNK_SIZE, ...position };
          deleted = [];
        }
      }
      // The directories holding what changed, which the listing above does not name: the puller
      // sets each one's mode and mtime after writing into it, and would ask for them by name — a
      // round trip more in every plan (~180 directories for the bench's 1% delta). Read from
      // disk, as that lookup reads them: a child's creation or removal moves a directory's mtime
      // without an event of its own.
      const dirs = holders.unlisted();
      const read = dirs.length === 0 ? [] : await this.readFromDisk(root, dirs);
      // Those reads wrote what they found to the manifest, moving the journal past the position
      // above. When nothing else moved it (every row changed since is one of these directories,
      // nothing removed), this answer covers the journal up to where it is now — checked and
      // summed in one synchronous stretch, so no write comes between — and the next pull does not
      // list them again (it did, and so never ended at the digests right after a delta).
      const moved = this.store.journal(root.name);
      if (moved.epoch === journal.epoch && moved.seq > journal.seq && onlyThese(this.store, root.name, journal.seq, moved.seq, read)) {
        position = { journal_epoch: moved.epoch, journal_seq: moved.seq };
        summary = toWireSummary(manifestDigest(this.store, root.name));
      }
      let batch: AssetManifestEntry[] = [];
      for (const { entries, last } of wireBatches(read)) {
        if (last) batch = entries;
        else yield { entries, complete: false, chunk_size: CHUNK_SIZE, ...position };
      }
      yield { entries: batch, deleted, summary, complete: false, chunk_size: CHUNK_SIZE, ...position };
      return;
    }
    const digest = new DigestBuilder();
    const digested = function* (entries: Iterable<Entry>): Generator<Entry> {
      for (const e of entries) {
        digest.add(e);
        yield e;
      }
    };
    for (const { entries, last } of wireBatches(digested(this.store.iterate(root.name, 2000)))) {
      if (last) yield { entries, summary: toWireSummary(digest.finish()), complete: true, chunk_size: CHUNK_SIZE, ...position };
      else yield { entries, complete: true, chunk_size: CHUNK_SIZE, ...position };
    }
  }

  /**
   * The entries at these paths as the disk has them now (the manifest brought up to date), in
   * the order asked, those gone left out. Under one hold of the root, not one each (a pull's plan
   * waited on that: ~180 directories of a 1% delta took 15-100 ms one by one), several at once.
   */
  private async readFromDisk(root: AssetRoot, rels: readonly string[]): Promise<Entry[]> {
    const found: Array<Entry | undefined> = new Array(rels.length);
    await this.roots.exclusive(root.name, () =>
      pool(rels.keys(), LOOKUP_PARALLEL, async (i) => {
        found[i] = await refreshPath(this.store, root.name, root.path, rels[i]!, true);
      }),
    );
    return found.filter((e): e is Entry => e !== undefined);
  }

  /** Serves one Fetch stream: requests one after another, responses in the same order. */
  async serveFetch(call: grpc.ServerDuplexStream<AssetFetchRequest__Output, AssetFetchResponse>): Promise<void> {
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
    });
    let authorized: { token: string; root: AssetRoot } | undefined;
    let release = (): void => undefined;
    try {
      // destroyOnReturn: false — the default iterator destroys the stream when the client
      // half-closes, and a destroyed call can no longer send its OK status.
      for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<AssetFetchRequest__Output>) {
        if (cancelled) return;
        if (authorized === undefined || authorized.token !== req.token || authorized.root.name !== req.root) {
          authorized = { token: req.token, root: await this.authorizedRoot(req.token, req.root) };
          release();
          release = this.roots.serve(authorized.root.name);
        } else {
          // Every request, not only the stream's first: a grant revoked or expired while the
          // stream stays open must stop it (a hash and a map lookup).
          this.tokens.check(req.token, req.root);
        }
        await this.serveOne(call, authorized.root, req, () => cancelled);
      }
      call.end();
    } finally {
      release();
    }
  }

  private readonly realDirs = new Map<string, number>();

  /** Whether the directory is real (no link on the way); cached briefly, it is asked per file. */
  private isRealDir(dirAbs: string): boolean {
    const now = Date.now();
    const seen = this.realDirs.get(dirAbs);
    if (seen !== undefined && now - seen < 2000) return true;
    let real: string | undefined;
    try {
      real = realpathSync(dirAbs);
    } catch {
      real = undefined;
    }
    if (real !== dirAbs) return false;
    if (this.realDirs.size > 10_000) this.realDirs.clear();
    this.realDirs.set(dirAbs, now);
    return true;
  }

  /**
   * A small file, read with blocking calls: a handful of microseconds each, where the promise
   * API costs tens of microseconds of main-thread time per call — for tens of thousands of small
   * files that is the difference. Undefined when it changed or vanished.
   */
  private serveSmall(abs: string, known: Entry, req: AssetFetchRequest__Output): Array<EncodedFetchResponse | { request_id: string; chunk: { index: number; data: Buffer; offset?: number }; end?: typeof END_OK }> | undefined {
    if (!this.isRealDir(posix.dirname(abs))) return undefined;
    if (!known.sha256?.equals(Buffer.from(req.expected_sha256)) || known.size !== Number(req.expected_size)) return undefined;
    let fd: number;
    try {
      fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (goneOrReplaced(err)) return undefined;
      throw err;
    }
    try {
      const before = fstatSync(fd, { bigint: true });
      if (!before.isFile() || !statMatches(known, before)) return undefined;
      // Read straight into the response when it carries the whole file (the usual case), and
      // with the end in it too where the client takes that: one message per file, not two.
      const whole = req.chunk_indexes.length === 1 && Number(req.base_size) === 0 ? chunkResponse(req.request_id, 0, known.size, 0, req.end_with_chunk) : undefined;
      const data = whole?.data ?? Buffer.allocUnsafe(known.size);
      let got = 0;
      while (got < known.size) {
        const n = readSync(fd, data, got, known.size - got, got);
        if (n === 0) break;
        got += n;
      }
      const after = fstatSync(fd, { bigint: true });
      if (got !== known.size || !sameContentStat(before, after)) return undefined;
      // An appended file: production has its old bytes, so only the new tail travels.
      const base = Number(req.base_size);
      if (base > 0 && base < known.size && req.chunk_indexes.length === 1 && sha256(data.subarray(0, base)).equals(Buffer.from(req.base_sha256))) {
        return [{ request_id: req.request_id, chunk: { index: 0, data: data.subarray(base), offset: base }, ...(req.end_with_chunk ? { end: END_OK } : {}) }];
      }
      if (whole !== undefined) return [whole.message];
      return req.chunk_indexes.map((index, i, all) => ({ request_id: req.request_id, chunk: { index, data }, ...(req.end_with_chunk && i === all.length - 1 ? { end: END_OK } : {}) }));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Serves one request. A file that cannot be read (EACCES since the scan, EIO) ends the request
   * with "error" and the errno: production fails the pull with SY_FILESYSTEM naming this host and
   * the path, where before it said staging could not be reached (or, with the stream ended, that
   * something internal failed).
   */
  private async serveOne(
    call: grpc.ServerDuplexStream<AssetFetchRequest__Output, AssetFetchResponse>,
    root: AssetRoot,
    req: AssetFetchRequest__Output,
    isCancelled: () => boolean,
  ): Promise<void> {
    const rel = checkRelativePath(req.path, 'path');
    try {
      await this.serveFile(call, root, req, rel, isCancelled);
    } catch (err) {
      if (err instanceof SwitchyardError) throw err;
      this.logger.warn({ err, path: rel }, 'serving chunks failed');
      const typed = fsError(err, root, rel);
      const fsErr = typed instanceof SwitchyardError ? typed : undefined;
      await writeWithBackpressure(call, {
        request_id: req.request_id,
        end: { status: 'error', current: null, error: fsErr?.message ?? (err as Error).message, errno: fsErr === undefined ? '' : String(fsErr.details?.errno ?? ''), host: fsErr === undefined ? '' : hostname() },
      });
    }
  }

  private async serveFile(
    call: grpc.ServerDuplexStream<AssetFetchRequest__Output, AssetFetchResponse>,
    root: AssetRoot,
    req: AssetFetchRequest__Output,
    rel: string,
    isCancelled: () => boolean,
  ): Promise<void> {
    const id = req.request_id;
    const end = (status: string, current?: Entry): Promise<void> =>
      writeWithBackpressure(call, { request_id: id, end: { status, current: current === undefined ? null : toWireEntry(current), error: '' } });
    const changed = async (): Promise<void> => {
      const now = await this.roots.exclusive(root.name, () => refreshPath(this.store, root.name, root.path, rel));
      if (now === undefined || now.type !== 'file') return end('vanished');
      return end('changed', now);
    };
    const abs = posix.join(root.path, rel);
    const known0 = this.store.get(root.name, rel);
    if (known0 !== undefined && known0.size <= SMALL_FILE && req.chunk_indexes.length <= 1) {
      if (req.chunk_indexes.some((i) => i !== 0)) throw new SwitchyardError('SY_VALIDATION', `chunk_indexes: out of range for ${rel}`, { field: 'chunk_indexes' });
      const served = this.serveSmall(abs, known0, req);
      if (served === undefined) return changed();
      for (const msg of served) await writeWithBackpressure(call, asResponse(msg));
      // The last chunk's message carried the end where the client asked for that.
      if (req.end_with_chunk && served.length > 0) return;
      return end('ok');
    }
    // The parent chain must be real directories: a symlinked directory inside the root would
    // let a request for a/b read wherever a points.
    const parentReal = await realpath(posix.dirname(abs)).catch(() => undefined);
    if (parentReal !== posix.dirname(abs)) return changed();
    const known = this.store.get(root.name, rel);
    let fh;
    try {
      fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (goneOrReplaced(err)) return changed();
      throw err;
    }
    try {
      const before = await fh.stat({ bigint: true });
      const expected = Buffer.from(req.expected_sha256);
      if (!before.isFile() || !statMatches(known, before) || known?.sha256?.equals(expected) !== true || known.size !== Number(req.expected_size)) {
        await fh.close();
        fh = undefined;
        return changed();
      }
      const n = chunkCount(known.size);
      for (const index of req.chunk_indexes) {
        if (isCancelled()) return;
        if (!Number.isInteger(index) || index < 0 || index >= n) throw new SwitchyardError('SY_VALIDATION', `chunk_indexes: ${index} out of range for ${rel}`, { field: 'chunk_indexes' });
        const len = chunkLength(known.size, index);
        // Read into the message itself: a queued message owns its bytes, nothing is copied.
        const out = chunkResponse(id, index, len);
        const got = await readFully(fh, out.data, len, index * CHUNK_SIZE);
        if (got !== len) {
          await fh.close();
          fh = undefined;
          return changed();
        }
        await writeWithBackpressure(call, asResponse(out.message));
      }
      const after = await fh.stat({ bigint: true });
      if (!sameContentStat(before, after)) {
        await fh.close();
        fh = undefined;
        return changed();
      }
      return end('ok');
    } finally {
      await fh?.close();
    }
  }
}

/** An open that failed because the file went or was replaced (by a link, a directory on the way): "changed", not an error. */
function goneOrReplaced(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR';
}

/**
 * Whether the journal's changes in (after, upTo] are exactly rows as `read` has them: no removal,
 * no other path, no row changed again since it was read.
 */
function onlyThese(store: ManifestStore, root: string, after: number, upTo: number, read: readonly Entry[]): boolean {
  for (const _ of store.removedSince(root, after, upTo, 1)) return false;
  const sent = new Map(read.map((e) => [e.path, e]));
  for (const e of store.changedSince(root, after, upTo)) {
    const r = sent.get(e.path);
    if (r === undefined || entryRecord(r) !== entryRecord(e) || r.mtimeNs !== e.mtimeNs) return false;
  }
  return true;
}

// Follows a growing log file like `tail -F`: starts at its end, hands over complete lines, and
// keeps going across both rotation styles logrotate uses —
//   rename (+ create): the old file is read to its end first, then the new one from its start;
//   copytruncate: the same file shrinks, so reading restarts at offset 0.
// It polls (stat) rather than using inotify: rotation replaces the watched inode, and
// polling behaves the same on every filesystem, NFS included. A log that is a symlink re-pointed to
// the next dated file is a rename rotation: the path names another inode.
// A file rotated away is followed by any rotated since it before the current log: rotated twice
// between two looks — or between the switch's position and the start of a resumed tail — the file
// in the middle is read whole (plain, gzip, or xz/bzip2/zstd through the host's tool), or named
// as not read, never skipped in silence.
// Which files came in between is told by evidence, not mtime (a copy touched since would move):
// the rotated-away file is found where it is now by its inode, or by the bytes before its end in a
// compressed copy, and the copies newer than it by name (rotated-logs.ts) are the ones in between.
// A truncation is told by size and by the bytes before the position (held as read): a file
// truncated and written past the old offset between two polls is not mistaken for growth. The
// lines written between the last read and copytruncate's copy are read from that copy, found by
// those bytes, before the truncated log from its start.
// Limit: lines written to a copytruncate'd file between logrotate's copy and its truncate are
// lost (no reader can see them).
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { canDecompress, compressedChunks } from './compressed-chunks.js';
import { bytesBefore, compressedFingerprintBefore, fingerprint, fingerprintBefore, FINGERPRINT_BYTES, gatherBefore, keepTail } from './log-fingerprint.js';
import { COMPRESSED_SEARCHED, compressedRotations, rotatedAfter, rotatedFiles, writtenAfter, type RotatedFile } from './rotated-logs.js';

export type Rotation = 'rename' | 'truncate';

export interface LogTailerOptions {
  /** Called with each batch of complete lines, in file order, without line endings. */
  onLines: (lines: string[]) => void;
  onRotate?: (kind: Rotation) => void;
  /**
   * A poll that failed (the log recreated by a rotation with permissions the agent lacks, EIO):
   * retried at the next one, but until one succeeds nothing is read — said, not swallowed.
   */
  onError?: (err: Error) => void;
  /** A file rotated in between that could not be read (whole or in part): its lines are not in onLines. */
  onUnread?: (file: string, why: string) => void;
  /**
   * Which rotated files came after the one rotated away was told by mtime, not by their names: it
   * could not be found among its rotated copies (moved elsewhere by olddir, deleted, compressed past
   * the newest few copies), or copies named another way were beside it (logrotate's naming
   * changed). A file rotated in between may have been missed or read twice: `why` says which were taken.
   */
  onUnplaced?: (why: string) => void;
  /** Default 250 ms. */
  pollMs?: number;
  /** Start at offset 0 instead of the end (a file created after start is always read whole). */
  fromStart?: boolean;
  /**
   * A partial line longer than this is dropped (default 64 KiB), up to its newline; counted in
   * `droppedLines` and told to onOversized, once per line, as it ends (at its newline, or where the
   * file it is in ends or is truncated), so it is not lost without a word — and a tail resumed from
   * a position inside it (which is its start, see snapshot) does not tell it twice.
   */
  maxLineBytes?: number;
  onOversized?: () => void;
  /**
   * Start at an earlier position instead: the file with inode `ino` at `offset`, found at the
   * log's path or, renamed away by a rotation since, at one of `rotatedPaths` — read to its end,
   * then the current log from its start, as any rename rotation. Not found: at the end.
   * `rotatedLabel` names the rotated candidates in that reason when listing them all would not do.
   * With `tailSha256` (log-fingerprint.ts) the file is also checked by the bytes before `offset`,
   * and when the inode's file no longer holds them (reused after a compression, copytruncate'd),
   * the copy that does — plain or one of the newest compressed — is read on from there.
   * With `dev`, a file of that inode on another device is taken only when it holds those bytes
   * (a reboot may renumber the device): without a fingerprint to tell, it is not found.
   */
  resume?: { ino: bigint; offset: number; rotatedPaths: string[]; rotatedLabel?: string; tailSha256?: string; dev?: bigint };
}

/** Where the lines handed over so far end: what `resume` takes to go on from there. */
export interface TailPosition {
  ino: bigint;
  dev: bigint;
  offset: number;
  tailSha256: string;
}

/** Where start() began: 'end', 'start', 'position', or 'end: <why the position was not found>'. */
export type StartedAt = string;

const CHUNK = 64 * 1024;

export class LogTailer {
  readonly path: string;
  #opts: LogTailerOptions;
  #fh: FileHandle | undefined;
  #ino: bigint | undefined;
  #dev = 0n;
  #pos = 0;
  /**
   * Where the lines handed over end while no file is open (rotated away, the new log not there
   * yet) or once a file rotated in between was read whole: #fh's position would go back before
   * lines already handed over.
   */
  #handoff: TailPosition | undefined;
  #partial: Buffer = Buffer.alloc(0);
  /** Bytes of the line being read so far: #partial's, or those of a line too long to keep. */
  #lineBytes = 0;
  /**
   * The up to FINGERPRINT_BYTES before #pos in #fh, as read: what tells a truncation written past
   * the old offset from growth, and finds copytruncate's copy. Undefined until first needed.
   */
  #tail: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  /** Lines handed to onLines so far: how far a file that failed part-way was read. */
  #linesOut = 0;
  /** Inside a line too long to keep: bytes up to its newline are not a line of their own. */
  #discarding = false;
  droppedLines = 0;

  constructor(path: string, opts: LogTailerOptions) {
    this.path = path;
    this.#opts = opts;
  }

  /** Opens the file (at its end unless fromStart or resume) and starts polling. Fails if it does not exist. */
  async start(): Promise<StartedAt> {
    const r = this.#opts.resume;
    if (r !== undefined) {
      const hit = await this.#findByInode(r);
      const tail = r.offset > 0 ? r.tailSha256 : undefined;
      // The inode alone is not the file when a fingerprint says otherwise: freed by a compression,
      // it may be the new log's now; truncated by copytruncate, its bytes at the position are gone.
      const same = hit !== undefined && (tail === undefined || (hit.size >= r.offset && (await fingerprintBefore(hit.fh, r.offset)) === tail));
      if (same) {
        await this.#adopt(hit.fh, hit.ino, hit.dev, r.offset, hit.size);
        this.#schedule();
        return 'position';
      }
      // Still at the log's path, it was truncated (or its inode reused) there: the rotation was of that kind.
      const atPath = hit !== undefined && hit.path === this.path;
      const current = (await stat(this.path, { bigint: true }).catch(() => undefined))?.ino;
      if (tail !== undefined && (await this.#readFromCopy(r.offset, tail, current, atPath ? 'truncate' : 'rename'))) {
        await hit?.fh.close().catch(() => undefined);
        await this.#open('start');
        this.#schedule();
        return 'position';
      }
      if (hit !== undefined) {
        // Not the bytes it had (no copy holds them): what it holds now is all newer.
        await this.#adopt(hit.fh, hit.ino, hit.dev, tail === undefined ? r.offset : Number.MAX_SAFE_INTEGER, hit.size);
        this.#schedule();
        return 'position';
      }
    }
    await this.#open(this.#opts.fromStart === true ? 'start' : 'end');
    this.#schedule();
    if (r !== undefined) return `end: the log at that position (inode ${r.ino}) is neither ${[this.path, ...(r.rotatedLabel === undefined ? r.rotatedPaths : [r.rotatedLabel])].join(' nor ')} any more${r.tailSha256 !== undefined && r.offset > 0 ? ', nor one of the newest compressed copies beside it' : ''}`;
    return this.#opts.fromStart === true ? 'start' : 'end';
  }

  /**
   * The file at the position, by inode and device. A device number can change across a reboot
   * (LVM, btrfs) while the file stays the same: on another device the inode is taken only when the
   * bytes before the offset are the position's, since another file may hold that inode there.
   */
  async #findByInode(r: NonNullable<LogTailerOptions['resume']>): Promise<{ fh: FileHandle; path: string; ino: bigint; dev: bigint; size: number } | undefined> {
    const tail = r.offset > 0 && r.tailSha256 !== undefined && r.tailSha256 !== '' ? r.tailSha256 : undefined;
    const moved = (dev: bigint): boolean => r.dev !== undefined && dev !== r.dev;
    for (const candidate of [this.path, ...r.rotatedPaths]) {
      // By stat first: opening every sibling would block on a FIFO and cost a descriptor each.
      try {
        const st = await stat(candidate, { bigint: true });
        if (st.ino !== r.ino || (moved(st.dev) && tail === undefined)) continue;
      } catch {
        continue;
      }
      let fh: FileHandle;
      try {
        fh = await open(candidate, 'r');
      } catch {
        continue;
      }
      const st = await fh.stat({ bigint: true });
      const size = Number(st.size);
      const ok = st.ino === r.ino && (!moved(st.dev) || (tail !== undefined && size >= r.offset && (await fingerprintBefore(fh, r.offset).catch(() => '')) === tail));
      if (!ok) {
        await fh.close().catch(() => undefined);
        continue;
      }
      return { fh, path: candidate, ino: st.ino, dev: st.dev, size };
    }
    return undefined;
  }

  /** Reads on from `offset` in `fh`; shorter than that, it was truncated since (copytruncate), so all of it is newer. */
  async #adopt(fh: FileHandle, ino: bigint, dev: bigint, offset: number, size: number): Promise<void> {
    this.#fh = fh;
    this.#ino = ino;
    this.#dev = dev;
    this.#resetLine();
    if (size < offset) {
      this.#pos = 0;
      this.#opts.onRotate?.('truncate');
    } else {
      this.#pos = offset;
    }
    this.#tail = await bytesBefore(fh, this.#pos).catch(() => undefined);
    // A rotated-away file is finished on the first poll, which then opens the current log.
  }

  /**
   * The log at the position, copied or compressed since (copytruncate's copy, a compressed rotation):
   * the copy whose bytes before `offset` hash to `tailSha256` — plain rotated copies first, then
   * the newest compressed ones it can read (gzip, xz, bzip2, zstd) — is read on from `offset`,
   * then the files rotated after it (up to the current log, inode `currentIno`). False when none
   * matches (nothing handed over then). A line begun before `offset` goes on in the copy: it is
   * ended there, not dropped. `kind` is told when one matches (the caller tells a truncation it
   * noticed itself).
   */
  async #readFromCopy(offset: number, tailSha256: string, currentIno: bigint | undefined, kind?: Rotation): Promise<boolean> {
    const files = await rotatedFiles(this.path);
    const plain = files.filter((f) => f.compressed === null).reverse();
    for (const f of [...plain, ...compressedRotations(files)]) {
      const fh = await open(f.path, 'r').catch(() => undefined);
      if (fh === undefined) continue;
      try {
        if ((await fh.stat({ bigint: true })).ino !== f.ino) continue;
        const matched = f.compressed === null ? await this.#readPlainFrom(fh, f, offset, tailSha256) : await this.#readCompressedFrom(fh, f, offset, tailSha256);
        if (!matched) continue;
        this.#flushPartial();
        this.#resetLine();
        // It was the log once, and every file rotated after it was too.
        if (kind !== undefined) this.#opts.onRotate?.(kind);
        await this.#readRotatedSince({ ino: f.ino, mtimeNs: f.mtimeNs, path: f.path }, currentIno);
        return true;
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
    return false;
  }

  async #readPlainFrom(fh: FileHandle, f: RotatedFile, offset: number, tailSha256: string): Promise<boolean> {
    if (Number(f.size) < offset || (await fingerprintBefore(fh, offset)) !== tailSha256) return false;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = offset; ; ) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) return true;
      pos += bytesRead;
      this.#take(buf.subarray(0, bytesRead));
    }
  }

  async #readCompressedFrom(fh: FileHandle, f: RotatedFile, offset: number, tailSha256: string): Promise<boolean> {
    let matched = false;
    const head: Buffer[] = [];
    try {
      for await (const { chunk, at } of compressedChunks(fh, f.compressed!)) {
        if (matched) {
          this.#take(chunk);
          continue;
        }
        gatherBefore(head, chunk, at, offset);
        const end = at + chunk.length;
        if (end < offset) continue;
        if (fingerprint(Buffer.concat(head)) !== tailSha256) break;
        matched = true;
        this.#take(chunk.subarray(chunk.length - (end - offset)));
      }
    } catch (err) {
      // A broken copy (or its tool failing): if it was the file, what it still held is named, not
      // silently lost.
      if (matched) this.#opts.onUnread?.(f.path, `read from the position, then: ${(err as Error).message}`);
    }
    return matched;
  }

  /** One poll now: rotation check and read to the current end. Serialised with the timer's. */
  poll(): Promise<void> {
    const prev = this.#running ?? Promise.resolve();
    const next = prev.then(() => this.#poll());
    this.#running = next.catch(() => undefined);
    return next;
  }

  /**
   * Hands `fn` where the lines handed over so far end, between two polls (serialised with them, so
   * no line is handed over in between): counts taken in `fn` go exactly up to that position.
   * Undefined before start(). Inside a line too long to keep, the position is that line's start,
   * as for any partial line: it is told only as it ends, so a tail resumed there tells it once,
   * and its rest is never taken for a line of its own.
   */
  snapshot<T>(fn: (at: TailPosition | undefined) => T): Promise<T> {
    const prev = this.#running ?? Promise.resolve();
    const next = prev.then(async () => fn(await this.#position()));
    this.#running = next.then(() => undefined, () => undefined);
    return next;
  }

  async #position(): Promise<TailPosition | undefined> {
    if (this.#fh === undefined) return this.#handoff;
    // A partial line (too long to keep or not) is not handed over yet: read again from its start.
    const offset = this.#pos - this.#lineBytes;
    return { ino: this.#ino!, dev: this.#dev, offset, tailSha256: await fingerprintBefore(this.#fh, offset).catch(() => '') };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      // A transient error (file briefly gone, EIO) must not end the tail; the next poll retries.
      this.poll().catch((err: Error) => this.#opts.onError?.(err)).finally(() => this.#schedule());
    }, this.#opts.pollMs ?? 250);
    this.#timer.unref();
  }

  async #open(at: 'start' | 'end'): Promise<void> {
    const fh = await open(this.path, 'r');
    const st = await fh.stat({ bigint: true });
    this.#fh = fh;
    this.#ino = st.ino;
    this.#dev = st.dev;
    this.#pos = at === 'end' ? Number(st.size) : 0;
    this.#tail = await bytesBefore(fh, this.#pos).catch(() => undefined);
    this.#handoff = undefined;
    this.#resetLine();
  }

  async #poll(): Promise<void> {
    if (this.#closed) return;
    if (this.#fh === undefined) {
      // The old file was rotated away and the new one did not exist yet at the last poll.
      const handoff = this.#handoff;
      try {
        await this.#open('start');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      if (handoff !== undefined) await this.#goOnFrom(handoff);
    }
    let current: { ino: bigint } | undefined;
    try {
      current = await stat(this.path, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (current === undefined || current.ino !== this.#ino) {
      // Renamed away: whatever the server wrote to the old file before reopening is still ours.
      await this.#readToEnd();
      this.#flushPartial();
      const old = await this.#fh!.stat({ bigint: true }).catch(() => undefined);
      // Unhashable (EIO): the inode alone finds it again.
      const end = { offset: this.#pos, tailSha256: await fingerprintBefore(this.#fh!, this.#pos).catch(() => '') };
      this.#handoff = { ino: this.#ino!, dev: this.#dev, ...end };
      await this.#fh!.close().catch(() => undefined);
      this.#fh = undefined;
      this.#opts.onRotate?.('rename');
      if (old !== undefined) await this.#readRotatedSince({ ino: old.ino, mtimeNs: old.mtimeNs, ...(end.tailSha256 === '' ? {} : { end }) }, current?.ino);
      if (current === undefined) return;
      await this.#open('start');
    } else if (await this.#truncated()) {
      const offset = this.#pos;
      const held = this.#tail;
      this.#opts.onRotate?.('truncate');
      // copytruncate: what was written between the last read and the copy is only in the copy now.
      const copied = held !== undefined && offset > 0 && (await this.#readFromCopy(offset, fingerprint(held), this.#ino));
      if (!copied) this.#resetLine();
      this.#pos = 0;
      this.#tail = Buffer.alloc(0);
    }
    await this.#readToEnd();
  }

  /**
   * The log back at its path is a file already read up to `at` (where the lines handed over end):
   * read on from there, not again from its start. A symlink re-pointed in two steps (`rm`, then
   * `ln -s` to the next dated file) is missing at a poll, which reads that dated file whole as
   * rotated after the old one; the same file renamed or linked back is the old one. Taken as that
   * file by inode and device, and by the bytes before `at` when they could be hashed.
   */
  async #goOnFrom(at: TailPosition): Promise<void> {
    const fh = this.#fh!;
    if (at.offset === 0 || this.#ino !== at.ino || this.#dev !== at.dev) return;
    if (Number((await fh.stat({ bigint: true })).size) < at.offset) return;
    if (at.tailSha256 !== '' && (await fingerprintBefore(fh, at.offset)) !== at.tailSha256) return;
    this.#pos = at.offset;
    this.#tail = await bytesBefore(fh, at.offset);
  }

  /**
   * Whether the open file no longer holds what was read of it: shorter than the position, or
   * other bytes before it — truncated and written past the old offset since the last look, which
   * by size alone looks like growth.
   */
  async #truncated(): Promise<boolean> {
    const fh = this.#fh!;
    if (Number((await fh.stat({ bigint: true })).size) < this.#pos) return true;
    if (this.#tail === undefined || this.#tail.length === 0) return false;
    return !(await bytesBefore(fh, this.#pos)).equals(this.#tail);
  }

  /**
   * The files rotated after `old` and before the current log (inode `currentIno`), oldest first,
   * each read whole. `old` is placed among the rotated copies by its path when known (a copy found
   * by its bytes), else by its inode, else — compressed since, its inode gone — by the bytes
   * before its `end` in one of the newest compressed copies; the copies newer than it by name are
   * the ones in between. Placed by none of these (moved elsewhere, deleted, compressed past the newest
   * few copies or as the agent cannot read), the copies last written after it are taken instead,
   * in the order they were last written (by name for the same stamp), of a copy and its compressed
   * twin the plain one (writtenAfter) — mtime is the only order left then — and onUnplaced says so:
   * lines may be missed or read twice.
   */
  async #readRotatedSince(old: { ino: bigint; mtimeNs: bigint; path?: string; end?: { offset: number; tailSha256: string } }, currentIno: bigint | undefined): Promise<void> {
    const files = await rotatedFiles(this.path);
    const skip = currentIno === undefined ? [old.ino] : [old.ino, currentIno];
    let anchor = files.find((f) => (old.path !== undefined ? f.path === old.path : f.ino === old.ino));
    if (anchor === undefined && old.end !== undefined && old.end.offset > 0) anchor = await this.#compressedHolding(files, old.end.offset, old.end.tailSha256);
    const names = (fs: RotatedFile[]): string => (fs.length === 0 ? 'none' : fs.map((f) => basename(f.path)).join(', '));
    let later: RotatedFile[];
    if (anchor !== undefined) {
      const placed = rotatedAfter(files, anchor, skip);
      later = placed.files;
      if (placed.byMtime.length > 0) this.#opts.onUnplaced?.(`${names(placed.byMtime)} named unlike ${basename(anchor.path)} (logrotate's naming changed?): taken as rotated after it by their mtime, so lines of a file in between may be missed or counted twice`);
    } else {
      later = writtenAfter(files, old.mtimeNs, skip);
      this.#opts.onUnplaced?.(`${this.path} rotated away (inode ${old.ino}) was not found beside it (moved elsewhere, deleted, or compressed past the newest ${COMPRESSED_SEARCHED} copies or as the agent cannot read): the files rotated after it were taken by their mtime (${names(later)}), so lines of a file in between may be missed or counted twice`);
    }
    for (const f of later) {
      if (this.#closed) return;
      // Each was the log once: a rotation the counts should show like any other.
      this.#opts.onRotate?.('rename');
      const before = this.#linesOut;
      try {
        await this.#readWhole(f);
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        const read = this.#linesOut - before;
        this.#opts.onUnread?.(f.path, `${read > 0 ? `read ${read} lines, then ` : 'not read: '}${why}`);
      } finally {
        this.#resetLine();
      }
    }
  }

  /**
   * Of the newest compressed copies in `files` the agent can read (gzip, or through the host's xz,
   * bzip2, zstd), the one whose content holds `tailSha256`'s bytes right before `offset`.
   */
  async #compressedHolding(files: RotatedFile[], offset: number, tailSha256: string): Promise<RotatedFile | undefined> {
    for (const f of compressedRotations(files)) {
      const fh = await open(f.path, 'r').catch(() => undefined);
      if (fh === undefined) continue;
      try {
        if ((await compressedFingerprintBefore(fh, f.compressed!, offset)) === tailSha256) return f;
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
    return undefined;
  }

  async #readWhole(f: RotatedFile): Promise<void> {
    if (f.compressed !== null && !canDecompress(f.compressed)) {
      this.#opts.onUnread?.(f.path, `not read: ${f.size} bytes compressed as .${f.compressed}, which the agent does not decompress`);
      return;
    }
    const fh = await open(f.path, 'r');
    try {
      // Renamed again since the listing (a third rotation) or replaced: not the file listed.
      const st = await fh.stat({ bigint: true });
      if (st.ino !== f.ino) throw new Error('replaced before it could be read');
      // Its end, as a position: a tail resumed there goes on with the files after it, not this one again.
      let seen = 0;
      let last = Buffer.alloc(0);
      const take = (chunk: Buffer): void => {
        seen += chunk.length;
        last = chunk.length >= FINGERPRINT_BYTES ? Buffer.from(chunk.subarray(chunk.length - FINGERPRINT_BYTES)) : Buffer.concat([last, chunk]).subarray(-FINGERPRINT_BYTES);
        this.#take(chunk);
      };
      if (f.compressed !== null) {
        for await (const { chunk } of compressedChunks(fh, f.compressed)) take(chunk);
      } else {
        const buf = Buffer.allocUnsafe(CHUNK);
        for (let pos = 0; ; ) {
          const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
          if (bytesRead === 0) break;
          pos += bytesRead;
          take(buf.subarray(0, bytesRead));
        }
      }
      this.#flushPartial();
      this.#handoff = { ino: st.ino, dev: st.dev, offset: seen, tailSha256: fingerprint(last) };
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  async #readToEnd(): Promise<void> {
    const fh = this.#fh!;
    this.#tail ??= await bytesBefore(fh, this.#pos);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, this.#pos);
      if (bytesRead === 0) return;
      this.#pos += bytesRead;
      this.#tail = keepTail(this.#tail, buf.subarray(0, bytesRead));
      this.#take(buf.subarray(0, bytesRead));
    }
  }

  #take(chunk: Buffer): void {
    let data: Buffer;
    if (this.#discarding) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.#lineBytes += chunk.length;
        return;
      }
      // The rest of a line too long to keep, up to its newline: not a line of its own.
      this.#endOversized();
      data = Buffer.from(chunk.subarray(nl + 1));
    } else {
      data = this.#partial.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#partial, chunk]);
    }
    const max = this.#opts.maxLineBytes ?? 64 * 1024;
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      // Too long whether or not it came whole in one read: how it was read decides nothing.
      if (end - start > max) this.#tooLong();
      else if (end > start) lines.push(data.toString('utf8', start, end));
      start = nl + 1;
    }
    this.#partial = data.subarray(start);
    this.#lineBytes = this.#partial.length;
    if (this.#partial.length > max) {
      // Told as it ends, not now: a position taken meanwhile is its start, and a tail resumed there reads it whole again.
      this.#partial = Buffer.alloc(0);
      this.#discarding = true;
    }
    this.#linesOut += lines.length;
    if (lines.length > 0) this.#opts.onLines(lines);
  }

  /** A line too long to keep being read has ended: counted once, as one that could not be read. */
  #endOversized(): void {
    this.#discarding = false;
    this.#lineBytes = 0;
    this.#tooLong();
  }

  #tooLong(): void {
    this.droppedLines++;
    this.#opts.onOversized?.();
  }

  /**
   * Forgets any partial line: the next byte read starts a line. A line too long to keep that is
   * left unended (its file truncated, or ended) is told still: it was there, and is not counted
   * anywhere else.
   */
  #resetLine(): void {
    if (this.#discarding) this.#endOversized();
    this.#partial = Buffer.alloc(0);
    this.#lineBytes = 0;
  }

  /** A last line without newline in a file that will not grow again still counts. */
  #flushPartial(): void {
    // A line too long to keep that its file ends inside: it ends here.
    if (this.#discarding) {
      this.#resetLine();
      return;
    }
    if (this.#partial.length === 0) return;
    const line = this.#partial.toString('utf8').replace(/\r$/, '');
    this.#partial = Buffer.alloc(0);
    this.#lineBytes = 0;
    if (line === '') return;
    this.#linesOut++;
    this.#opts.onLines([line]);
  }
}

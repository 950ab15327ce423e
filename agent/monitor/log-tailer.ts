// Follows a growing log file like `tail -F`: starts at its end, hands over complete lines, and
// keeps going across both rotation styles logrotate uses —
//   rename (+ create): the old file is read to its end first, then the new one from its start;
//   copytruncate: the same file shrinks, so reading restarts at offset 0.
// It polls (stat) rather than using inotify: rotation replaces the watched inode, and
// polling behaves the same on every filesystem, NFS included.
// Limits: lines written to a copytruncate'd file between logrotate's copy and its truncate are
// lost (no reader can see them), and a truncated file that grows past the old offset between
// two polls looks like growth — keep pollMs well under the time the site needs to write that much.
import { open, stat, type FileHandle } from 'node:fs/promises';

export type Rotation = 'rename' | 'truncate';

export interface LogTailerOptions {
  /** Called with each batch of complete lines, in file order, without line endings. */
  onLines: (lines: string[]) => void;
  onRotate?: (kind: Rotation) => void;
  /** Default 250 ms. */
  pollMs?: number;
  /** Start at offset 0 instead of the end (a file created after start is always read whole). */
  fromStart?: boolean;
  /** A partial line longer than this is dropped (default 64 KiB); counted in `droppedLines`. */
  maxLineBytes?: number;
  /**
   * Start at an earlier position instead: the file with inode `ino` at `offset`, found at the
   * log's path or, renamed away by a rotation since, at one of `rotatedPaths` — read to its end,
   * then the current log from its start, as any rename rotation. Not found: at the end.
   * `rotatedLabel` names the rotated candidates in that reason when listing them all would not do.
   */
  resume?: { ino: bigint; offset: number; rotatedPaths: string[]; rotatedLabel?: string };
}

/** Where start() began: 'end', 'start', 'position', or 'end: <why the position was not found>'. */
export type StartedAt = string;

const CHUNK = 64 * 1024;

export class LogTailer {
  readonly path: string;
  #opts: LogTailerOptions;
  #fh: FileHandle | undefined;
  #ino: bigint | undefined;
  #pos = 0;
  #partial: Buffer = Buffer.alloc(0);
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  droppedLines = 0;

  constructor(path: string, opts: LogTailerOptions) {
    this.path = path;
    this.#opts = opts;
  }

  /** Opens the file (at its end unless fromStart or resume) and starts polling. Fails if it does not exist. */
  async start(): Promise<StartedAt> {
    const r = this.#opts.resume;
    if (r !== undefined && (await this.#openAt(r))) {
      this.#schedule();
      return 'position';
    }
    await this.#open(this.#opts.fromStart === true ? 'start' : 'end');
    this.#schedule();
    if (r !== undefined) return `end: the log at that position (inode ${r.ino}) is neither ${[this.path, ...(r.rotatedLabel === undefined ? r.rotatedPaths : [r.rotatedLabel])].join(' nor ')} any more`;
    return this.#opts.fromStart === true ? 'start' : 'end';
  }

  async #openAt(r: NonNullable<LogTailerOptions['resume']>): Promise<boolean> {
    for (const candidate of [this.path, ...r.rotatedPaths]) {
      // By stat first: opening every sibling would block on a FIFO and cost a descriptor each.
      try {
        if ((await stat(candidate, { bigint: true })).ino !== r.ino) continue;
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
      if (st.ino !== r.ino) {
        await fh.close().catch(() => undefined);
        continue;
      }
      this.#fh = fh;
      this.#ino = st.ino;
      this.#partial = Buffer.alloc(0);
      // Shorter than the position: truncated since (copytruncate), so all of it is newer.
      if (Number(st.size) < r.offset) {
        this.#pos = 0;
        this.#opts.onRotate?.('truncate');
      } else {
        this.#pos = r.offset;
      }
      // A rotated-away file is finished on the first poll, which then opens the current log.
      return true;
    }
    return false;
  }

  /** One poll now: rotation check and read to the current end. Serialised with the timer's. */
  poll(): Promise<void> {
    const prev = this.#running ?? Promise.resolve();
    const next = prev.then(() => this.#poll());
    this.#running = next.catch(() => undefined);
    return next;
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
      this.poll().catch(() => undefined).finally(() => this.#schedule());
    }, this.#opts.pollMs ?? 250);
    this.#timer.unref();
  }

  async #open(at: 'start' | 'end'): Promise<void> {
    const fh = await open(this.path, 'r');
    const st = await fh.stat({ bigint: true });
    this.#fh = fh;
    this.#ino = st.ino;
    this.#pos = at === 'end' ? Number(st.size) : 0;
    this.#partial = Buffer.alloc(0);
  }

  async #poll(): Promise<void> {
    if (this.#closed) return;
    if (this.#fh === undefined) {
      // The old file was rotated away and the new one did not exist yet at the last poll.
      try {
        await this.#open('start');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
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
      await this.#fh!.close().catch(() => undefined);
      this.#fh = undefined;
      this.#opts.onRotate?.('rename');
      if (current === undefined) return;
      await this.#open('start');
    } else {
      const size = Number((await this.#fh!.stat({ bigint: true })).size);
      if (size < this.#pos) {
        this.#pos = 0;
        this.#partial = Buffer.alloc(0);
        this.#opts.onRotate?.('truncate');
      }
    }
    await this.#readToEnd();
  }

  async #readToEnd(): Promise<void> {
    const fh = this.#fh!;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, this.#pos);
      if (bytesRead === 0) return;
      this.#pos += bytesRead;
      this.#take(buf.subarray(0, bytesRead));
    }
  }

  #take(chunk: Buffer): void {
    const data = this.#partial.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#partial, chunk]);
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      if (end > start) lines.push(data.toString('utf8', start, end));
      start = nl + 1;
    }
    this.#partial = data.subarray(start);
    if (this.#partial.length > (this.#opts.maxLineBytes ?? 64 * 1024)) {
      this.#partial = Buffer.alloc(0);
      this.droppedLines++;
    }
    if (lines.length > 0) this.#opts.onLines(lines);
  }

  /** A last line without newline in a file that will not grow again still counts. */
  #flushPartial(): void {
    if (this.#partial.length === 0) return;
    const line = this.#partial.toString('utf8').replace(/\r$/, '');
    this.#partial = Buffer.alloc(0);
    if (line !== '') this.#opts.onLines([line]);
  }
}

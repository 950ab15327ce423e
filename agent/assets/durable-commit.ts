// Makes a finished temporary file durable, then renames it into place. An fsync per small
// file costs ~4 ms here (0.8 ms with 16 in flight), which alone would make a tree of tens of
// thousands of files slower than rsync (which never fsyncs). So small files are committed in
// batches: one syncfs(2) of the file system (coreutils `sync -f`) makes every temporary file
// of the batch durable, and only then are they renamed. Large files are fsynced on their own,
// where the cost is the data itself. Either way no rename happens before the bytes are on disk,
// and a crash leaves only temporary files, which the next run verifies and resumes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { FileThread } from './file-thread.js';
import type { StatLike } from './scanner.js';
import { createInterface } from 'node:readline';

/**
 * One long-lived shell that runs `sync -f` on request: spawning from Node costs tens of
 * milliseconds of main-thread time per call, a fork from a small shell almost nothing. One per
 * agent, kept between pulls (starting it cost a delta ~11 ms of main thread); it holds the event
 * loop only while an answer is awaited, and ends with the agent (its stdin closes).
 */
class SyncfsHelper {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: Array<(ok: boolean) => void> = [];

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn('sh', ['-c', 'while IFS= read -r p; do if sync -f "$p"; then echo ok; else echo fail; fi; done'], { stdio: 'pipe' });
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.waiting.shift()?.(line === 'ok');
      if (this.waiting.length === 0) this.hold(child, false);
    });
    const failAll = (): void => {
      for (const w of this.waiting.splice(0)) w(false);
      if (this.child === child) this.child = undefined;
    };
    child.on('exit', failAll);
    child.on('error', failAll);
    child.stdin.on('error', failAll);
    return child;
  }

  /** Whether the helper keeps the process alive: only while someone waits for it. */
  private hold(child: ChildProcessWithoutNullStreams, on: boolean): void {
    for (const h of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  syncfs(path: string): Promise<boolean> {
    if (path.includes('\n')) return Promise.resolve(false);
    this.child ??= this.start();
    const child = this.child;
    this.hold(child, true);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      child.stdin.write(`${path}\n`);
    });
  }
}

const sharedHelper = new SyncfsHelper();

interface Item {
  tmp: string;
  final: string;
  resolve: (st: StatLike) => void;
  reject: (err: unknown) => void;
}

export class DurableCommitter {
  private batch: Item[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private syncfsWorks = true;
  private readonly helper = sharedHelper;

  constructor(
    private readonly rootPath: string,
    /** Where the renames run, off the main thread. */
    private readonly renamer: FileThread,
    private readonly maxBatch = 512,
    private readonly maxDelayMs = 50,
  ) {}

  /** The file at `tmp` is written and closed; resolves once it is durable at `final`, with what lstat finds there then. */
  commit(tmp: string, final: string): Promise<StatLike> {
    return new Promise((resolve, reject) => {
      this.batch.push({ tmp, final, resolve, reject });
      if (this.batch.length >= this.maxBatch) this.flushSoon(0);
      else this.flushSoon(this.maxDelayMs);
    });
  }

  private flushSoon(delay: number): void {
    if (this.timer !== undefined && delay > 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  flush(): Promise<void> {
    const items = this.batch;
    this.batch = [];
    this.flushing = this.flushing.then(() => this.commitBatch(items));
    return this.flushing;
  }

  /** Commits what is queued. */
  async close(): Promise<void> {
    await this.flush();
  }

  private async commitBatch(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    try {
      // A few files: fsync each (only their data is written). Many: one syncfs for all,
      // though it also writes out whatever else is dirty on that file system.
      const few = items.length <= 32;
      if (!few && this.syncfsWorks) this.syncfsWorks = await this.helper.syncfs(this.rootPath);
      if (few || !this.syncfsWorks) {
        // Without syncfs: fsync each file; still durable before the rename, just slower.
        await Promise.all(
          items.map(async (it) => {
            const fh = await open(it.tmp, 'r');
            try {
              await fh.sync();
            } finally {
              await fh.close();
            }
          }),
        );
      }
    } catch (err) {
      for (const it of items) it.reject(err);
      return;
    }
    // Renames at once: on the file thread, one message for the batch.
    await Promise.all(
      items.map(async (it) => {
        try {
          it.resolve(await this.renamer.rename(it.tmp, it.final));
        } catch (err) {
          it.reject(err);
        }
      }),
    );
  }
}

// The TailAccessLog stream: a tailer on the configured access log and one StatusCounts message
// per interval — sent even when empty, so the controller can tell a quiet site from a dead stream.
import { open } from 'node:fs/promises';
import { SwitchyardError } from '../../shared/errors.js';
import type { StatusCounts } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { fingerprintBefore } from './log-fingerprint.js';
import { LogTailer } from './log-tailer.js';
import { rotatedSiblings } from './rotated-logs.js';
import { StatusCounter } from './status-counter.js';

export const DEFAULT_INTERVAL_MS = 10_000;
export const MIN_INTERVAL_MS = 100;

export interface AccessLogStreamOptions {
  path: string;
  intervalMs: number;
  /** Lines from this user agent are set apart (the controller's probes); '' counts every line. */
  excludeUserAgent?: string;
  /** Count from this earlier position (AccessLogPosition's answer) instead of the end. */
  /** Or where an earlier stream's counts ended (its last counted_to, with the file's device). */
  from?: { inode: bigint; offset: number; tailSha256?: string; dev?: bigint };
  send: (counts: StatusCounts) => void;
  signal: AbortSignal;
  pollMs?: number;
}

/** Where the log ends now: what `from` takes later. Rejects like streamStatusCounts when the log cannot be opened. */
export async function accessLogPosition(path: string): Promise<{ path: string; inode: string; dev: string; offset: number; at: string; tail_sha256: string }> {
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat({ bigint: true });
      const offset = Number(st.size);
      return { path, inode: st.ino.toString(), dev: st.dev.toString(), offset, at: new Date().toISOString(), tail_sha256: await fingerprintBefore(fh, offset) };
    } finally {
      await fh.close().catch(() => undefined);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SwitchyardError('SY_PRECONDITION', `access log ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(err)}`, { field: 'accessLog', cause: err });
  }
}

/** Runs until `signal` aborts. Rejects at once when the log cannot be opened. */
export async function streamStatusCounts(opts: AccessLogStreamOptions): Promise<void> {
  const intervalMs = Math.max(MIN_INTERVAL_MS, opts.intervalMs);
  const counter = new StatusCounter(new Date(), opts.excludeUserAgent ?? '');
  const tailer = new LogTailer(opts.path, {
    onLines: (lines) => counter.addLines(lines),
    onRotate: (kind) => counter.rotated(kind),
    onUnread: (file, why) => counter.unread(file, why),
    onUnplaced: (why) => counter.unplaced(why),
    onError: (err) => counter.readError(err),
    onOversized: () => counter.oversized(),
    // Frequent enough to notice a copytruncate before the file regrows past the old offset.
    pollMs: Math.min(250, intervalMs),
    // Renamed away since the switch: found by inode whatever the rotation named it (a file
    // compressed at once is gone, its lines not countable from the position).
    ...(opts.from === undefined ? {} : { resume: { ino: opts.from.inode, offset: opts.from.offset, rotatedPaths: await rotatedSiblings(opts.path), rotatedLabel: `any uncompressed ${opts.path}.* or ${opts.path}-* beside it`, ...(opts.from.tailSha256 ? { tailSha256: opts.from.tailSha256 } : {}), ...(opts.from.dev === undefined ? {} : { dev: opts.from.dev }) } }),
  });
  let start: string;
  try {
    start = await tailer.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SwitchyardError('SY_PRECONDITION', `access log ${opts.path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(err)}`, { field: 'accessLog', cause: err });
  }
  try {
    while (!opts.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, intervalMs);
        function done(): void {
          clearTimeout(timer);
          opts.signal.removeEventListener('abort', done);
          resolve();
        }
        opts.signal.addEventListener('abort', done, { once: true });
      });
      if (opts.signal.aborted) break;
      // Read what is there now, so the interval's counts include lines written up to its end.
      await tailer.poll().catch((err: Error) => counter.readError(err));
      // The counts and where their lines end, taken together: a stream reopened from there counts
      // each later line once, however the connection broke.
      opts.send(
        await tailer.snapshot((at) => ({
          ...counter.take(new Date(), opts.path),
          start,
          ...(at === undefined ? {} : { counted_to: { inode: at.ino.toString(), dev: at.dev.toString(), offset: at.offset, tail_sha256: at.tailSha256 } }),
        })),
      );
    }
  } finally {
    await tailer.close();
  }
}

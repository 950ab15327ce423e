// chokidar in a thread of its own. It keeps an inotify watch and a few KB of state per file, and
// opening or closing it walks all of them: at 26k files a close held the agent's main thread for
// half a second at the start of every pull, and a restart's walk for seconds after. Here that
// work runs beside the main thread, which only receives the changed paths, in batches.
import { parentPort, workerData } from 'node:worker_threads';
import { basename, join } from 'node:path';
import { watch } from 'chokidar';
import { divertWatchEvents } from './watch-event-diversion.js';
import { isPartName } from './path-safety.js';
import { rawEventPaths } from './raw-event-path.js';

export type ToWatcher =
  | { type: 'ask'; id: number; of?: 'raw' | 'chokidar'; endsCatchUpAfterMs?: number }
  | { type: 'watching'; id: number; paths: string[] }
  | { type: 'mute'; id: number }
  | { type: 'unmute' }
  | { type: 'close' };
export type FromWatcher =
  | { type: 'ready' }
  | { type: 'paths'; paths: string[] }
  | { type: 'quiet'; id: number; quietForMs: number }
  | { type: 'muted'; id: number }
  | { type: 'watching'; id: number; watched: string[] }
  | { type: 'error'; message: string; code?: string };

const port = parentPort!;
const { root } = workerData as { root: string };
const send = (m: FromWatcher): void => port.postMessage(m);

let lastRawAt = 0;
/** chokidar's own last event: after an unmute, its re-reads of the muted directories report what they find. */
let lastEventAt = 0;
/**
 * From an unmute until chokidar has been quiet for the asked time: its events only report what
 * its re-reads discover — the pull's own files, tens of thousands after an initial copy, each a
 * message and a re-read on the main thread — and the stat scan that ends the catch-up covers
 * them. Raw events still go out.
 */
let catchingUp = false;
let batch = new Set<string>();
let flushing = false;
const flush = (): void => {
  flushing = false;
  if (batch.size === 0) return;
  send({ type: 'paths', paths: [...batch] });
  batch = new Set();
};
const push = (path: string): void => {
  batch.add(path);
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
};
/** A raw file-system event's path: forwarded at once (see below). */
const rawSeen = (paths: readonly string[]): void => {
  lastRawAt = performance.now();
  for (const path of paths) if (!isPartName(basename(path))) push(path);
};
// Before chokidar's first watch: a child's content change is forwarded here, not re-read there.
const diversion = divertWatchEvents(rawSeen);
const w = watch(root, { ignoreInitial: true, followSymlinks: false, ignored: (p: string) => isPartName(basename(p)) });
w.on('all', (_event, path: string) => {
  lastEventAt = performance.now();
  if (!catchingUp) push(path);
});
// The path of every raw event goes out at once, not only chokidar's own events: chokidar re-reads
// a directory (an lstat per entry) before it reports what changed in it, and on 26k files under
// load that put its events for a new directory's files 0.6–1.1 s behind the kernel's (measured).
// A settle that waits for quiet raw events must not answer before their paths are queued. The
// main thread re-reads every path it gets, so a path that turns out unchanged costs one lstat.
w.on('raw', (_event: string, name: unknown, details: unknown) => rawSeen(rawEventPaths(name, details)));
w.on('error', (err) => send({ type: 'error', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code }));
w.once('ready', () => send({ type: 'ready' }));

/**
 * Whether chokidar holds a watch of this directory (relative to the root): it adds one to its
 * `_closers` only once the watch is made, after its first read of the directory, and drops it
 * when the path goes. Not public API (chokidar 4): where it is not there, nothing counts as
 * watched and the caller keeps re-reading, as without this.
 */
const closers = (w as unknown as { _closers?: unknown })._closers;
const hasWatch = (rel: string): boolean => {
  if (!(closers instanceof Map)) return false;
  const list: unknown = closers.get(rel === '' ? root : join(root, rel));
  return Array.isArray(list) && list.length > 0;
};

port.on('message', (m: ToWatcher) => {
  if (m.type === 'ask') {
    // Two turns: the first may run before this iteration's poll; after the second, every
    // inotify event queued before the question has reached chokidar. Paths so far go first.
    setImmediate(() =>
      setImmediate(() => {
        flush();
        const quietForMs = performance.now() - (m.of === 'chokidar' ? lastEventAt : lastRawAt);
        if (m.of === 'chokidar' && m.endsCatchUpAfterMs !== undefined && quietForMs >= m.endsCatchUpAfterMs) catchingUp = false;
        send({ type: 'quiet', id: m.id, quietForMs });
      }),
    );
  } else if (m.type === 'watching') {
    send({ type: 'watching', id: m.id, watched: m.paths.filter(hasWatch) });
  } else if (m.type === 'mute') {
    // Paths so far go first; every event from here on is diverted (see watch-event-diversion).
    flush();
    catchingUp = false;
    diversion.mute();
    send({ type: 'muted', id: m.id });
  } else if (m.type === 'unmute') {
    // chokidar's quiet is counted from here: its re-reads have only begun.
    lastEventAt = performance.now();
    catchingUp = true;
    diversion.unmute();
  } else if (m.type === 'close') {
    // Closing the port lets the thread end once chokidar has let go of its watches.
    void w.close().finally(() => port.close());
  }
});

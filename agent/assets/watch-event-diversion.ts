// chokidar re-reads a whole directory (readdir, then an lstat of every entry) for every event
// its watch of that directory reports — a child file's content change too, which cannot have
// changed the listing. After a 1% change to the 26k-file bench tree (about 180 directories of
// ~150 files) that kept the watcher thread busy for over 2 s (its CPU profile: readdirp's lstat
// and GC), on a two-core host where the delta pull needed the CPU and the freeze's settle waited
// for the thread's answer. Here a directory watch's 'change' event about a child goes to
// `onDiverted` (as the child's path) instead of chokidar. What a re-read is for still reaches it: 'rename' events
// (an entry created, removed or moved in) and a watched path's events about itself. chokidar
// keeps a watch of each file it knows, and that watch still reports the file's own change.
//
// While a pull writes the root, the thread is muted: every event a watch reports, a directory's
// about a child or itself and a file's about itself, is diverted, creations and removals too, and
// each watch that had one is remembered; on unmute chokidar hears one event per such watch and
// re-reads each directory once, where it would have
// re-read it for nearly every file the pull created (closing chokidar for the pull instead cost
// ~0.8 s of a core during the delta, walking 26k watches, and a restart's walk after).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { basename, join } from 'node:path';
import type * as FsModule from 'node:fs';
import { rawEventPaths } from './raw-event-path.js';

type WatchListener = (event: string, filename: string | Buffer | null) => void;

export interface Diversion {
  /** From now on every child event of a directory watch is diverted, and the directory remembered. */
  mute(): void;
  /** Ends the mute; each directory that had a creation, removal or move meanwhile hears one, each watched path that had an event of its own one. Returns how many. */
  unmute(): number;
  /** Restores fs.watch (watches made meanwhile stay wrapped). */
  undo(): void;
}

/**
 * Wraps `fs.watch` for this thread (a worker has its own module instances, so only the thread
 * that calls this is affected). Listeners passed as an options-less second argument are covered
 * as well as the third-argument form chokidar uses.
 */
export function divertWatchEvents(onDiverted: (paths: readonly string[]) => void): Diversion {
  const fs = createRequire(import.meta.url)('node:fs') as typeof FsModule;
  const original = fs.watch;
  let muted = false;
  // One entry per watch at most: its listener and the event to replay (for a directory, a
  // 'rename' naming its last created or removed child, or itself).
  const replay = new Map<WatchListener, [string, string | Buffer]>();
  const wrapped = function watch(this: unknown, path: FsModule.PathLike, ...rest: unknown[]): FsModule.FSWatcher {
    const at = typeof rest[rest.length - 1] === 'function' ? rest.length - 1 : -1;
    if (at >= 0) {
      const listener = rest[at] as WatchListener;
      const watched = String(path);
      const own = basename(watched);
      rest[at] = (event: string, filename: string | Buffer | null): void => {
        const name = filename === null ? '' : String(filename);
        if (name === '' || name === own) {
          // About the watched path itself: to chokidar, except while muted. A directory's own
          // attribute change (the pull sets every directory's mode and mtime last) comes as
          // 'rename', as its removal does; a file's watch speaks when the pull renames a new
          // version over it (chokidar then stats it and watches the new inode: ~0.15 s of the
          // thread's CPU during a 1% delta, profiled). Muted, either is diverted and heard of at
          // the unmute, once ('rename' over 'change', being the stronger).
          if (!muted) {
            listener(event, filename);
            return;
          }
          // A directory's event naming itself may be about a child of its own name (img/img).
          onDiverted(rawEventPaths(name, { watchedPath: watched }));
          if (event !== 'change' || !replay.has(listener)) replay.set(listener, [event, filename ?? own]);
          return;
        }
        // A name other than the watched path's own: this is a directory's watch speaking of a
        // child. (A child named like its directory is handled above, both paths diverted.)
        if (event !== 'change' && !muted) {
          listener(event, filename);
          return;
        }
        onDiverted([join(watched, name)]);
        if (muted && event !== 'change') replay.set(listener, ['rename', filename!]);
      };
    }
    return (original as (...a: unknown[]) => FsModule.FSWatcher).call(this, path, ...rest);
  } as typeof fs.watch;
  fs.watch = wrapped;
  syncBuiltinESMExports();
  return {
    mute: () => {
      muted = true;
    },
    unmute: () => {
      muted = false;
      const pending = [...replay];
      replay.clear();
      // A watch closed meanwhile (its directory removed) has no listeners left in chokidar: harmless.
      for (const [listener, [event, filename]] of pending) listener(event, filename);
      return pending.length;
    },
    undo: () => {
      if (fs.watch === wrapped) {
        fs.watch = original;
        syncBuiltinESMExports();
      }
    },
  };
}

// chokidar re-reads a whole directory (readdir, then an lstat of every entry) for every event
// its watch of that directory reports — a child file's content change too, which cannot have
// changed the listing. After a 1% change to the 26k-file bench tree (about 180 directories of
// ~150 files) that kept the watcher thread busy for over 2 s (its CPU profile: readdirp's lstat
// and GC), on a two-core host where the delta pull needed the CPU and the freeze's settle waited
// for the thread's answer. Here a directory watch's 'change' event about a child goes to
// `onChildChange` instead of chokidar. What a re-read is for still reaches it: 'rename' events
// (an entry created, removed or moved in) and a watched path's events about itself. chokidar
// keeps a watch of each file it knows, and that watch still reports the file's own change.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import type * as FsModule from 'node:fs';

type WatchListener = (event: string, filename: string | Buffer | null) => void;

/**
 * Wraps `fs.watch` for this thread (a worker has its own module instances, so only the thread
 * that calls this is affected). Returns the undo. Listeners passed as an options-less second
 * argument are covered as well as the third-argument form chokidar uses.
 */
export function divertChildChanges(onChildChange: (watchedPath: string, name: string) => void): () => void {
  const fs = createRequire(import.meta.url)('node:fs') as typeof FsModule;
  const original = fs.watch;
  const wrapped = function watch(this: unknown, path: FsModule.PathLike, ...rest: unknown[]): FsModule.FSWatcher {
    const at = typeof rest[rest.length - 1] === 'function' ? rest.length - 1 : -1;
    if (at >= 0) {
      const listener = rest[at] as WatchListener;
      const watched = String(path);
      const own = basename(watched);
      rest[at] = (event: string, filename: string | Buffer | null): void => {
        const name = filename === null ? '' : String(filename);
        // A name other than the watched path's own: this is a directory's watch speaking of a
        // child. (A child named like its directory still goes to chokidar: one re-read more.)
        if (event === 'change' && name !== '' && name !== own) onChildChange(watched, name);
        else listener(event, filename);
      };
    }
    return (original as (...a: unknown[]) => FsModule.FSWatcher).call(this, path, ...rest);
  } as typeof fs.watch;
  fs.watch = wrapped;
  syncBuiltinESMExports();
  return () => {
    if (fs.watch === wrapped) {
      fs.watch = original;
      syncBuiltinESMExports();
    }
  };
}

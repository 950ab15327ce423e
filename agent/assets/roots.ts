// The asset roots an agent's config names, and the one place that brings a root's manifest up
// to date. Refreshes of one root run one at a time, so two callers never scan the same tree at
// once; the second waits and then gets a manifest at least as fresh as it asked for.
import { mkdir, realpath } from 'node:fs/promises';
import { SwitchyardError } from '../../shared/errors.js';
import { fsError } from './fs-error.js';
import { KeyedQueue } from '../../shared/keyed-queue.js';
import type { ManifestStore } from './manifest-store.js';
import { scanRoot, type ScanStats } from './scanner.js';

export type RefreshMode = 'watched' | 'stat' | 'full' | 'none';

export interface AssetRootConfig {
  path: string;
  allowExternalSymlinks: boolean;
  /** Largest tree watched with chokidar; past it, stat scans (default DEFAULT_WATCH_MAX_ENTRIES). */
  watchMaxEntries?: number;
}

export interface AssetRoot {
  name: string;
  /** Resolved once, so a root that is itself a symlink is followed and nothing below is. */
  path: string;
  allowExternalSymlinks: boolean;
  watchMaxEntries?: number;
}

/** What a live watcher offers: apply every change it has seen so far. */
export interface RootWatcher {
  settle(): Promise<void>;
  /** Holds the watcher's own work while a pull writes the root (which records its own writes). */
  pause?(): Promise<void>;
  /** Watches fully again; the root counts as watched only once a stat scan has caught up. */
  resume?(): void;
}

export class AssetRoots {
  private readonly queues = new KeyedQueue();
  private readonly watched = new Map<string, RootWatcher>();

  constructor(
    private readonly config: Record<string, AssetRootConfig>,
    readonly store: ManifestStore,
    private readonly scanConcurrency = 4,
  ) {}

  private readonly writing = new Set<string>();

  private readonly owners = new Map<string, RootWatcher>();

  /** Marks the root as being written by a pull, so the watcher holds its events until done. */
  async writingTo<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.writing.add(name);
    let paused: RootWatcher | undefined;
    try {
      return await fn();
    } finally {
      this.writing.delete(name);
      paused = this.pausedForWrite.get(name);
      this.pausedForWrite.delete(name);
      paused?.resume?.();
    }
  }

  private readonly pausedForWrite = new Map<string, RootWatcher>();

  /**
   * Called by a pull once its manifest is current: the watcher is muted until the pull ends.
   * chokidar answers every file created in a directory by re-reading that directory with an
   * lstat per entry, which cost a pull of a few thousand files seconds of CPU; the pull records
   * every write in the manifest itself, and after it the watcher catches up with a stat scan.
   */
  async pauseWatcherForWrite(name: string): Promise<void> {
    const w = this.owners.get(name);
    if (w?.pause === undefined || !this.writing.has(name) || this.pausedForWrite.has(name)) return;
    this.pausedForWrite.set(name, w);
    await w.pause();
  }

  /** The watcher that belongs to a root, paused or not. */
  register(name: string, watcher: RootWatcher | undefined): void {
    if (watcher !== undefined) this.owners.set(name, watcher);
    else this.owners.delete(name);
  }

  isWriting(name: string): boolean {
    return this.writing.has(name);
  }

  private readonly serving = new Map<string, number>();

  /** Counts open Fetch streams reading the root (a peer's pull under way): background work waits. */
  serve(name: string): () => void {
    this.serving.set(name, (this.serving.get(name) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.serving.get(name) ?? 1) - 1;
      if (n <= 0) this.serving.delete(name);
      else this.serving.set(name, n);
    };
  }

  isServing(name: string): boolean {
    return this.serving.has(name);
  }

  names(): string[] {
    return Object.keys(this.config);
  }

  /** The root by name; `create` makes a missing directory (production receiving its first copy). */
  async get(name: string, field = 'root', create = false): Promise<AssetRoot> {
    const cfg = Object.prototype.hasOwnProperty.call(this.config, name) ? this.config[name] : undefined;
    if (cfg === undefined) throw new SwitchyardError('SY_NOT_FOUND', `${field}: no asset root named ${JSON.stringify(name)} in this agent's config`, { field });
    if (create) {
      try {
        await mkdir(cfg.path, { recursive: true });
      } catch (err) {
        const typed = fsError(err, { name, path: cfg.path });
        if (typed instanceof SwitchyardError) throw typed;
        throw new SwitchyardError('SY_PRECONDITION', `asset root ${name}: ${cfg.path} cannot be created: ${(err as Error).message}`, { field: `assets.${name}.path`, cause: err });
      }
    }
    try {
      return { name, path: await realpath(cfg.path), allowExternalSymlinks: cfg.allowExternalSymlinks, ...(cfg.watchMaxEntries === undefined ? {} : { watchMaxEntries: cfg.watchMaxEntries }) };
    } catch (err) {
      throw new SwitchyardError('SY_PRECONDITION', `asset root ${name}: ${cfg.path} is not accessible: ${(err as Error).message}`, { field: `assets.${name}.path`, cause: err });
    }
  }

  /** Called by the watcher: while set, 'watched' refreshes trust the manifest without a walk. */
  setWatched(name: string, watcher: RootWatcher | undefined): void {
    if (watcher !== undefined) this.watched.set(name, watcher);
    else this.watched.delete(name);
  }

  isWatched(name: string): boolean {
    return this.watched.has(name);
  }

  /** Serialises work on one root (scans, pulls that write it). */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.queues.run(name, fn);
  }

  /** Brings the manifest to the freshness asked for; returns the scan's figures when one ran. */
  async refresh(root: AssetRoot, mode: RefreshMode): Promise<ScanStats | undefined> {
    if (mode === 'none') return undefined;
    const state = this.store.rootState(root.name);
    const watcher = this.watched.get(root.name);
    if (mode === 'watched' && watcher !== undefined && state.scanComplete) {
      await watcher.settle();
      if (this.watched.has(root.name)) return undefined;
    }
    // A file the agent may not read (on staging, typically) named with its path and what to do.
    return scanRoot(this.store, root.name, root.path, { full: mode === 'full', concurrency: this.scanConcurrency }).catch((err: unknown) => {
      throw fsError(err, root, undefined, this.store.db.name);
    });
  }
}

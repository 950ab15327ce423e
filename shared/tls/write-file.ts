// Certificates and keys are written whole or not at all: a temp file in the same directory,
// then a link (refuses an existing name) or, with force, a rename (replaces it atomically).
// A certificate and its key replaced together switch as one (replaceTogether).
import { chmodSync, closeSync, copyFileSync, existsSync, fchmodSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SwitchyardError } from '../errors.js';

export interface WriteOptions {
  mode: number;
  force?: boolean;
}

export function refuseExisting(paths: string[]): void {
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) {
    throw new SwitchyardError('SY_CONFLICT', `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace`, { field: 'force' });
  }
}

export function writeFileAtomic(path: string, data: string, opts: WriteOptions): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', opts.mode);
  try {
    try {
      // The create mode is filtered by the umask; a key must end up 0600 whatever it is.
      fchmodSync(fd, opts.mode);
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.force === true) {
      renameSync(tmp, path);
      return;
    }
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') refuseExisting([path]);
      throw err;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

export interface PairFile {
  /** File name inside the directory, e.g. `prod-1.pem`. */
  name: string;
  data: string;
  mode: number;
}

function writeSynced(path: string, data: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Points `link` at `target` in one rename, so readers see the old target or the new, never neither. */
function swapSymlink(link: string, target: string): void {
  const tmp = `${link}.${randomBytes(6).toString('hex')}.tmp`;
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, link);
  } finally {
    rmSync(tmp, { force: true });
  }
}

const isLinkTo = (path: string, target: string): boolean => {
  try {
    return lstatSync(path).isSymbolicLink() && readlinkSync(path) === target;
  } catch {
    return false;
  }
};

/**
 * Replaces files that only work together — a certificate and its key — so that at their paths
 * they are always the old set or the new one. Two renames cannot do that: a crash or a failed
 * write between them leaves a new key beside the old certificate. So the files are written and
 * synced into a fresh directory `.BASE.pair.<random>`, each path is a relative symlink through
 * `.BASE.pair` (itself a symlink to the current directory), and one rename of `.BASE.pair`
 * switches them all. Plain files from before are first copied into a directory of their own,
 * so turning them into symlinks changes nothing a reader sees.
 */
export function replaceTogether(dir: string, base: string, files: readonly PairFile[]): void {
  const pointer = `.${base}.pair`;
  const fresh = `${pointer}.${randomBytes(6).toString('hex')}`;
  // Readable like the files were: the key keeps its own 0600.
  mkdirSync(join(dir, fresh), { mode: 0o755 });
  try {
    for (const f of files) writeSynced(join(dir, fresh, f.name), f.data, f.mode);
    fsyncDir(join(dir, fresh));
  } catch (err) {
    rmSync(join(dir, fresh), { recursive: true, force: true });
    throw err;
  }
  const pointerPath = join(dir, pointer);
  const linked = files.every((f) => isLinkTo(join(dir, f.name), join(pointer, f.name)));
  if (!linked) {
    // First replacement: the current files move behind the pointer before any path changes.
    const current = `${pointer}.${randomBytes(6).toString('hex')}`;
    mkdirSync(join(dir, current), { mode: 0o755 });
    for (const f of files) {
      if (existsSync(join(dir, f.name))) {
        copyFileSync(join(dir, f.name), join(dir, current, f.name));
        chmodSync(join(dir, current, f.name), statSync(join(dir, f.name)).mode & 0o777);
      }
    }
    fsyncDir(join(dir, current));
    swapSymlink(pointerPath, current);
    for (const f of files) swapSymlink(join(dir, f.name), join(pointer, f.name));
  }
  swapSymlink(pointerPath, fresh);
  fsyncDir(dir);
  // Earlier sets, and any a crash left half made, are no longer reachable from a path.
  const ours = new RegExp(`^${pointer.replace(/[.]/g, '\\.')}\\.[0-9a-f]{12}(?:\\.tmp)?$`);
  for (const e of readdirSync(dir)) {
    if (ours.test(e) && e !== fresh) rmSync(join(dir, e), { recursive: true, force: true });
  }
}

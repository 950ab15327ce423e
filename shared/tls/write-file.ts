// Certificates and keys are written whole or not at all: a temp file in the same directory,
// then a link (refuses an existing name) or, with force, a rename (replaces it atomically).
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
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

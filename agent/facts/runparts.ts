// Scripts in /etc/cron.daily and its kin: `run-parts` (from /etc/crontab, or anacron) runs them,
// so a site whose staging host has /etc/cron.daily/site-backup loses its nightly backup on a new
// host without it. A script may hold a password: its content is read, hashed and dropped here;
// only the directory, the name and the digest travel. Which names count is the host's run-parts'
// rule (runparts-naming.ts).
import { createHmac } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunPartsFacts } from '../../shared/proto-gen/switchyard/v1/RunPartsFacts.js';
import type { Collected } from './collected.js';
import { readSmallFile, readUpTo } from './small-file.js';
import { cronieRuns, DEBIAN_NAME, detectNaming, RUN_PARTS_PATHS, type PartsNaming } from './runparts-naming.js';

/** Debian, RHEL and Alpine-with-cronie layouts; anacron runs the same directories. */
export const DEFAULT_PARTS_DIRS = ['/etc/cron.hourly', '/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.monthly'];

/** Scripts are small; one larger than this is compared by size and mtime, not read whole into memory. */
export const PARTS_READ_CAP = 1024 * 1024;

export interface RunPartsOptions {
  /** Where cron looks for run-parts, in order (tests put their own first). */
  runPartsPaths?: string[];
  osReleasePath?: string;
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);
const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** The row label of a directory: `/etc/cron.daily` is `daily` (Alpine's `/etc/periodic/daily` too). */
export function partsLabel(dir: string): string {
  return basename(dir).replace(/^cron\./, '');
}

function digest(salt: string, data: Buffer | string): string {
  return createHmac('sha256', salt).update(data).digest('hex');
}

type Script = { digest: string; large: boolean } | { skip: string } | { error: string };

/** One directory entry as run-parts sees it: a regular executable file (symlinks followed), read up to the cap. */
async function readScript(file: string, salt: string): Promise<Script> {
  try {
    // Looked at before opening: opening a FIFO someone left there would wait for a writer forever.
    const s = await stat(file);
    if (!s.isFile()) return { skip: 'not a regular file' };
    // Root runs a file with any execute bit; the agent's own access() says nothing about root.
    if ((s.mode & 0o111) === 0) return { skip: 'not executable' };
  } catch (err) {
    if (ABSENT.has(code(err))) return { skip: 'a dangling link' };
    return { error: `cannot read: ${code(err)}` };
  }
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { error: `cannot read: ${code(err)}` };
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) return { skip: 'not a regular file' };
    if (s.size > PARTS_READ_CAP) return { digest: digest(salt, `size ${s.size} mtime ${s.mtime.toISOString()}`), large: true };
    return { digest: digest(salt, await readUpTo(handle, s.size)), large: false };
  } catch (err) {
    return { error: `cannot read: ${code(err)}` };
  } finally {
    await handle.close();
  }
}

/**
 * The lines of a cronie jobs.deny or jobs.allow in `dir`: undefined when there is none (or the
 * agent may not read it: run-parts reads it as root, so that is an error).
 */
async function nameList(dir: string, file: string): Promise<string[] | undefined | { error: string }> {
  try {
    const read = await readSmallFile(join(dir, file));
    if ('text' in read) return read.text.split('\n');
    return read.directory ? undefined : { error: read.refused };
  } catch (err) {
    return ABSENT.has(code(err)) ? undefined : { error: `cannot read: ${code(err)}` };
  }
}

/** Which names in `dir` this host's run-parts runs; or which list file could not be read, and why. */
async function namesRun(dir: string, naming: PartsNaming): Promise<((name: string) => boolean) | { file: string; error: string }> {
  if (naming === 'debian') return (name) => DEBIAN_NAME.test(name);
  const deny = await nameList(dir, 'jobs.deny');
  if (deny !== undefined && !Array.isArray(deny)) return { file: join(dir, 'jobs.deny'), error: deny.error };
  const allow = await nameList(dir, 'jobs.allow');
  if (allow !== undefined && !Array.isArray(allow)) return { file: join(dir, 'jobs.allow'), error: allow.error };
  return (name) => cronieRuns(name, deny, allow);
}

/**
 * What run-parts would run from each of `dirs`, as digests keyed with `salt`: by the naming rule
 * of the run-parts this host's cron calls (detectNaming).
 */
export async function collectRunPartsFacts(dirs: string[], salt: string, opts: RunPartsOptions = {}): Promise<Collected<RunPartsFacts>> {
  const facts: Required<RunPartsFacts> = { dirs: [], scripts: [], unreadable: [], naming: '', naming_from: '' };
  if (salt === '') {
    // Unsalted digests of short scripts are found by trying every short string.
    facts.unreadable.push({ dir: '', name: '', file: '', error: 'no salt was sent to digest scripts with' });
    return { facts, notes: ['cron scripts: no salt was sent to digest scripts with'] };
  }
  const notes: string[] = [];
  const { naming, from } = await detectNaming(opts.runPartsPaths ?? RUN_PARTS_PATHS, opts.osReleasePath);
  facts.naming = naming;
  facts.naming_from = from;
  if (from.startsWith('assumed')) notes.push(`cron scripts: which names run-parts runs is not known here: Debian's rule ${from}`);
  const labels = new Set<string>();
  for (const dir of [...new Set(dirs)]) {
    // Two directories of one name (/etc/cron.daily and /etc/periodic/daily) stay apart.
    const label = labels.has(partsLabel(dir)) ? dir : partsLabel(dir);
    labels.add(label);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      // No such directory: a host without those scripts, which the other side's rows show.
      if (!ABSENT.has(code(err))) facts.unreadable.push({ dir: label, name: '', file: dir, error: `cannot read: ${code(err)}` });
      continue;
    }
    const runs = await namesRun(dir, naming);
    if (typeof runs !== 'function') {
      // Which of its scripts run is unknown: all of them are.
      facts.unreadable.push({ dir: label, name: '', file: runs.file, error: runs.error });
      continue;
    }
    facts.dirs.push(dir);
    for (const name of names) {
      if (!runs(name)) continue;
      const file = join(dir, name);
      const script = await readScript(file, salt);
      if ('skip' in script) continue;
      if ('error' in script) facts.unreadable.push({ dir: label, name, file, error: script.error });
      else facts.scripts.push({ dir: label, name, digest: script.digest, large: script.large, file });
    }
  }
  for (const s of facts.scripts) if (s.large) notes.push(`cron scripts: ${s.file}: over ${PARTS_READ_CAP} bytes, compared by size and modification time`);
  for (const u of facts.unreadable) notes.push(`cron scripts: ${u.file}: ${u.error}`);
  return { facts, notes };
}

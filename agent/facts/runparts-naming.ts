// Which file names in /etc/cron.daily and its kin cron runs depends on the run-parts it calls:
// Debian's (and busybox's) runs `backup` but never `backup.sh`; RHEL's, a shell script shipped
// with cronie's crontabs, runs `backup.sh` too. Comparing by the wrong rule hides a script one host
// really runs, so the rule is taken from the run-parts this host has.
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { readUpTo } from './small-file.js';

export type PartsNaming = 'debian' | 'cronie';

/**
 * Where cron finds `run-parts`: the PATH /etc/crontab (Debian), /etc/cron.d/0hourly and
 * /etc/anacrontab (RHEL) set, in their order.
 */
export const RUN_PARTS_PATHS = ['/usr/local/sbin/run-parts', '/usr/local/bin/run-parts', '/sbin/run-parts', '/bin/run-parts', '/usr/sbin/run-parts', '/usr/bin/run-parts'];

/**
 * Debian's run-parts (without --lsbsysinit, as /etc/crontab and anacrontab call it) and busybox's
 * run only names of letters, digits, `_` and `-`: `foo.sh`, `foo.dpkg-old` and `.placeholder`
 * never run there.
 */
export const DEBIAN_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * cronie's run-parts globs `*[^~,]` (no dot files, nothing ending in `~` or `,`) and passes over
 * editor, RCS and rpm leftovers; every other name runs — `foo.dpkg-old` too, which it does not
 * know of.
 */
const CRONIE_SKIPPED = /^\.|[~,]$|,v$|\.(?:rpmsave|rpmorig|rpmnew|swp|cfsaved)$/;

/** Whether cronie's run-parts runs `name`, given the directory's jobs.deny and jobs.allow lines (undefined: no such file). */
export function cronieRuns(name: string, deny: string[] | undefined, allow: string[] | undefined): boolean {
  if (CRONIE_SKIPPED.test(name)) return false;
  if (deny?.includes(name)) return false;
  return allow === undefined || allow.includes(name);
}

/** How the run-parts at `path` names what it runs, from its first bytes; undefined when it is neither kind. */
async function kindOf(path: string): Promise<PartsNaming | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await handle.stat();
    if (!s.isFile()) return undefined;
    const head = await readUpTo(handle, Math.min(s.size, 64 * 1024));
    // A compiled run-parts is debianutils' or busybox's: both keep to Debian's rule.
    if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'debian';
    const text = head.toString('latin1');
    if (text.startsWith('#!') && text.includes('rpmsave')) return 'cronie';
    return undefined;
  } finally {
    await handle.close();
  }
}

/** The os-release ID, then its ID_LIKE words: the distribution itself before what it is like. */
async function osIds(osReleasePath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(osReleasePath, 'utf8');
  } catch {
    return [];
  }
  const field = (name: string) => {
    const line = text.split('\n').find((l) => l.trim().startsWith(`${name}=`));
    return line === undefined ? [] : line.trim().slice(name.length + 1).replace(/^(["'])(.*)\1$/, '$2').toLowerCase().split(/\s+/).filter((w) => w !== '');
  };
  return [...field('ID'), ...field('ID_LIKE')];
}

const CRONIE_DISTROS = new Set(['rhel', 'fedora', 'centos']);
const DEBIAN_DISTROS = new Set(['debian', 'ubuntu', 'alpine']);

/**
 * The rule of the run-parts cron would run here: the first one on cron's PATH, by what it is; when
 * there is none or it is of neither known kind, the distribution's (os-release ID/ID_LIKE); else
 * Debian's, said to be assumed.
 */
export async function detectNaming(paths = RUN_PARTS_PATHS, osReleasePath = '/etc/os-release'): Promise<{ naming: PartsNaming; from: string }> {
  let unknownBinary: string | undefined;
  for (const path of paths) {
    let kind: PartsNaming | undefined;
    try {
      kind = await kindOf(path);
    } catch {
      continue;
    }
    if (kind !== undefined) return { naming: kind, from: path };
    unknownBinary = path;
    break;
  }
  const ids = await osIds(osReleasePath);
  const seen = unknownBinary === undefined ? 'no run-parts found' : `${unknownBinary} of no known kind`;
  const first = ids.find((id) => CRONIE_DISTROS.has(id) || DEBIAN_DISTROS.has(id));
  if (first !== undefined) return { naming: CRONIE_DISTROS.has(first) ? 'cronie' : 'debian', from: `os-release (${first}; ${seen})` };
  return { naming: 'debian', from: `assumed (${seen}, os-release names no known distribution)` };
}

// A file-system error during a pull, as a sysadmin needs it: what the errno means, where in the
// asset root it happened, and what to do. Node's own message ("ENOSPC: no space left on device,
// write") names no path for a write, and reached the controller as SY_INTERNAL.
import { hostname, userInfo } from 'node:os';
import { posix } from 'node:path';
import { SwitchyardError } from '../../shared/errors.js';

interface Known {
  meaning: string;
  advice: (rootPath: string) => string;
}

const RERUN = 'then run the pull again: files already in place are kept, and a large file resumes where it stopped';

function agentUser(): string {
  const uid = process.getuid?.();
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = undefined;
  }
  return name === undefined ? `uid ${uid ?? '?'}` : `${name} (uid ${uid ?? '?'})`;
}

const KNOWN: Record<string, Known> = {
  ENOSPC: { meaning: 'no space left on device', advice: (r) => `free space on the file system that holds ${r} (df -h ${r}; df -i ${r} when it is out of inodes), ${RERUN}` },
  EDQUOT: { meaning: 'disk quota exceeded', advice: (r) => `raise the disk quota of the agent's user, ${agentUser()}, on the file system that holds ${r}, or free space within it, ${RERUN}` },
  EACCES: { meaning: 'permission denied', advice: () => `the agent runs as ${agentUser()}: make that user the owner of the asset root (chown -R), or give it access to this path and its directory (read on staging, write on production), ${RERUN}` },
  EPERM: { meaning: 'operation not permitted', advice: () => `the agent runs as ${agentUser()}: make that user the owner of the asset root and its files (chown -R; an immutable or append-only attribute, lsattr, also refuses), ${RERUN}` },
  EROFS: {
    meaning: 'read-only file system',
    advice: (r) => `${r} is read-only for the agent: under the systemd unit shipped with Switchyard, a root outside its ReadWritePaths= (/var/www) is; add it there (systemctl edit switchyard-agent). Otherwise its file system is mounted read-only (the kernel does so after disk errors: see dmesg); remount it read-write, ${RERUN}`,
  },
  EMFILE: { meaning: 'too many open files in the agent', advice: () => `raise the agent's open-file limit (LimitNOFILE= in its systemd unit; ulimit -n), ${RERUN}` },
  ENFILE: { meaning: 'too many open files on the system', advice: () => `raise the system's open-file limit (sysctl fs.file-max) or find what holds so many files open, ${RERUN}` },
  EIO: { meaning: 'input/output error', advice: (r) => `the disk that holds ${r} reported an error: check it (dmesg, smartctl) before running the pull again` },
  EFBIG: { meaning: 'file too large for the file system', advice: (r) => `the file system that holds ${r} cannot hold a file this large: move the asset root to one that can` },
};

/** The errno code of a file-system error this module explains, or undefined. */
function fsErrorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(KNOWN, code) ? code : undefined;
}

/**
 * The agent's state file (the manifest) fails too when it shares the full or failing disk —
 * /var/lib and /var/www are often one file system. better-sqlite3 gives SQLite's code, not an errno.
 */
function sqliteMeaning(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'SQLITE_FULL') return 'database or disk is full';
  if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return 'input/output error';
  return undefined;
}

/**
 * `err` as SY_FILESYSTEM when it is a file-system error a sysadmin must act on (disk full,
 * permissions, read-only, open-file limits, I/O), naming `rel` (the path inside the root being
 * written) or, without it, the error's own path when that lies inside the root — or the state
 * file `stateFile` full or failing; anything else is returned as it is.
 */
export function fsError(err: unknown, root: { name: string; path: string }, rel?: string, stateFile?: string): unknown {
  if (err instanceof SwitchyardError) return err;
  // The host too: a pull's error may come from staging's agent as well as production's.
  const host = hostname();
  const sqlite = sqliteMeaning(err);
  if (sqlite !== undefined) {
    const code = String((err as { code: string }).code);
    const file = stateFile ?? "(stateFile in the agent's config)";
    return new SwitchyardError('SY_FILESYSTEM', `asset root ${JSON.stringify(root.name)} (${root.path} on ${host}): writing the agent's state file ${file}: ${sqlite} (${code}) — free space on (or check) the file system that holds it (df -h ${stateFile ?? '<stateFile>'}), ${RERUN}`, {
      details: { errno: code, host, root: root.name, ...(stateFile === undefined ? {} : { stateFile }) },
      cause: err,
    });
  }
  const code = fsErrorCode(err);
  if (code === undefined) return err;
  const e = err as NodeJS.ErrnoException;
  const where = rel ?? insideRoot(root.path, e.path);
  const known = KNOWN[code]!;
  const at = where === undefined ? '' : ` at ${JSON.stringify(where)}`;
  const syscall = e.syscall === undefined ? '' : `, ${e.syscall}`;
  return new SwitchyardError('SY_FILESYSTEM', `asset root ${JSON.stringify(root.name)} (${root.path} on ${host}): ${known.meaning} (${code}${syscall})${at} — ${known.advice(root.path)}`, {
    details: { errno: code, ...(e.syscall === undefined ? {} : { syscall: e.syscall }), host, root: root.name, ...(where === undefined ? {} : { path: where }) },
    cause: err,
  });
}

function insideRoot(rootPath: string, abs: string | undefined): string | undefined {
  if (typeof abs !== 'string') return undefined;
  const rel = posix.relative(rootPath, abs);
  if (rel === '') return '.';
  return rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel) ? undefined : rel;
}

// One controller per state file. Crash recovery marks running steps interrupted, clears run
// locks and resumes rollbacks and watches: a second controller doing that next to a live one
// (another port, same file) would drive the same cutovers twice. The lock is a row in the state
// file itself, claimed in one write transaction; a holder whose process is gone (killed, host
// rebooted) is taken over, and a live one makes the newcomer refuse to start.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { SwitchyardError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { CutoverStore, LockHolder } from './cutover/store/index.js';

export interface StateLock {
  readonly holder: LockHolder;
  /** Frees the row (clean shutdown); a crashed process leaves it for the next one to take over. */
  release(): void;
}

export interface StateLockOptions {
  /**
   * Take the lock even from a holder that cannot be checked (another host name: a container
   * re-created under a new one) — after the operator made sure that controller is gone.
   */
  takeOver?: boolean;
}

/** Tokens of the locks held by controllers of this process (tests and the demo run several). */
const heldHere = new Set<string>();

type Liveness = 'alive' | 'gone' | 'unknown';

/**
 * The kernel's start time of `pid` (field 22 of /proc/PID/stat): a pid reused by another process
 * has another. 'gone' when the pid is not running (or a zombie); null without /proc.
 */
function procStart(pid: number): string | null | 'gone' {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    try {
      readFileSync('/proc/self/stat');
    } catch {
      return null;
    }
    return 'gone';
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return 'gone';
  return fields[19] ?? null;
}

function liveness(h: LockHolder, host: string): Liveness {
  if (h.host !== host) return 'unknown';
  // Same pid as ours: another controller of this process, or this pid's previous life (a
  // container restarted hands its process the same pid).
  if (h.pid === process.pid) return heldHere.has(h.token) ? 'alive' : 'gone';
  const start = procStart(h.pid);
  if (start === 'gone') return 'gone';
  if (start !== null && h.procStart !== null && start !== h.procStart) return 'gone';
  try {
    process.kill(h.pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive';
  }
}

const describe = (h: LockHolder): string => `pid ${h.pid} on host ${h.host} (started ${h.startedAt}, holding it since ${h.takenAt})`;

/** Claims `store`'s state file for this controller, or throws SY_CONFLICT naming the holder. */
export function lockStateFile(store: CutoverStore, stateFile: string, logger: Logger, opts: StateLockOptions = {}): StateLock {
  const host = hostname();
  const mine = procStart(process.pid);
  const holder: LockHolder = {
    token: randomBytes(8).toString('hex'),
    pid: process.pid,
    host,
    procStart: mine === 'gone' ? null : mine,
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    takenAt: new Date().toISOString(),
  };
  const previous = store.controllerLock.claim((current, take) => {
    if (current !== undefined) {
      const state = liveness(current, host);
      if (state === 'alive' || (state === 'unknown' && opts.takeOver !== true)) {
        const how =
          state === 'alive'
            ? 'stop that controller first (only one controller may use a state file), or give this one its own stateFile'
            : `this host (${host}) cannot tell whether it still runs: stop it, or once you are sure it is gone start this one with --take-over`;
        throw new SwitchyardError('SY_CONFLICT', `stateFile ${stateFile} is in use by another controller: ${describe(current)}; ${how}`, {
          field: 'stateFile',
          details: { stateFile, pid: current.pid, host: current.host, startedAt: current.startedAt, since: current.takenAt },
        });
      }
    }
    take(holder);
    return current;
  });
  heldHere.add(holder.token);
  if (previous !== undefined) {
    logger.warn({ stateFile, previous: { pid: previous.pid, host: previous.host, startedAt: previous.startedAt, since: previous.takenAt } }, 'took over the state file from a controller that is gone (crashed or killed)');
  }
  let released = false;
  return {
    holder,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(holder.token);
      if (!store.controllerLock.release(holder.token)) logger.warn({ stateFile }, 'the state file lock was no longer this controller\'s at shutdown');
    },
  };
}

// One controller per state file. Crash recovery marks running steps interrupted, clears run
// locks and resumes rollbacks and watches: a second controller doing that next to a live one
// (another port, same file) would drive the same cutovers twice. The lock is a row in the state
// file itself, claimed in one write transaction; a holder whose process is gone (killed, host
// rebooted) is taken over, and a live one makes the newcomer refuse to start.
//
// A holder's pid means something only on its host and in its pid namespace: two containers with
// one host name (`--hostname ctl` twice, or `--network host`) each have a pid 1. A holder this
// process cannot check (another host name or pid namespace) is kept while it beats: it refreshes
// beat_at every BEAT_INTERVAL_MS, and once its last beat is older than STALE_BEAT_MS it is taken
// over (or at once with --take-over). A controller that finds at a beat that its row was taken
// has been recovered as crashed by the new holder, and is told to stop (onLost).
//
// A newcomer that finds such a holder still beating waits for the beat to go stale instead of
// refusing at once: a controller container restarted (or re-created) after a crash always has a
// new pid namespace, so its old self is 'unknown' and its last beat up to a minute fresh. Refusing
// would leave the controller down for that minute, with a cutover in flight; waiting, re-reading
// the row, brings it up as soon as the old beat is stale. One that goes on beating is alive after
// all: after STALE_BEAT_MS + WAIT_MARGIN_MS the newcomer refuses as before.
import { randomBytes } from 'node:crypto';
import { pidNamespace, procStart } from '../shared/proc-identity.js';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { CutoverStore, LockHolder } from './cutover/store/index.js';

/** How often the holder refreshes its beat. */
export const BEAT_INTERVAL_MS = 20_000;
/**
 * A holder that cannot be checked otherwise is taken for dead once its last beat is this old:
 * three missed beats, and at least a minute (the hosts' clocks must agree within that).
 */
export const STALE_BEAT_MS = Math.max(3 * BEAT_INTERVAL_MS, 60_000);
/** How often a newcomer waiting for a holder's beat to go stale re-reads the row (freed, taken). */
export const WAIT_POLL_MS = 2_000;
/**
 * How much longer than STALE_BEAT_MS a newcomer waits for a beating holder: timer slack and a few
 * seconds of clock difference between hosts. One still beating after that is alive.
 */
export const WAIT_MARGIN_MS = 10_000;

export interface StateLock {
  readonly holder: LockHolder;
  /** Frees the row (clean shutdown); a crashed process leaves it for the next one to take over. */
  release(): void;
}

export interface StateLockOptions {
  /**
   * Take the lock even from a holder that cannot be checked (another host name: a container
   * re-created under a new one; another pid namespace) — after the operator made sure that
   * controller is gone.
   */
  takeOver?: boolean;
  /** Beat interval; BEAT_INTERVAL_MS unless a test wants it quicker. */
  beatMs?: number;
  /** Age at which a holder's last beat is stale; STALE_BEAT_MS unless a test wants it quicker. */
  staleMs?: number;
  /** How often a waiting newcomer re-reads the row; WAIT_POLL_MS unless a test wants it quicker. */
  pollMs?: number;
  /**
   * The most a newcomer waits for a beating holder's beat to go stale, from its first look:
   * staleMs + WAIT_MARGIN_MS unless a test wants it shorter (0: refuse at once).
   */
  maxWaitMs?: number;
  /**
   * Called once when a beat finds the row is no longer this controller's (another one took it
   * over): this one must stop driving cutovers. The error names the new holder.
   */
  onLost?: (err: SwitchyardError) => void;
}

/** Tokens of the locks held by controllers of this process (tests and the demo run several). */
const heldHere = new Set<string>();

type Liveness = 'alive' | 'gone' | 'unknown';

function liveness(h: LockHolder, host: string, ns: string | null): Liveness {
  if (h.host !== host) return 'unknown';
  // Another container under the same host name: its pids are not ours to look up. One side
  // without a namespace (no /proc) cannot be compared either — except a row of a version before
  // namespaces and heartbeats, checked by its pid as that version did: refused, it needed
  // --take-over after every crash on a plain host once upgraded, and no wait could end that.
  const legacy = h.pidNs === null && h.beatAt === null;
  if (h.pidNs !== ns && !legacy) return 'unknown';
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

/** Milliseconds since the holder's last beat; null when it records none (an older version). */
function beatAge(h: LockHolder, now: number): number | null {
  if (h.beatAt === null) return null;
  const at = Date.parse(h.beatAt);
  return Number.isNaN(at) ? null : now - at;
}

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));

const describe = (h: LockHolder): string =>
  `pid ${h.pid} on host ${h.host}${h.pidNs === null ? '' : ` in pid namespace ${h.pidNs}`} (started ${h.startedAt}, holding it since ${h.takenAt})`;

const summary = (h: LockHolder) => ({ pid: h.pid, host: h.host, pidNs: h.pidNs, startedAt: h.startedAt, since: h.takenAt, lastBeat: h.beatAt });

/** Why this process cannot check `h`, for the refusal. */
function whyUnknown(h: LockHolder, host: string, ns: string | null): string {
  if (h.host !== host) return `this host (${host}) cannot tell whether it still runs`;
  if (h.pidNs === null || ns === null) return `this process cannot tell whether it still runs (${h.pidNs === null ? 'the lock does not record its pid namespace' : 'this process cannot read its own pid namespace'})`;
  return `this process (pid namespace ${ns}: another container with the same host name) cannot tell whether it still runs`;
}

type Reason = 'gone' | 'stale' | 'take-over';

/** One look at the row, in its write transaction: taken (from `previous` if any), or why not. */
type Attempt =
  | { taken: true; previous?: { holder: LockHolder; reason: Reason } }
  | { taken: false; current: LockHolder; state: Liveness; age: number | null };

/**
 * Claims `store`'s state file for this controller. A holder this process cannot check whose beat
 * is still fresh is waited for (logged once per holder) until its beat is stale, at most maxWaitMs;
 * throws SY_CONFLICT naming the holder when one is alive, records no beat, or beats on.
 */
export async function lockStateFile(store: CutoverStore, stateFile: string, logger: Logger, opts: StateLockOptions = {}): Promise<StateLock> {
  const host = hostname();
  const ns = pidNamespace();
  const mine = procStart(process.pid);
  const staleMs = opts.staleMs ?? STALE_BEAT_MS;
  const pollMs = opts.pollMs ?? WAIT_POLL_MS;
  const maxWaitMs = opts.maxWaitMs ?? staleMs + WAIT_MARGIN_MS;
  const firstLook = Date.now();
  /** Tokens of the holders the wait was logged for. */
  const announced = new Set<string>();
  /** The first beat seen of each holder waited for: one that beats again runs, and waiting on is in vain. */
  const firstBeat = new Map<string, string | null>();
  let holder: LockHolder;
  let taken: Attempt & { taken: true };
  for (;;) {
    const now = new Date();
    const candidate: LockHolder = {
      token: randomBytes(8).toString('hex'),
      pid: process.pid,
      host,
      procStart: mine === 'gone' ? null : mine,
      pidNs: ns,
      startedAt: new Date(now.getTime() - process.uptime() * 1000).toISOString(),
      takenAt: now.toISOString(),
      beatAt: now.toISOString(),
    };
    const attempt = store.controllerLock.claim((current, take): Attempt => {
      if (current === undefined) {
        take(candidate);
        return { taken: true };
      }
      const state = liveness(current, host, ns);
      const age = beatAge(current, now.getTime());
      let reason: Reason | undefined;
      if (state === 'gone') reason = 'gone';
      else if (state === 'unknown' && opts.takeOver === true) reason = 'take-over';
      else if (state === 'unknown' && age !== null && age > staleMs) reason = 'stale';
      if (reason === undefined) return { taken: false, current, state, age };
      take(candidate);
      return { taken: true, previous: { holder: current, reason } };
    });
    if (attempt.taken) {
      holder = candidate;
      taken = attempt;
      break;
    }
    const { current, state, age } = attempt;
    const waited = now.getTime() - firstLook;
    const left = maxWaitMs - waited;
    if (!firstBeat.has(current.token)) firstBeat.set(current.token, current.beatAt);
    const beatAgain = firstBeat.get(current.token) !== current.beatAt;
    if (state === 'alive' || age === null || left <= 0 || beatAgain) {
      const how =
        state === 'alive'
          ? 'stop that controller first (only one controller may use a state file), or give this one its own stateFile'
          : `${whyUnknown(current, host, ns)}; ${
              age === null
                ? 'it records no heartbeat (an older version)'
                : `its last heartbeat was ${seconds(age)} s ago, and it is taken over once that is over ${seconds(staleMs)} s${
                    waited > 0 ? ` (it beat again while this controller waited ${seconds(waited)} s: it runs)` : ''
                  }`
            }: stop it, or once you are sure it is gone start this one with --take-over`;
      throw new SwitchyardError('SY_CONFLICT', `stateFile ${stateFile} is in use by another controller: ${describe(current)}; ${how}`, {
        field: 'stateFile',
        details: {
          stateFile,
          pid: current.pid,
          host: current.host,
          pidNs: current.pidNs,
          startedAt: current.startedAt,
          since: current.takenAt,
          lastBeat: current.beatAt,
          ...(waited > 0 ? { waitedMs: waited } : {}),
        },
      });
    }
    if (!announced.has(current.token)) {
      announced.add(current.token);
      logger.warn(
        { stateFile, holder: summary(current), lastBeatAgeMs: age, staleMs, maxWaitMs, waitLeftMs: left },
        `waiting up to ${seconds(left)} s for the controller holding the state file to stop beating: ${describe(current)}, last heartbeat ${seconds(age)} s ago; ${whyUnknown(current, host, ns)}: it is taken over once its heartbeat is over ${seconds(staleMs)} s old (--take-over takes it at once)`,
      );
    }
    // Wakes when the beat turns stale, or to see whether the row was freed or taken meanwhile.
    // A ref'd timer: nothing else keeps the process alive while it waits.
    await sleep(Math.max(1, Math.min(pollMs, staleMs - age + 1, left)));
  }
  heldHere.add(holder.token);
  if (taken.previous !== undefined) {
    const { holder: previous, reason } = taken.previous;
    const msg =
      reason === 'gone'
        ? 'took over the state file from a controller that is gone (crashed or killed)'
        : reason === 'stale'
          ? `took over the state file from a controller this process cannot check whose last heartbeat is over ${seconds(staleMs)} s old: ${describe(previous)}, last heartbeat ${previous.beatAt}`
          : `took over the state file, as --take-over asked, from a controller this process cannot check: ${describe(previous)}`;
    logger.warn({ stateFile, reason, previous: summary(previous) }, msg);
  }

  let released = false;
  const stop = (): void => {
    released = true;
    clearInterval(timer);
    heldHere.delete(holder.token);
  };
  const beat = (): void => {
    if (released) return;
    // A store closed without release() (a test, an aborted start-up) has no one left to beat for.
    if (!store.db.open) return stop();
    let stillMine: boolean;
    try {
      stillMine = store.controllerLock.beat(holder.token, new Date().toISOString());
    } catch (err) {
      logger.warn({ stateFile, err }, 'could not record the state file lock\'s heartbeat; trying again at the next one');
      return;
    }
    if (stillMine) return;
    stop();
    let by: LockHolder | undefined;
    try {
      by = store.controllerLock.get();
    } catch {
      by = undefined;
    }
    const err = new SwitchyardError(
      'SY_CONFLICT',
      `stateFile ${stateFile} is no longer this controller's: ${by === undefined ? 'its lock was removed' : `another controller took it over: ${describe(by)}`}; this controller stops driving cutovers`,
      { field: 'stateFile', details: { stateFile, ...(by === undefined ? {} : { by: summary(by) }) } },
    );
    logger.error({ stateFile, ...(by === undefined ? {} : { by: summary(by) }) }, err.message);
    opts.onLost?.(err);
  };
  // unref'd: a beat never keeps the process alive by itself.
  const timer = setInterval(beat, opts.beatMs ?? BEAT_INTERVAL_MS);
  timer.unref();

  return {
    holder,
    release() {
      if (released) return;
      stop();
      if (!store.controllerLock.release(holder.token)) logger.warn({ stateFile }, 'the state file lock was no longer this controller\'s at shutdown');
    },
  };
}

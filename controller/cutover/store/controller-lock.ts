// Repository of the controller lock row: which controller process drives this state file.
import type { Db } from '../../../shared/state/sqlite.js';

export interface LockHolder {
  /** Random per controller instance: tells two controllers of one process apart. */
  token: string;
  pid: number;
  host: string;
  /** Kernel start time of `pid` (Linux), null where /proc is not there. */
  procStart: string | null;
  /**
   * The pid namespace `pid` belongs to (Linux, e.g. "pid:[4026531836]"): containers of one host
   * name each have their own. Null where /proc is not there, or written by an older version.
   */
  pidNs: string | null;
  /** When that process started (ISO 8601). */
  startedAt: string;
  /** When it took the lock (ISO 8601). */
  takenAt: string;
  /** When the holder last said it is alive (ISO 8601); null when written by an older version. */
  beatAt: string | null;
}

interface Raw {
  token: string;
  pid: number;
  host: string;
  proc_start: string | null;
  pid_ns: string | null;
  started_at: string;
  taken_at: string;
  beat_at: string | null;
}

const toHolder = (r: Raw): LockHolder => ({
  token: r.token,
  pid: r.pid,
  host: r.host,
  procStart: r.proc_start,
  pidNs: r.pid_ns,
  startedAt: r.started_at,
  takenAt: r.taken_at,
  beatAt: r.beat_at,
});

export class ControllerLockRepo {
  private readonly getStmt;
  private readonly putStmt;
  private readonly beatStmt;
  private readonly releaseStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT * FROM controller_lock WHERE id = 1');
    this.putStmt = db.prepare(
      'INSERT OR REPLACE INTO controller_lock (id, token, pid, host, proc_start, pid_ns, started_at, taken_at, beat_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.beatStmt = db.prepare('UPDATE controller_lock SET beat_at = ? WHERE token = ?');
    this.releaseStmt = db.prepare('DELETE FROM controller_lock WHERE token = ?');
  }

  /**
   * Reads the holder and lets `decide` take the lock, in one write transaction begun at once
   * (BEGIN IMMEDIATE): two controllers starting together cannot both see it free or stale.
   */
  claim<T>(decide: (current: LockHolder | undefined, take: (h: LockHolder) => void) => T): T {
    return this.db
      .transaction(() => {
        const raw = this.getStmt.get() as Raw | undefined;
        return decide(raw === undefined ? undefined : toHolder(raw), (h) => {
          this.putStmt.run(h.token, h.pid, h.host, h.procStart, h.pidNs, h.startedAt, h.takenAt, h.beatAt);
        });
      })
      .immediate();
  }

  get(): LockHolder | undefined {
    const raw = this.getStmt.get() as Raw | undefined;
    return raw === undefined ? undefined : toHolder(raw);
  }

  /** Records that `token`'s holder is alive at `at`; false when the lock is no longer its own. */
  beat(token: string, at: string): boolean {
    return this.beatStmt.run(at, token).changes > 0;
  }

  /** Frees the lock if `token` still holds it; false when someone else took it meanwhile. */
  release(token: string): boolean {
    return this.releaseStmt.run(token).changes > 0;
  }
}

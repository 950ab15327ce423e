// Repositories of a cutover's rollback (one row per cutover, re-run in place on retry) and its
// parts, each recorded so a retry skips what is already undone.
import type { Db } from '../../../shared/state/sqlite.js';
import type { RollbackPartState, RollbackState } from '../states.js';
import type { ErrorRecord } from './cutovers.js';
import { fromJson, toJson } from './json.js';

export interface RollbackRow {
  cutoverId: string;
  state: RollbackState;
  reason: string;
  automatic: boolean;
  requestedBy: string;
  evidence: Record<string, unknown> | null;
  /** Nothing was held yet (no lock began): the rollback only cancelled the cutover. */
  cancelled: boolean;
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  error: ErrorRecord | null;
}

export interface RollbackPartRow {
  cutoverId: string;
  name: string;
  state: RollbackPartState;
  attempt: number;
  startedAt: string | null;
  endedAt: string | null;
  detail: Record<string, unknown> | null;
  error: ErrorRecord | null;
}

interface RawRollback {
  cutover_id: string;
  state: string;
  reason: string;
  automatic: number;
  requested_by: string;
  evidence: string | null;
  cancelled: number;
  attempt: number;
  started_at: string;
  ended_at: string | null;
  error: string | null;
}

interface RawPart {
  cutover_id: string;
  name: string;
  state: string;
  attempt: number;
  started_at: string | null;
  ended_at: string | null;
  detail: string | null;
  error: string | null;
}

export class RollbackRepo {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly restartStmt;
  private readonly finishStmt;
  private readonly runningStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare('SELECT * FROM rollbacks WHERE cutover_id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO rollbacks (cutover_id, state, reason, automatic, requested_by, evidence, cancelled, attempt, started_at)
       VALUES (@cutoverId, 'running', @reason, @automatic, @requestedBy, @evidence, @cancelled, 1, @at)`,
    );
    // A retry keeps the first request's reason and evidence: they explain why it started.
    this.restartStmt = db.prepare(
      "UPDATE rollbacks SET state = 'running', attempt = attempt + 1, ended_at = NULL, error = NULL WHERE cutover_id = ?",
    );
    this.finishStmt = db.prepare('UPDATE rollbacks SET state = ?, ended_at = ?, error = ? WHERE cutover_id = ?');
    this.runningStmt = db.prepare("SELECT * FROM rollbacks WHERE state = 'running'");
  }

  get(cutoverId: string): RollbackRow | undefined {
    const r = this.getStmt.get(cutoverId) as RawRollback | undefined;
    return r === undefined ? undefined : toRollback(r);
  }

  /** Starts the first attempt, or the next one of a rollback that failed part-way. */
  begin(r: { cutoverId: string; reason: string; automatic: boolean; requestedBy: string; evidence?: unknown; cancelled: boolean; at: string }): void {
    if (this.get(r.cutoverId) === undefined) {
      this.insertStmt.run({
        cutoverId: r.cutoverId,
        reason: r.reason,
        automatic: r.automatic ? 1 : 0,
        requestedBy: r.requestedBy,
        evidence: toJson(r.evidence),
        cancelled: r.cancelled ? 1 : 0,
        at: r.at,
      });
    } else {
      this.restartStmt.run(r.cutoverId);
    }
  }

  finish(cutoverId: string, state: RollbackState, at: string, error: ErrorRecord | null): void {
    this.finishStmt.run(state, at, toJson(error), cutoverId);
  }

  running(): RollbackRow[] {
    return (this.runningStmt.all() as RawRollback[]).map(toRollback);
  }
}

function toRollback(r: RawRollback): RollbackRow {
  return {
    cutoverId: r.cutover_id,
    state: r.state as RollbackState,
    reason: r.reason,
    automatic: r.automatic === 1,
    requestedBy: r.requested_by,
    evidence: fromJson<Record<string, unknown>>(r.evidence),
    cancelled: r.cancelled === 1,
    attempt: r.attempt,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    error: fromJson<ErrorRecord>(r.error),
  };
}

function toPart(r: RawPart): RollbackPartRow {
  return {
    cutoverId: r.cutover_id,
    name: r.name,
    state: r.state as RollbackPartState,
    attempt: r.attempt,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    detail: fromJson<Record<string, unknown>>(r.detail),
    error: fromJson<ErrorRecord>(r.error),
  };
}

export class RollbackPartRepo {
  private readonly insertStmt;
  private readonly listStmt;
  private readonly startStmt;
  private readonly finishStmt;
  private readonly interruptStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare("INSERT OR IGNORE INTO rollback_parts (cutover_id, name, ord, state) VALUES (?, ?, ?, 'pending')");
    this.listStmt = db.prepare('SELECT * FROM rollback_parts WHERE cutover_id = ? ORDER BY ord');
    this.startStmt = db.prepare(
      "UPDATE rollback_parts SET state = 'running', attempt = attempt + 1, started_at = ?, ended_at = NULL, error = NULL WHERE cutover_id = ? AND name = ?",
    );
    this.finishStmt = db.prepare('UPDATE rollback_parts SET state = ?, ended_at = ?, detail = ?, error = ? WHERE cutover_id = ? AND name = ?');
    this.interruptStmt = db.prepare(
      "UPDATE rollback_parts SET state = 'interrupted', ended_at = ?, error = ? WHERE cutover_id = ? AND state = 'running'",
    );
  }

  /** Registers the parts in order; parts already known keep their state. */
  ensure(cutoverId: string, names: readonly string[]): void {
    names.forEach((n, i) => this.insertStmt.run(cutoverId, n, i));
  }

  list(cutoverId: string): RollbackPartRow[] {
    return (this.listStmt.all(cutoverId) as RawPart[]).map(toPart);
  }

  start(cutoverId: string, name: string, at: string): void {
    this.startStmt.run(at, cutoverId, name);
  }

  finish(cutoverId: string, name: string, state: RollbackPartState, at: string, detail: unknown, error: ErrorRecord | null): void {
    this.finishStmt.run(state, at, toJson(detail), toJson(error), cutoverId, name);
  }

  interruptRunning(cutoverId: string, at: string, error: ErrorRecord): number {
    return this.interruptStmt.run(at, toJson(error), cutoverId).changes;
  }
}

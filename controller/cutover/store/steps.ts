// Repository of the steps table: one row per (cutover, step), created with the cutover so a
// status read always shows every step, including those not reached.
import type { Db } from '../../../shared/state/sqlite.js';
import { STEP_NAMES, type StepName, type StepState } from '../states.js';
import type { ErrorRecord } from './cutovers.js';
import { fromJson, toJson } from './json.js';

export interface StepRow {
  cutoverId: string;
  name: StepName;
  state: StepState;
  attempt: number;
  startedAt: string | null;
  endedAt: string | null;
  result: Record<string, unknown> | null;
  error: ErrorRecord | null;
}

interface Raw {
  cutover_id: string;
  name: string;
  state: string;
  attempt: number;
  started_at: string | null;
  ended_at: string | null;
  result: string | null;
  error: string | null;
}

function toRow(r: Raw): StepRow {
  return {
    cutoverId: r.cutover_id,
    name: r.name as StepName,
    state: r.state as StepState,
    attempt: r.attempt,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    result: fromJson<Record<string, unknown>>(r.result),
    error: fromJson<ErrorRecord>(r.error),
  };
}

export class StepRepo {
  private readonly insertStmt;
  private readonly listStmt;
  private readonly getStmt;
  private readonly startStmt;
  private readonly finishStmt;
  private readonly resultStmt;
  private readonly runningStmt;
  private readonly withResultStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare("INSERT INTO steps (cutover_id, name, ord, state) VALUES (?, ?, ?, 'pending')");
    this.listStmt = db.prepare('SELECT * FROM steps WHERE cutover_id = ? ORDER BY ord');
    this.getStmt = db.prepare('SELECT * FROM steps WHERE cutover_id = ? AND name = ?');
    // A new attempt starts clean: the previous attempt's error and evidence belong to the event log.
    this.startStmt = db.prepare(
      "UPDATE steps SET state = 'running', attempt = attempt + 1, started_at = ?, ended_at = NULL, result = NULL, error = NULL WHERE cutover_id = ? AND name = ?",
    );
    this.finishStmt = db.prepare('UPDATE steps SET state = ?, ended_at = ?, result = ?, error = ? WHERE cutover_id = ? AND name = ?');
    this.resultStmt = db.prepare('UPDATE steps SET result = ? WHERE cutover_id = ? AND name = ?');
    this.runningStmt = db.prepare("SELECT * FROM steps WHERE state = 'running' ORDER BY cutover_id, ord");
    // A result that is not JSON (a hand-edited row, read back as a string) matches nothing
    // rather than failing the query.
    this.withResultStmt = db.prepare('SELECT cutover_id FROM steps WHERE name = ? AND CASE WHEN json_valid(result) THEN json_extract(result, ?) END = ? ORDER BY cutover_id');
  }

  insertAll(cutoverId: string): void {
    STEP_NAMES.forEach((name, i) => this.insertStmt.run(cutoverId, name, i));
  }

  list(cutoverId: string): StepRow[] {
    return (this.listStmt.all(cutoverId) as Raw[]).map(toRow);
  }

  get(cutoverId: string, name: StepName): StepRow | undefined {
    const r = this.getStmt.get(cutoverId, name) as Raw | undefined;
    return r === undefined ? undefined : toRow(r);
  }

  start(cutoverId: string, name: StepName, at: string): void {
    this.startStmt.run(at, cutoverId, name);
  }

  finish(cutoverId: string, name: StepName, state: StepState, at: string, result: unknown, error: ErrorRecord | null): void {
    this.finishStmt.run(state, at, toJson(result), toJson(error), cutoverId, name);
  }

  /** Evidence recorded while the step still runs, so it survives a crash mid-step. */
  setResult(cutoverId: string, name: StepName, result: unknown): void {
    this.resultStmt.run(toJson(result), cutoverId, name);
  }

  /** The cutovers whose step `name` holds `value` at the JSON `path` of its result ('$.evidence.…'). */
  withResult(name: StepName, path: string, value: string): string[] {
    return (this.withResultStmt.all(name, path, value) as { cutover_id: string }[]).map((r) => r.cutover_id);
  }

  running(): StepRow[] {
    return (this.runningStmt.all() as Raw[]).map(toRow);
  }
}

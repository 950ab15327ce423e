// Repository of the cutovers table: one row per cutover with its plan, state and run lock.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../../shared/state/sqlite.js';
import type { CutoverState, StepName } from '../states.js';
import type { Plan } from '../plan.js';
import { fromJson, toJson } from './json.js';

export interface ErrorRecord {
  code: string;
  message: string;
  field?: string;
  step?: StepName;
  details?: Record<string, unknown>;
}

export interface CutoverRow {
  id: string;
  site: string;
  plan: Plan;
  state: CutoverState;
  currentStep: StepName | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  runOwner: string | null;
  fallbackUntil: string | null;
  error: ErrorRecord | null;
}

interface Raw {
  id: string;
  site: string;
  plan: string;
  state: string;
  current_step: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  run_owner: string | null;
  fallback_until: string | null;
  error: string | null;
}

function toRow(r: Raw): CutoverRow {
  return {
    id: r.id,
    site: r.site,
    plan: fromJson<Plan>(r.plan)!,
    state: r.state as CutoverState,
    currentStep: r.current_step as StepName | null,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    runOwner: r.run_owner,
    fallbackUntil: r.fallback_until,
    error: fromJson<ErrorRecord>(r.error),
  };
}

export interface CutoverPatch {
  state?: CutoverState;
  currentStep?: StepName | null;
  fallbackUntil?: string | null;
  error?: ErrorRecord | null;
}

/** A place in the newest-first listing: the last cutover a page showed. */
export interface ListPosition {
  createdAt: string;
  id: string;
}

export class CutoverRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly listBeforeStmt;
  private readonly byStateStmt;
  private readonly holdingStmt;
  private readonly acquireStmt;
  private readonly releaseStmt;
  private readonly clearOwnersStmt;
  private readonly updateStmts = new Map<string, Statement>();

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO cutovers (id, site, plan, state, current_step, created_at, created_by, updated_at)
       VALUES (@id, @site, @plan, 'planned', NULL, @at, @createdBy, @at)`,
    );
    this.getStmt = db.prepare('SELECT * FROM cutovers WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM cutovers ORDER BY created_at DESC, id DESC LIMIT ?');
    // Keyset, not OFFSET: a cutover created while someone pages sorts before the page they hold,
    // so it shifts nothing after it, and no row is shown twice or skipped.
    this.listBeforeStmt = db.prepare(
      `SELECT * FROM cutovers WHERE created_at < @createdAt OR (created_at = @createdAt AND id < @id)
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    );
    this.byStateStmt = db.prepare('SELECT * FROM cutovers WHERE state = ?');
    this.holdingStmt = db.prepare(`SELECT * FROM cutovers WHERE state NOT IN ('planned', 'completed', 'rolled_back') ORDER BY created_at, id`);
    this.acquireStmt = db.prepare('UPDATE cutovers SET run_owner = ?, updated_at = ? WHERE id = ? AND run_owner IS NULL');
    this.releaseStmt = db.prepare('UPDATE cutovers SET run_owner = NULL, updated_at = ? WHERE id = ? AND run_owner = ?');
    this.clearOwnersStmt = db.prepare('UPDATE cutovers SET run_owner = NULL WHERE run_owner IS NOT NULL');
  }

  insert(c: { id: string; site: string; plan: Plan; createdBy: string; at: string }): void {
    this.insertStmt.run({ id: c.id, site: c.site, plan: toJson(c.plan) ?? '{}', createdBy: c.createdBy, at: c.at });
  }

  get(id: string): CutoverRow | undefined {
    const r = this.getStmt.get(id) as Raw | undefined;
    return r === undefined ? undefined : toRow(r);
  }

  /** Newest first; with `after`, only those that sort after that position. */
  list(limit = 100, after?: ListPosition): CutoverRow[] {
    const raws = after === undefined ? this.listStmt.all(limit) : this.listBeforeStmt.all({ createdAt: after.createdAt, id: after.id, limit });
    return (raws as Raw[]).map(toRow);
  }

  withState(state: CutoverState): CutoverRow[] {
    return (this.byStateStmt.all(state) as Raw[]).map(toRow);
  }

  /** Cutovers that have started and are not over (neither planned, completed nor rolled back), oldest first. */
  holding(): CutoverRow[] {
    return (this.holdingStmt.all() as Raw[]).map(toRow);
  }

  update(id: string, patch: CutoverPatch, at: string): void {
    const sets: string[] = ['updated_at = @at'];
    const params: Record<string, unknown> = { id, at };
    if (patch.state !== undefined) {
      sets.push('state = @state');
      params.state = patch.state;
    }
    if (patch.currentStep !== undefined) {
      sets.push('current_step = @currentStep');
      params.currentStep = patch.currentStep;
    }
    if (patch.fallbackUntil !== undefined) {
      sets.push('fallback_until = @fallbackUntil');
      params.fallbackUntil = patch.fallbackUntil;
    }
    if (patch.error !== undefined) {
      sets.push('error = @error');
      params.error = toJson(patch.error);
    }
    // Built from the fixed column names above, never from input; one statement per shape.
    const sql = `UPDATE cutovers SET ${sets.join(', ')} WHERE id = @id`;
    let stmt = this.updateStmts.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.updateStmts.set(sql, stmt);
    }
    stmt.run(params);
  }

  /** Takes the run lock; false when someone holds it. */
  acquire(id: string, owner: string, at: string): boolean {
    return this.acquireStmt.run(owner, at, id).changes === 1;
  }

  release(id: string, owner: string, at: string): void {
    this.releaseStmt.run(at, id, owner);
  }

  /** At start-up no run can be in flight: locks left by a stopped controller are stale. */
  clearAllOwners(): number {
    return this.clearOwnersStmt.run().changes;
  }
}

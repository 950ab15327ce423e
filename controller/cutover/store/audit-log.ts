// Repository of the audit log: who (token name) did what to which cutover, append-only.
import type { Db } from '../../../shared/state/sqlite.js';
import { fromJson, toJson } from './json.js';

export type AuditAction = 'create' | 'advance' | 'rollback' | 'release' | 'prepare';

export interface AuditRow {
  id: number;
  at: string;
  tokenName: string;
  action: string;
  cutoverId: string | null;
  detail: Record<string, unknown> | null;
}

interface Raw {
  id: number;
  at: string;
  token_name: string;
  action: string;
  cutover_id: string | null;
  detail: string | null;
}

const toRow = (r: Raw): AuditRow => ({
  id: r.id,
  at: r.at,
  tokenName: r.token_name,
  action: r.action,
  cutoverId: r.cutover_id,
  detail: fromJson<Record<string, unknown>>(r.detail),
});

export class AuditLogRepo {
  private readonly insertStmt;
  private readonly forCutoverStmt;
  private readonly recentStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO audit_log (at, token_name, action, cutover_id, detail) VALUES (?, ?, ?, ?, ?)');
    this.forCutoverStmt = db.prepare('SELECT * FROM audit_log WHERE cutover_id = ? ORDER BY id');
    this.recentStmt = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
  }

  append(a: { at: string; tokenName: string; action: AuditAction; cutoverId: string | null; detail?: Record<string, unknown> }): void {
    this.insertStmt.run(a.at, a.tokenName, a.action, a.cutoverId, toJson(a.detail));
  }

  forCutover(cutoverId: string): AuditRow[] {
    return (this.forCutoverStmt.all(cutoverId) as Raw[]).map(toRow);
  }

  recent(limit = 100): AuditRow[] {
    return (this.recentStmt.all(limit) as Raw[]).map(toRow);
  }
}

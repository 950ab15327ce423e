// Repository of DNS record sets as they were before a change. The switch takes a snapshot
// before it calls the provider and marks it applied after; rollback restores the snapshot and
// marks it restored. A snapshot taken but never applied tells a restarted controller that a
// provider call may have happened and the record must be read back before anything else.
import type { Db } from '../../../shared/state/sqlite.js';
import { fromJson, toJson } from './json.js';

export interface DnsSnapshotRow<R = unknown> {
  id: number;
  cutoverId: string;
  provider: string;
  zone: string;
  name: string;
  type: string;
  rrsetBefore: R;
  rrsetAfter: R | null;
  takenAt: string;
  appliedAt: string | null;
  restoredAt: string | null;
}

interface Raw {
  id: number;
  cutover_id: string;
  provider: string;
  zone: string;
  name: string;
  type: string;
  rrset_before: string;
  rrset_after: string | null;
  taken_at: string;
  applied_at: string | null;
  restored_at: string | null;
}

function toRow<R>(r: Raw): DnsSnapshotRow<R> {
  return {
    id: r.id,
    cutoverId: r.cutover_id,
    provider: r.provider,
    zone: r.zone,
    name: r.name,
    type: r.type,
    rrsetBefore: fromJson<R>(r.rrset_before) as R,
    rrsetAfter: fromJson<R>(r.rrset_after),
    takenAt: r.taken_at,
    appliedAt: r.applied_at,
    restoredAt: r.restored_at,
  };
}

export class DnsSnapshotRepo {
  private readonly insertStmt;
  private readonly appliedStmt;
  private readonly restoredStmt;
  private readonly listStmt;
  private readonly getStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO dns_snapshots (cutover_id, provider, zone, name, type, rrset_before, taken_at)
       VALUES (@cutoverId, @provider, @zone, @name, @type, @rrsetBefore, @at)`,
    );
    this.appliedStmt = db.prepare('UPDATE dns_snapshots SET applied_at = ?, rrset_after = ? WHERE id = ?');
    this.restoredStmt = db.prepare('UPDATE dns_snapshots SET restored_at = ? WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM dns_snapshots WHERE cutover_id = ? ORDER BY id');
    this.getStmt = db.prepare('SELECT * FROM dns_snapshots WHERE id = ?');
  }

  /** Records the record set before a change; returns the snapshot id. */
  take(s: { cutoverId: string; provider: string; zone: string; name: string; type: string; rrsetBefore: unknown; at: string }): number {
    const info = this.insertStmt.run({ ...s, rrsetBefore: toJson(s.rrsetBefore) ?? 'null' });
    return Number(info.lastInsertRowid);
  }

  markApplied(id: number, at: string, rrsetAfter?: unknown): void {
    this.appliedStmt.run(at, toJson(rrsetAfter), id);
  }

  markRestored(id: number, at: string): void {
    this.restoredStmt.run(at, id);
  }

  get<R = unknown>(id: number): DnsSnapshotRow<R> | undefined {
    const r = this.getStmt.get(id) as Raw | undefined;
    return r === undefined ? undefined : toRow<R>(r);
  }

  forCutover<R = unknown>(cutoverId: string): DnsSnapshotRow<R>[] {
    return (this.listStmt.all(cutoverId) as Raw[]).map((r) => toRow<R>(r));
  }

  /** The first snapshot of a record is the state before the cutover touched it: the one to restore. */
  original<R = unknown>(cutoverId: string, zone: string, name: string, type: string): DnsSnapshotRow<R> | undefined {
    return this.forCutover<R>(cutoverId).find((s) => s.zone === zone && s.name === name && s.type === type);
  }
}

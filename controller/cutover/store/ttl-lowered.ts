// Repository of TTL observations the controller made itself (prepare, switch): the DNS answer
// shows the current TTL but not since when, and preflight must know the TTL has been low for
// `ttlLeadHours` so caches holding the old, long TTL have expired.
import type { Db } from '../../../shared/state/sqlite.js';

export interface TtlRow {
  id: number;
  zone: string;
  name: string;
  type: string;
  ttl: number;
  at: string;
  cutoverId: string | null;
  source: string;
}

interface Raw {
  id: number;
  zone: string;
  name: string;
  type: string;
  ttl: number;
  at: string;
  cutover_id: string | null;
  source: string;
}

const toRow = (r: Raw): TtlRow => ({ id: r.id, zone: r.zone, name: r.name, type: r.type, ttl: r.ttl, at: r.at, cutoverId: r.cutover_id, source: r.source });

export class TtlLoweredRepo {
  private readonly insertStmt;
  private readonly historyStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO ttl_lowered (zone, name, type, ttl, at, cutover_id, source) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.historyStmt = db.prepare('SELECT * FROM ttl_lowered WHERE zone = ? AND name = ? AND type = ? ORDER BY at, id');
  }

  record(r: { zone: string; name: string; type: string; ttl: number; at: string; cutoverId?: string | null; source: string }): void {
    this.insertStmt.run(r.zone, r.name, r.type, r.ttl, r.at, r.cutoverId ?? null, r.source);
  }

  history(zone: string, name: string, type: string): TtlRow[] {
    return (this.historyStmt.all(zone, name, type) as Raw[]).map(toRow);
  }

  /**
   * Since when the record's TTL has been at or below `maxTtl` without a higher observation
   * in between, or undefined when the controller never saw it low (or the last sighting was high).
   */
  lowSince(zone: string, name: string, type: string, maxTtl: number): string | undefined {
    let since: string | undefined;
    for (const row of this.history(zone, name, type)) {
      if (row.ttl > maxTtl) since = undefined;
      else since ??= row.at;
    }
    return since;
  }
}

// Repository of a cutover's event log, numbered per cutover, so a Server-Sent Events client
// that reconnects with Last-Event-ID gets exactly the events it missed.
import type { Db } from '../../../shared/state/sqlite.js';
import { fromJson, toJson } from './json.js';

export interface EventRow {
  cutoverId: string;
  seq: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

interface Raw {
  cutover_id: string;
  seq: number;
  at: string;
  type: string;
  data: string;
}

const toRow = (r: Raw): EventRow => ({ cutoverId: r.cutover_id, seq: r.seq, at: r.at, type: r.type, data: fromJson<Record<string, unknown>>(r.data) ?? {} });

export class EventRepo {
  private readonly insertStmt;
  private readonly afterStmt;
  private readonly lastStmt;

  constructor(db: Db) {
    // Called inside the state change's transaction, so MAX(seq)+1 cannot race.
    this.insertStmt = db.prepare(
      `INSERT INTO events (cutover_id, seq, at, type, data)
       VALUES (@cutoverId, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE cutover_id = @cutoverId), @at, @type, @data)
       RETURNING seq`,
    );
    this.afterStmt = db.prepare('SELECT * FROM events WHERE cutover_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.lastStmt = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE cutover_id = ?');
  }

  append(e: { cutoverId: string; at: string; type: string; data: Record<string, unknown> }): EventRow {
    const { seq } = this.insertStmt.get({ cutoverId: e.cutoverId, at: e.at, type: e.type, data: toJson(e.data) ?? '{}' }) as { seq: number };
    return { cutoverId: e.cutoverId, seq, at: e.at, type: e.type, data: e.data };
  }

  after(cutoverId: string, seq: number, limit = 1000): EventRow[] {
    return (this.afterStmt.all(cutoverId, seq, limit) as Raw[]).map(toRow);
  }

  lastSeq(cutoverId: string): number {
    return (this.lastStmt.get(cutoverId) as { seq: number }).seq;
  }
}

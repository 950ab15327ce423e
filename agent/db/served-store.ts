// Which `<db>__sy_served[N]` a rollback kept the live copy in, and for which rollback. The name is
// the first free N, not the highest (an operator may have dropped `__sy_served` and kept
// `__sy_served2`), so only this record can tell a caller whose answer was lost where it went.
import { openDatabase, type Db } from '../../shared/state/sqlite.js';
import { DB_MIGRATIONS } from './freeze.js';

export interface ServedRecord {
  schema: string;
  served: string;
  /** The caller's name for the rollback (the cutover id); '' when it gave none. */
  attempt: string;
  /** When the live tables moved there (ISO); when the name was taken, if the agent stopped before it recorded the move. */
  servedAt: string;
}

export class ServedStore {
  private readonly db: Db;
  constructor(db?: Db) {
    this.db = db ?? openDatabase(':memory:', DB_MIGRATIONS);
  }

  /**
   * Written before the served schema is created, so an agent stopped anywhere after still knows
   * the schema is its own: a retry reuses it while the live tables never reached it, and names it
   * once they did. A rollback retried under the same name replaces its record (only one of its
   * tries moved tables), and so does any rollback taking the name (the earlier holder is gone).
   */
  kept(schema: string, served: string, attempt: string): void {
    this.db.transaction(() => {
      if (attempt !== '') this.db.prepare('DELETE FROM db_served WHERE schema_name = ? AND attempt = ?').run(schema, attempt);
      this.db.prepare('DELETE FROM db_served WHERE schema_name = ? AND served_schema = ?').run(schema, served);
      this.db.prepare('INSERT INTO db_served (schema_name, served_schema, attempt, served_at) VALUES (?, ?, ?, ?)').run(schema, served, attempt, new Date().toISOString());
    })();
  }

  /** The live tables are in `served`: from now on it holds rows only it has, and is never reused. */
  moved(schema: string, served: string): void {
    this.db.prepare('UPDATE db_served SET moved_at = ? WHERE schema_name = ? AND served_schema = ?').run(new Date().toISOString(), schema, served);
  }

  /** Nothing went to `served`: the move failed, or the schema was a stopped rollback's, left empty (both dropped). */
  forget(schema: string, served: string): void {
    this.db.prepare("DELETE FROM db_served WHERE schema_name = ? AND served_schema = ? AND moved_at = ''").run(schema, served);
  }

  /** Recorded by a rollback whose live tables never reached it: an agent stopped before the move. */
  unmoved(schema: string, served: string): boolean {
    return this.db.prepare("SELECT 1 FROM db_served WHERE schema_name = ? AND served_schema = ? AND moved_at = ''").get(schema, served) !== undefined;
  }

  /**
   * Forgets the records of `schema` whose served schema is not among `existing` (the names the
   * server holds now): an operator dropped it after reconciling. Called with the rollbacks of
   * `schema` held back, so no record is between being written and its schema being created.
   * Returns the names forgotten.
   */
  prune(schema: string, existing: ReadonlySet<string>): string[] {
    const gone = (this.db.prepare('SELECT DISTINCT served_schema AS s FROM db_served WHERE schema_name = ?').all(schema) as Array<{ s: string }>).map((r) => r.s).filter((s) => !existing.has(s));
    if (gone.length === 0) return [];
    this.db.transaction(() => {
      for (const s of gone) this.db.prepare('DELETE FROM db_served WHERE schema_name = ? AND served_schema = ?').run(schema, s);
    })();
    return gone;
  }

  /** The served copy the rollback named `attempt` kept for `schema`, if it kept one. */
  find(schema: string, attempt: string): ServedRecord | undefined {
    if (attempt === '') return undefined;
    const r = this.db.prepare('SELECT schema_name, served_schema, attempt, served_at, moved_at FROM db_served WHERE schema_name = ? AND attempt = ? ORDER BY id DESC LIMIT 1').get(schema, attempt) as
      | { schema_name: string; served_schema: string; attempt: string; served_at: string; moved_at: string }
      | undefined;
    return r === undefined ? undefined : { schema: r.schema_name, served: r.served_schema, attempt: r.attempt, servedAt: r.moved_at || r.served_at };
  }
}

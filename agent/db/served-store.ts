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
  /** When the live copy was moved there (ISO). */
  servedAt: string;
}

export class ServedStore {
  private readonly db: Db;
  constructor(db?: Db) {
    this.db = db ?? openDatabase(':memory:', DB_MIGRATIONS);
  }

  /**
   * Written before the live tables move, so an agent stopped right after the move still has it.
   * A rollback retried under the same name replaces its record: only one of its tries moved tables.
   */
  kept(schema: string, served: string, attempt: string): void {
    this.db.transaction(() => {
      if (attempt !== '') this.db.prepare('DELETE FROM db_served WHERE schema_name = ? AND attempt = ?').run(schema, attempt);
      this.db.prepare('INSERT INTO db_served (schema_name, served_schema, attempt, served_at) VALUES (?, ?, ?, ?)').run(schema, served, attempt, new Date().toISOString());
    })();
  }

  /** The move failed: nothing went to `served` (the rollback drops it again). */
  forget(schema: string, served: string): void {
    this.db.prepare('DELETE FROM db_served WHERE schema_name = ? AND served_schema = ? AND id = (SELECT MAX(id) FROM db_served WHERE schema_name = ?)').run(schema, served, schema);
  }

  /** The served copy the rollback named `attempt` kept for `schema`, if it kept one. */
  find(schema: string, attempt: string): ServedRecord | undefined {
    if (attempt === '') return undefined;
    const r = this.db.prepare('SELECT schema_name, served_schema, attempt, served_at FROM db_served WHERE schema_name = ? AND attempt = ? ORDER BY id DESC LIMIT 1').get(schema, attempt) as
      | { schema_name: string; served_schema: string; attempt: string; served_at: string }
      | undefined;
    return r === undefined ? undefined : { schema: r.schema_name, served: r.served_schema, attempt: r.attempt, servedAt: r.served_at };
  }
}

// Opens a better-sqlite3 file with WAL and applies numbered migrations once each, in a
// transaction per migration, so the controller's and the agent's state survive restarts and
// upgrades. Each feature brings its own migrations; ids are unique per file.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SwitchyardError } from '../errors.js';

export type Db = Database.Database;

export interface Migration {
  /** Unique, ordered: e.g. 1, 2, 3 for the core; 100+ for a feature. */
  id: number;
  name: string;
  sql: string;
}

export function openDatabase(path: string, migrations: Migration[]): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new SwitchyardError('SY_CONFIG_INVALID', `stateFile ${path}: cannot open: ${String(err)}`, { field: 'stateFile', cause: err });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  applyMigrations(db, migrations);
  return db;
}

export function applyMigrations(db: Db, migrations: Migration[]): number[] {
  const ids = new Set<number>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new SwitchyardError('SY_INTERNAL', `duplicate migration id ${m.id} (${m.name})`);
    ids.add(m.id);
  }
  const done = new Set((db.prepare('SELECT id FROM schema_migrations').all() as Array<{ id: number }>).map((r) => r.id));
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, m.name, new Date().toISOString());
    })();
    applied.push(m.id);
  }
  return applied;
}

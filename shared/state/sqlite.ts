// Opens a better-sqlite3 file with WAL and applies numbered migrations once each, in a
// transaction per migration, so the controller's and the agent's state survive restarts and
// upgrades. Each feature brings its own migrations; ids are unique per file.
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SwitchyardError } from '../errors.js';

export type Db = Database.Database;

export interface Migration {
  /** Unique, ordered: e.g. 1, 2, 3 for the core; 100+ for a feature. */
  id: number;
  name: string;
  sql: string;
}

/** Why the state file cannot be used, and what to do, in words a sysadmin acts on. */
function stateFault(path: string, err: unknown): SwitchyardError {
  const code = (err as { code?: unknown } | null)?.code;
  // mkdir names the directory it could not make (a parent); sqlite names nothing.
  const errPath = (err as { path?: unknown } | null)?.path;
  const dir = typeof errPath === 'string' && errPath !== path ? dirname(errPath) : dirname(path);
  const why =
    code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_READONLY' || (code === 'SQLITE_CANTOPEN' && !isDir(path))
      ? `permission denied; make ${dir} and the file writable by the user this process runs as (the systemd unit's StateDirectory= does it for /var/lib/switchyard)`
      : code === 'EEXIST' || code === 'ENOTDIR'
        ? `a path component of ${dirname(path)} is a file, not a directory; choose a stateFile in a directory`
        : isDir(path)
          ? 'is a directory; stateFile names the file itself (e.g. /var/lib/switchyard/agent.sqlite)'
          : code === 'EROFS'
            ? `${dir} is on a read-only file system; choose a stateFile on a writable one`
            : `cannot open: ${String(err)}`;
  return new SwitchyardError('SY_CONFIG_INVALID', `stateFile ${path}: ${why}`, { field: 'stateFile', cause: err });
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function openDatabase(path: string, migrations: Migration[]): Db {
  if (path === ':memory:') return prepare(new Database(path), migrations);
  // Every way a state file cannot be made or written stops start-up naming the key: a raw
  // `EEXIST: file already exists, mkdir …` or `attempt to write a readonly database` said neither.
  let db: Db | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    return prepare(db, migrations);
  } catch (err) {
    db?.close();
    if (err instanceof SwitchyardError) throw err;
    throw stateFault(path, err);
  }
}

function prepare(db: Db, migrations: Migration[]): Db {
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

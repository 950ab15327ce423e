// The agent's own better-sqlite3 file: every feature's tables, migrated in one place, so a
// restarted agent finds its manifests, transfers and freeze records where it left them.
import { openDatabase, type Db, type Migration } from '../shared/state/sqlite.js';
import { packageVersion } from '../shared/paths.js';
import { ASSET_MIGRATIONS } from './assets/manifest-store.js';
import { DB_MIGRATIONS } from './db/freeze.js';

const CORE_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'agent-runs',
    sql: 'CREATE TABLE agent_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_name TEXT NOT NULL, version TEXT NOT NULL, started_at TEXT NOT NULL)',
  },
];

export const AGENT_MIGRATIONS: Migration[] = [...CORE_MIGRATIONS, ...ASSET_MIGRATIONS, ...DB_MIGRATIONS];

export interface AgentState {
  db: Db;
  /** How many times an agent has started on this file, this start included. */
  runs: number;
  close(): void;
}

export function openAgentState(path: string, agentName: string): AgentState {
  const db = openDatabase(path, AGENT_MIGRATIONS);
  db.prepare('INSERT INTO agent_runs (agent_name, version, started_at) VALUES (?, ?, ?)').run(agentName, packageVersion(), new Date().toISOString());
  const runs = (db.prepare('SELECT COUNT(*) AS n FROM agent_runs').get() as { n: number }).n;
  return { db, runs, close: () => db.close() };
}

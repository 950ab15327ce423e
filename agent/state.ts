// The agent's own better-sqlite3 file: every feature's tables, migrated in one place, so a
// restarted agent finds its manifests, transfers and freeze records where it left them.
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db, type Migration } from '../shared/state/sqlite.js';
import { packageVersion } from '../shared/paths.js';
import { ASSET_MIGRATIONS } from './assets/manifest-store.js';
import { DB_MIGRATIONS } from './db/freeze.js';
import { AGENT_LOCK_MIGRATIONS, lockAgentState } from './state-lock.js';

const CORE_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'agent-runs',
    sql: 'CREATE TABLE agent_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_name TEXT NOT NULL, version TEXT NOT NULL, started_at TEXT NOT NULL)',
  },
  { id: 2, name: 'agent-instance', sql: 'CREATE TABLE agent_instance (id INTEGER PRIMARY KEY CHECK (id = 1), instance_id TEXT NOT NULL)' },
];

export const AGENT_MIGRATIONS: Migration[] = [...CORE_MIGRATIONS, ...AGENT_LOCK_MIGRATIONS, ...ASSET_MIGRATIONS, ...DB_MIGRATIONS];

export interface AgentState {
  db: Db;
  /** How many times an agent has started on this file, this start included. */
  runs: number;
  /**
   * This agent's id, made on the file's first open and kept with it (HelloResponse.instance_id):
   * one agent under two addresses answers both with it. A copy of the file (a cloned host) carries
   * it too, and the controller then takes the two for one — which only refuses a run that could
   * have gone ahead; delete the agent_instance row of the copy to give it its own.
   */
  instanceId: string;
  close(): void;
}

export function openAgentState(path: string, agentName: string): AgentState {
  const db = openDatabase(path, AGENT_MIGRATIONS);
  let release: () => void;
  try {
    release = lockAgentState(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  db.prepare('INSERT INTO agent_runs (agent_name, version, started_at) VALUES (?, ?, ?)').run(agentName, packageVersion(), new Date().toISOString());
  const runs = (db.prepare('SELECT COUNT(*) AS n FROM agent_runs').get() as { n: number }).n;
  db.prepare('INSERT OR IGNORE INTO agent_instance (id, instance_id) VALUES (1, ?)').run(randomUUID());
  const { instance_id: instanceId } = db.prepare('SELECT instance_id FROM agent_instance WHERE id = 1').get() as { instance_id: string };
  return {
    db,
    runs,
    instanceId,
    close: () => {
      release();
      db.close();
    },
  };
}

// One agent per state file. Two agents on one file (the systemd unit and one started by hand,
// another port) would both watch the same roots into one manifest and both answer for one freeze
// record. The holder is a row in the file itself, claimed in one write transaction. Unlike the
// controller's lock there is no heartbeat: only a holder this process can check (this host, this
// pid namespace, its pid running with the start time recorded) refuses a newcomer. Any other is
// taken over, so an agent container re-created after a crash never waits on its old self.
import { randomBytes } from 'node:crypto';
import { pidNamespace, procStart } from '../shared/proc-identity.js';
import { hostname } from 'node:os';
import { SwitchyardError } from '../shared/errors.js';
import type { Db, Migration } from '../shared/state/sqlite.js';

export const AGENT_LOCK_MIGRATIONS: Migration[] = [
  {
    id: 3,
    name: 'agent-lock',
    sql: 'CREATE TABLE agent_lock (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, pid_ns TEXT, proc_start TEXT, started_at TEXT NOT NULL)',
  },
];

interface Holder {
  token: string;
  pid: number;
  host: string;
  pid_ns: string | null;
  proc_start: string | null;
  started_at: string;
}

/** Tokens of the locks held in this process (tests run several agents in one). */
const heldHere = new Set<string>();

function alive(h: Holder, host: string, ns: string | null): boolean {
  if (h.host !== host || h.pid_ns !== ns) return false;
  if (h.pid === process.pid) return heldHere.has(h.token);
  const start = procStart(h.pid);
  if (start === 'gone') return false;
  if (start !== null && h.proc_start !== null && start !== h.proc_start) return false;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Claims the state file for this agent, or throws SY_CONFLICT naming the live one holding it. Returns the release. */
export function lockAgentState(db: Db, stateFile: string): () => void {
  const host = hostname();
  const ns = pidNamespace();
  const token = randomBytes(12).toString('hex');
  const start = procStart(process.pid);
  db.transaction(() => {
    const h = db.prepare('SELECT token, pid, host, pid_ns, proc_start, started_at FROM agent_lock WHERE id = 1').get() as Holder | undefined;
    if (h !== undefined && alive(h, host, ns)) {
      throw new SwitchyardError(
        'SY_CONFLICT',
        `stateFile ${stateFile} is in use by another agent: pid ${h.pid} on host ${h.host} (holding it since ${h.started_at}); stop that agent first (only one agent may use a state file), or give this one its own stateFile`,
        { field: 'stateFile', details: { pid: h.pid, host: h.host } },
      );
    }
    db.prepare('INSERT OR REPLACE INTO agent_lock (id, token, pid, host, pid_ns, proc_start, started_at) VALUES (1, ?, ?, ?, ?, ?, ?)').run(
      token,
      process.pid,
      host,
      ns,
      start === 'gone' ? null : start,
      new Date().toISOString(),
    );
  }).immediate();
  heldHere.add(token);
  return () => {
    heldHere.delete(token);
    try {
      db.prepare('DELETE FROM agent_lock WHERE id = 1 AND token = ?').run(token);
    } catch {
      // Closing anyway: a row left behind names a pid that is gone by then, taken over at next start.
    }
  };
}

// The controller's cutover tables. Ids 200+ belong to this feature (agent assets use 400+).
// Every JSON column holds a JSON document; timestamps are ISO 8601 UTC strings.
import type { Migration } from '../../../shared/state/sqlite.js';

export const CUTOVER_MIGRATIONS: Migration[] = [
  {
    id: 200,
    name: 'cutover-core',
    sql: `
      CREATE TABLE cutovers (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        plan TEXT NOT NULL,
        state TEXT NOT NULL,
        current_step TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- who holds the run lock: an engine instance id while a run or rollback is in flight
        run_owner TEXT,
        fallback_until TEXT,
        error TEXT
      );
      CREATE INDEX cutovers_created ON cutovers (created_at);

      CREATE TABLE steps (
        cutover_id TEXT NOT NULL REFERENCES cutovers (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        ord INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'interrupted', 'skipped')),
        attempt INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        ended_at TEXT,
        result TEXT,
        error TEXT,
        PRIMARY KEY (cutover_id, name)
      );

      CREATE TABLE rollbacks (
        cutover_id TEXT PRIMARY KEY REFERENCES cutovers (id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
        reason TEXT NOT NULL,
        automatic INTEGER NOT NULL,
        requested_by TEXT NOT NULL,
        evidence TEXT,
        cancelled INTEGER NOT NULL DEFAULT 0,
        attempt INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        error TEXT
      );

      CREATE TABLE rollback_parts (
        cutover_id TEXT NOT NULL REFERENCES cutovers (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        ord INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'running', 'done', 'skipped', 'failed', 'interrupted')),
        attempt INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        ended_at TEXT,
        detail TEXT,
        error TEXT,
        PRIMARY KEY (cutover_id, name)
      );

      CREATE TABLE dns_snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cutover_id TEXT NOT NULL REFERENCES cutovers (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        zone TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        -- the record set exactly as it was before the change; rollback restores this
        rrset_before TEXT NOT NULL,
        rrset_after TEXT,
        taken_at TEXT NOT NULL,
        applied_at TEXT,
        restored_at TEXT
      );
      CREATE INDEX dns_snapshots_cutover ON dns_snapshots (cutover_id, id);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        token_name TEXT NOT NULL,
        action TEXT NOT NULL,
        cutover_id TEXT,
        detail TEXT
      );
      CREATE INDEX audit_log_cutover ON audit_log (cutover_id, id);

      CREATE TABLE events (
        cutover_id TEXT NOT NULL REFERENCES cutovers (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (cutover_id, seq)
      );

      CREATE TABLE ttl_lowered (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        zone TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        ttl INTEGER NOT NULL,
        at TEXT NOT NULL,
        cutover_id TEXT,
        source TEXT NOT NULL
      );
      CREATE INDEX ttl_lowered_record ON ttl_lowered (zone, name, type, at);
    `,
  },
  {
    id: 201,
    name: 'controller-lock',
    // At most one row: the controller process that drives this state file's cutovers. Another
    // one started on the same file refuses to start while that process lives.
    sql: `
      CREATE TABLE controller_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        -- the kernel's start time of that pid (Linux /proc), so a recycled pid is not taken for it
        proc_start TEXT,
        started_at TEXT NOT NULL,
        taken_at TEXT NOT NULL
      );
    `,
  },
  {
    id: 202,
    name: 'controller-lock-namespace-beat',
    // Containers sharing a host name (and the state volume) each have their own pids: a holder's
    // pid is only checked in its own pid namespace. beat_at is refreshed by the live holder, so
    // one that cannot be checked is known dead once it stops beating.
    sql: `
      ALTER TABLE controller_lock ADD COLUMN pid_ns TEXT;
      ALTER TABLE controller_lock ADD COLUMN beat_at TEXT;
    `,
  },
];

// Connections to the agent's own server with the session pinned: time_zone +00:00 so
// TIMESTAMPs are read and written as stored, utf8mb4 for metadata, and for row data
// character_set_results=binary so every value arrives as the bytes the server holds.
import { createConnection, type Connection } from 'mysql2/promise';
import type { AgentConfig } from '../config.js';
import { resolveSecret } from '../../shared/config/secret.js';
import { SwitchyardError } from '../../shared/errors.js';

export type DbConfig = NonNullable<AgentConfig['database']>;

export interface DbTarget {
  host: string;
  port: number;
  socket?: string | undefined;
  user: string;
  password?: string | undefined;
  /** Schemas the controller may name; empty: any. */
  schemas?: string[] | undefined;
  localInfile?: boolean | undefined;
  /** lock_wait_timeout of every session (database.lockWaitSeconds). */
  lockWaitSeconds?: number | undefined;
}

/** The server's own default is a year: a sync would hang on an idle open transaction. */
export const DEFAULT_LOCK_WAIT_SECONDS = 60;

export function dbTargetFromConfig(cfg: AgentConfig['database']): DbTarget {
  if (cfg === undefined) throw new SwitchyardError('SY_PRECONDITION', 'database: not configured on this agent', { field: 'database' });
  const c = cfg;
  return {
    host: c.host,
    port: c.port,
    socket: c.socket,
    user: c.user,
    password: c.password === undefined ? undefined : resolveSecret(c.password, 'database.password'),
    schemas: c.schemas,
    localInfile: c.localInfile,
    lockWaitSeconds: c.lockWaitSeconds,
  };
}

/** sql_mode of our restore sessions: zero dates and id 0 load as stored, no silent engine swap. */
export const RESTORE_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

export interface ConnectOptions {
  database?: string;
  /** Row data: every value as raw bytes (Buffer) or null, rows as arrays. */
  raw?: boolean;
  multipleStatements?: boolean;
}

export async function connect(t: DbTarget, opts: ConnectOptions = {}): Promise<Connection> {
  let conn: Connection;
  try {
    conn = await createConnection({
      ...(t.socket !== undefined ? { socketPath: t.socket } : { host: t.host, port: t.port }),
      user: t.user,
      password: t.password,
      database: opts.database,
      charset: 'utf8mb4_general_ci',
      timezone: 'Z',
      multipleStatements: opts.multipleStatements ?? false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      ...(opts.raw === true ? { rowsAsArray: true, typeCast: (field: { buffer(): Buffer | null }) => field.buffer() } : {}),
    });
  } catch (err) {
    throw dbError(err, `connect to ${t.socket ?? `${t.host}:${t.port}`} as ${t.user}`);
  }
  await conn.query(
    "SET time_zone = '+00:00', SESSION sql_mode = ?, SESSION net_write_timeout = 3600, SESSION net_read_timeout = 3600, SESSION wait_timeout = 28800, SESSION lock_wait_timeout = ?" +
      (opts.raw === true ? ', character_set_results = binary' : ''),
    [RESTORE_SQL_MODE, t.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS],
  );
  return conn;
}

/** The server's error number, on a driver error or on one we wrapped (as its cause). */
export function errnoOf(err: unknown): number | undefined {
  const e = err as { errno?: number; cause?: { errno?: number } };
  return e.errno ?? e.cause?.errno;
}

export function dbError(err: unknown, what: string): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  return new SwitchyardError('SY_DB', `${what}: ${e.sqlMessage ?? e.message ?? String(err)}${e.code !== undefined ? ` (${e.code})` : ''}`, { cause: err });
}

export async function rows<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [r] = await conn.query(sql, params);
  return r as T[];
}

/** end() waits for the server's goodbye; a connection stuck mid-result must not hang us with it. */
export async function closeConn(c: Connection, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([c.end(), new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]);
  } catch {
    c.destroy();
  } finally {
    clearTimeout(timer);
  }
}

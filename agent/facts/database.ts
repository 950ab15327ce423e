// The database server's version and the variables that break a site when staging and
// production disagree on them. Credentials stay on this host and out of every message.
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { AgentConfig } from '../config.js';
import type { DatabaseFacts } from '../../shared/proto-gen/switchyard/v1/DatabaseFacts.js';
import { resolveSecret } from '../../shared/config/secret.js';
import type { Logger } from '../../shared/logger.js';
import type { Collected } from './collected.js';
import { errorMessage } from './exec.js';

/** Asked for by name; servers that lack one (MySQL vs MariaDB, old vs new) simply omit it. */
export const PARITY_VARIABLES = [
  'sql_mode',
  'character_set_server',
  'collation_server',
  'time_zone',
  'system_time_zone',
  'max_allowed_packet',
  'lower_case_table_names',
  'auto_increment_increment',
  'auto_increment_offset',
  'innodb_autoinc_lock_mode',
  'innodb_page_size',
  'innodb_default_row_format',
  'innodb_file_per_table',
  'innodb_strict_mode',
  'innodb_ft_min_token_size',
  'ft_min_word_len',
  'default_storage_engine',
  'explicit_defaults_for_timestamp',
  'group_concat_max_len',
  'div_precision_increment',
  'lc_time_names',
  'event_scheduler',
  'log_bin_trust_function_creators',
  // One setting under its MySQL 8.0 and its 5.7 name: the controller compares them as one row.
  'transaction_isolation',
  'tx_isolation',
  'binlog_format',
  'sql_require_primary_key',
  'max_connections',
  'wait_timeout',
] as const;

export type DatabaseConfig = NonNullable<AgentConfig['database']>;

const CONNECT_TIMEOUT_MS = 5_000;

/** Long enough that its text turning up in a driver message by chance is not a concern. */
const REDACT_IN_PLACE_MIN = 8;

/**
 * A driver message never carries the password today; this keeps it that way if one ever does.
 * A short password is likely to turn up by chance ("a", "3306", "root"), and cutting it out then
 * both garbles the message and tells what it was from what is left around the gap, so a message
 * holding one is withheld whole: the driver's error code still says what went wrong.
 */
export function scrubPassword(message: string, password: string | undefined, code?: string): string {
  if (password === undefined || password === '' || !message.includes(password)) return message;
  if (password.length >= REDACT_IN_PLACE_MIN) return message.split(password).join('[REDACTED]');
  const shown = code !== undefined && code !== '' && !code.includes(password) ? `${code}: ` : '';
  return `${shown}error message withheld: it contains the text of the database password (a password under ${REDACT_IN_PLACE_MIN} characters cannot be cut out of it safely — a longer one can)`;
}

export async function collectDatabaseFacts(db: DatabaseConfig | undefined, logger: Logger): Promise<Collected<DatabaseFacts>> {
  if (db === undefined) {
    return { facts: { configured: false, reachable: false }, notes: ['database: not configured on this agent'] };
  }
  let password: string | undefined;
  let conn: Connection | undefined;
  const where = db.socket ?? `${db.host}:${db.port}`;
  try {
    password = db.password === undefined ? undefined : resolveSecret(db.password, 'database.password');
    logger.debug({ where, user: db.user }, 'collecting database facts');
    conn = await createConnection({
      ...(db.socket === undefined ? { host: db.host, port: db.port } : { socketPath: db.socket }),
      user: db.user,
      ...(password === undefined ? {} : { password }),
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    const [versionRows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS version, @@version_comment AS comment');
    const version = String(versionRows[0]?.version ?? '');
    const comment = String(versionRows[0]?.comment ?? '');
    const [varRows] = await conn.query<RowDataPacket[]>('SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)', [PARITY_VARIABLES]);
    const variables: Record<string, string> = {};
    for (const row of varRows) variables[String(row.Variable_name)] = String(row.Value ?? '');
    return {
      facts: { configured: true, reachable: true, version, flavor: /mariadb/i.test(`${version} ${comment}`) ? 'mariadb' : 'mysql', variables },
      notes: [],
    };
  } catch (err) {
    const message = scrubPassword(errorMessage(err), password, err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined);
    logger.warn({ where, user: db.user, err: message }, 'database facts unavailable');
    return { facts: { configured: true, reachable: false, error: message }, notes: [`database: ${where}: ${message}`] };
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

// Every agent session gives up waiting for a table another session holds after
// database.lockWaitSeconds (connect.ts), and for rows after the server's own
// innodb_lock_wait_timeout. Then the step fails, and whoever reads the error at 3 a.m. needs to
// know who holds it: the server's own message says only "Lock wait timeout exceeded". A table is
// held by a metadata lock, which any transaction that touched it keeps until it ends — most
// often an idle session with a transaction left open.
import { SwitchyardError } from '../../shared/errors.js';
import { closeConn, connect, DEFAULT_LOCK_WAIT_SECONDS, errnoOf, rows, type DbTarget } from './connect.js';

interface Holder {
  id: number;
  user: string;
  host: string;
  command: string;
  age: number;
  info: string | null;
}

/**
 * `err` unchanged unless it is a lock wait that timed out; then an SY_CONFLICT naming the open
 * transactions on the server, oldest first (`own`: thread ids of our own sessions, left out).
 */
export async function explainLockWait(err: unknown, target: DbTarget, what: string, own: ReadonlySet<number> = new Set()): Promise<unknown> {
  if (errnoOf(err) !== 1205) return err;
  const seconds = target.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS;
  let holders: Holder[] = [];
  let rowWait = '';
  try {
    const c = await connect(target);
    try {
      // The same error ends a wait for rows (InnoDB's own timeout), which the statement alone
      // does not tell apart: both limits are named.
      rowWait = `, rows: the server's innodb_lock_wait_timeout = ${(await rows<{ v: number }>(c, 'SELECT @@innodb_lock_wait_timeout AS v'))[0]!.v} s`;
      holders = (
        await rows<Holder>(
          c,
          `SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS age, LEFT(p.INFO, 120) AS info
             FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
            WHERE p.ID <> CONNECTION_ID() ORDER BY t.trx_started LIMIT 10`,
        )
      ).filter((h) => !own.has(Number(h.id)));
    } finally {
      await closeConn(c);
    }
  } catch {
    // The explanation is best effort; the timeout itself is the error.
  }
  const named = holders
    .slice(0, 3)
    .map((h) => `session ${h.id} ${h.user}@${h.host} (transaction open ${h.age} s, ${h.command === 'Sleep' ? 'idle' : `running: ${h.info ?? h.command}`})`)
    .join('; ');
  // What the failed work could not undo (a swap's triggers not put back, details.aftermath) is
  // said whatever explains the wait: this message replaces the one that said it.
  const carried = err instanceof SwitchyardError ? err.details : undefined;
  const aftermath = typeof carried?.aftermath === 'string' ? `; ${carried.aftermath}` : '';
  const message =
    `${what}: gave up waiting for a lock another session holds (tables: database.lockWaitSeconds = ${seconds} s${rowWait})` +
    (named !== '' ? `; open transactions on this server, oldest first: ${named}` : '') +
    aftermath +
    '. End them (COMMIT, ROLLBACK or KILL), or wait for them, and run the step again';
  return new SwitchyardError('SY_CONFLICT', message, { cause: err, ...(carried === undefined ? {} : { details: carried }) });
}

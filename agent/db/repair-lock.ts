// A table is repaired under LOCK TABLES … WRITE so that its production sums stay provable (see
// compare.ts): after the repair, a mark is taken past the second InnoDB stamped the repair with —
// the start of its transaction — and only then does the lock go. Begun after the comparison, the
// repair's stamp was nearly always the current second, and the lock was held another half
// second on average waiting for the clock, inside the freeze.
//
// So sync locks early: while staging's sums stream in, each table that will most likely be
// repaired (staging wrote it since its sums were recorded, production's guard holds, so this
// side reads nothing of it meanwhile) is locked on a connection of its own, and that
// connection's transaction starts at once with a read. The repair then runs in that one
// transaction, stamped with the second the comparison began; by the time it commits, that
// second has usually passed, and the mark is taken without waiting.
//
// The repair drops every trigger before it deletes and loads (they would fire on its rows), and
// DROP TRIGGER waits for a lock on the trigger's table: an early lock drops its own table's
// triggers itself, before its transaction begins, and puts them back if it is let go unused.
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../shared/logger.js';
import { closeConn, connect, rows, DEFAULT_LOCK_WAIT_SECONDS, type DbTarget } from './connect.js';
import { qt } from './sql.js';
import { prepareLoadSession } from './pull.js';
import { createObjects, dropObject } from './objects.js';
import type { SchemaObject } from './inspect.js';

/** A connection ready for repairs: load session settings, READ COMMITTED. */
export async function repairSession(target: DbTarget, schema: string): Promise<Connection> {
  const c = await connect(target);
  try {
    await prepareLoadSession(c, schema);
    await c.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    return c;
  } catch (err) {
    await closeConn(c);
    throw err;
  }
}

/** How long a repair waits for its table's lock before it goes on without one. */
export const REPAIR_LOCK_WAIT_SECONDS = 5;

/**
 * LOCK TABLES ... WRITE for a repair; false (repair unlocked) when it cannot be had soon. The
 * short wait is for this statement only: the connection goes on (an unlocked repair's DELETE, a
 * trigger put back, the next table) under the configured lock_wait_timeout.
 */
export async function lockForRepair(conn: Connection, target: DbTarget, schema: string, table: string, log: Logger, early = false): Promise<boolean> {
  const configured = target.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS;
  try {
    await conn.query('SET SESSION lock_wait_timeout = ?', [Math.min(REPAIR_LOCK_WAIT_SECONDS, configured)]);
    await conn.query(`LOCK TABLES ${qt(schema, table)} WRITE`);
    await conn.query('SET autocommit = 0');
    return true;
  } catch (err) {
    log.info({ table, err: (err as Error).message }, early ? 'table not locked ahead of its repair; the repair tries again' : 'table not locked for its repair; production is read again at verify');
    await conn.query('UNLOCK TABLES').catch(() => undefined);
    return false;
  } finally {
    // Never thrown from here: the callers count on a boolean (a broken connection fails its next statement).
    await conn.query('SET SESSION lock_wait_timeout = ?', [configured]).catch(() => undefined);
  }
}

/** Ends a locked repair session's transaction and lock; the connection stays usable. */
export async function unlockRepair(conn: Connection): Promise<void> {
  await conn.query('UNLOCK TABLES');
  await conn.query('SET autocommit = 1');
}

/** Tables locked ahead of their repair, each on its own connection with its transaction begun. */
export class EarlyLocks {
  private readonly pending = new Map<string, Promise<Connection | undefined>>();
  /** Triggers each held lock dropped, as production had them. */
  private readonly dropped = new Map<string, SchemaObject[]>();
  private readonly tableOf = new Map<Connection, string>();

  private constructor(
    private readonly target: DbTarget,
    private readonly schema: string,
    private readonly triggers: readonly SchemaObject[],
    private readonly log: Logger,
  ) {}

  /**
   * Starts locking `tables` in the background; a table that cannot be locked is left out.
   * `triggers`: production's triggers as inspected (what a release puts back).
   */
  static start(target: DbTarget, schema: string, tables: string[], triggers: readonly SchemaObject[], log: Logger): EarlyLocks {
    const e = new EarlyLocks(target, schema, triggers, log);
    for (const name of tables) {
      const p = e.lockOne(name);
      p.catch((err: unknown) => log.info({ table: name, err: (err as Error).message }, 'early repair lock failed; the repair locks when it comes'));
      e.pending.set(name, p);
    }
    return e;
  }

  private async lockOne(name: string): Promise<Connection | undefined> {
    const c = await repairSession(this.target, this.schema);
    if (!(await lockForRepair(c, this.target, this.schema, name, this.log, true))) {
      await closeConn(c);
      return undefined;
    }
    try {
      const names = (
        await rows<{ n: string }>(c, 'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?', [this.schema, name])
      ).map((r) => String(r.n));
      const defs = names.map((n) => this.triggers.find((t) => t.kind === 'TRIGGER' && t.name === n));
      if (defs.some((d) => d === undefined)) {
        // A trigger created since production was inspected: nothing to put it back from.
        await closeConn(c);
        return undefined;
      }
      // Before the transaction: each DROP commits implicitly.
      for (const d of defs) await dropObject(c, this.schema, 'TRIGGER', d!.name);
      this.dropped.set(name, defs as SchemaObject[]);
      this.tableOf.set(c, name);
      // The transaction starts here, and with it the second InnoDB will stamp the repair with.
      await c.query(`SELECT 1 FROM ${qt(this.schema, name)} LIMIT 1`);
      return c;
    } catch (err) {
      await this.putBack(c, name);
      await closeConn(c);
      throw err;
    }
  }

  /** The names of the triggers `name`'s early lock dropped. */
  droppedTriggers(name: string): string[] {
    return (this.dropped.get(name) ?? []).map((t) => t.name);
  }

  private async putBack(c: Connection, name: string): Promise<void> {
    const defs = this.dropped.get(name) ?? [];
    this.dropped.delete(name);
    if (defs.length === 0) return;
    await c.query('ROLLBACK').catch(() => undefined);
    // Still under the table's lock, so nothing ran without them once they are back.
    await createObjects(c, this.schema, defs, this.schema).catch((err: unknown) =>
      this.log.error({ table: name, triggers: defs.map((d) => d.name), err: (err as Error).message }, 'triggers dropped for an early repair lock could not be put back; the next sync re-creates them'),
    );
  }

  /** The locked connection for `name`, once its lock is in (undefined: not locked early). */
  async get(name: string): Promise<Connection | undefined> {
    return (await this.pending.get(name)?.catch(() => undefined)) ?? undefined;
  }

  /**
   * Hands `name`'s connection to the caller, who unlocks and closes it and answers for the
   * triggers it dropped (droppedTriggers).
   */
  async take(name: string): Promise<Connection | undefined> {
    const c = await this.get(name);
    this.pending.delete(name);
    if (c !== undefined) this.tableOf.delete(c);
    return c;
  }

  /** Every connection still held: their open transactions write only their own tables. */
  async held(): Promise<Connection[]> {
    const all = await Promise.all([...this.pending.values()].map((p) => p.catch(() => undefined)));
    return all.filter((c): c is Connection => c !== undefined);
  }

  /** Rolls back, puts back their triggers and closes what was not taken (closing ends the lock). */
  async release(): Promise<void> {
    const all = await this.held();
    this.pending.clear();
    await Promise.all(
      all.map(async (c) => {
        await c.query('ROLLBACK').catch(() => undefined);
        const name = this.tableOf.get(c);
        if (name !== undefined) await this.putBack(c, name);
        this.tableOf.delete(c);
        await closeConn(c);
      }),
    );
  }
}

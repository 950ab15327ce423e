// The `<db>__sy_served[N]` schemas a rollback keeps the live copy in (after the DNS switch it may
// hold orders written on production since): their names, which of them a retried rollback may take
// over, and what they hold, told within the 2 KiB an error's details may carry.
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import { rows } from './connect.js';
import { qi, qt, KEPT_TABLE } from './sql.js';

/** The `<db>__sy_served[N]` names a rollback may keep a live copy under, all within MySQL's 64 characters. */
export const servedSchema = (schema: string, n = 1): string => `${schema}__sy_served${n === 1 ? '' : n}`;
export const MAX_SERVED = 99;

const servedNames = (target: string): string[] => Array.from({ length: MAX_SERVED }, (_, i) => servedSchema(target, i + 1));

/** The agent's record of the served copies it keeps (served-store.ts), as a rollback sees it. */
export interface ServedLog {
  /** Called before `served` is created: an agent stopped anywhere after still knows the schema is its own. */
  kept(served: string): void;
  /** The live tables are in `served`. */
  moved(served: string): void;
  /** Nothing went to `served` (the rollback dropped it again, or never created it). */
  forget(served: string): void;
  /** `served` was taken by a rollback whose live tables never reached it (the agent stopped first). */
  unmoved(served: string): boolean;
}

/** Which of `target`'s served names the server holds. */
export async function existingServed(conn: Connection, target: string): Promise<Set<string>> {
  const r = await rows<{ s: string }>(conn, 'SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)', [servedNames(target)]);
  return new Set(r.map((x) => String(x.s)));
}

/** Holds nothing but the rollback's own record of objects: no table, view, routine or event. */
async function holdsNothing(conn: Connection, schema: string): Promise<boolean> {
  const r = await rows<{ n: string }>(
    conn,
    `SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ?
     UNION ALL SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? LIMIT 1`,
    [schema, KEPT_TABLE, schema, schema],
  );
  return r.length === 0;
}

/**
 * Drops the served schemas this agent created for a rollback stopped before the move (recorded,
 * never moved, holding nothing but its record of objects: no copy) and forgets them; returns their
 * names. A schema the agent has no record of, or one holding anything, is left alone. Called by
 * every rollback (with or without keeping the live copy) and by release, with the rollbacks of
 * `target` held back: an empty one is otherwise left until the next rollback keeping the live copy,
 * which may never come.
 */
export async function dropUnmovedServed(conn: Connection, target: string, log: ServedLog, logger: Logger): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of await existingServed(conn, target)) {
    if (!log.unmoved(name) || !(await holdsNothing(conn, name))) continue;
    await conn.query(`DROP DATABASE ${qi(name)}`);
    log.forget(name);
    dropped.push(name);
    logger.warn({ schema: target, served: name }, 'an earlier rollback stopped before moving the live copy into the schema it created: the empty schema is dropped');
  }
  return dropped;
}

/**
 * After a failed rollback: drops `served` if it holds nothing but the rollback's record of objects
 * (no table moved), and only then forgets it. One that cannot be dropped stays recorded, for the
 * next rollback or release to drop (dropUnmovedServed): forgotten, it was left for good, an empty
 * schema the agent could no longer tell from an operator's. Never throws: the caller has its error.
 */
export async function dropServedIfEmpty(conn: Connection, served: string, log: ServedLog | undefined): Promise<void> {
  try {
    if (!(await holdsNothing(conn, served))) return;
    await conn.query(`DROP DATABASE IF EXISTS ${qi(served)}`);
  } catch {
    return;
  }
  log?.forget(served);
}

/**
 * A name for the live copy no earlier rollback kept one under: a served copy is the operator's to
 * reconcile and drop, so it is never replaced. Called after dropUnmovedServed: a schema a stopped
 * rollback left empty is no copy, and its name is free again, where a retry otherwise took the next
 * name. With all taken nothing has been touched yet.
 */
export async function freeServedSchema(conn: Connection, target: string): Promise<string> {
  const existing = await existingServed(conn, target);
  const free = servedNames(target).find((name) => !existing.has(name));
  if (free !== undefined) return free;
  throw new SwitchyardError(
    'SY_CONFLICT',
    `${servedSchema(target)} through ${servedSchema(target, MAX_SERVED)} all exist (live copies kept by earlier rollbacks): nothing was changed; reconcile and drop the ones you are done with, then roll back again`,
    { details: { schema: target } },
  );
}

export interface TableRows {
  table: string;
  rows: number;
}

/** The rows each table of `served` holds (its record of objects aside), `tables` of them at most, by name. */
export async function servedRows(conn: Connection, served: string, tables = Infinity): Promise<{ tables: TableRows[]; leftOff: number }> {
  const names = (await rows<{ n: string }>(conn, "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> ? ORDER BY TABLE_NAME", [served, KEPT_TABLE])).map((r) => String(r.n));
  const out: TableRows[] = [];
  for (const t of names.slice(0, tables)) {
    const [r] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${qt(served, t)}`);
    out.push({ table: t, rows: Number(r?.n ?? 0) });
  }
  return { tables: out, leftOff: names.length - out.length };
}

/** Tables an error names the rows of: their names may be 64 characters, and the details 2 KiB in all. */
export const EVIDENCE_TABLES = 12;
const EVIDENCE_BYTES = 1200;

/**
 * What a served copy holds, for an error's details: the first tables by name whose list fits
 * EVIDENCE_BYTES (names can be long, and multi-byte), and how many were left off.
 */
export async function servedEvidence(conn: Connection, served: string): Promise<{ tables: TableRows[]; leftOff: number }> {
  const all = await servedRows(conn, served, EVIDENCE_TABLES);
  const tables: TableRows[] = [];
  for (const t of all.tables) {
    if (Buffer.byteLength(JSON.stringify([...tables, t])) > EVIDENCE_BYTES) break;
    tables.push(t);
  }
  return { tables, leftOff: all.leftOff + all.tables.length - tables.length };
}

/** "orders 5 rows, audit 0 rows, and 3 more tables": the evidence in a sentence. */
export function showServedRows(e: { tables: TableRows[]; leftOff: number }): string {
  const list = e.tables.map((t) => `${t.table} ${t.rows} row${t.rows === 1 ? '' : 's'}`);
  if (e.leftOff > 0) list.push(`and ${e.leftOff} more table${e.leftOff === 1 ? '' : 's'}`);
  return list.length === 0 ? 'no tables' : list.join(', ');
}

// The atomic part of a full copy. Tables restored into `<db>__sy_shadow` replace the live
// ones with ONE `RENAME TABLE` statement: either every table moves or none does. The tables
// they replace move to `<db>__sy_prev` (with a record of the schema's views, triggers,
// routines and events) and stay there for an instant DB rollback until release.
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import { qi, qt, prevSchema, shadowSchema, KEPT_TABLE } from './sql.js';
import { inspectObjects, inspectSchema, type SchemaInfo, type SchemaObject, type Table } from './inspect.js';
import { createObjects, dropAllObjects, existingObjects } from './objects.js';
import { errnoOf, rows } from './connect.js';
import { keyText, type Key } from './convert.js';
import { GONE_LIVE, JOINED, LANDED, LANDING, LIVE_TOO, changedSinceKept, copiesGoneSinceKept, dropKeptCopies, dropKeptRows, goneSinceKept, joinRecordedRows, keyFromHex, liveTooCopiesNote, liveTooKeys, noteGoneLive, noteLanded, noteLandedNow, noteLanding, noteLiveToo, noteRepairBegins, recordPrint, type LiveRecord, type RecordedJoin } from './last-rows.js';
import { dropServedIfEmpty, dropUnmovedServed, freeServedSchema, servedSchema, type ServedLog } from './served-copy.js';

export { KEPT_TABLE };
/** A `__sy_kept` entry naming ("KIND name") an object the copy created from staging's definitions: not production's. */
const COPIED = 'COPIED';
/**
 * Where a rerun copy, a DB rollback (not keeping the live copy) and sync's re-copy move the tables
 * they drop, in their RENAME TABLE, and then drop them. It holds only what that step drops:
 * copies of staging's tables (a rerun's or a rollback's recorded rows joined `__sy_last` first;
 * sync's re-copy replaces a table whose rows its repair would replace anyway); tables only
 * production has, and those holding recorded rows `__sy_last` lacks, go elsewhere in the same
 * RENAME. Each step names the tables it moves here in its ledger (TRASHED) before its RENAME
 * (openTrash), and drops those alone (emptyTrash): so a retry, preflight or the next such step
 * drops what a step stopped after its RENAME left (that step was about to), and never a table no
 * step of ours put here — the schema used to be dropped whole, and an operator's table left here
 * (dropRolledTrash leaves what its ledger does not name) went with it. Anything else moved here
 * must change that.
 */
export const trashSchema = (schema: string): string => `${schema}__sy_trash`;
/**
 * A `__sy_kept` entry a step writes in `<db>__sy_trash` before its RENAME TABLE (openTrash), naming
 * a table it moves there to drop. A step stopped after its RENAME left them there: the next
 * rollback, preflight, copy or sync drops those it names (dropRolledTrash, openTrash), as that step
 * was about to, and nothing the ledger does not name.
 */
const TRASHED = 'TRASHED';
/** On a rerun, the tables the rerun replaced: production-only rows recorded since the first copy live there. */
export const lastSchema = (schema: string): string => `${schema}__sy_last`;
/**
 * An empty table a rerun copy's RENAME TABLE moves from the shadow schema into `<db>__sy_prev`, in
 * the same statement as the live tables: found there, that RENAME ran (its LANDING entries are
 * LANDED), though the agent stopped before it could note so. Dropped right after the note.
 */
const LANDED_TABLE = '__sy_landed';
/**
 * A DB rollback's marker, in `<db>__sy_last`: created as ROLLING_TABLE beside the rollback's
 * LANDING entries (in `__sy_last`.`__sy_kept`: the rollback drops `__sy_prev`, ledger and all),
 * and renamed ROLLED_TABLE by the rollback's own RENAME TABLE. Found so, that RENAME ran and the
 * recorded rows are in `__sy_last`, though the agent stopped before its records were told.
 */
const ROLLING_TABLE = '__sy_rolling';
const ROLLED_TABLE = '__sy_rolled';
/** Tables of `__sy_prev` that are ours, not production's. */
const notProduction = (name: string): boolean => name === KEPT_TABLE || name === LANDED_TABLE;

async function schemaExists(conn: Connection, schema: string): Promise<boolean> {
  return (await rows(conn, 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [schema])).length > 0;
}

/** Holds no table, view, routine or event (a trigger lives on a table). */
async function schemaEmpty(conn: Connection, schema: string): Promise<boolean> {
  const r = await rows(
    conn,
    `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT 1 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? LIMIT 1`,
    [schema, schema, schema],
  );
  return r.length === 0;
}

/** Holds no table but `__sy_kept`, and no routine or event. */
async function schemaHoldsOnlyRecord(conn: Connection, schema: string): Promise<boolean> {
  const r = await rows(
    conn,
    `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT IN (?, ?)
     UNION ALL SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT 1 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? LIMIT 1`,
    [schema, KEPT_TABLE, LANDED_TABLE, schema, schema],
  );
  return r.length === 0;
}

/**
 * The tables of the copy a DB rollback stopped past its RENAME TABLE left in `<db>__sy_trash`
 * (its TRASHED entries name them), dropped: that rollback was about to, and nothing else drops
 * them once production's tables are back (no rerun copy or sync comes to replace the trash). A
 * table the entries do not name is not ours to drop: it stays, with the schema, and is logged.
 * Returns the tables dropped.
 */
export async function dropRolledTrash(conn: Connection, target: string, logger: Logger): Promise<string[]> {
  const r = await dropTrashed(conn, target);
  if (r === undefined) return [];
  if (r.others.length > 0) logger.warn({ schema: trashSchema(target), left: r.others }, 'a stopped step left tables to drop beside others no step of ours put there: only its own were dropped, the others are left for a person');
  logger.warn({ schema: target, trash: trashSchema(target), dropped: r.dropped }, 'a step (a DB rollback, a rerun copy, a re-copy) had stopped after its RENAME TABLE, before it dropped what it swapped out: dropped now');
  return r.dropped;
}

/**
 * The tables of `<db>__sy_trash` its ledger names (TRASHED), dropped; the schema too when nothing
 * else is left in it, else only the ledger. Undefined without a ledger: nothing there is ours to drop.
 */
async function dropTrashed(conn: Connection, target: string): Promise<{ dropped: string[]; others: string[] } | undefined> {
  const trash = trashSchema(target);
  if (!(await tableExists(conn, trash, KEPT_TABLE))) return undefined;
  const named = new Set((await rows<{ name: string }>(conn, `SELECT name FROM ${qt(trash, KEPT_TABLE)} WHERE kind = '${TRASHED}'`)).map((r) => String(r.name)));
  const held = (await rows<{ n: string }>(conn, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [trash])).map((r) => String(r.n)).filter((n) => n !== KEPT_TABLE);
  const ours = held.filter((n) => named.has(n));
  if (ours.length > 0) {
    // The copy's tables may name each other in FOREIGN KEYs: they go together, unchecked.
    const [fk] = await rows<{ v: number | string }>(conn, 'SELECT @@SESSION.foreign_key_checks AS v');
    await conn.query('SET SESSION foreign_key_checks = 0');
    try {
      await conn.query(`DROP TABLE IF EXISTS ${ours.map((n) => qt(trash, n)).join(', ')}`);
    } finally {
      await conn.query('SET SESSION foreign_key_checks = ?', [Number(fk?.v ?? 1)]);
    }
  }
  const others = held.filter((n) => !named.has(n));
  if (others.length === 0 && (await schemaHoldsOnlyRecord(conn, trash))) await conn.query(`DROP DATABASE IF EXISTS ${qi(trash)}`);
  else await conn.query(`DROP TABLE IF EXISTS ${qt(trash, KEPT_TABLE)}`);
  return { dropped: ours, others };
}

/**
 * `<db>__sy_trash` readied for a step about to move `names` there in its RENAME TABLE: what a
 * stopped step left there, named in its ledger, is dropped first (that step was about to); then
 * the ledger names `names`, before the RENAME. A table there under one of those names that no step
 * of ours put there stops the step before it changes anything, named: it is not ours to drop, and
 * the RENAME would fail on it.
 */
export async function openTrash(conn: Connection, target: string, names: string[], logger: Logger): Promise<void> {
  const trash = trashSchema(target);
  if (await schemaExists(conn, trash)) await dropRolledTrash(conn, target, logger);
  const held = new Set((await rows<{ n: string }>(conn, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [trash])).map((r) => String(r.n)));
  const clash = names.filter((n) => held.has(n));
  if (clash.length > 0) {
    throw new SwitchyardError(
      'SY_CONFLICT',
      `${trash} holds ${clash.length === 1 ? 'a table' : 'tables'} no step of ours put there, named as ${clash.length === 1 ? 'one' : 'ones'} this step moves there to drop: ${clash.join(', ')}; nothing was changed — move ${clash.length === 1 ? 'it' : 'them'} out of ${trash} (or drop ${clash.length === 1 ? 'it' : 'them'}) by hand and run this again`,
      { details: { schema: trash, tables: clash } },
    );
  }
  await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(trash)}`);
  try {
    await createKeptTable(conn, trash, true);
    for (const n of names) await conn.query(`INSERT INTO ${qt(trash, KEPT_TABLE)} SELECT COALESCE(MAX(seq), -1) + 1, '${TRASHED}', ?, '', '', '', '', '', 1 FROM ${qt(trash, KEPT_TABLE)}`, [n]);
  } catch (err) {
    await abandonTrash(conn, target);
    throw err;
  }
}

/** The step's RENAME TABLE ran: the tables it moved to `<db>__sy_trash` dropped, nothing else (see openTrash). */
export async function emptyTrash(conn: Connection, target: string): Promise<void> {
  await dropTrashed(conn, target);
}

/**
 * The step's RENAME TABLE failed (nothing moved): its ledger goes, and the schema when it holds
 * nothing else — best effort, the caller is failing already with its own error.
 */
export async function abandonTrash(conn: Connection, target: string): Promise<void> {
  const trash = trashSchema(target);
  try {
    if (await schemaHoldsOnlyRecord(conn, trash)) await conn.query(`DROP DATABASE IF EXISTS ${qi(trash)}`);
    else {
      // A table named there is one a RENAME moved after all (its answer lost): the ledger stays for it.
      const named = new Set((await rows<{ name: string }>(conn, `SELECT name FROM ${qt(trash, KEPT_TABLE)} WHERE kind = '${TRASHED}'`)).map((r) => String(r.name)));
      const held = (await rows<{ n: string }>(conn, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [trash])).map((r) => String(r.n));
      if (!held.some((n) => named.has(n))) await conn.query(`DROP TABLE IF EXISTS ${qt(trash, KEPT_TABLE)}`);
    }
  } catch {
    // Left, the next step that opens the trash settles it.
  }
}

/** Drops `schema` if it holds nothing (best effort: the caller is failing already, with its own error). */
async function dropIfEmpty(conn: Connection, schema: string): Promise<void> {
  if (await schemaEmpty(conn, schema).catch(() => false)) await conn.query(`DROP DATABASE IF EXISTS ${qi(schema)}`).catch(() => undefined);
}

export async function hasKeptAside(conn: Connection, target: string): Promise<boolean> {
  return (await rows(conn, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [prevSchema(target), KEPT_TABLE])).length > 0;
}

/**
 * `prev` has lost every table its record says was kept aside (RENAME TABLE moves them back all at
 * once): a rollback already put them back. False when production had no table to keep.
 */
async function tablesAlreadyBack(conn: Connection, target: string): Promise<boolean> {
  const prev = prevSchema(target);
  const recorded = await rows<{ n: string }>(conn, `SELECT name AS n FROM ${qt(prev, KEPT_TABLE)} WHERE kind = 'TABLE' LIMIT 1`);
  if (recorded.length === 0) return false;
  const held = await rows(conn, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT IN (?, ?) LIMIT 1', [prev, KEPT_TABLE, LANDED_TABLE]);
  return held.length === 0;
}

/**
 * A copy is in place: `__sy_prev` holds production's tables. Its record alone, with production's
 * tables live, is what a first copy stopped between writing the record and its RENAME TABLE leaves
 * (or a rollback stopped after its RENAME TABLE put them back): no copy to roll back, and the live
 * tables are production's own.
 */
export async function copyInPlace(conn: Connection, target: string): Promise<boolean> {
  return (await hasKeptAside(conn, target)) && !(await tablesAlreadyBack(conn, target));
}

export async function readKeptObjects(conn: Connection, target: string): Promise<SchemaObject[]> {
  const r = await rows<{ kind: string; name: string; create_sql: string; sql_mode: string; tz: string; cs: string; coll: string }>(
    conn,
    `SELECT kind, name, create_sql, sql_mode, tz, cs, coll FROM ${qt(prevSchema(target), KEPT_TABLE)} WHERE kind NOT IN ('TABLE', '${COPIED}', '${JOINED}', '${LANDING}', '${LANDED}', '${LIVE_TOO}', '${GONE_LIVE}') ORDER BY seq`,
  );
  return r.map((x) => ({ kind: x.kind as SchemaObject['kind'], name: x.name, createSql: x.create_sql, sqlMode: x.sql_mode, characterSetClient: x.cs, collationConnection: x.coll, timeZone: x.tz }));
}

async function recordKept(conn: Connection, target: string, current: SchemaInfo): Promise<void> {
  const prev = prevSchema(target);
  await conn.query(`DROP DATABASE IF EXISTS ${qi(prev)}`);
  await conn.query(`CREATE DATABASE ${qi(prev)} CHARACTER SET ${current.defaultCharset} COLLATE ${current.defaultCollation}`);
  await recordObjects(conn, prev, current);
}

/** The tables, views, triggers, routines and events of `current`, recorded in `schema`.`__sy_kept`. */
async function recordObjects(conn: Connection, schema: string, current: SchemaInfo): Promise<void> {
  await createKeptTable(conn, schema);
  const entries = [
    ...current.tables.map((t) => ['TABLE', t.name, '', '', '', '', '']),
    ...current.objects.map((o) => [o.kind, o.name, o.createSql, o.sqlMode, o.timeZone ?? '', o.characterSetClient, o.collationConnection]),
  ];
  let seq = 0;
  for (const e of entries) await conn.query(`INSERT INTO ${qt(schema, KEPT_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [seq++, ...e, current.exists ? 1 : 0]);
}

async function createKeptTable(conn: Connection, schema: string, ifNotExists = false): Promise<void> {
  await conn.query(
    `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${qt(schema, KEPT_TABLE)} (seq INT PRIMARY KEY, kind VARCHAR(16) NOT NULL, name VARCHAR(255) NOT NULL, create_sql LONGTEXT NOT NULL, sql_mode TEXT NOT NULL, tz VARCHAR(64) NOT NULL DEFAULT '', cs VARCHAR(64) NOT NULL, coll VARCHAR(64) NOT NULL, existed TINYINT NOT NULL) CHARACTER SET utf8mb4`,
  );
}

/**
 * The triggers of tables moved to `<db>__sy_last`, recorded beside them (`__sy_last`.`__sy_kept`,
 * as a served copy keeps its objects): no rollback brings those tables back and keep does not
 * merge them, so only a person restoring one needs them — and a log may be gone by then. They
 * stay until `release` drops `__sy_last`.
 */
async function recordTriggersInLast(conn: Connection, target: string, table: string, list: SchemaObject[], logger: Logger): Promise<void> {
  const last = lastSchema(target);
  await createKeptTable(conn, last, true);
  for (const o of list) await appendKept(conn, last, o);
  logger.warn({ table, movedTo: last, triggers: list.map((o) => ({ name: o.name, createSql: o.createSql })) }, 'triggers of a table moved aside cannot follow it: their definitions are recorded beside it, for a person restoring it');
}

/**
 * Of `records` (the agent's records of rows in the live tables), those a rerun copy already took
 * into `<db>__sy_last` with the tables it replaced, though the agent stopped before it was told
 * (see LANDING): their rows are in `__sy_last`, the live tables are others. What a stopped copy
 * left is settled first: its LANDING entries become LANDED when its RENAME TABLE ran (its marker
 * table is in `__sy_prev`), and go when it did not. LANDED entries no record matches any more
 * (the agent was told since) go too.
 */
export async function landedRecords(conn: Connection, target: string, records: LiveRecord[]): Promise<LiveRecord[]> {
  if (!(await hasKeptAside(conn, target))) return [];
  return settleLanding(conn, prevSchema(target), LANDED_TABLE, undefined, records);
}

/**
 * Of `records` (the agent's records of rows in the live tables), those a DB rollback already took
 * into `<db>__sy_last`, though the agent stopped before it was told (see ROLLING_TABLE). What a
 * stopped rollback left is settled first, as landedRecords does for a copy.
 */
export async function rolledBackRecords(conn: Connection, target: string, records: LiveRecord[]): Promise<LiveRecord[]> {
  const last = lastSchema(target);
  if (!(await tableExists(conn, last, KEPT_TABLE))) return [];
  return settleLanding(conn, last, ROLLED_TABLE, ROLLING_TABLE, records);
}

/**
 * The agent was told where a rollback took the recorded rows: its LANDED entries have served. A
 * ledger left empty goes (the rollback created it for them, or it holds nothing to keep).
 */
export async function forgetRolledBack(conn: Connection, target: string): Promise<void> {
  const last = lastSchema(target);
  if (!(await tableExists(conn, last, KEPT_TABLE))) return;
  await conn.query(`DELETE FROM ${qt(last, KEPT_TABLE)} WHERE kind = '${LANDED}'`);
  const [n] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${qt(last, KEPT_TABLE)}`);
  if (Number(n?.n ?? 1) === 0) await conn.query(`DROP TABLE IF EXISTS ${qt(last, KEPT_TABLE)}`);
}

async function tableExists(conn: Connection, schema: string, table: string): Promise<boolean> {
  return (await rows(conn, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [schema, table])).length > 0;
}

/**
 * The LANDING entries of `schema`.`__sy_kept` become LANDED when `marker` is in `schema` (the
 * RENAME TABLE that moved it ran), and go when it is not; the marker goes, and `unmoved` (its name
 * before that RENAME) too. Returns the `records` a LANDED entry names; LANDED entries no record
 * matches any more (the agent was told since) go.
 */
async function settleLanding(conn: Connection, schema: string, marker: string, unmoved: string | undefined, records: LiveRecord[]): Promise<LiveRecord[]> {
  const ledger = qt(schema, KEPT_TABLE);
  const ran = await tableExists(conn, schema, marker);
  if (ran) await noteLanded(conn, ledger);
  else await conn.query(`DELETE FROM ${ledger} WHERE kind = '${LANDING}'`);
  if (ran) await conn.query(`DROP TABLE IF EXISTS ${qt(schema, marker)}`);
  if (unmoved !== undefined) await conn.query(`DROP TABLE IF EXISTS ${qt(schema, unmoved)}`);
  const notes = await rows<{ name: string; print: string }>(conn, `SELECT name, create_sql AS print FROM ${ledger} WHERE kind = '${LANDED}'`);
  if (notes.length === 0) return [];
  const printOf = new Map(notes.map((n) => [String(n.name), String(n.print)]));
  const landed = records.filter((r) => printOf.get(r.table) === recordPrint(r));
  const still = new Set(landed.map((r) => r.table));
  for (const n of notes.filter((x) => !still.has(String(x.name)))) await conn.query(`DELETE FROM ${ledger} WHERE kind = '${LANDED}' AND name = ?`, [n.name]);
  return landed;
}

/** The agent was told where the recorded rows went: the LANDED entries have served (see landedRecords). */
export async function forgetLanded(conn: Connection, target: string): Promise<void> {
  if (await hasKeptAside(conn, target)) await conn.query(`DELETE FROM ${qt(prevSchema(target), KEPT_TABLE)} WHERE kind = '${LANDED}'`);
}

/** Of `records`, those whose rows are in the live tables still (landedRecords): the ones to join. */
async function liveOnes(conn: Connection, target: string, records: LiveRecord[], logger: Logger): Promise<LiveRecord[]> {
  const landed = new Set(await landedRecords(conn, target, records));
  // Joined again by their keys, the rows of another live table (staging's copy, or none) replaced them.
  if (landed.size > 0) logger.warn({ kept: lastSchema(target), tables: [...landed].map((r) => r.table) }, 'recorded production-only rows a stopped copy already took into the kept-aside tables: not joined again');
  return records.filter((r) => !landed.has(r));
}

/**
 * The recorded rows of the live tables that `__sy_last` already holds a table of the same name
 * for, copied into it (last-rows.ts); returns the names of the live tables that hold recorded
 * rows and can move to `__sy_last` whole. With `copyAll` no table moves whole: the live tables
 * are kept elsewhere, so a table `__sy_last` lacks is created there, empty, for the rows to join.
 */
async function joinLast(conn: Connection, target: string, current: SchemaInfo, records: LiveRecord[], logger: Logger, copyAll = false, alsoInJoin?: (conn: Connection) => Promise<void>): Promise<Set<string>> {
  const last = lastSchema(target);
  const kept = new Map((await inspectSchema(conn, last, { objects: false })).tables.map((t) => [t.name, t]));
  const live = new Map(current.tables.map((t) => [t.name, t]));
  const whole = new Set<string>();
  const joins: RecordedJoin[] = [];
  const created: string[] = [];
  for (const r of records) {
    const t = live.get(r.table);
    if (t === undefined) continue;
    const k = kept.get(r.table) ?? (copyAll ? t : undefined);
    if (k === undefined) whole.add(r.table);
    else joins.push({ live: t, kept: k, rec: r });
    if (k !== undefined && !kept.has(r.table)) created.push(r.table);
  }
  // Created before the joins (CREATE commits) and dropped again if they fail: empty, and ours. So
  // is `__sy_last` itself when it was created for them (a failed rollback otherwise left an empty
  // schema for the operator to wonder about), never one that was there before or holds anything.
  const madeLast = created.length > 0 && !(await schemaExists(conn, last));
  if (created.length > 0) await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(last)}`);
  try {
    for (const name of created) await conn.query(`CREATE TABLE ${qt(last, name)} LIKE ${qt(target, name)}`);
    // What joined is noted beside the record of the copy these live tables are, and goes with it (a
    // rollback drops it, a rerun's swap clears the notes): a later copy's rows are never taken for joined.
    const joined = await joinRecordedRows(conn, target, last, joins, qt(prevSchema(target), KEPT_TABLE), alsoInJoin);
    for (const [table, n] of joined) logger.info({ table, kept: last, rows: n }, 'recorded production-only rows joined the kept-aside table');
  } catch (err) {
    for (const name of created) await conn.query(`DROP TABLE IF EXISTS ${qt(last, name)}`).catch(() => undefined);
    if (madeLast && (await schemaEmpty(conn, last).catch(() => false))) await conn.query(`DROP DATABASE IF EXISTS ${qi(last)}`).catch(() => undefined);
    throw err;
  }
  return whole;
}

/**
 * Sync is about to repair the live tables: the production-only rows recorded in them ('last': a
 * preflight ran after the copy, and no copy has taken them aside since) would be replaced by
 * staging's rows of their chunks, or dropped with a table re-copied whole, and keep would find
 * them nowhere. They join `<db>__sy_last` first, as a rerun copy's do (a table of the name
 * created there, empty, where it lacks one); keep merges them from there. The join notes them
 * LANDED in `__sy_last`'s ledger in its own transaction: a sync stopped before the agent was told
 * leaves what the next sync, preflight, copy or rollback settles (rolledBackRecords), never joined
 * again from tables the repair has changed since. Needs the copy's record (`__sy_prev`), where
 * the joins of tables without a key are noted; returns the records whose rows joined.
 */
export async function keepRecordedInLast(conn: Connection, target: string, current: SchemaInfo, records: LiveRecord[], logger: Logger): Promise<LiveRecord[]> {
  const live = new Set(current.tables.map((t) => t.name));
  const todo = records.filter((r) => live.has(r.table));
  if (todo.length === 0 || !(await hasKeptAside(conn, target))) return [];
  const last = lastSchema(target);
  const lastExisted = await schemaExists(conn, last);
  const ledgerExisted = lastExisted && (await tableExists(conn, last, KEPT_TABLE));
  // Created before the join's transaction (CREATE commits), and dropped again if it fails while
  // they hold nothing: ours, as joinLast's tables are.
  await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(last)}`);
  await createKeptTable(conn, last, true);
  try {
    // The rows stay live until the repair replaces them: one that fails leaves them in both places,
    // and that is noted with the record of the copy they are live in (LIVE_TOO).
    const ledger = qt(last, KEPT_TABLE);
    const tables = new Map(current.tables.map((t) => [t.name, t]));
    await joinLast(conn, target, current, todo, logger, true, async (c) => {
      await noteLandedNow(c, ledger, todo);
      await noteLiveToo(c, qt(prevSchema(target), KEPT_TABLE), target, tables, todo);
    });
  } catch (err) {
    if (!ledgerExisted) {
      const [n] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${qt(last, KEPT_TABLE)}`).catch(() => [{ n: 1 }]);
      if (Number(n?.n ?? 1) === 0) await conn.query(`DROP TABLE IF EXISTS ${qt(last, KEPT_TABLE)}`).catch(() => undefined);
    }
    if (!lastExisted) await dropIfEmpty(conn, last);
    throw err;
  }
  logger.info({ kept: last, tables: todo.map((r) => r.table) }, 'production-only rows recorded in the live tables kept aside before sync repairs them');
  return todo;
}

/**
 * A sync's repair completed: the live tables are staging's, so no row kept aside before it is
 * live too any more (LIVE_TOO). Notes an older agent kept in `__sy_last`'s ledger go too, and that
 * ledger when left empty.
 */
export async function forgetLiveToo(conn: Connection, target: string): Promise<void> {
  if (await hasKeptAside(conn, target)) await conn.query(`DELETE FROM ${qt(prevSchema(target), KEPT_TABLE)} WHERE kind = '${LIVE_TOO}'`);
  const last = lastSchema(target);
  if (!(await tableExists(conn, last, KEPT_TABLE))) return;
  await conn.query(`DELETE FROM ${qt(last, KEPT_TABLE)} WHERE kind = '${LIVE_TOO}'`);
  const [n] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${qt(last, KEPT_TABLE)}`);
  if (Number(n?.n ?? 1) === 0) await conn.query(`DROP TABLE IF EXISTS ${qt(last, KEPT_TABLE)}`);
}

/**
 * The ledger whose LIVE_TOO notes describe the live tables now: the record of the copy in place.
 * None when no copy is (a DB rollback put production's tables back, and stopped before it dropped
 * `__sy_prev`), or a rerun copy's RENAME TABLE ran and it stopped before it cleared them (its
 * marker is in `__sy_prev`): their notes are of tables no longer live, and read they made keep
 * take other rows for the ones noted.
 */
export async function liveTooLedger(conn: Connection, target: string): Promise<string | undefined> {
  if (!(await copyInPlace(conn, target))) return undefined;
  if (await tableExists(conn, prevSchema(target), LANDED_TABLE)) return undefined;
  return qt(prevSchema(target), KEPT_TABLE);
}

/**
 * A sync run again after one that kept recorded rows aside while they stayed live (LIVE_TOO) and
 * failed, or a DB rollback after it: the records say 'last-kept', so nothing joins `__sy_last`
 * again, yet production may have changed a kept row since — its live row is then the newer, and
 * the repair would replace it with staging's (or delete it), the rollback drop it with the copy,
 * while keep merged the older copy: the change was lost without a word. Or production deleted a
 * kept row since, and keep merged the older copy back. Before the repair (or the rollback's join),
 * each noted key's live row is compared with the one kept under it. Where they differ and no
 * repair had begun on the table, nothing but production wrote it: the live row replaces the kept
 * one (as a preflight run again and this sync would have kept it; the join is the same, one
 * transaction, a unique value another kept row holds stops it with SY_CONFLICT); where the live
 * table lacks the key, production deleted it, the newest word: the kept copy goes, in the same
 * transaction (keep then tells the recorded row not found, as one production deleted before a
 * copy). Where a repair had begun, the live row may be that stopped repair's staging row: `step`
 * refuses, SY_CONFLICT naming each table and key and what to do, and nothing has changed; a key
 * gone from the live table may be the repair's delete as well as production's, so its kept copy
 * stays (keep merges it, as before), is logged, and noted GONE_LIVE in `__sy_last`'s ledger: this
 * sync's repair, once complete, clears LIVE_TOO, this rollback drops `__sy_prev`, and keep still
 * tells it in merged_gone_live. A table without a key
 * is judged by row hash: the copies its live table held when they were kept aside and holds no
 * more are production's deletes (a change of such a row is another row) before a repair began —
 * that many kept copies go, in the same transaction, and the note is lowered by as many — and
 * unknowable after: kept, logged and noted, as a keyed row gone. Returns the keys whose live rows
 * were kept aside again, by table.
 */
export async function keepChangedLive(conn: Connection, target: string, current: SchemaInfo, logger: Logger, step: 'sync' | 'rollback' = 'sync'): Promise<Map<string, Key[]>> {
  const out = new Map<string, Key[]>();
  const ledger = await liveTooLedger(conn, target);
  if (ledger === undefined) return out;
  const last = lastSchema(target);
  const noted = (await rows<{ n: string }>(conn, `SELECT name AS n FROM ${ledger} WHERE kind = '${LIVE_TOO}' ORDER BY seq`)).map((r) => String(r.n));
  if (noted.length === 0 || !(await schemaExists(conn, last))) return out;
  const kept = new Map((await inspectSchema(conn, last, { objects: false })).tables.map((t) => [t.name, t]));
  const live = new Map(current.tables.map((t) => [t.name, t]));
  const joins: RecordedJoin[] = [];
  const drops: Array<{ live: Table; kept: Table; keys: Key[] }> = [];
  const copyDrops: Array<{ kept: Table; algo: string; copies: Map<string, bigint> }> = [];
  const unsure: string[] = [];
  const goneUnsure: string[] = [];
  const goneNotes: Array<{ table: string; keys?: Key[]; algo?: string; copies?: Map<string, bigint> }> = [];
  for (const name of noted) {
    const l = live.get(name);
    const k = kept.get(name);
    if (l === undefined || k === undefined) continue;
    const copies = await liveTooCopiesNote(conn, ledger, name);
    if (copies !== undefined) {
      const gone = await copiesGoneSinceKept(conn, target, last, l, k, copies.algo, copies.copies);
      if (gone.size === 0) continue;
      if (copies.repaired) {
        goneUnsure.push(...[...gone].map(([h, n]) => `${name}: row hash ${h} ×${n}`));
        goneNotes.push({ table: name, algo: copies.algo, copies: gone });
      } else copyDrops.push({ kept: k, algo: copies.algo, copies: gone });
      continue;
    }
    const note = await liveTooKeys(conn, ledger, name);
    if (note === undefined) continue;
    const keys = [...note.keys].map(keyFromHex);
    const changed = await changedSinceKept(conn, target, last, l, k, keys);
    const gone = await goneSinceKept(conn, target, last, l, k, keys);
    if (note.repaired) {
      unsure.push(...changed.map((x) => `${name}:${keyText(x)}`));
      goneUnsure.push(...gone.map((x) => `${name}:${keyText(x)}`));
      if (gone.length > 0) goneNotes.push({ table: name, keys: gone });
      continue;
    }
    if (changed.length > 0) joins.push({ live: l, kept: k, rec: { table: name, keys: changed, rowHash: '' } });
    if (gone.length > 0) drops.push({ live: l, kept: k, keys: gone });
  }
  if (unsure.length > 0) {
    const list = `${unsure.slice(0, 20).join(', ')}${unsure.length > 20 ? ` (+${unsure.length - 20} more)` : ''}`;
    const would = step === 'sync' ? 'this sync would replace the live row' : 'this rollback would drop the live row with the copy';
    throw new SwitchyardError(
      'SY_CONFLICT',
      `production-only rows an earlier sync kept aside in ${last} while they stayed live differ from the live row under the same key, which production changed since or that sync's repair (stopped part-way) replaced with staging's: ${list}; ${would}, and keep would merge the one kept aside, so nothing was changed — compare each live row with the one kept in ${last} under its key: if the live row is production's (newer), copy it over the kept one (REPLACE INTO ${last}.<table> SELECT * FROM ${target}.<table> WHERE <key>); if it is staging's, put the kept one live in its place (REPLACE INTO ${target}.<table> SELECT * FROM ${last}.<table> WHERE <key>); then run ${step === 'sync' ? 'sync' : 'the rollback'} again`,
      { details: { schema: last, changedOrRepaired: unsure } },
    );
  }
  if (goneUnsure.length > 0) {
    // Noted where keep reads it after this sync's repair completes (and clears LIVE_TOO), or after
    // this rollback drops `__sy_prev` and a copy is made again: beside the kept rows, in `__sy_last`.
    await createKeptTable(conn, last, true);
    for (const g of goneNotes) await noteGoneLive(conn, qt(last, KEPT_TABLE), g.table, g);
    logger.warn({ kept: last, keys: goneUnsure.slice(0, 20) }, "rows an earlier sync kept aside while they stayed live are gone from the live tables since that sync's repair began: production's delete or the repair's, which cannot be told apart — the kept copies stay, and keep merges them and tells them in merged_gone_live");
  }
  if (joins.length === 0 && drops.length === 0 && copyDrops.length === 0) return out;
  const dropped = new Map<string, number>();
  const joined = await joinRecordedRows(conn, target, last, joins, undefined, async (c) => {
    for (const d of drops) dropped.set(d.live.name, await dropKeptRows(c, target, last, d.live, d.kept, d.keys));
    for (const d of copyDrops) dropped.set(d.kept.name, await dropKeptCopies(c, ledger, last, d.kept, d.algo, d.copies));
  });
  for (const j of joins) {
    out.set(j.live.name, j.rec.keys);
    logger.warn({ table: j.live.name, kept: last, rows: joined.get(j.live.name) ?? 0, keys: j.rec.keys.slice(0, 20).map(keyText) }, `production changed rows an earlier sync kept aside while they stayed live: the live rows, newer, kept aside in their place before the ${step === 'sync' ? 'repair replaces them' : 'rollback drops them with the copy'}`);
  }
  for (const d of drops) {
    logger.warn({ table: d.live.name, kept: last, rows: dropped.get(d.live.name) ?? 0, keys: d.keys.slice(0, 20).map(keyText) }, 'production deleted rows an earlier sync kept aside while they stayed live: their kept copies dropped, not merged back by keep');
  }
  for (const d of copyDrops) {
    logger.warn({ table: d.kept.name, kept: last, rows: dropped.get(d.kept.name) ?? 0, rowHashes: [...d.copies.keys()].slice(0, 20) }, 'production deleted or changed rows without a key an earlier sync kept aside while they stayed live: as many kept copies dropped, not merged back by keep');
  }
  return out;
}

/** A sync's repair is about to begin on `tables` (see noteRepairBegins). */
export async function liveTooRepairBegins(conn: Connection, target: string, tables: string[]): Promise<void> {
  const ledger = await liveTooLedger(conn, target);
  if (ledger !== undefined && tables.length > 0) await noteRepairBegins(conn, ledger, tables);
}

export interface SwapResult {
  keptAside: string;
  replaced: string[];
  /** Production's own tables went to `<db>__sy_prev`; otherwise the replaced ones to `__sy_last`. */
  firstCopy: boolean;
  /** What the swap kept where a reader would not look for it. */
  notes: string[];
}

/**
 * Moves every table of the shadow schema into `target` in one RENAME TABLE, then re-creates the
 * staging objects there. On the first full copy the replaced tables are kept in `<db>__sy_prev`;
 * on a rerun the original production is already kept there and the tables replaced go to
 * `<db>__sy_last` where it lacks their names, else are dropped (their recorded rows joined first).
 */
export async function swapIn(conn: Connection, target: string, staging: SchemaInfo, sourceSchema: string, logger: Logger, opts: { liveRecords?: LiveRecord[] } = {}): Promise<SwapResult> {
  const shadow = shadowSchema(target);
  const prev = prevSchema(target);
  const notes: string[] = [];
  // `__sy_prev` holding the record of production's tables and none of them (see copyInPlace): taken
  // for a rerun, the live tables — production's own — went to `__sy_last` or were dropped, and no
  // rollback brought them back. The stopped step is finished first, and this is a first copy.
  if ((await hasKeptAside(conn, target)) && (await tablesAlreadyBack(conn, target))) notes.push(...(await finishStopped(conn, target, logger)));
  const current = await inspectSchema(conn, target);
  const firstCopy = !(await hasKeptAside(conn, target));
  // A rerun moves the live tables to `__sy_last`: rows recorded in one it cannot move there join
  // the table of that name first. Those a stopped attempt took there already are not taken again.
  const records = firstCopy ? [] : await liveOnes(conn, target, opts.liveRecords ?? [], logger);
  if (!firstCopy) await joinLast(conn, target, current, records, logger);
  // Triggers of the tables a rerun moves to `__sy_last` (only production has them), by table.
  let leaving = new Map<string, SchemaObject[]>();
  if (firstCopy) await recordKept(conn, target, current);
  else {
    // Objects production added since the first copy are dropped with the copy's: recorded, as
    // the first copy records production's. Those on tables going to `__sy_last`, which no
    // rollback brings back, are logged.
    const stagingHas = new Set(staging.objects.map((o) => `${o.kind} ${o.name}`));
    const only = await productionsOwn(conn, target, current.objects.filter((o) => !stagingHas.has(`${o.kind} ${o.name}`)));
    leaving = await triggersOn(conn, target, only, current.tables.filter((t) => !staging.tables.some((x) => x.name === t.name)).map((t) => t.name));
    const ofLeaving = new Set([...leaving.values()].flat().map((o) => o.name));
    await keepObjectsAside(conn, target, only.filter((o) => !(o.kind === 'TRIGGER' && ofLeaving.has(o.name))), logger);
  }
  const dest = firstCopy ? prev : trashSchema(target);

  // `__sy_last` is only added to, never replaced, until release: it may hold production-only
  // rows preflight recorded (replacing it lost them for good) and tables only production had,
  // moved there by sync. Of the tables a rerun replaces, those whose names it lacks join it (a
  // table only production has, a table whose recorded rows then move with it); the rest were
  // copies, their recorded rows joined above, and go with the trash. They move there in the
  // RENAME TABLE itself: moved after it, from the trash, a copy stopped in between left them
  // there, for the retry to drop with the trash.
  const last = lastSchema(target);
  const toLast = firstCopy ? [] : await keptInLast(conn, target, current, staging);
  const madeLast = !firstCopy && !(await schemaExists(conn, last));
  if (!firstCopy) await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(last)}`);
  const lastAs = new Map(toLast.map((j) => [j.table, j.as]));
  // Named before the RENAME, and only those dropped after it (see trashSchema).
  if (!firstCopy) {
    try {
      await openTrash(conn, target, current.tables.filter((t) => !lastAs.has(t.name)).map((t) => t.name), logger);
    } catch (err) {
      if (madeLast && (await schemaEmpty(conn, last).catch(() => false))) await conn.query(`DROP DATABASE IF EXISTS ${qi(last)}`).catch(() => undefined);
      throw err;
    }
  }

  // Triggers cannot travel between schemas with their table, and a view may share a name with
  // an incoming table: both go first, and come back if the swap fails.
  const blocking = current.objects.filter((o) => o.kind === 'TRIGGER' || o.kind === 'VIEW');
  const moves = [
    ...current.tables.map((t) => `${qt(target, t.name)} TO ${lastAs.has(t.name) ? qt(last, lastAs.get(t.name)!) : qt(dest, t.name)}`),
    ...staging.tables.map((t) => `${qt(shadow, t.name)} TO ${qt(target, t.name)}`),
  ];
  // The agent is told where the recorded rows went only after this returns: until then the
  // ledger says it, and the marker moving with the tables says whether they moved (LANDING).
  // Notes of the live tables (JOINED, LIVE_TOO) go with them too, so their RENAME is marked even
  // without records: a stop right after it leaves notes of tables no longer live.
  const marking = records.length > 0 || (!firstCopy && (await rows(conn, `SELECT 1 FROM ${qt(prev, KEPT_TABLE)} WHERE kind IN ('${JOINED}', '${LIVE_TOO}') LIMIT 1`)).length > 0);
  if (marking) {
    await conn.query(`CREATE TABLE ${qt(shadow, LANDED_TABLE)} (landed TINYINT)`);
    await noteLanding(conn, qt(prev, KEPT_TABLE), records);
    moves.push(`${qt(shadow, LANDED_TABLE)} TO ${qt(prev, LANDED_TABLE)}`);
  }
  // The live schema, when this swap created it: production had none.
  let createdTarget = false;
  try {
    // Inside, as the trash schema above is created: one that fails leaves nothing of the swap behind.
    if (!current.exists) {
      await conn.query(`CREATE DATABASE ${qi(target)} CHARACTER SET ${staging.defaultCharset} COLLATE ${staging.defaultCollation}`);
      createdTarget = true;
    } else await conn.query(`ALTER DATABASE ${qi(target)} CHARACTER SET ${staging.defaultCharset} COLLATE ${staging.defaultCollation}`);
    // A drop that waits out a lock leaves the ones before it dropped, to come back too.
    await dropAllObjects(conn, target, blocking);
    if (moves.length > 0) await conn.query(`RENAME TABLE ${moves.join(', ')}`);
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'swap failed; restoring the views and triggers of the live schema');
    // The first copy's `__sy_prev` holds only its record now: left, it made the retry a rerun,
    // which kept production's own tables in `__sy_last` and left a rollback none to put back.
    // Never one holding a table (a RENAME done on the server whose answer was lost).
    if (firstCopy && (await schemaHoldsOnlyRecord(conn, prev).catch(() => false))) await conn.query(`DROP DATABASE IF EXISTS ${qi(prev)}`).catch(() => undefined);
    // A rerun's trash schema, created for the RENAME, goes too while it holds only its ledger (left,
    // the operator wondered what it was): never one holding a table, for the same reason.
    if (!firstCopy) await abandonTrash(conn, target);
    // Likewise the `__sy_last` created for the tables that did not move, left empty.
    if (madeLast && (await schemaEmpty(conn, last).catch(() => false))) await conn.query(`DROP DATABASE IF EXISTS ${qi(last)}`).catch(() => undefined);
    // Production had no such schema: the one created for the RENAME goes while empty, so production
    // ends as it was (left, the retry found an empty live schema the site never had). Never one
    // holding anything: a RENAME done whose answer was lost, or a table the site created since.
    if (createdTarget) await dropIfEmpty(conn, target);
    throw await swapFailed(conn, target, blocking, err, logger, current.exists ? await putDefaultBack(conn, target, current, logger) : undefined);
  }
  // The recorded rows of the tables replaced were joined, or moved with them: the next live tables' are others.
  if (!firstCopy) await noteLanded(conn, qt(prev, KEPT_TABLE));
  if (marking) await conn.query(`DROP TABLE IF EXISTS ${qt(prev, LANDED_TABLE)}`);
  await dropAllObjects(conn, target, current.objects.filter((o) => o.kind !== 'TRIGGER' && o.kind !== 'VIEW'));
  await createObjects(conn, target, staging.objects, sourceSchema);
  await recordCopied(conn, target, staging.objects, staging.tables.map((t) => t.name));
  await conn.query(`DROP DATABASE IF EXISTS ${qi(shadow)}`);
  if (!firstCopy) {
    for (const j of toLast) {
      const list = leaving.get(j.table);
      if (list !== undefined) await recordTriggersInLast(conn, target, j.as, list, logger);
    }
    for (const j of toLast.filter((x) => x.as !== x.table)) {
      notes.push(`${j.table}: only production has this table and ${last} already holds one of that name (kept by an earlier copy): kept beside it as ${last}.${j.as} until release, nothing dropped`);
    }
    if (notes.length > 0) logger.warn({ kept: last, notes }, 'tables only production has kept beside earlier ones of the same name');
    logger.info({ kept: last, joined: toLast.map((j) => j.as), dropped: current.tables.filter((t) => !lastAs.has(t.name)).map((t) => t.name) }, 'replaced tables kept aside where new');
    await emptyTrash(conn, target);
  }
  return { keptAside: prev, replaced: current.tables.map((t) => t.name), firstCopy, notes };
}

/**
 * The live tables a rerun moves to `<db>__sy_last` (`as`: their name there): those whose names it
 * lacks. A table only production has whose name it holds (kept by an earlier copy) is no copy: its
 * rows were written on production since, and dropped they were lost. It is kept beside the earlier
 * one under a free name, and said so.
 */
async function keptInLast(conn: Connection, target: string, current: SchemaInfo, staging: SchemaInfo): Promise<Array<{ table: string; as: string }>> {
  const have = (await inspectSchema(conn, lastSchema(target), { objects: false })).tables.map((t) => t.name);
  return namesInLast(current.tables.map((t) => t.name), have, staging.tables.map((t) => t.name));
}

/**
 * keptInLast's choice of names: `live` tables `last` lacks keep theirs; one only production has
 * whose name `last` holds gets a free one. Each name chosen is reserved: two tables given one name
 * (long names alike in their first 60 characters, or a live `x__sy_2` beside a kept `x`) made the
 * RENAME fail on every retry.
 */
export function namesInLast(live: readonly string[], last: readonly string[], staging: readonly string[]): Array<{ table: string; as: string }> {
  const have = new Set(last);
  const stagingHas = new Set(staging);
  const join = live.filter((t) => !have.has(t)).map((t) => ({ table: t, as: t }));
  const taken = new Set([...have, ...join.map((j) => j.as)]);
  for (const t of live.filter((x) => have.has(x) && !stagingHas.has(x))) {
    const as = freeName(t, taken);
    taken.add(as);
    join.push({ table: t, as });
  }
  return join;
}

/**
 * The error of a swap whose RENAME (or a drop before it) failed: no table moved. The views and
 * triggers dropped for it are put back; one that cannot be (the session holding the lock that
 * stopped the swap holds its table too) would otherwise be gone with only the log to say so. The
 * error names each with the server's reason, and its definition is recorded in
 * `<db>__sy_last`.`__sy_kept`, as those a rollback cannot re-create are, until release.
 */
async function swapFailed(conn: Connection, target: string, dropped: SchemaObject[], err: unknown, logger: Logger, defaultLeft?: string): Promise<SwitchyardError> {
  const why = `${(err as Error).message}${defaultLeft === undefined ? '' : `; ${defaultLeft}`}`;
  let lost: Array<NotRecreated & { object: SchemaObject }> = [];
  try {
    const left = await existingObjects(conn, target);
    lost = await recreateKept(conn, target, dropped.filter((o) => !left.has(`${o.kind} ${o.name}`)), logger);
  } catch (e) {
    // The server could not even be asked what is left: every one dropped is told, none proven back.
    lost = dropped.map((o) => ({ kind: o.kind, name: o.name, reason: `not known to be back: ${(e as Error).message}`, object: o }));
  }
  if (lost.length === 0) return new SwitchyardError('SY_DB', `swap into ${target} failed, ${defaultLeft === undefined ? 'production unchanged' : "production's tables unchanged"}: ${why}`, { cause: err });
  const where = await recordInLast(conn, target, lost.map((f) => f.object), logger);
  const aftermath = `${lost.length === 1 ? 'a view or trigger' : `${lost.length} views and triggers`} dropped for the swap could not be put back: ${lost.map((f) => `${f.kind} ${f.name} (${f.reason})`).join('; ')}; ${lost.length === 1 ? 'its definition is' : 'their definitions are'} kept in ${where}, to re-create by hand`;
  logger.error({ schema: target, notRestored: lost.map((f) => ({ kind: f.kind, name: f.name, createSql: f.object.createSql, err: f.reason })) }, 'objects dropped for a failed swap not put back');
  return new SwitchyardError('SY_DB', `swap into ${target} failed, production's tables unchanged: ${why}; ${aftermath}`, {
    cause: err,
    details: { notRestored: lost.map((f) => `${f.kind} ${f.name}`), definitionsKeptIn: where, aftermath },
  });
}

/**
 * A swap that failed puts production's default character set and collation back: the swap set
 * staging's before its RENAME TABLE, and left so, tables production's site creates later took
 * staging's defaults though its own tables are live. Returns what could not be put back, for the
 * error to say (the caller is failing already, with its own error).
 */
async function putDefaultBack(conn: Connection, target: string, current: SchemaInfo, logger: Logger): Promise<string | undefined> {
  try {
    await conn.query(`ALTER DATABASE ${qi(target)} CHARACTER SET ${current.defaultCharset} COLLATE ${current.defaultCollation}`);
    return undefined;
  } catch (e) {
    logger.error({ schema: target, charset: current.defaultCharset, collation: current.defaultCollation, err: (e as Error).message }, "production's default character set could not be put back after a failed swap");
    return `its default character set and collation could not be put back to ${current.defaultCharset} / ${current.defaultCollation} (${(e as Error).message}): ALTER DATABASE ${target} CHARACTER SET ${current.defaultCharset} COLLATE ${current.defaultCollation} by hand`;
  }
}

/**
 * `__sy_prev` holds the record of production's tables and none of them: they are live (see
 * copyInPlace). What the stopped step left is finished — the recorded views, triggers and routines
 * the live schema lacks re-created, the record dropped — so the copy now keeps production's
 * tables aside as a first copy does. Returns the notes saying so.
 */
async function finishStopped(conn: Connection, target: string, logger: Logger): Promise<string[]> {
  const prev = prevSchema(target);
  const failed = await recreateKept(conn, target, await readKeptObjects(conn, target), logger);
  const notes = await keepNotRecreated(conn, target, failed, logger);
  await conn.query(`DROP DATABASE ${qi(prev)}`);
  const note = `${prev} held the record of production's tables but none of them (an earlier copy stopped before it swapped, or a rollback after it put them back): the live tables were production's own, and are kept aside in ${prev} now as on a first copy`;
  logger.warn({ schema: target, kept: prev }, note);
  return [note, ...notes];
}

/** A name `taken` lacks for another table called `name`: `name__sy_2`, `name__sy_3`, … within MySQL's 64 characters. */
function freeName(name: string, taken: Set<string>): string {
  for (let n = 2; ; n++) {
    const suffix = `__sy_${n}`;
    const candidate = name.slice(0, 64 - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Where tables only production has go when sync finds them (created there after presync): beside
 * the tables presync kept aside, never dropped. `<db>__sy_prev` first (rollback puts its tables
 * back, release drops them), else `<db>__sy_last`, whichever lacks the name; with both taken
 * nothing is moved and the error names the table, for a person to settle.
 */
export async function asideSchemas(conn: Connection, target: string, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const candidates = [...((await hasKeptAside(conn, target)) ? [prevSchema(target)] : []), lastSchema(target)];
  const taken = new Map<string, Set<string>>();
  for (const c of candidates) taken.set(c, new Set((await rows<{ n: string }>(conn, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [c])).map((r) => String(r.n))));
  for (const n of names) {
    const dest = candidates.find((c) => !taken.get(c)!.has(n));
    if (dest === undefined) {
      throw new SwitchyardError('SY_CONFLICT', `table ${target}.${n} exists only on production and both ${candidates.join(' and ')} already hold a table of that name: nothing was moved; rename or move one of them by hand and run sync again`, { details: { table: n, schemas: candidates } });
    }
    out.set(n, dest);
  }
  return out;
}

/** Moves tables only production has into the schemas asideSchemas chose, in one RENAME TABLE. */
export async function moveAside(conn: Connection, target: string, dest: Map<string, string>): Promise<void> {
  if (dest.size === 0) return;
  for (const schema of new Set(dest.values())) await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(schema)}`);
  await conn.query(`RENAME TABLE ${[...dest].map(([n, schema]) => `${qt(target, n)} TO ${qt(schema, n)}`).join(', ')}`);
}

/** The triggers of `tables` among `objects`, by the table each fires on; read before they are dropped. */
export async function triggersOn(conn: Connection, target: string, objects: SchemaObject[], tables: string[]): Promise<Map<string, SchemaObject[]>> {
  const out = new Map<string, SchemaObject[]>();
  if (tables.length === 0) return out;
  const on = new Map((await rows<{ n: string; t: string }>(conn, 'SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [target])).map((r) => [String(r.n), String(r.t)]));
  for (const o of objects) {
    const t = on.get(o.name);
    if (o.kind === 'TRIGGER' && t !== undefined && tables.includes(t)) out.set(t, [...(out.get(t) ?? []), o]);
  }
  return out;
}

/**
 * A trigger cannot follow its table to another schema, so the triggers of the tables moveAside
 * moved are recorded beside the objects presync kept: a DB rollback, which puts the tables in
 * `__sy_prev` back, re-creates them too (they were lost). For a table in `__sy_last`, which no
 * rollback brings back, they are recorded beside it there.
 */
export async function keepTriggersAside(conn: Connection, target: string, dest: Map<string, string>, triggers: Map<string, SchemaObject[]>, logger: Logger): Promise<void> {
  const prev = prevSchema(target);
  for (const [table, list] of triggers) {
    if (dest.get(table) === prev && (await hasKeptAside(conn, target))) {
      for (const o of list) await appendKept(conn, prev, o);
      logger.info({ table, triggers: list.map((o) => o.name), kept: prev }, 'triggers of a table moved aside recorded: a rollback re-creates them');
    } else if (dest.get(table) === lastSchema(target)) {
      await recordTriggersInLast(conn, target, table, list, logger);
    } else {
      logger.warn({ table, movedTo: dest.get(table), triggers: list.map((o) => ({ name: o.name, createSql: o.createSql })) }, 'triggers of a table moved aside are not kept with it: their definitions');
    }
  }
}

/**
 * Which objects and tables of the live schema the copy (or a sync since) created from staging's:
 * an object of the live schema that staging lacks is production's own addition only if it is not
 * one of them (staging may have dropped one since), and only then does a rollback re-create it;
 * a table not among them production created on the copy, and a rollback keeps it.
 */
export async function recordCopied(conn: Connection, target: string, objects: SchemaObject[], tables: string[]): Promise<void> {
  if (!(await hasKeptAside(conn, target))) return;
  const kept = qt(prevSchema(target), KEPT_TABLE);
  await conn.query(`DELETE FROM ${kept} WHERE kind = '${COPIED}'`);
  for (const name of [...objects.map((o) => `${o.kind} ${o.name}`), ...tables.map((t) => `TABLE ${t}`)]) {
    await conn.query(`INSERT INTO ${kept} SELECT COALESCE(MAX(seq), -1) + 1, '${COPIED}', ?, '', '', '', '', '', 1 FROM ${kept}`, [name]);
  }
}

/** The tables the copy (and syncs since) brought from staging; undefined for a copy made before they were recorded. */
async function copiedTables(conn: Connection, target: string): Promise<Set<string> | undefined> {
  const r = await rows<{ name: string }>(conn, `SELECT name FROM ${qt(prevSchema(target), KEPT_TABLE)} WHERE kind = '${COPIED}' AND name LIKE 'TABLE %'`);
  return r.length === 0 ? undefined : new Set(r.map((x) => String(x.name).slice('TABLE '.length)));
}

async function appendKept(conn: Connection, prev: string, o: SchemaObject): Promise<void> {
  await conn.query(
    `INSERT INTO ${qt(prev, KEPT_TABLE)} SELECT COALESCE(MAX(seq), -1) + 1, ?, ?, ?, ?, ?, ?, ?, 1 FROM ${qt(prev, KEPT_TABLE)}`,
    [o.kind, o.name, o.createSql, o.sqlMode, o.timeZone ?? '', o.characterSetClient, o.collationConnection],
  );
}

/**
 * Views, triggers, routines and events only production has (created there after presync), which
 * sync is about to drop: staging defines the schema's objects. Recorded with the objects presync
 * kept, so a DB rollback re-creates them with production's own tables, as it does production's
 * objects of before the copy; one of a name already recorded is not (the object production had at
 * the copy comes back). Without a record to join (released: no rollback comes), they are recorded
 * in `<db>__sy_last`.`__sy_kept`, as the objects a rollback cannot re-create are: a log alone was
 * seen by no one, and may be gone when someone needs the definition. Nothing is dropped yet, so a
 * record that cannot be written stops sync. Returns where they were recorded.
 */
export async function keepObjectsAside(conn: Connection, target: string, objects: SchemaObject[], logger: Logger): Promise<{ schema: string; rollbackRecreates: boolean } | undefined> {
  if (objects.length === 0) return undefined;
  const prev = prevSchema(target);
  const definitions = objects.map((o) => ({ kind: o.kind, name: o.name, createSql: o.createSql }));
  if (!(await hasKeptAside(conn, target))) {
    const last = lastSchema(target);
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(last)}`);
    await createKeptTable(conn, last, true);
    for (const o of objects) await appendKept(conn, last, o);
    logger.warn({ schema: target, kept: last, objects: definitions }, 'objects only production has dropped (staging defines the objects), with no copy kept aside for a rollback: their definitions recorded in __sy_last, to re-create by hand');
    return { schema: last, rollbackRecreates: false };
  }
  const have = new Set((await readKeptObjects(conn, target)).map((o) => `${o.kind} ${o.name}`));
  for (const o of objects.filter((x) => !have.has(`${x.kind} ${x.name}`))) await appendKept(conn, prev, o);
  logger.warn({ schema: target, kept: prev, objects: definitions }, 'objects only production has dropped (staging defines the objects): recorded, a DB rollback re-creates them');
  return { schema: prev, rollbackRecreates: true };
}

/** Of `objects` (the live schema's that staging lacks), those the copy did not create: production added them. */
export async function productionsOwn(conn: Connection, target: string, objects: SchemaObject[]): Promise<SchemaObject[]> {
  if (objects.length === 0 || !(await hasKeptAside(conn, target))) return objects;
  const copied = new Set((await rows<{ name: string }>(conn, `SELECT name FROM ${qt(prevSchema(target), KEPT_TABLE)} WHERE kind = '${COPIED}'`)).map((r) => String(r.name)));
  return objects.filter((o) => !copied.has(`${o.kind} ${o.name}`));
}

/** An object a rollback could not re-create, with the server's reason. */
export interface NotRecreated {
  kind: SchemaObject['kind'];
  name: string;
  reason: string;
}

/**
 * Re-creates the kept objects after a rollback put production's tables back. One recorded since
 * the copy (a trigger production added to a table of the copy that its own tables lack) may not
 * fit them: it is skipped rather than stopping the rollback with the tables already back and the
 * rest of the objects missing. Those skipped are returned, for the rollback's answer to name: a
 * log alone was seen by no one.
 *
 * A try on a table another session holds waits out lock_wait_timeout, and each object is tried up
 * to three times (all at once, then two passes one by one): a step with many objects behind one
 * held table took objects × 3 × database.lockWaitSeconds. The wait is the step's instead: every
 * try waits at most what is left of one lockWaitSeconds from the first (one second at least, as a
 * busy table's short transactions need), and an object that gave up on a lock is not tried again
 * once that is spent — the step ends in about lockWaitSeconds plus a second an object.
 */
async function recreateKept(conn: Connection, target: string, objects: SchemaObject[], logger: Logger): Promise<Array<NotRecreated & { object: SchemaObject }>> {
  const wait = await lockWaitOf(conn);
  const deadline = Date.now() + (wait ?? 0) * 1000;
  try {
    await createObjects(conn, target, objects, target);
    return [];
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'a kept object could not be re-created; re-creating the others one by one');
  }
  const failed: Array<NotRecreated & { object: SchemaObject }> = [];
  const gaveUp = new Map<string, string>();
  try {
    // Two passes: a view may name another created after it.
    for (let pass = 0; pass < 2; pass++) {
      const have = await existingObjects(conn, target);
      for (const o of objects.filter((x) => !have.has(`${x.kind} ${x.name}`))) {
        const key = `${o.kind} ${o.name}`;
        const left = Math.ceil((deadline - Date.now()) / 1000);
        let reason = gaveUp.get(key);
        let lockWait = reason !== undefined;
        if (reason === undefined || wait === undefined || left > 0) {
          try {
            if (wait !== undefined) await conn.query('SET SESSION lock_wait_timeout = ?', [Math.max(1, Math.min(wait, left))]);
            await createObjects(conn, target, [o], target);
            continue;
          } catch (err) {
            reason = (err as Error).message;
            lockWait = errnoOf(err) === 1205;
            if (lockWait) gaveUp.set(key, reason);
            if (pass === 0) continue;
          }
        }
        // Said by the reason: one held up by another session's lock fits the tables well enough.
        const why = lockWait ? 'could not be re-created: gave up waiting for a lock another session holds on its table' : 'does not fit the tables put back';
        logger.warn({ schema: target, kind: o.kind, name: o.name, createSql: o.createSql, err: reason }, `a kept object ${why}: not re-created, its definition`);
        failed.push({ kind: o.kind, name: o.name, reason, object: o });
      }
    }
  } finally {
    if (wait !== undefined) await conn.query('SET SESSION lock_wait_timeout = ?', [wait]).catch(() => undefined);
  }
  return failed;
}

/** The session's lock_wait_timeout (database.lockWaitSeconds); undefined if it cannot be read. */
async function lockWaitOf(conn: Connection): Promise<number | undefined> {
  try {
    const v = Number((await rows<{ v: number | string }>(conn, 'SELECT @@SESSION.lock_wait_timeout AS v'))[0]?.v);
    return Number.isFinite(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The definitions of the objects a rollback could not re-create, recorded in
 * `<db>__sy_last`.`__sy_kept` (as the triggers of tables moved there are): `__sy_prev`, where they
 * were, is dropped by the rollback, and a person recreating one by hand needs its definition after
 * the log is gone. They stay until release. Returns the notes naming them.
 */
async function keepNotRecreated(conn: Connection, target: string, failed: Array<NotRecreated & { object: SchemaObject }>, logger: Logger): Promise<string[]> {
  if (failed.length === 0) return [];
  const where = await recordInLast(conn, target, failed.map((f) => f.object), logger);
  return failed.map((f) => `${f.kind} ${f.name}: production's ${f.kind.toLowerCase()} could not be re-created in ${target} with production's own tables (${f.reason}): not re-created; its definition is kept in ${where}, to re-create by hand`);
}

/**
 * Definitions of objects that are gone from `target`, recorded in `<db>__sy_last`.`__sy_kept`
 * until release; says where. A record that cannot be written leaves them in the log alone (and
 * says that): it is written after the tables moved, or after a failure, and must not hide either.
 */
async function recordInLast(conn: Connection, target: string, objects: SchemaObject[], logger: Logger): Promise<string> {
  const last = lastSchema(target);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(last)}`);
    await createKeptTable(conn, last, true);
    for (const o of objects) await appendKept(conn, last, o);
    return `${last}.${KEPT_TABLE} until release`;
  } catch (err) {
    logger.error({ schema: target, err: (err as Error).message, objects: objects.map((o) => ({ kind: o.kind, name: o.name, createSql: o.createSql })) }, 'the definitions of objects not re-created could not be recorded: in this log only');
    return `the agent's log only (recording it in ${last}.${KEPT_TABLE} failed: ${(err as Error).message})`;
  }
}

export { servedSchema };
export type { ServedLog };

export interface ServedCopy {
  schema: string;
  tables: Array<{ table: string; rows: number }>;
}

export interface RollbackResult {
  /** The production tables put back. */
  tables: string[];
  /** With `keepLive`: where the live copy went, and the rows each of its tables holds. */
  served?: ServedCopy;
  /** What the rollback kept where a reader would not look for it. */
  notes: string[];
}

/**
 * Puts the kept-aside production tables and objects back (instant DB rollback). The live tables
 * that hold production-only rows preflight recorded (`liveRecords`) go to `__sy_last` instead of
 * being dropped with the rest of the copy, their rows joining a table of that name kept there;
 * `__sy_last` itself stays until release: a later cutover's keep merges from it.
 *
 * With `keepLive` (DNS was switched: the copy may hold orders and sign-ups written on production
 * since) nothing of the live copy is dropped: its tables move whole to a new `<db>__sy_served[N]`
 * with a record of its views, triggers and routines (`__sy_kept`), for the operator to reconcile
 * and drop. The recorded production-only rows are copied into `__sy_last` as well, where a later
 * keep looks for them.
 */
export async function rollbackSwap(
  conn: Connection,
  target: string,
  logger?: Logger,
  liveRecords: LiveRecord[] = [],
  opts: { keepLive?: boolean; servedLog?: ServedLog; copiedTables?: string[] } = {},
): Promise<RollbackResult> {
  // An empty served schema an earlier rollback left (stopped before its move) goes whatever this
  // one does: keeping the live copy or not, or finding nothing to roll back. Only tidying: a drop
  // that fails (a session reading it holds its lock) never stops the rollback, and the schema
  // stays recorded, for the next rollback or release to drop.
  if (opts.servedLog !== undefined) {
    await dropUnmovedServed(conn, target, opts.servedLog, logger ?? silent).catch((err: unknown) =>
      (logger ?? silent).warn({ schema: target, err: (err as Error).message }, 'an empty served schema a stopped rollback left could not be dropped: the next rollback or release drops it'),
    );
  }
  if (!(await hasKeptAside(conn, target))) throw new SwitchyardError('SY_PRECONDITION', `nothing kept aside for ${target}: no copy to roll back, or already released`);
  const prev = prevSchema(target);
  // An earlier attempt stopped after RENAME TABLE put production's tables back and before it
  // dropped `prev` (holding only its record then), or a first copy stopped between writing that
  // record and its swap (the tables never left). Swapping again would take production's own
  // tables for the copy: moved out, and dropped with it. What that attempt left is finished instead.
  if (await tablesAlreadyBack(conn, target)) {
    await recreateKept(conn, target, await readKeptObjects(conn, target), logger ?? silent);
    await conn.query(`DROP DATABASE ${qi(prev)}`);
    throw new SwitchyardError(
      'SY_PRECONDITION',
      `nothing kept aside for ${target}: production's tables are live already — an earlier attempt of this rollback put them back and stopped before it finished, or the copy stopped before its swap moved them; finished now (their views, triggers and routines re-created, ${prev} dropped)`,
    );
  }
  const last = lastSchema(target);
  const lastExisted = await schemaExists(conn, last);
  const keepLive = opts.keepLive === true;
  const notes: string[] = [];
  const served = keepLive ? await freeServedSchema(conn, target) : undefined;
  const dest = served ?? trashSchema(target);
  const current = await inspectSchema(conn, target);
  const keptObjects = await readKeptObjects(conn, target);
  const kept = (await inspectSchema(conn, prev, { objects: false })).tables.filter((t) => !notProduction(t.name));
  // Rows a failed sync kept aside while they stayed live, changed or deleted by production since:
  // the copy goes now, so its newer word is kept aside in their place, or the rollback refuses.
  await keepChangedLive(conn, target, current, logger ?? silent, 'rollback');
  const whole = await joinLast(conn, target, current, await liveOnes(conn, target, liveRecords, logger ?? silent), logger ?? silent, keepLive);
  // Tables production created on the copy (a plugin's, a webhook log's) hold rows only production
  // wrote: not dropped with the copy. As sync treats the ones it finds, they stay in the live
  // schema beside production's own tables, or, where those have one of the name, go to
  // `__sy_last` (beside any of the name there), and are told. Their triggers follow them. With
  // `keepLive` they go with the rest to the served copy. A copy from before the copied tables
  // were recorded (an older agent's) cannot tell them apart: only the tables the caller knows the
  // copy brought (`copiedTables`, presync's list) go with it, and every other one is kept as
  // production's — dropping one of production's loses its rows, keeping one of staging's loses
  // nothing and is said. They used to all go.
  const own = new Map<string, { schema: string; as: string }>();
  const recorded = keepLive ? undefined : await copiedTables(conn, target);
  const unrecorded = !keepLive && recorded === undefined;
  const copied = unrecorded ? new Set(opts.copiedTables ?? []) : recorded;
  if (copied !== undefined) {
    const theirs = new Set(kept.map((t) => t.name));
    const taken = new Set([...(await inspectSchema(conn, last, { objects: false })).tables.map((t) => t.name), ...whole]);
    for (const t of current.tables.filter((x) => !copied.has(x.name) && !whole.has(x.name))) {
      if (!theirs.has(t.name)) {
        own.set(t.name, { schema: target, as: t.name });
        continue;
      }
      const as = taken.has(t.name) ? freeName(t.name, taken) : t.name;
      taken.add(as);
      own.set(t.name, { schema: last, as });
    }
  }
  const ownTriggers = await triggersOn(conn, target, current.objects, [...own.keys()]);
  // Other objects production created on the copy (since the copy or the last sync, which
  // recorded the earlier ones): re-created where they fit, as sync's records are.
  const keptKeys = new Set(keptObjects.map((o) => `${o.kind} ${o.name}`));
  const ownTriggerNames = new Set([...ownTriggers.values()].flat().map((o) => o.name));
  // An unrecorded copy may lack the record of its objects too: none of them is told for production's.
  const added = copied === undefined || unrecorded ? [] : (await productionsOwn(conn, target, current.objects)).filter((o) => !keptKeys.has(`${o.kind} ${o.name}`) && !(o.kind === 'TRIGGER' && ownTriggerNames.has(o.name)));
  if (served === undefined) {
    // Named before the RENAME: stopped after it, what this rollback was about to drop is known
    // for the copy's own, and the next rollback, preflight or copy drops it (dropRolledTrash).
    await openTrash(conn, target, current.tables.filter((x) => !own.has(x.name) && !whole.has(x.name)).map((t) => t.name), logger ?? silent);
  } else {
    // Recorded first: an agent stopped between CREATE and the move leaves a schema the next
    // rollback or release knows for its own (and drops), not one it cannot tell from an operator's.
    // A failure before the move drops it again while it holds nothing of the copy, and forgets it
    // only once dropped: one that cannot be (or a CREATE done whose answer was lost) stays recorded.
    opts.servedLog?.kept(served);
    try {
      await conn.query(`CREATE DATABASE ${qi(served)} CHARACTER SET ${current.defaultCharset} COLLATE ${current.defaultCollation}`);
      // Triggers and views cannot follow their tables to another schema: their definitions stay beside them.
      await recordObjects(conn, served, current);
    } catch (err) {
      await dropServedIfEmpty(conn, served, opts.servedLog);
      throw err;
    }
  }
  const to = (name: string) => {
    const o = own.get(name);
    return o !== undefined ? qt(o.schema, o.as) : qt(whole.has(name) ? last : dest, name);
  };
  const moves = [
    ...current.tables.filter((t) => own.get(t.name)?.schema !== target).map((t) => `${qt(target, t.name)} TO ${to(t.name)}`),
    ...kept.map((t) => `${qt(prev, t.name)} TO ${qt(target, t.name)}`),
  ];
  // The agent's records are told the rows went to `__sy_last` only after this returns (rolledBack):
  // until then `__sy_last`'s ledger says it — `__sy_prev`'s goes with the rollback — and the
  // marker the RENAME renames says whether they went (see ROLLING_TABLE). Left untold, the next
  // preflight forgot the records (their rows no longer live) and keep never merged those rows.
  const marking = liveRecords.length > 0;
  const ledger = qt(last, KEPT_TABLE);
  try {
    if (marking || whole.size > 0 || [...own.values()].some((x) => x.schema === last)) await conn.query(`CREATE DATABASE IF NOT EXISTS ${qi(last)}`);
    if (marking) {
      await createKeptTable(conn, last, true);
      await conn.query(`DROP TABLE IF EXISTS ${qt(last, ROLLING_TABLE)}, ${qt(last, ROLLED_TABLE)}`);
      await conn.query(`CREATE TABLE ${qt(last, ROLLING_TABLE)} (rolled TINYINT)`);
      await noteLanding(conn, ledger, liveRecords);
      moves.push(`${qt(last, ROLLING_TABLE)} TO ${qt(last, ROLLED_TABLE)}`);
    }
    await dropAllObjects(conn, target, current.objects);
    if (moves.length > 0) await conn.query(`RENAME TABLE ${moves.join(', ')}`);
  } catch (err) {
    if (marking) await unmark(conn, last, lastExisted);
    // A session holding a table (lock wait) stops the drop of its trigger or the RENAME: no table
    // moved. The objects already dropped come back, and the new served schema, holding only its
    // record, goes: a retry would otherwise leave it behind, empty, and take the next name.
    const left = new Set((await inspectObjects(conn, target).catch(() => current.objects)).map((o) => `${o.kind} ${o.name}`));
    await createObjects(conn, target, current.objects.filter((o) => !left.has(`${o.kind} ${o.name}`)), target).catch((e: unknown) => (logger ?? silent).error({ err: (e as Error).message }, 'could not restore objects'));
    if (served !== undefined) await dropServedIfEmpty(conn, served, opts.servedLog);
    else await abandonTrash(conn, target);
    throw err;
  }
  if (served !== undefined) opts.servedLog?.moved(served);
  if (marking) {
    await noteLanded(conn, ledger);
    await conn.query(`DROP TABLE IF EXISTS ${qt(last, ROLLED_TABLE)}`);
  }
  const staying = [...own].filter(([, o]) => o.schema === target).flatMap(([name]) => ownTriggers.get(name) ?? []);
  const notRecreated = await recreateKept(conn, target, [...keptObjects, ...staying, ...added], logger ?? silent);
  notes.push(...(await keepNotRecreated(conn, target, notRecreated, logger ?? silent)));
  for (const [name, o] of own) {
    const list = ownTriggers.get(name);
    if (o.schema === last && list !== undefined) await recordTriggersInLast(conn, target, o.as, list, logger ?? silent);
    const why = unrecorded
      ? `not provably staging's: the copy was made by an agent that did not record the tables it brought from staging, and ${opts.copiedTables === undefined || opts.copiedTables.length === 0 ? 'no list of them was given' : "presync's list of them lacks it"}, so it may be production's (created on the copy)`
      : 'only production has this table (created on the copy after it was swapped in)';
    notes.push(
      o.schema === target
        ? `${name}: ${why}: left in ${target} beside production's own tables, not dropped with the copy${unrecorded ? ' — drop it by hand if it is a copy of staging' : ''}`
        : `${name}: ${why}${unrecorded ? ';' : ' and'} production's own tables have one of that name: kept in ${last}.${o.as} until release, not dropped with the copy`,
    );
  }
  if (own.size > 0) (logger ?? silent).warn({ schema: target, tables: Object.fromEntries([...own].map(([n, o]) => [n, `${o.schema}.${o.as}`])), objects: added.map((o) => `${o.kind} ${o.name}`) }, 'tables production created on the copy kept by the rollback');
  await conn.query(`DROP DATABASE ${qi(prev)}`);
  if (served === undefined) {
    await emptyTrash(conn, target);
    return { tables: kept.map((t) => t.name), notes };
  }
  const counts: ServedCopy['tables'] = [];
  for (const t of current.tables) {
    const [r] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${qt(served, t.name)}`);
    counts.push({ table: t.name, rows: Number(r?.n ?? 0) });
  }
  logger?.warn({ schema: target, served, tables: counts }, 'live copy kept after a rollback: it may hold rows written on production since the DNS switch');
  return { tables: kept.map((t) => t.name), served: { schema: served, tables: counts }, notes };
}

/**
 * A rollback's RENAME TABLE failed: its LANDING entries and marker go (best effort: the caller is
 * failing already), and `__sy_last` too when this rollback created it and it holds nothing else.
 */
async function unmark(conn: Connection, last: string, lastExisted: boolean): Promise<void> {
  try {
    await conn.query(`DELETE FROM ${qt(last, KEPT_TABLE)} WHERE kind = '${LANDING}'`);
    await conn.query(`DROP TABLE IF EXISTS ${qt(last, ROLLING_TABLE)}`);
    if (lastExisted || !(await schemaHoldsOnlyRecord(conn, last))) return;
    const [n] = await rows<{ n: number | string }>(conn, `SELECT COUNT(*) AS n FROM ${qt(last, KEPT_TABLE)}`);
    if (Number(n?.n ?? 1) === 0) await conn.query(`DROP DATABASE IF EXISTS ${qi(last)}`);
  } catch {
    // Left, the next preflight, copy or rollback settles them (rolledBackRecords).
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

export async function releaseKept(conn: Connection, target: string): Promise<boolean> {
  const prev = prevSchema(target);
  const existed = await schemaExists(conn, prev);
  await conn.query(`DROP DATABASE IF EXISTS ${qi(prev)}`);
  await conn.query(`DROP DATABASE IF EXISTS ${qi(lastSchema(target))}`);
  return existed;
}

// Production-only rows recorded in the live tables ('last') join `<db>__sy_last` when the live
// table is about to leave (a copy replaces it, a DB rollback swaps it out) and `__sy_last` already
// holds a table of that name, with rows recorded earlier: the table cannot move there, and dropped
// it took the recorded rows with it. So the recorded rows are copied into the kept table, before
// anything else changes.
import type { Connection } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { errnoOf } from './connect.js';
import { qi, qt } from './sql.js';
import { dataColumns, type Table } from './inspect.js';
import { dropKeyTable, keyJoin, loadKeyTable } from './key-table.js';
import { rowHashSql, type ChecksumAlgo } from './checksum.js';
import type { Key } from './convert.js';

/** The record of a table whose rows were too many to record: keep refuses it, discard does not care. Its one "key" is the count. */
export const TOO_MANY = 'too-many';

const JOIN_KEYS = '__sy_join_keys';

export interface LiveRecord {
  table: string;
  keys: Key[];
  /** '' for keys; the algorithm of [row hash, copies] pairs for a table without a key; TOO_MANY. */
  rowHash: string;
}

/**
 * Copies the recorded rows of `live` (in `schema`) into the table of that name in `last`: a
 * keyed row replaces the one under its key there (it is the newer), a row without a key is added
 * as many times as recorded. Columns that differ, or a row that takes a unique value of another
 * row there, fail with SY_CONFLICT and change nothing.
 */
export async function joinRecordedRows(conn: Connection, schema: string, last: string, live: Table, kept: Table, rec: LiveRecord): Promise<number> {
  if (rec.rowHash === TOO_MANY || rec.keys.length === 0) return 0;
  const cols = dataColumns(live).map((c) => c.name);
  if (cols.join(',') !== dataColumns(kept).map((c) => c.name).join(',')) {
    throw new SwitchyardError(
      'SY_CONFLICT',
      `${live.name}: production-only rows recorded since the last copy cannot join those kept in ${last}.${live.name}, whose columns differ (staging changed the table since); nothing was changed — rename or move ${last}.${live.name} by hand (keep could not merge its rows into the changed table either) and run this again`,
      { details: { table: live.name, schema: last } },
    );
  }
  const list = cols.map(qi).join(', ');
  let n = 0;
  // A keyed record is joined in two statements, whatever its size: its keys in a temporary
  // table, the kept rows under them deleted and the live ones copied in by joins against it.
  if (rec.rowHash === '') await loadKeyTable(conn, schema, JOIN_KEYS, live, [rec.keys]);
  await conn.query('START TRANSACTION');
  try {
    if (rec.rowHash === '') {
      // The kept table's key decides which of its rows a recorded key replaces ('abc' may be 'ABC' there).
      // A multi-table DELETE names its alias without a schema, which needs a default database: a semi-join instead.
      await conn.query(`DELETE FROM ${qt(last, live.name)} WHERE EXISTS (SELECT 1 FROM ${qt(schema, JOIN_KEYS)} k WHERE ${keyJoin(live, qt(last, live.name), kept)})`);
      const [r] = await conn.query(`INSERT INTO ${qt(last, live.name)} (${list}) SELECT ${list} FROM ${qt(schema, live.name)} l WHERE EXISTS (SELECT 1 FROM ${qt(schema, JOIN_KEYS)} k WHERE ${keyJoin(live, 'l')})`);
      n += (r as { affectedRows: number }).affectedRows;
    }
    for (const k of rec.rowHash === '' ? [] : rec.keys) {
      const h = k[0]!.toString('latin1');
      const copies = k[1]!.toString('latin1');
      if (!/^\d{1,20}$/.test(h) || !/^\d{1,20}$/.test(copies)) throw new SwitchyardError('SY_INTERNAL', `${live.name}: a recorded row hash is not a pair of numbers`);
      const [r] = await conn.query(`INSERT INTO ${qt(last, live.name)} (${list}) SELECT ${list} FROM (SELECT ${list}, ${rowHashSql(live, rec.rowHash as ChecksumAlgo)} AS __sy_h FROM ${qt(schema, live.name)}) r WHERE __sy_h = ${h} LIMIT ${copies}`);
      n += (r as { affectedRows: number }).affectedRows;
    }
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    if (errnoOf(err) === 1062) {
      throw new SwitchyardError('SY_CONFLICT', `${live.name}: a production-only row recorded since the last copy takes a unique value of a row kept in ${last}.${live.name}; nothing was changed — merge or discard the recorded rows first (${(err as Error).message})`, { details: { table: live.name, schema: last }, cause: err });
    }
    throw err;
  } finally {
    await dropKeyTable(conn, schema, JOIN_KEYS).catch(() => undefined);
  }
  return n;
}

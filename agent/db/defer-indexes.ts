// A bulk load into an empty table is cheapest with only the primary key: InnoDB then appends to
// the clustered index, and builds each secondary index afterwards by sorting (one ALTER TABLE
// for all of them) instead of inserting into every B-tree row by row. Only plain KEY lines are
// deferred; unique, fulltext and spatial keys stay, and so does every index of a table that takes
// part in a foreign key, where dropping an index can be refused.
//
// No ALTER after the load of a table with generated columns: for one with VIRTUAL columns InnoDB
// reloads the table's definition and forgets its UPDATE_TIME, so the update guard would count the
// freshly loaded table as changed and sync would read it again (measured on 10.11; STORED ones
// kept it, and are left out anyway).
import type { Connection } from 'mysql2/promise';
import { qt } from './sql.js';
import type { Table } from './inspect.js';

export interface DeferredIndex {
  name: string;
  /** As SHOW CREATE TABLE printed it: "KEY `a` (`x`,`y`(191))" and its options. */
  definition: string;
}

const KEY_LINE = /^\s*KEY (`(?:[^`]|``)+`) \(.*\)[^,]*,?$/;

/** Whether an ALTER TABLE on the loaded table keeps what the update guard reads (see above). */
export const alterKeepsStamps = (t: Table): boolean => !t.columns.some((c) => c.generated);

export function deferrableIndexes(t: Table, all: Table[]): DeferredIndex[] {
  if (!alterKeepsStamps(t)) return [];
  if (/\bFOREIGN KEY\b/i.test(t.createSql)) return [];
  const ref = `REFERENCES \`${t.name.replace(/`/g, '``')}\``;
  if (all.some((o) => o.createSql.includes(ref))) return [];
  const out: DeferredIndex[] = [];
  for (const line of t.createSql.split('\n')) {
    const m = KEY_LINE.exec(line);
    if (m !== null) out.push({ name: m[1]!, definition: line.trim().replace(/,$/, '') });
  }
  return out;
}

/** `also`: further ALTER TABLE clauses for the same statement (one ALTER, one table lock). */
export async function dropDeferred(conn: Connection, schema: string, t: Table, keys: DeferredIndex[], also: string[] = []): Promise<void> {
  const clauses = [...keys.map((k) => `DROP KEY ${k.name}`), ...also];
  if (clauses.length > 0) await conn.query(`ALTER TABLE ${qt(schema, t.name)} ${clauses.join(', ')}`);
}

/** Re-adds them in their original order, so SHOW CREATE TABLE reads as on staging. */
export async function addDeferred(conn: Connection, schema: string, t: Table, keys: DeferredIndex[], also: string[] = []): Promise<void> {
  const clauses = [...keys.map((k) => `ADD ${k.definition}`), ...also];
  if (clauses.length > 0) await conn.query(`ALTER TABLE ${qt(schema, t.name)} ${clauses.join(', ')}`);
}

// Recorded keys in a temporary table typed like the live table's key columns: a whole record is
// matched against a table by one join instead of a statement per key (100,000 keys were 200,000
// round trips), and keys are matched as the server matches them — under the column's collation,
// where 'abc' and 'ABC' may be one key — not by their bytes in this process.
import type { Connection } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { qi, qt, keyLiteral } from './sql.js';
import { keyColumnTypes, type Table } from './inspect.js';
import type { Key } from './convert.js';

/** The temporary table's column holding key part `i`: named apart from any column of the table joined. */
export const keyCol = (i: number): string => `__sy_k${i}`;

/** Statement size a batch of keys stops at: well under the smallest max_allowed_packet (1 MiB on old servers). */
const BATCH_BYTES = 512 * 1024;

/** When a key was recorded (ISO 8601, as the agent writes it): only these characters stand in a statement. */
const ISO_TIME = /^[0-9T:.Z+-]{0,40}$/;

/**
 * Creates `schema`.`tmp` holding the keys of `groups` (one group per record): `__sy_i` numbers
 * every key in the order given across the groups, `__sy_g` is its group, `__sy_t` when it was
 * recorded (`times`, in the same shape; '' without), `__sy_h`, `__sy_todo` and the `flags` (each a
 * TINYINT, 0) are for the caller. `t` is the live table in `schema`: the key columns take its types.
 */
export async function loadKeyTable(conn: Connection, schema: string, tmp: string, t: Table, groups: Key[][], times?: string[][], flags: string[] = []): Promise<void> {
  const cols = keyColumnTypes(t);
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, tmp)}`);
  await conn.query(
    `CREATE TEMPORARY TABLE ${qt(schema, tmp)} (__sy_i INT UNSIGNED NOT NULL PRIMARY KEY, __sy_g INT UNSIGNED NOT NULL, __sy_t VARCHAR(40) CHARACTER SET ascii NOT NULL DEFAULT '', __sy_h CHAR(32) CHARACTER SET ascii NULL, __sy_todo TINYINT NOT NULL DEFAULT 0${flags.map((f) => `, ${qi(f)} TINYINT NOT NULL DEFAULT 0`).join('')}) ENGINE=InnoDB SELECT ${cols.map((c, i) => `${qi(c.name)} AS ${keyCol(i)}`).join(', ')} FROM ${qt(schema, t.name)} LIMIT 0`,
  );
  const head = `INSERT INTO ${qt(schema, tmp)} (__sy_i, __sy_g, __sy_t, ${cols.map((_, i) => keyCol(i)).join(', ')}) VALUES `;
  let values: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (values.length > 0) await conn.query(head + values.join(', '));
    values = [];
    bytes = 0;
  };
  let i = 0;
  for (const [g, keys] of groups.entries()) {
    for (const [n, k] of keys.entries()) {
      if (k.length !== cols.length) throw new SwitchyardError('SY_INTERNAL', `${t.name}: a recorded key has ${k.length} parts, the table's key ${cols.length}`);
      const at = times?.[g]?.[n] ?? '';
      if (!ISO_TIME.test(at)) throw new SwitchyardError('SY_INTERNAL', `${t.name}: a recorded key's time is not a timestamp`);
      const v = `(${i++}, ${g}, '${at}', ${cols.map((c, j) => keyLiteral(c, k[j]!)).join(', ')})`;
      values.push(v);
      bytes += v.length;
      if (bytes >= BATCH_BYTES) await flush();
    }
  }
  await flush();
}

const plainName = (s: string): boolean => /^[a-z0-9_]+$/i.test(s);

/**
 * `alias`'s key columns equal to the key table's (aliased `k`), compared under the collation
 * `judge`'s columns have: the table whose key the rows are about to go under decides what is one key.
 */
export function keyJoin(t: Table, alias: string, judge: Table = t, k = 'k'): string {
  return keyColumnTypes(t)
    .map((c, i) => {
      const j = judge.columns.find((x) => x.name === c.name);
      const text = c.charset !== null && c.charset !== 'binary' && j?.charset != null && j.charset !== 'binary' && j.collation != null && plainName(j.charset) && plainName(j.collation);
      const right = text ? `CONVERT(${k}.${keyCol(i)} USING ${j!.charset}) COLLATE ${j!.collation}` : `${k}.${keyCol(i)}`;
      return `${alias}.${qi(c.name)} = ${right}`;
    })
    .join(' AND ');
}

export async function dropKeyTable(conn: Connection, schema: string, tmp: string): Promise<void> {
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, tmp)}`);
}

// What a schema holds, read from information_schema and SHOW CREATE: tables with their exact
// DDL, columns, the key used for chunking, and the other objects (views, triggers, routines, events).
import type { TableStamp } from './update-guard.js';
import type { Connection } from 'mysql2/promise';
import { qi, qt, type KeyColumnType } from './sql.js';
import { rows } from './connect.js';

export interface Column {
  name: string;
  dataType: string;
  columnType: string;
  charset: string | null;
  collation: string | null;
  generated: boolean;
  nullable: boolean;
}

export interface Table {
  name: string;
  createSql: string;
  columns: Column[];
  keyColumns: string[];
  keyName: string;
  approxRows: number;
  approxBytes: number;
  autoIncrement: string;
  /** Staging snapshots: UPDATE_TIME / CREATE_TIME as the view opened (update-guard.ts). */
  stamp?: TableStamp;
}

export type ObjectKind = 'VIEW' | 'TRIGGER' | 'PROCEDURE' | 'FUNCTION' | 'EVENT';

export interface SchemaObject {
  kind: ObjectKind;
  name: string;
  createSql: string;
  sqlMode: string;
  characterSetClient: string;
  collationConnection: string;
  /** Events: the session time_zone they were defined under. */
  timeZone?: string;
}

export interface SchemaInfo {
  schema: string;
  exists: boolean;
  defaultCharset: string;
  defaultCollation: string;
  tables: Table[];
  objects: SchemaObject[];
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
  /** Staging snapshots: the write freeze's lock time when read_only was ON as the view opened. */
  frozenSince?: string;
  /** Staging snapshots: the UPDATE_TIME mark taken just before the view opened. */
  guardMark?: number;
  /** Chunk checksum algorithms the server computes, best first (a snapshot's, for the peer). */
  checksumAlgos?: string[];
}

type Row = Record<string, unknown>;
const s = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

export async function inspectSchema(conn: Connection, schema: string, opts: { objects?: boolean } = {}): Promise<SchemaInfo> {
  const sch = await rows<Row>(conn, 'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [schema]);
  if (sch.length === 0) return { schema, exists: false, defaultCharset: 'utf8mb4', defaultCollation: 'utf8mb4_general_ci', tables: [], objects: [] };
  const tabs = await rows<Row>(
    conn,
    "SELECT TABLE_NAME AS n, TABLE_ROWS AS r, DATA_LENGTH AS d, AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [schema],
  );
  const cols = await rows<Row>(
    conn,
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS n, DATA_TYPE AS dt, COLUMN_TYPE AS ct, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co,
            IS_NULLABLE AS nl, EXTRA AS ex, IS_GENERATED AS g
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
  );
  const idx = await rows<Row>(
    conn,
    `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, COLUMN_NAME AS c, NULLABLE AS nl, SUB_PART AS sp
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
  );
  const tables: Table[] = [];
  for (const t of tabs) {
    const name = s(t.n);
    const [create] = await rows<Row>(conn, `SHOW CREATE TABLE ${qt(schema, name)}`);
    const columns: Column[] = cols
      .filter((c) => s(c.t) === name)
      .map((c) => ({
        name: s(c.n),
        dataType: s(c.dt).toLowerCase(),
        columnType: s(c.ct),
        charset: c.cs === null ? null : s(c.cs),
        collation: c.co === null ? null : s(c.co),
        generated: s(c.g) === 'ALWAYS' || /GENERATED|PERSISTENT|VIRTUAL/i.test(s(c.ex)),
        nullable: s(c.nl) === 'YES',
      }));
    const key = chooseKey(idx.filter((i) => s(i.t) === name));
    tables.push({
      name,
      createSql: s(create!['Create Table']),
      columns,
      keyColumns: key?.columns ?? [],
      keyName: key?.name ?? '',
      approxRows: Number(t.r ?? 0),
      approxBytes: Number(t.d ?? 0),
      autoIncrement: t.ai === null || t.ai === undefined ? '' : s(t.ai),
    });
  }
  return {
    schema,
    exists: true,
    defaultCharset: s(sch[0]!.cs),
    defaultCollation: s(sch[0]!.co),
    tables,
    objects: opts.objects === false ? [] : await inspectObjects(conn, schema),
  };
}

/** The primary key, else the first unique key over NOT NULL whole columns; none: whole-table chunks. */
function chooseKey(idx: Row[]): { name: string; columns: string[] } | undefined {
  const byName = new Map<string, Row[]>();
  for (const i of idx) byName.set(s(i.i), [...(byName.get(s(i.i)) ?? []), i]);
  for (const [name, parts] of byName) {
    if (Number(parts[0]!.nu) !== 0) continue;
    if (parts.some((p) => s(p.nl) === 'YES' || (p.sp !== null && p.sp !== undefined))) continue;
    return { name, columns: parts.map((p) => s(p.c)) };
  }
  return undefined;
}

export async function inspectObjects(conn: Connection, schema: string): Promise<SchemaObject[]> {
  const out: SchemaObject[] = [];
  const views = await rows<Row>(conn, "SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [schema]);
  for (const v of views) {
    const [r] = await rows<Row>(conn, `SHOW CREATE VIEW ${qt(schema, s(v.n))}`);
    out.push({ kind: 'VIEW', name: s(v.n), createSql: s(r!['Create View']), sqlMode: '', characterSetClient: s(r!.character_set_client), collationConnection: s(r!.collation_connection) });
  }
  const trg = await rows<Row>(conn, 'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER', [schema]);
  for (const t of trg) {
    const [r] = await rows<Row>(conn, `SHOW CREATE TRIGGER ${qt(schema, s(t.n))}`);
    out.push({ kind: 'TRIGGER', name: s(t.n), createSql: s(r!['SQL Original Statement']), sqlMode: s(r!.sql_mode), characterSetClient: s(r!.character_set_client), collationConnection: s(r!.collation_connection) });
  }
  const rts = await rows<Row>(conn, 'SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS k FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME', [schema]);
  for (const t of rts) {
    const kind = s(t.k) === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE';
    const [r] = await rows<Row>(conn, `SHOW CREATE ${kind} ${qt(schema, s(t.n))}`);
    out.push({ kind, name: s(t.n), createSql: s(r![kind === 'FUNCTION' ? 'Create Function' : 'Create Procedure']), sqlMode: s(r!.sql_mode), characterSetClient: s(r!.character_set_client), collationConnection: s(r!.collation_connection) });
  }
  const evs = await rows<Row>(conn, 'SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME', [schema]);
  for (const e of evs) {
    const [r] = await rows<Row>(conn, `SHOW CREATE EVENT ${qt(schema, s(e.n))}`);
    out.push({ kind: 'EVENT', name: s(e.n), createSql: s(r!['Create Event']), sqlMode: s(r!.sql_mode), characterSetClient: s(r!.character_set_client), collationConnection: s(r!.collation_connection), timeZone: s(r!.time_zone) });
  }
  return out;
}

export function keyColumnTypes(t: Table): KeyColumnType[] {
  return t.keyColumns.map((k) => {
    const c = t.columns.find((x) => x.name === k)!;
    return { name: c.name, dataType: c.dataType, charset: c.charset, collation: c.collation };
  });
}

/** Columns that carry data (generated ones are recomputed by the server). */
export const dataColumns = (t: Table): Column[] => t.columns.filter((c) => !c.generated);

/**
 * A column's value as text that reads back exactly. The server writes a FLOAT with 6 significant
 * digits (1234567 as 1234570, 1.0000001 as 1), so the copy changed it and the checksums could not
 * tell; widened to DOUBLE, whose text the server writes in full (shortest round trip), every
 * FLOAT value is written exactly and parses back to the same FLOAT.
 */
export function exactValue(c: Column, alias = ''): string {
  const col = alias === '' ? qi(c.name) : `${alias}.${qi(c.name)}`;
  // `+ 0e0` is DOUBLE arithmetic, the same value and text as CAST(... AS DOUBLE), which MySQL
  // before 8.0.17 cannot parse.
  return c.dataType === 'float' ? `(${col} + 0e0)` : col;
}

/** A column as the row stream selects it: BIT as an unsigned number, FLOAT widened (exactValue), everything else as stored. */
export function streamValue(c: Column, alias = ''): string {
  return c.dataType === 'bit' ? `CAST(${alias === '' ? qi(c.name) : `${alias}.${qi(c.name)}`} AS UNSIGNED)` : exactValue(c, alias);
}

/** SELECT list for the row stream. */
export function selectList(t: Table): string {
  return dataColumns(t)
    .map((c) => streamValue(c))
    .join(', ');
}

/**
 * The key columns as the row stream selects them, for key values that become literals
 * (keyLiteral) or go into a load: a BIT key's own value is raw bytes, which keyLiteral refuses
 * and a load would read as another number.
 */
export function keySelect(t: Table, alias = ''): string {
  return t.keyColumns.map((k) => streamValue(t.columns.find((c) => c.name === k)!, alias)).join(', ');
}

/** DDL compared across servers: without the AUTO_INCREMENT counter, which differs legitimately. */
export function normalizeCreate(sql: string): string {
  return sql.replace(/ AUTO_INCREMENT=\d+/, '');
}

export function orderBy(t: Table): string {
  return t.keyColumns.length > 0 ? ` ORDER BY ${t.keyColumns.map(qi).join(', ')}` : '';
}

// Views, triggers, routines and events: re-created in the target schema from the staging
// definitions, each with the sql_mode and client charset it was created under.
import type { Connection } from 'mysql2/promise';
import { qi } from './sql.js';
import type { ObjectKind, SchemaObject } from './inspect.js';
import { RESTORE_SQL_MODE, dbError } from './connect.js';

/** Views carry schema-qualified names; the staging schema name becomes the target's. */
export function retargetSql(o: SchemaObject, from: string, to: string): string {
  if (from === to) return o.createSql;
  return o.createSql.split(`${qi(from)}.`).join(`${qi(to)}.`);
}

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

async function withObjectSession(conn: Connection, o: SchemaObject, fn: () => Promise<void>): Promise<void> {
  const mode = o.kind === 'VIEW' ? RESTORE_SQL_MODE : o.sqlMode;
  // Our SQL text travels as utf8mb4; the object's own client charset is safe only for ASCII bodies.
  const cs = isAscii(o.createSql) && /^[a-z0-9_]+$/i.test(o.characterSetClient) ? o.characterSetClient : 'utf8mb4';
  const coll = isAscii(o.createSql) && /^[a-z0-9_]+$/i.test(o.collationConnection) ? o.collationConnection : 'utf8mb4_general_ci';
  await conn.query(`SET SESSION sql_mode = ?, time_zone = ?, character_set_client = ${cs}, collation_connection = ${coll}`, [mode, o.timeZone !== undefined && o.timeZone !== '' ? o.timeZone : '+00:00']);
  try {
    await fn();
  } finally {
    await conn.query("SET SESSION sql_mode = ?, time_zone = '+00:00', character_set_client = utf8mb4, collation_connection = utf8mb4_general_ci", [RESTORE_SQL_MODE]);
  }
}

export async function dropObject(conn: Connection, schema: string, kind: ObjectKind, name: string): Promise<void> {
  await conn.query(`DROP ${kind} IF EXISTS ${qi(schema)}.${qi(name)}`);
}

const ORDER: ObjectKind[] = ['FUNCTION', 'PROCEDURE', 'VIEW', 'TRIGGER', 'EVENT'];

/** Creates objects in `schema` (the connection's current database). Views may depend on each other: retry until no progress. */
export async function createObjects(conn: Connection, schema: string, objects: SchemaObject[], sourceSchema: string): Promise<void> {
  await conn.query(`USE ${qi(schema)}`);
  const sorted = [...objects].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  let pendingViews = sorted.filter((o) => o.kind === 'VIEW');
  for (const o of sorted.filter((x) => x.kind === 'FUNCTION' || x.kind === 'PROCEDURE')) await createOne(conn, o, sourceSchema, schema);
  while (pendingViews.length > 0) {
    const failed: Array<{ o: SchemaObject; err: unknown }> = [];
    for (const o of pendingViews) {
      try {
        await createOne(conn, o, sourceSchema, schema);
      } catch (err) {
        failed.push({ o, err });
      }
    }
    if (failed.length === pendingViews.length) throw failed[0]!.err;
    pendingViews = failed.map((f) => f.o);
  }
  for (const o of sorted.filter((x) => x.kind === 'TRIGGER' || x.kind === 'EVENT')) await createOne(conn, o, sourceSchema, schema);
}

async function createOne(conn: Connection, o: SchemaObject, from: string, to: string): Promise<void> {
  const sql = retargetSql(o, from, to);
  try {
    await withObjectSession(conn, o, async () => {
      await conn.query(o.kind === 'VIEW' ? sql.replace(/^CREATE /, 'CREATE OR REPLACE ') : sql);
    });
  } catch (err) {
    throw dbError(err, `create ${o.kind.toLowerCase()} ${o.name}`);
  }
}

/** Drops every view, trigger, routine and event of `schema`. */
export async function dropAllObjects(conn: Connection, schema: string, objects: SchemaObject[]): Promise<void> {
  for (const kind of ['TRIGGER', 'EVENT', 'VIEW', 'PROCEDURE', 'FUNCTION'] as ObjectKind[]) {
    for (const o of objects.filter((x) => x.kind === kind)) await dropObject(conn, schema, kind, o.name);
  }
}

export function objectsEqual(a: SchemaObject[], b: SchemaObject[], aSchema: string, bSchema: string): string[] {
  const key = (o: SchemaObject) => `${o.kind} ${o.name}`;
  const norm = (o: SchemaObject, s: string) => retargetSql(o, s, '__schema__').replace(/ AUTO_INCREMENT=\d+/, '');
  const bm = new Map(b.map((o) => [key(o), o]));
  const diff: string[] = [];
  for (const o of a) {
    const other = bm.get(key(o));
    if (other === undefined) diff.push(`${key(o)}: missing`);
    else if (norm(o, aSchema) !== norm(other, bSchema) || o.sqlMode !== other.sqlMode) diff.push(`${key(o)}: differs`);
    bm.delete(key(o));
  }
  for (const k of bm.keys()) diff.push(`${k}: extra`);
  return diff;
}

/** `KIND name` of every view, trigger, routine and event `schema` holds now. */
export async function existingObjects(conn: Connection, schema: string): Promise<Set<string>> {
  const [r] = await conn.query(
    `SELECT CONCAT('TRIGGER ', TRIGGER_NAME) AS k FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION ALL SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT CONCAT('VIEW ', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT CONCAT('EVENT ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
    [schema, schema, schema, schema],
  );
  return new Set((r as Array<{ k: string }>).map((x) => String(x.k)));
}

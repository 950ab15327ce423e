// Production-only rows recorded in the live tables ('last') join `<db>__sy_last` when the live
// table is about to leave (a copy replaces it, a DB rollback swaps it out) and `__sy_last` already
// holds a table of that name, with rows recorded earlier: the table cannot move there, and dropped
// it took the recorded rows with it. So the recorded rows are copied into the kept table, before
// anything else changes.
import { createHash } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { errnoOf, rows } from './connect.js';
import { dupEntry, ER_DUP_ENTRY } from './dup-entry.js';
import { qi, qt } from './sql.js';
import { dataColumns, type Table } from './inspect.js';
import { dropKeyTable, keyJoin, loadKeyTable } from './key-table.js';
import { rowHashSql, type ChecksumAlgo } from './checksum.js';
import type { Key } from './convert.js';

/** The record of a table whose rows were too many to record: keep refuses it, discard does not care. Its one "key" is the count. */
export const TOO_MANY = 'too-many';

/**
 * The kind of a `__sy_kept` entry noting the row copies of a table without a key already joined
 * `__sy_last` from the live table (name: the table; create_sql: JSON of its algorithm and copies
 * by row hash). Written in the join's own transaction: a join committed before a step that then
 * failed (the rollback's RENAME TABLE waiting on a lock, the agent killed) is not joined again
 * when that step is retried. Keyed rows need no note: a keyed join replaces the rows under its keys.
 */
export const JOINED = 'JOINED';

/**
 * The kinds of the `__sy_kept` entries a rerun copy writes, one per record of the live tables it
 * takes in (name: the table; create_sql: the record's print, recordPrint): 'LANDING' before its
 * RENAME TABLE, 'LANDED' once that ran. The agent's own records are told where the rows went only
 * after the swap: one stopped in between (agent killed, an error after the RENAME) left records
 * naming rows of tables that are no longer live, and a retry joining them by their keys replaced
 * the rows joined `__sy_last` with the new live tables' (staging's, or none). A record whose print
 * a LANDED entry holds is not joined again; it is where the rows went (`__sy_last`).
 */
export const LANDING = 'LANDING';
export const LANDED = 'LANDED';

/**
 * The kind of a `__sy_kept` entry noting the recorded rows sync kept aside in `__sy_last` before
 * its repair while they stayed live (name: the table; create_sql: JSON). A sync that fails after
 * that leaves them in both places. For a table without a key, the algorithm and the live table's
 * copies by row hash then: keep merges only the copies the live table has lost since, not the rows
 * again beside themselves — and only once a repair has begun on it (`repaired`, as below): before,
 * nothing but production wrote the live table, and a copy it lost is production's delete (or
 * change), the newer word, not merged back. For a keyed table, the keys (hex parts; `algo` ''): a live row under
 * one of them that differs from the kept row is production's own, changed since (nothing but
 * production writes the live tables until a repair, copy or rollback), not a staging row under the
 * same key; `repaired` once a sync's repair has begun on the table, which may have put staging's
 * row there instead. Cleared by the sync whose repair completes (the live tables are staging's then).
 *
 * They describe the live tables of one copy, so they are kept with its record, in
 * `__sy_prev`.`__sy_kept`, and go with it: a DB rollback drops `__sy_prev`, a rerun copy's swap
 * clears them (noteLanded) with the JOINED notes. A reader trusts them only while that copy is live
 * (liveTooLedger): kept in `__sy_last`, they outlived a rollback, and keep took the rows of the next
 * copy for the ones noted (a staging row alike to a noted one left production's copy unmerged).
 */
export const LIVE_TOO = 'LIVE_TOO';

/**
 * Notes in `ledger` (inside the caller's transaction, the join's) how many copies of each
 * recorded row hash the live tables of `records` without a key hold now, and the keys of the keyed
 * ones (see LIVE_TOO).
 */
export async function noteLiveToo(conn: Connection, ledger: string, schema: string, tables: Map<string, Table>, records: LiveRecord[]): Promise<void> {
  for (const r of records) {
    const t = tables.get(r.table);
    if (r.rowHash === TOO_MANY || t === undefined || r.keys.length === 0) continue;
    if (r.rowHash === '') {
      // Noted again (sync kept them aside again): the keys of both times. A repair begun since the
      // first time stays marked: a live row under one of the first keys may be staging's still, and
      // taken for production's change it replaced the row kept aside (keepChangedLive).
      const before = await liveTooKeys(conn, ledger, r.table);
      const keys = new Set([...(before?.keys ?? []), ...r.keys.map(keyHex)]);
      await writeLiveToo(conn, ledger, r.table, { algo: '', keys: [...keys], ...(before?.repaired === true ? { repaired: true } : {}) });
      continue;
    }
    const hashes = r.keys.map((k) => k[0]?.toString('latin1') ?? '').filter((h) => /^\d{1,20}$/.test(h));
    if (hashes.length === 0) continue;
    const before = await liveTooCopiesNote(conn, ledger, r.table);
    const copies = await liveCopies(conn, schema, t, r.rowHash as ChecksumAlgo, hashes);
    // Noted again (a preflight found them live again and sync kept them again): the most they were.
    if (before?.algo === r.rowHash) for (const [h, c] of before.copies) if (c > (copies.get(h) ?? 0n)) copies.set(h, c);
    // `repaired` always written (false too): a note without it is an older agent's, which never
    // marked a repair on a table without a key — whether one began is not known (liveTooCopiesNote).
    await writeLiveToo(conn, ledger, r.table, { algo: r.rowHash, copies: Object.fromEntries([...copies].map(([h, c]) => [h, c.toString()])), repaired: before?.repaired === true });
  }
}

async function writeLiveToo(conn: Connection, ledger: string, table: string, note: object): Promise<void> {
  await conn.query(`DELETE FROM ${ledger} WHERE kind = '${LIVE_TOO}' AND name = ?`, [table]);
  await conn.query(`INSERT INTO ${ledger} SELECT COALESCE(MAX(seq), -1) + 1, '${LIVE_TOO}', ?, ?, '', '', '', '', 1 FROM ${ledger}`, [table, JSON.stringify(note)]);
}

/** A recorded key as a LIVE_TOO note holds it: its parts in hex, NULL as null, in JSON. */
export const keyHex = (k: Key): string => JSON.stringify(k.map((v) => (v === null ? null : v.toString('hex'))));

/**
 * The keys `ledger` notes the recorded rows of the keyed `table` were kept aside under while live
 * (see LIVE_TOO), and whether a repair has begun on it since; undefined without a note.
 */
export async function liveTooKeys(conn: Connection, ledger: string, table: string): Promise<{ keys: Set<string>; repaired: boolean } | undefined> {
  const r = await rows<{ j: string }>(conn, `SELECT create_sql AS j FROM ${ledger} WHERE kind = '${LIVE_TOO}' AND name = ?`, [table]);
  if (r.length === 0) return undefined;
  const note = JSON.parse(String(r[0]!.j)) as { algo: string; keys?: string[]; repaired?: boolean };
  if (note.algo !== '' || note.keys === undefined) return undefined;
  return { keys: new Set(note.keys), repaired: note.repaired === true };
}

/** A key as keyHex wrote it, back in the parts a Key holds. */
export const keyFromHex = (h: string): Key => (JSON.parse(h) as Array<string | null>).map((v) => (v === null ? null : Buffer.from(v, 'hex')));

/**
 * The LIVE_TOO note of the keyless `table` in `ledger`: the algorithm, the copies by row hash the
 * live table held when sync kept its recorded rows aside, and whether a sync's repair has begun on
 * it since — true for a note that does not say (an older agent's, which never marked it: a repair
 * may have begun). undefined without a note of copies.
 */
export async function liveTooCopiesNote(conn: Connection, ledger: string, table: string): Promise<{ algo: string; copies: Map<string, bigint>; repaired: boolean } | undefined> {
  const r = await rows<{ j: string }>(conn, `SELECT create_sql AS j FROM ${ledger} WHERE kind = '${LIVE_TOO}' AND name = ?`, [table]);
  if (r.length === 0) return undefined;
  const note = JSON.parse(String(r[0]!.j)) as { algo: string; copies?: Record<string, string>; repaired?: boolean };
  if (note.algo === '' || note.copies === undefined) return undefined;
  return { algo: note.algo, copies: new Map(Object.entries(note.copies).map(([h, c]) => [h, BigInt(c)])), repaired: note.repaired !== false };
}

/**
 * The copies by row hash of the keyless `live` (in `schema`) that it held when sync kept them
 * aside (`noted`) and holds no more, as many as `last`.`kept` still keeps: production deleted
 * them (or changed them: a row without a key changed is another row) since — or a repair did.
 */
export async function copiesGoneSinceKept(conn: Connection, schema: string, last: string, live: Table, kept: Table, algo: string, noted: Map<string, bigint>): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const hashes = [...noted.keys()].filter((h) => /^\d{1,20}$/.test(h));
  if (hashes.length === 0 || live.keyColumns.length > 0) return out;
  if (dataColumns(live).map((c) => c.name).join(',') !== dataColumns(kept).map((c) => c.name).join(',')) return out;
  const now = await liveCopies(conn, schema, live, algo as ChecksumAlgo, hashes);
  const lost = new Map(hashes.map((h) => [h, noted.get(h)! - (now.get(h) ?? 0n)] as const).filter(([, n]) => n > 0n));
  if (lost.size === 0) return out;
  const keptNow = await liveCopies(conn, last, kept, algo as ChecksumAlgo, [...lost.keys()]);
  for (const [h, n] of lost) {
    const k = keptNow.get(h) ?? 0n;
    if (k > 0n) out.set(h, n < k ? n : k);
  }
  return out;
}

/**
 * Deletes `copies` (by row hash) of the rows kept in `last`.`kept`, a table without a key, and
 * lowers the LIVE_TOO note of `live` by as many (the live table holds that many fewer now: run
 * again, this finds none to drop), inside the caller's transaction. Returns the rows deleted.
 */
export async function dropKeptCopies(conn: Connection, ledger: string, last: string, kept: Table, algo: string, copies: Map<string, bigint>): Promise<number> {
  let n = 0;
  for (const [h, c] of copies) {
    if (!/^\d{1,20}$/.test(h)) continue;
    const [res] = await conn.query(`DELETE FROM ${qt(last, kept.name)} WHERE ${rowHashSql(kept, algo as ChecksumAlgo)} = ${h} LIMIT ${c}`);
    n += (res as { affectedRows: number }).affectedRows;
  }
  const note = await liveTooCopiesNote(conn, ledger, kept.name);
  if (note !== undefined && note.algo === algo) {
    for (const [h, c] of copies) {
      const was = note.copies.get(h);
      if (was !== undefined) note.copies.set(h, was > c ? was - c : 0n);
    }
    await writeLiveToo(conn, ledger, kept.name, { algo, copies: Object.fromEntries([...note.copies].map(([h, c]) => [h, c.toString()])), repaired: note.repaired });
  }
  return n;
}

/**
 * The kind of a `__sy_kept` entry noting kept rows a sync run again (or a DB rollback) found gone
 * from the live table after the earlier sync's repair had begun on it: the repair's delete or
 * production's, which cannot be told apart. Their kept copies stay and keep merges them, telling
 * them in merged_gone_live — but that sync's repair, once it completes, clears LIVE_TOO, and
 * without this keep merged them without a word. Name: the table; create_sql: JSON of the keys
 * (keyHex) or, for a table without a key, the algorithm and copies by row hash, each with when it
 * was noted. Kept in `__sy_last`.`__sy_kept`, beside the rows it is about: a DB rollback drops
 * `__sy_prev` (and with it a note kept there, so keep after the next copy merged them without a
 * word), a rerun copy clears LIVE_TOO; only release drops `__sy_last`. Cleared by keep. A note
 * counts only for a recorded key (or row hash) recorded no later than it was noted: one from
 * before a discard (which has no database to clear it in) or of a row production wrote again and
 * a later preflight recorded anew is about another row, and named it in merged_gone_live wrongly.
 */
export const GONE_LIVE = 'GONE_LIVE';

export interface GoneLive {
  /** keyHex → when noted (ISO; '' in a note that did not say: counts for any record). */
  keys: Map<string, string>;
  algo: string;
  copies: Map<string, bigint>;
  /** Row hash → when noted, as `keys`. */
  copiesAt: Map<string, string>;
}

/** The GONE_LIVE notes of `ledger`, by table. */
export async function goneLiveNotes(conn: Connection, ledger: string): Promise<Map<string, GoneLive>> {
  const out = new Map<string, GoneLive>();
  for (const r of await rows<{ n: string; j: string }>(conn, `SELECT name AS n, create_sql AS j FROM ${ledger} WHERE kind = '${GONE_LIVE}'`)) {
    const note = JSON.parse(String(r.j)) as { keys?: string[]; keysAt?: string[]; algo?: string; copies?: Record<string, string>; copiesAt?: Record<string, string> };
    out.set(String(r.n), {
      keys: new Map((note.keys ?? []).map((k, i) => [k, note.keysAt?.[i] ?? ''])),
      algo: note.algo ?? '',
      copies: new Map(Object.entries(note.copies ?? {}).map(([h, c]) => [h, BigInt(c)])),
      copiesAt: new Map(Object.entries(note.copiesAt ?? {})),
    });
  }
  return out;
}

/**
 * Adds to `ledger`'s GONE_LIVE note of `table` the `keys` (keyed) or `copies` (by row hash, under
 * `algo`), noted `at` (the latest time each was noted; the most of each copy).
 */
export async function noteGoneLive(conn: Connection, ledger: string, table: string, gone: { keys?: Key[]; algo?: string; copies?: Map<string, bigint> }, at = new Date().toISOString()): Promise<void> {
  const before = (await goneLiveNotes(conn, ledger)).get(table);
  const keys = new Map(before?.keys ?? []);
  for (const k of gone.keys ?? []) keys.set(keyHex(k), at);
  const algo = gone.algo ?? before?.algo ?? '';
  const same = before !== undefined && before.algo === algo;
  const copies = new Map(same ? before.copies : []);
  const copiesAt = new Map(same ? before.copiesAt : []);
  for (const [h, c] of gone.copies ?? []) {
    if (c > (copies.get(h) ?? 0n)) copies.set(h, c);
    copiesAt.set(h, at);
  }
  await conn.query(`DELETE FROM ${ledger} WHERE kind = '${GONE_LIVE}' AND name = ?`, [table]);
  await conn.query(`INSERT INTO ${ledger} SELECT COALESCE(MAX(seq), -1) + 1, '${GONE_LIVE}', ?, ?, '', '', '', '', 1 FROM ${ledger}`, [
    table,
    JSON.stringify({ keys: [...keys.keys()], keysAt: [...keys.values()], algo, copies: Object.fromEntries([...copies].map(([h, c]) => [h, c.toString()])), copiesAt: Object.fromEntries(copiesAt) }),
  ]);
}

/** A note noted `at` ('' when it did not say) counts for a record of the row made `recordedAt`. */
export const goneNoteCounts = (at: string | undefined, recordedAt: string): boolean => at !== undefined && (at === '' || recordedAt <= at);

const CHANGED_KEYS = '__sy_changed_keys';

/**
 * The keys, of `noted`, whose live row in `schema`.`live` differs from the row kept under it in
 * `last`.`kept` (by row hash, byte for byte: a change of case is a change): rows sync kept aside
 * while they stayed live, and production changed since — or a repair put staging's there (see
 * LIVE_TOO). A key either side lacks is not among them.
 */
export async function changedSinceKept(conn: Connection, schema: string, last: string, live: Table, kept: Table, noted: Key[]): Promise<Key[]> {
  if (noted.length === 0 || live.keyColumns.length === 0) return [];
  if (dataColumns(live).map((c) => c.name).join(',') !== dataColumns(kept).map((c) => c.name).join(',')) return [];
  const hash = (t: Table) => rowHashSql({ ...t, columns: dataColumns(t) }, 'md5');
  try {
    await loadKeyTable(conn, schema, CHANGED_KEYS, live, [noted]);
    const l = `(SELECT ${hash(live)} FROM ${qt(schema, live.name)} l WHERE ${keyJoin(live, 'l')})`;
    const m = `(SELECT ${hash(kept)} FROM ${qt(last, kept.name)} m WHERE ${keyJoin(live, 'm', kept)})`;
    const r = await rows<{ i: number | string }>(conn, `SELECT k.__sy_i AS i FROM ${qt(schema, CHANGED_KEYS)} k WHERE ${l} <> ${m} ORDER BY k.__sy_i`);
    return r.map((x) => noted[Number(x.i)]!);
  } finally {
    await dropKeyTable(conn, schema, CHANGED_KEYS).catch(() => undefined);
  }
}

/**
 * The keys, of `noted`, a row is kept under in `last`.`kept` and none is live under in
 * `schema`.`live`: rows sync kept aside while they stayed live, and production deleted since — or
 * a repair did (see LIVE_TOO). changedSinceKept leaves them out.
 */
export async function goneSinceKept(conn: Connection, schema: string, last: string, live: Table, kept: Table, noted: Key[]): Promise<Key[]> {
  if (noted.length === 0 || live.keyColumns.length === 0) return [];
  if (dataColumns(live).map((c) => c.name).join(',') !== dataColumns(kept).map((c) => c.name).join(',')) return [];
  try {
    await loadKeyTable(conn, schema, CHANGED_KEYS, live, [noted]);
    const r = await rows<{ i: number | string }>(
      conn,
      `SELECT k.__sy_i AS i FROM ${qt(schema, CHANGED_KEYS)} k WHERE NOT EXISTS (SELECT 1 FROM ${qt(schema, live.name)} l WHERE ${keyJoin(live, 'l')}) AND EXISTS (SELECT 1 FROM ${qt(last, kept.name)} m WHERE ${keyJoin(live, 'm', kept)}) ORDER BY k.__sy_i`,
    );
    return r.map((x) => noted[Number(x.i)]!);
  } finally {
    await dropKeyTable(conn, schema, CHANGED_KEYS).catch(() => undefined);
  }
}

/**
 * Deletes the rows kept in `last`.`kept` under `keys` (of the live table `live`, in `schema`,
 * whose key the kept table shares), inside the caller's transaction: the key table is temporary,
 * creating and dropping it commits nothing. Returns the rows deleted.
 */
export async function dropKeptRows(conn: Connection, schema: string, last: string, live: Table, kept: Table, keys: Key[]): Promise<number> {
  if (keys.length === 0) return 0;
  try {
    await loadKeyTable(conn, schema, CHANGED_KEYS, live, [keys]);
    // Single-table, its rows named by the table itself: a multi-table DELETE's alias is looked for
    // in the default database, which this connection has none of.
    const [res] = await conn.query(`DELETE FROM ${qt(last, kept.name)} WHERE EXISTS (SELECT 1 FROM ${qt(schema, CHANGED_KEYS)} k WHERE ${keyJoin(live, qt(last, kept.name), kept)})`);
    return (res as { affectedRows: number }).affectedRows;
  } finally {
    await dropKeyTable(conn, schema, CHANGED_KEYS).catch(() => undefined);
  }
}

/**
 * A sync's repair is about to begin on `tables`: a live row under a key noted for one of them may be
 * staging's from here on, not production's own (see LIVE_TOO). Marked before the repair, in a
 * statement of its own: a repair that then stops leaves the mark, and keep refuses such a row
 * rather than take it for production's. A table without a key is marked too: a copy its live table
 * loses from here may be the repair's delete; before the mark, only production's (or its change).
 */
export async function noteRepairBegins(conn: Connection, ledger: string, tables: string[]): Promise<void> {
  for (const table of tables) {
    const noted = await liveTooKeys(conn, ledger, table);
    if (noted !== undefined) {
      if (!noted.repaired) await writeLiveToo(conn, ledger, table, { algo: '', keys: [...noted.keys], repaired: true });
      continue;
    }
    // Without a key too: a copy the live table loses from here may be the repair's delete, not production's.
    const copies = await liveTooCopiesNote(conn, ledger, table);
    if (copies !== undefined && !copies.repaired) await writeLiveToo(conn, ledger, table, { algo: copies.algo, copies: Object.fromEntries([...copies.copies].map(([h, c]) => [h, c.toString()])), repaired: true });
  }
}

/** The copies by row hash a `kind` note of `ledger` holds for `table`; none under another algorithm. */
async function notedCopies(conn: Connection, ledger: string, kind: string, table: string, algo: string): Promise<Map<string, bigint>> {
  const r = await rows<{ j: string }>(conn, `SELECT create_sql AS j FROM ${ledger} WHERE kind = '${kind}' AND name = ?`, [table]);
  const out = new Map<string, bigint>();
  if (r.length === 0) return out;
  const note = JSON.parse(String(r[0]!.j)) as { algo: string; copies: Record<string, string> };
  if (note.algo !== algo) return out;
  for (const [h, c] of Object.entries(note.copies)) out.set(h, BigInt(c));
  return out;
}

/** How many copies of each of `hashes` (digits, checked by the caller) `schema`.`t` holds. */
export async function liveCopies(conn: Connection, schema: string, t: Table, algo: ChecksumAlgo, hashes: string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (let i = 0; i < hashes.length; i += 1000) {
    const r = await rows<{ h: string | number; n: string | number }>(
      conn,
      `SELECT CAST(__sy_h AS CHAR) AS h, COUNT(*) AS n FROM (SELECT ${rowHashSql(t, algo)} AS __sy_h FROM ${qt(schema, t.name)}) r WHERE __sy_h IN (${hashes.slice(i, i + 1000).join(', ')}) GROUP BY __sy_h`,
    );
    for (const x of r) out.set(String(x.h), BigInt(x.n));
  }
  return out;
}

const JOIN_KEYS = '__sy_join_keys';
const JOIN_HASHES = '__sy_join_hashes';
const JOIN_ROWS = '__sy_join_rows';

export interface LiveRecord {
  table: string;
  keys: Key[];
  /** '' for keys; the algorithm of [row hash, copies] pairs for a table without a key; TOO_MANY. */
  rowHash: string;
  /** When the record was last written (ISO): a later preflight's record of the same keys is another record. */
  recordedAt?: string;
}

/** One record, as a LANDING or LANDED entry names it. */
export function recordPrint(r: LiveRecord): string {
  const keys = r.keys.map((k) => k.map((v) => (v === null ? null : v.toString('hex'))));
  return createHash('sha256').update(JSON.stringify([r.table, r.rowHash, r.recordedAt ?? '', keys])).digest('hex');
}

/** Notes in `ledger`, in one transaction, that `records` are about to leave with the live tables (see LANDING). */
export async function noteLanding(conn: Connection, ledger: string, records: LiveRecord[]): Promise<void> {
  await conn.query('START TRANSACTION');
  try {
    await conn.query(`DELETE FROM ${ledger} WHERE kind = '${LANDING}'`);
    for (const r of records) {
      await conn.query(`DELETE FROM ${ledger} WHERE kind = '${LANDED}' AND name = ?`, [r.table]);
      await conn.query(`INSERT INTO ${ledger} SELECT COALESCE(MAX(seq), -1) + 1, '${LANDING}', ?, ?, '', '', '', '', 1 FROM ${ledger}`, [r.table, recordPrint(r)]);
    }
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The RENAME TABLE ran: the LANDING entries become LANDED, and the JOINED and LIVE_TOO notes go
 * (they were of the tables that left; the next live tables' rows are others) — together, in one
 * transaction.
 */
export async function noteLanded(conn: Connection, ledger: string): Promise<void> {
  await conn.query('START TRANSACTION');
  try {
    await conn.query(`UPDATE ${ledger} SET kind = '${LANDED}' WHERE kind = '${LANDING}'`);
    await conn.query(`DELETE FROM ${ledger} WHERE kind IN ('${JOINED}', '${LIVE_TOO}')`);
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Notes in `ledger` that `records` have landed, inside the caller's transaction (the join that
 * moves their rows): a LANDED entry per record, replacing any earlier one of its table.
 */
export async function noteLandedNow(conn: Connection, ledger: string, records: LiveRecord[]): Promise<void> {
  for (const r of records) {
    await conn.query(`DELETE FROM ${ledger} WHERE kind IN ('${LANDING}', '${LANDED}') AND name = ?`, [r.table]);
    await conn.query(`INSERT INTO ${ledger} SELECT COALESCE(MAX(seq), -1) + 1, '${LANDED}', ?, ?, '', '', '', '', 1 FROM ${ledger}`, [r.table, recordPrint(r)]);
  }
}

export interface RecordedJoin {
  /** The live table, in `schema`, holding the recorded rows. */
  live: Table;
  /** The table of that name in `last` they join. */
  kept: Table;
  rec: LiveRecord;
}

/**
 * Copies the recorded rows of each live table (in `schema`) into the table of that name in
 * `last`: a keyed row replaces the one under its key there (it is the newer), a row without a key
 * is added as many times as recorded. All of them in one transaction: columns that differ (checked
 * before anything), or a row that takes a unique value another row there holds, fail with
 * SY_CONFLICT and no kept table has changed — not those whose rows joined before the conflict.
 * `ledger` (a `__sy_kept` table): where the copies joined of each table without a key are noted,
 * and only those beyond the noted ones join (see JOINED). `alsoInJoin` writes in the same
 * transaction (committed with the rows, or not at all). Returns the rows joined, by table.
 */
export async function joinRecordedRows(conn: Connection, schema: string, last: string, joins: RecordedJoin[], ledger?: string, alsoInJoin?: (conn: Connection) => Promise<void>): Promise<Map<string, number>> {
  const todo = joins.filter((j) => j.rec.rowHash !== TOO_MANY && j.rec.keys.length > 0);
  for (const j of todo) sameColumns(last, j);
  const joined = new Map<string, number>();
  if (todo.length === 0 && alsoInJoin === undefined) return joined;
  let at: RecordedJoin | undefined;
  // The key tables are temporary: creating and dropping them commits nothing.
  await conn.query('START TRANSACTION');
  try {
    for (const j of todo) {
      at = j;
      joined.set(j.live.name, (joined.get(j.live.name) ?? 0) + (await joinOne(conn, schema, last, j, ledger)));
    }
    at = undefined;
    await alsoInJoin?.(conn);
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    if (errnoOf(err) === ER_DUP_ENTRY && at !== undefined) throw await uniqueConflict(conn, last, at.live.name, err);
    throw err;
  } finally {
    for (const tmp of [JOIN_KEYS, JOIN_HASHES, JOIN_ROWS]) await dropKeyTable(conn, schema, tmp).catch(() => undefined);
  }
  return joined;
}

function sameColumns(last: string, { live, kept }: RecordedJoin): void {
  if (dataColumns(live).map((c) => c.name).join(',') === dataColumns(kept).map((c) => c.name).join(',')) return;
  throw new SwitchyardError(
    'SY_CONFLICT',
    `${live.name}: production-only rows recorded since the last copy cannot join those kept in ${last}.${live.name}, whose columns differ (staging changed the table since); nothing was changed — rename or move ${last}.${live.name} by hand (keep could not merge its rows into the changed table either) and run this again`,
    { details: { table: live.name, schema: last } },
  );
}

async function joinOne(conn: Connection, schema: string, last: string, { live, kept, rec }: RecordedJoin, ledger: string | undefined): Promise<number> {
  const list = dataColumns(live).map((c) => qi(c.name)).join(', ');
  let n = 0;
  if (rec.rowHash === '') {
    // A keyed record is joined in two statements, whatever its size: its keys in a temporary
    // table, the kept rows under them deleted and the live ones copied in by joins against it.
    await loadKeyTable(conn, schema, JOIN_KEYS, live, [rec.keys]);
    // The kept table's key decides which of its rows a recorded key replaces ('abc' may be 'ABC' there).
    // A multi-table DELETE names its alias without a schema, which needs a default database: a semi-join instead.
    await conn.query(`DELETE FROM ${qt(last, live.name)} WHERE EXISTS (SELECT 1 FROM ${qt(schema, JOIN_KEYS)} k WHERE ${keyJoin(live, qt(last, live.name), kept)})`);
    const [r] = await conn.query(`INSERT INTO ${qt(last, live.name)} (${list}) SELECT ${list} FROM ${qt(schema, live.name)} l WHERE EXISTS (SELECT 1 FROM ${qt(schema, JOIN_KEYS)} k WHERE ${keyJoin(live, 'l')})`);
    return (r as { affectedRows: number }).affectedRows;
  }
  // Copies by row hash (a record may name one twice: they add up), less those already joined.
  const recorded = new Map<string, bigint>();
  for (const k of rec.keys) {
    const h = k[0]?.toString('latin1') ?? '';
    const copies = k[1]?.toString('latin1') ?? '';
    if (k.length !== 2 || !/^\d{1,20}$/.test(h) || !/^\d{1,20}$/.test(copies)) throw new SwitchyardError('SY_INTERNAL', `${live.name}: a recorded row hash is not a pair of numbers`);
    recorded.set(h, (recorded.get(h) ?? 0n) + BigInt(copies));
  }
  const before = ledger === undefined ? new Map<string, bigint>() : await joinedBefore(conn, ledger, live.name, rec.rowHash);
  const todo = [...recorded].map(([h, copies]) => ({ h, copies: copies - (before.get(h) ?? 0n) })).filter((x) => x.copies > 0n);
  if (todo.length > 0) {
    // The live rows of the recorded hashes, hashed once into a temporary table indexed by the hash
    // (as keep's merge does): each recorded hash is then one lookup there, where it was a scan of
    // the whole live table, hashing every row again. Still a statement per hash: taking "this many
    // copies of each" in one needs window functions, which MySQL 5.7 lacks.
    await loadJoinHashes(conn, schema, todo.map((x) => x.h));
    await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, JOIN_ROWS)}`);
    await conn.query(
      `CREATE TEMPORARY TABLE ${qt(schema, JOIN_ROWS)} (KEY (__sy_h)) ENGINE=InnoDB SELECT * FROM (SELECT ${list}, ${rowHashSql(live, rec.rowHash as ChecksumAlgo)} AS __sy_h FROM ${qt(schema, live.name)}) r WHERE __sy_h IN (SELECT h FROM ${qt(schema, JOIN_HASHES)})`,
    );
    for (const { h, copies } of todo) {
      const [r] = await conn.query(`INSERT INTO ${qt(last, live.name)} (${list}) SELECT ${list} FROM ${qt(schema, JOIN_ROWS)} WHERE __sy_h = ${h} LIMIT ${copies}`);
      n += (r as { affectedRows: number }).affectedRows;
    }
  }
  if (ledger !== undefined) {
    // The copies asked for, not those found: a live table holding fewer than recorded has given
    // all it holds, and asking again would take copies already joined.
    const noted = new Map(before);
    for (const [h, copies] of recorded) if (copies > (noted.get(h) ?? 0n)) noted.set(h, copies);
    await noteJoined(conn, ledger, live.name, rec.rowHash, noted);
  }
  return n;
}

/** The copies by row hash `ledger` notes as joined from `table` under `algo`; none under another algorithm. */
function joinedBefore(conn: Connection, ledger: string, table: string, algo: string): Promise<Map<string, bigint>> {
  return notedCopies(conn, ledger, JOINED, table, algo);
}

async function noteJoined(conn: Connection, ledger: string, table: string, algo: string, copies: Map<string, bigint>): Promise<void> {
  const json = JSON.stringify({ algo, copies: Object.fromEntries([...copies].map(([h, c]) => [h, c.toString()])) });
  await conn.query(`DELETE FROM ${ledger} WHERE kind = '${JOINED}' AND name = ?`, [table]);
  await conn.query(`INSERT INTO ${ledger} SELECT COALESCE(MAX(seq), -1) + 1, '${JOINED}', ?, ?, '', '', '', '', 1 FROM ${ledger}`, [table, json]);
}

/** The recorded hashes (digits only, checked) in a temporary table: a record may name one twice. */
async function loadJoinHashes(conn: Connection, schema: string, hashes: string[]): Promise<void> {
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${qt(schema, JOIN_HASHES)}`);
  await conn.query(`CREATE TEMPORARY TABLE ${qt(schema, JOIN_HASHES)} (h BIGINT UNSIGNED NOT NULL, KEY (h)) ENGINE=InnoDB`);
  for (let i = 0; i < hashes.length; i += 1000) await conn.query(`INSERT INTO ${qt(schema, JOIN_HASHES)} VALUES ${hashes.slice(i, i + 1000).map((h) => `(${h})`).join(', ')}`);
}

/** The duplicate-key error of a join, told by table, unique key, its columns and the values, not in the server's words. */
async function uniqueConflict(conn: Connection, last: string, table: string, err: unknown): Promise<SwitchyardError> {
  const d = dupEntry(err);
  const columns =
    d === undefined
      ? []
      : (await rows<{ c: string }>(conn, 'SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ? ORDER BY SEQ_IN_INDEX', [last, table, d.key]).catch(() => [])).map((r) => String(r.c));
  const what = d === undefined ? 'a unique value' : `${d.key === 'PRIMARY' ? 'the primary key' : `unique key ${d.key}`}${columns.length > 0 ? ` (${columns.join(', ')})` : ''} = '${d.values}'`;
  return new SwitchyardError(
    'SY_CONFLICT',
    `${table}: a production-only row recorded since the last copy takes ${what}, which another row kept in ${last}.${table} holds, so the recorded rows cannot join the kept ones; nothing was changed (no recorded rows of any table joined ${last}, the live tables are as they were) — merge or discard the recorded rows first, or settle the two rows by hand, and run this again`,
    { details: { table, schema: last, ...(d === undefined ? {} : { uniqueKey: d.key, columns, values: d.values }) }, cause: err },
  );
}

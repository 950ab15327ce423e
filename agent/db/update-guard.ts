// The "unchanged since" guard: chunk sums recorded on one side stay usable for a table for as long
// as information_schema.TABLES.UPDATE_TIME shows no commit to it since they were read.
//
// What MariaDB 10.11 InnoDB actually keeps (measured on the test servers, see README): UPDATE_TIME
// is set when a transaction that changed the table commits, to that transaction's *start*
// second (its first InnoDB access), not to the commit second; it lives in memory only — NULL after
// a restart, after the table is evicted from InnoDB's dictionary cache, after a rebuilding ALTER;
// FLUSH TABLES keeps it; a rolled-back transaction leaves it alone; RENAME keeps it but changes
// CREATE_TIME. So a mark (the second from which a later commit must show) is taken as the
// earliest start among all transactions open at that moment — one that started earlier may commit
// later with an older stamp — and never later than the moment itself. A stamp below the mark,
// not NULL, with the same CREATE_TIME: no commit to the table since the mark was taken.
import type { Connection } from 'mysql2/promise';
import { rows } from './connect.js';

export interface TableStamp {
  /** UNIX_TIMESTAMP(UPDATE_TIME); null when NULL or not InnoDB. */
  update: number | null;
  /** UNIX_TIMESTAMP(CREATE_TIME); a RENAME or rebuild changes it. */
  create: number | null;
}

export interface SideMark {
  /** Commits after the sums were read carry an UPDATE_TIME at or above this second. */
  mark: number;
  create: number | null;
  /** Which call recorded the sums: presync, sync, verify. */
  since: string;
}

export interface GuardVerdict {
  holds: boolean;
  reason: string;
}

export function guard(m: SideMark | undefined, s: TableStamp | undefined): GuardVerdict {
  if (m === undefined) return { holds: false, reason: 'no sums recorded' };
  if (s === undefined || s.update === null) return { holds: false, reason: 'UPDATE_TIME unknown' };
  if (s.create !== m.create) return { holds: false, reason: `table re-created or renamed since ${m.since}` };
  // The seconds go into the reason: a report that reads a table again says by how much.
  if (s.update >= m.mark) return { holds: false, reason: `written since ${m.since} (UPDATE_TIME ${s.update - m.mark} s at or after the mark)` };
  return { holds: true, reason: `unchanged since ${m.since} (UPDATE_TIME)` };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Math.floor(Number(v)));

/** Every base table's stamps. The connection's time_zone is pinned (+00:00), so the conversion is exact. */
export async function readStamps(conn: Connection, schema: string): Promise<Map<string, TableStamp>> {
  const r = await rows<{ n: string; e: string | null; u: unknown; c: unknown }>(
    conn,
    "SELECT TABLE_NAME AS n, ENGINE AS e, UNIX_TIMESTAMP(UPDATE_TIME) AS u, UNIX_TIMESTAMP(CREATE_TIME) AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
    [schema],
  );
  // Other engines take UPDATE_TIME from file times, with their own rules: never trusted.
  return new Map(r.map((x) => [String(x.n), { update: String(x.e).toLowerCase() === 'innodb' ? num(x.u) : null, create: num(x.c) }]));
}

/** The latest UPDATE_TIME among `stamps`; undefined when none is known. */
export function newestCommit(stamps: ReadonlyMap<string, TableStamp>): number | undefined {
  let newest: number | undefined;
  for (const s of stamps.values()) if (s.update !== null && (newest === undefined || s.update > newest)) newest = s.update;
  return newest;
}

/** The server's current second. */
export async function serverSecond(conn: Connection): Promise<number> {
  const [r] = await rows<{ s: unknown }>(conn, 'SELECT UNIX_TIMESTAMP() AS s');
  return Number(r!.s);
}

/**
 * How far into the next second waitPast waits. InnoDB stamps a transaction's start (and so its
 * UPDATE_TIME and INNODB_TRX.trx_started) with time(), which reads the kernel's coarse clock: up
 * to one timer tick (4 ms at HZ=250, 10 ms at HZ=100) behind NOW(6). A mark transaction begun
 * a few milliseconds into the next second could still start in the old one and count our own
 * writes as written since (seen on a test machine with 4 ms ticks: the delta read tables again).
 */
export const COARSE_CLOCK_MARGIN_S = 0.05;

/**
 * Waits until the server's clock is past `second` by COARSE_CLOCK_MARGIN_S (so our writes in it
 * stamp below the next mark); returns at once when it already is. Whether it had to wait.
 */
export async function waitPast(conn: Connection, second: number): Promise<boolean> {
  const until = second + 1 + COARSE_CLOCK_MARGIN_S;
  for (let i = 0; i < 50; i++) {
    const [r] = await rows<{ s: unknown }>(conn, 'SELECT UNIX_TIMESTAMP(NOW(6)) AS s');
    const now = Number(r!.s);
    if (now >= until) return i > 0;
    await new Promise((res) => setTimeout(res, Math.max(10, Math.ceil((until - now) * 1000) + 2)));
  }
  return true;
}

/**
 * A mark for sums read after this call returns, or undefined when the server cannot tell (no
 * PROCESS privilege for INNODB_TRX). INNODB_TRX is a cache refreshed at most every 100 ms, and not
 * while others keep reading it: our own open transaction must be in the list, proving the list is
 * newer than its start.
 *
 * `ignore`: connection ids whose open transactions are known not to write the tables this mark
 * is for (the agent's own repair workers, each on a table of its own): their earlier starts
 * would only pull the mark back and fail the guard of a table nobody else wrote.
 */
export async function takeMark(conn: Connection, ignore: ReadonlySet<string> = new Set()): Promise<number | undefined> {
  try {
    const [me] = await rows<{ id: unknown }>(conn, 'SELECT CONNECTION_ID() AS id');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    try {
      // The cache refreshes only on a read at least 100 ms after the previous read by anyone
      // (CACHE_MIN_IDLE_TIME): asking more often keeps it stale for every taker — concurrent
      // marks (one per repaired table) starved each other with 20 ms polling. So: 120 ms steps.
      for (let attempt = 0; attempt < 10; attempt++) {
        const list = await rows<{ th: unknown; s: unknown }>(conn, 'SELECT trx_mysql_thread_id AS th, UNIX_TIMESTAMP(trx_started) AS s FROM information_schema.INNODB_TRX');
        if (list.some((x) => String(x.th) === String(me!.id))) {
          const starts = list.filter((x) => !ignore.has(String(x.th))).map((x) => num(x.s));
          if (starts.some((s) => s === null)) return undefined;
          return Math.min(...(starts as number[]));
        }
        await new Promise((res) => setTimeout(res, 120));
      }
      return undefined;
    } finally {
      await conn.query('COMMIT');
    }
  } catch {
    return undefined;
  }
}

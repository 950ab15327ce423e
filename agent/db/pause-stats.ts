// InnoDB recalculates a table's persistent statistics in the background whenever 10% of its rows
// changed since the last recalculation. Loading N rows into an empty table so triggers about
// log1.1(N) of them (some 150 for 2M rows), each sampling every index and writing the stats
// tables: measured, that cost the server as much CPU as the LOAD DATA itself. A shadow table
// therefore loads with STATS_AUTO_RECALC=0, gets its own setting back afterwards and is analyzed
// once, so production starts from statistics of the whole table.
//
// Only unpartitioned InnoDB tables: elsewhere the option means nothing or the ALTER that restores
// it could rebuild the table. And none with generated columns (defer-indexes.ts: that ALTER would
// lose the table's UPDATE_TIME).
import type { Table } from './inspect.js';
import { alterKeepsStamps } from './defer-indexes.js';

export interface StatsPause {
  /** ALTER TABLE clause for before the load. */
  off: string;
  /** ALTER TABLE clause that gives the table its staging setting back, as SHOW CREATE TABLE shows it. */
  restore: string;
}

/** The table options line of SHOW CREATE TABLE, without its COMMENT (free text). */
function optionsLine(createSql: string): string {
  const last = createSql.slice(createSql.lastIndexOf('\n)') + 1);
  const comment = last.indexOf(" COMMENT='");
  return comment < 0 ? last : last.slice(0, comment);
}

export function statsPause(t: Table): StatsPause | undefined {
  const options = optionsLine(t.createSql);
  if (!/^\) ENGINE=InnoDB\b/.test(options) || /\bPARTITION BY\b/i.test(t.createSql) || !alterKeepsStamps(t)) return undefined;
  const own = /\bSTATS_AUTO_RECALC=(\w+)/.exec(options)?.[1];
  if (own === '0') return undefined;
  return { off: 'STATS_AUTO_RECALC=0', restore: `STATS_AUTO_RECALC=${own ?? 'DEFAULT'}` };
}

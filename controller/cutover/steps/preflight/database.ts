// Database preflight: what the copy would destroy or collide with. The production agent
// compares both sides (through a one-off transfer from staging) and reports each table's
// AUTO_INCREMENT, the auto_increment_increment/offset variables, and the rows that exist only on
// production — test orders, webhooks that already reached the new host. Those rows block the
// cutover until the plan says `productionOnlyRows: keep` (merged back once the copy is proven) or
// `discard`.
import type { PreflightReport__Output } from '../../../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import { databaseClient, longCallMs, toNumber, unary, withDatabaseTransfer, type DataStepDeps } from '../data-agents.js';
import { fail, pass, warn, type Check, type PreflightCheck } from './types.js';

const AUTO_INCREMENT = 'database auto-increment';
const PRODUCTION_ONLY = 'database production-only rows';

interface ProductionOnlyTable {
  table: string;
  rows: number;
  keyColumns: string[];
  ranges: Array<{ text: string; count: number }>;
  /** A table whose production-only rows were too many to record for keep. */
  tooManyToKeep: boolean;
  /** The whole table exists only on production: moved aside by the copy, never merged. */
  onlyOnProduction: boolean;
}

function productionOnlyTables(r: PreflightReport__Output): ProductionOnlyTable[] {
  return r.production_only
    .map((t) => ({ table: t.table, rows: toNumber(t.rows), keyColumns: t.key_columns, ranges: t.ranges.map((k) => ({ text: k.text, count: toNumber(k.count) })), tooManyToKeep: t.too_many_to_keep, onlyOnProduction: t.only_on_production }))
    .filter((t) => t.rows > 0);
}

/** `orders: 3 rows (id 20001..20003)` — what a person needs to find them. */
function describe(t: ProductionOnlyTable): string {
  const ranges = t.ranges.slice(0, 5).map((r) => r.text).join(', ');
  const more = t.ranges.length > 5 ? `, … ${t.ranges.length - 5} more ranges` : '';
  const key = t.keyColumns.length > 0 ? `${t.keyColumns.join(',')} ` : '';
  return `${t.table}: ${t.rows} row${t.rows === 1 ? '' : 's'}${ranges === '' ? '' : ` (${key}${ranges}${more})`}`;
}

function autoIncrementCheck(r: PreflightReport__Output, productionOnly: ReadonlySet<string>): Check {
  const vars = {
    staging: { increment: r.staging_auto_increment_increment, offset: r.staging_auto_increment_offset },
    production: { increment: r.production_auto_increment_increment, offset: r.production_auto_increment_offset },
  };
  const tables = r.auto_increment.map((a) => ({ table: a.table, staging: a.staging, production: a.production, risk: a.risk }));
  const evidence = { variables: vars, tables };
  const problems: string[] = [];
  if (vars.staging.increment !== vars.production.increment || vars.staging.offset !== vars.production.offset) {
    problems.push(
      `auto_increment_increment/offset differ (staging ${vars.staging.increment}/${vars.staging.offset}, production ${vars.production.increment}/${vars.production.offset}): new rows on production will be numbered differently from staging's`,
    );
  }
  const risky = tables.filter((t) => t.risk);
  if (risky.length > 0) {
    const shown = risky.slice(0, 10).map((t) => `${t.table} (staging next ${t.staging}, production next ${t.production})`);
    problems.push(`staging's next id is below production's in ${risky.length} table(s): ${shown.join(', ')}${risky.length > 10 ? ', …' : ''}`);
  }
  if (problems.length === 0) return pass(AUTO_INCREMENT, `aligned in ${tables.length} tables`, evidence);
  // Ids that production handed out and staging will hand out again collide only when the
  // production rows are kept; with them discarded the lower counter is harmless.
  const collides = risky.some((t) => productionOnly.has(t.table));
  const msg = problems.join('; ');
  return collides ? warn(AUTO_INCREMENT, `${msg} — rows staging creates before the freeze may take the keys of production-only rows`, evidence) : warn(AUTO_INCREMENT, msg, evidence);
}

export function productionOnlyCheck(r: PreflightReport__Output, mode: 'keep' | 'discard' | undefined, schema = 'the database'): Check {
  const tables = productionOnlyTables(r);
  const total = toNumber(r.production_only_rows) || tables.reduce((n, t) => n + t.rows, 0);
  const evidence = { rows: total, tables, mode: mode ?? null };
  if (total === 0) return pass(PRODUCTION_ONLY, 'production has no rows that staging lacks', evidence);
  const listed = tables.slice(0, 10).map(describe).join('; ') + (tables.length > 10 ? `; … ${tables.length - 10} more tables` : '');
  if (mode === undefined) {
    return fail(
      PRODUCTION_ONLY,
      `production has ${total} rows that staging lacks — ${listed}; the copy would destroy them: set productionOnlyRows: keep (merge them back after the copy) or discard in the plan`,
      evidence,
    );
  }
  const unkeepable = tables.filter((t) => t.tooManyToKeep);
  if (mode === 'keep' && unkeepable.length > 0) {
    return fail(
      PRODUCTION_ONLY,
      `keep cannot merge back the rows only production has in ${unkeepable.map((t) => `${t.table} (${t.rows} rows)`).join(', ')}: too many different rows to record — set productionOnlyRows: discard (the copy keeps them aside until release, to merge by hand), or give a table without a key a primary key on both sides and run preflight again`,
      evidence,
    );
  }
  // Tables only production has are not merged by keep (nor dropped by discard): the copy moves
  // them aside. Counted among the rows to merge, they made the message promise what keep never did.
  const whole = tables.filter((t) => t.onlyOnProduction);
  const rowsIn = tables.filter((t) => !t.onlyOnProduction);
  const rowCount = rowsIn.reduce((n, t) => n + t.rows, 0);
  const list = (ts: ProductionOnlyTable[]) => ts.slice(0, 10).map(describe).join('; ') + (ts.length > 10 ? `; … ${ts.length - 10} more tables` : '');
  const aside =
    whole.length === 0
      ? ''
      : `tables only production has are not merged back: ${list(whole)} — the copy moves ${whole.length === 1 ? 'it' : 'them'} aside to ${schema}__sy_prev (${schema}__sy_last after an earlier copy), kept there until release`;
  const join = (rowsPart: string) => [rowsPart, aside].filter((x) => x !== '').join('; ');
  if (mode === 'keep') return warn(PRODUCTION_ONLY, join(rowCount === 0 ? '' : `${rowCount} production-only rows will be merged back once the final delta is proven (rewrite step) — ${list(rowsIn)}`), evidence);
  return warn(PRODUCTION_ONLY, join(rowCount === 0 ? '' : `${rowCount} production-only rows will be discarded by the copy (plan: discard) — ${list(rowsIn)}`), evidence);
}

/**
 * The database findings of preflight: auto-increment alignment and production-only rows.
 * No database in the plan: no findings. An agent that cannot answer is a failed check, not a
 * thrown error, so the other checks still report.
 */
export function databasePreflightChecks(deps: DataStepDeps): PreflightCheck {
  return async ({ step: ctx }) => {
    const { plan } = ctx;
    if (plan.database === undefined) return [];
    const agent = plan.production.agent;
    const client = databaseClient(deps, agent, 'production.agent');
    let report: PreflightReport__Output;
    try {
      report = await withDatabaseTransfer(deps, plan, ctx.signal, (peer) =>
        unary<typeof client, object, PreflightReport__Output>(deps, agent, client, 'PreflightDatabase', { peer }, { signal: ctx.signal, timeoutMs: longCallMs(deps) }),
      );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const message = `cannot compare the databases: ${(err as Error).message}`;
      return [fail(AUTO_INCREMENT, message), fail(PRODUCTION_ONLY, message)];
    }
    const productionOnly = new Set(productionOnlyTables(report).map((t) => t.table));
    const checks = [autoIncrementCheck(report, productionOnly), productionOnlyCheck(report, plan.productionOnlyRows, plan.database.production)];
    if (report.notes.length > 0) checks.push(pass('database preflight notes', report.notes.join('; '), { notes: report.notes }));
    return checks;
  };
}

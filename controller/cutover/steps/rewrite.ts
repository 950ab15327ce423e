// rewrite: staging URLs become production URLs in the production database, PHP-serialization
// safe, the plan's skipColumns left alone. A dry run first, so the evidence shows what would
// change per table and column before anything does; then the real run, whose report carries
// the agent's own proof: no staging origin left, every value that parsed before still parses
// with the same structure. Values that look serialized but do not parse are left exactly as they
// were and listed.
//
// The production-only rows the plan keeps are merged back first: only now, after the delta and
// its proof, do they stay (earlier, sync would delete them as differing chunks); and merged
// before the rewrite, they get their URLs rewritten like every other row.
//
// Not idempotent: with a `to` that contains its `from` (example.com → example.com.au) a second
// pass would rewrite the rewritten values.
import type { MergeReport__Output } from '../../../shared/proto-gen/switchyard/v1/MergeReport.js';
import type { RewriteReport__Output } from '../../../shared/proto-gen/switchyard/v1/RewriteReport.js';
import { SwitchyardError } from '../../../shared/errors.js';
import type { StepContext, StepExecutor, StepResult } from '../executor.js';
import { databaseClient, longCallMs, toNumber, unary, type DataStepDeps } from './data-agents.js';

export interface RewriteEvidence {
  dryRun: boolean;
  valuesChanged: number;
  columns: Array<{ table: string; column: string; valuesChanged: number; serializedValues: number; occurrences: number }>;
  broken: Array<{ table: string; column: string; key: string; reason: string }>;
  originsLeft: number;
  structureChanged: number;
  problems: string[];
}

export function rewriteEvidence(r: RewriteReport__Output): RewriteEvidence {
  return {
    dryRun: r.dry_run,
    valuesChanged: toNumber(r.values_changed),
    columns: r.columns.map((c) => ({
      table: c.table,
      column: c.column,
      valuesChanged: toNumber(c.values_changed),
      serializedValues: toNumber(c.serialized_values),
      occurrences: toNumber(c.occurrences),
    })),
    broken: r.broken.map((b) => ({ table: b.table, column: b.column, key: b.key, reason: b.reason })),
    originsLeft: toNumber(r.origins_left),
    structureChanged: toNumber(r.structure_changed),
    problems: r.problems,
  };
}

const WEB_ORIGIN = /^https?:\/\//i;

/**
 * An agent older than `schemes` ignores it (proto3 drops the unknown field) and rewrites every
 * rule only as written: http://… and //… forms of a rule asking for `all` would stay, and its own
 * final check would not look for them. It does not say which schemes it applied; a current one
 * does. Checked on the dry run, before anything is written.
 */
function checkSchemesApplied(ctx: StepContext, res: RewriteReport__Output): void {
  // `all` changes nothing where the rule has no web origin on either side.
  const needed = ctx.plan.rewrite.flatMap((r, i) => (r.schemes === 'all' && WEB_ORIGIN.test(r.from) && WEB_ORIGIN.test(r.to) ? [i] : []));
  const agent = ctx.plan.production.agent;
  if (needed.length > 0 && res.schemes_applied.length === 0) {
    throw new SwitchyardError(
      'SY_PRECONDITION',
      `rewrite: production agent ${agent} is older than this controller (its rewrite report does not say which schemes it applied): an agent that predates rewrite[].schemes rewrites ${needed.map((i) => ctx.plan.rewrite[i]!.from).join(', ')} only as written, leaving the other scheme and scheme-less (//host) forms unrewritten and unchecked; upgrade the agent, or set schemes: exact on those rules to accept that`,
      { field: `rewrite[${needed[0]}].schemes` },
    );
  }
}

async function rewriteUrls(deps: DataStepDeps, ctx: StepContext, dryRun: boolean): Promise<RewriteEvidence> {
  const { plan } = ctx;
  const agent = plan.production.agent;
  const client = databaseClient(deps, agent, 'production.agent');
  const request = {
    schema: plan.database!.production,
    rules: plan.rewrite.map((r) => ({ from: r.from, to: r.to, skip_columns: r.skipColumns, schemes: r.schemes })),
    dry_run: dryRun,
  };
  const res = await unary<typeof client, typeof request, RewriteReport__Output>(deps, agent, client, 'RewriteUrls', request, { signal: ctx.signal, timeoutMs: longCallMs(deps) });
  checkSchemesApplied(ctx, res);
  return rewriteEvidence(res);
}

export interface MergeEvidence {
  mode: 'keep' | 'discard';
  rowsMerged: number;
  tables: string[];
  /** Recorded rows missing from the tables they were kept in (deleted before the copy, say): not merged. */
  rowsNotFound: number;
  notFound: string[];
  /** Older kept rows under a key a newer row took (a newer kept row, kept by two attempts, or the live row production changed after sync kept it aside): not merged, left kept aside until release. */
  superseded: string[];
  /** Recorded rows of a table staging no longer has, moved aside whole with it: not merged, kept there until release. */
  keptWithTable: string[];
  /** Kept rows merged under a key gone from the live table after a stopped sync's repair began: production's delete or the repair's, told to delete again if production's. */
  mergedGoneLive: string[];
}

/** Production-only rows found by preflight: merged back (`keep`) or forgotten (`discard`). */
async function mergeProductionOnlyRows(deps: DataStepDeps, ctx: StepContext, mode: 'keep' | 'discard'): Promise<MergeEvidence> {
  const agent = ctx.plan.production.agent;
  const client = databaseClient(deps, agent, 'production.agent');
  ctx.emit({ phase: 'merge production-only rows', message: `rewrite: production-only rows: ${mode}` });
  const res = await unary<typeof client, object, MergeReport__Output>(
    deps,
    agent,
    client,
    'MergeProductionOnlyRows',
    { target_schema: ctx.plan.database!.production, mode },
    { signal: ctx.signal, timeoutMs: longCallMs(deps) },
  );
  const merged = { mode, rowsMerged: toNumber(res.rows_merged), tables: res.tables, rowsNotFound: toNumber(res.rows_not_found), notFound: res.not_found ?? [], superseded: res.superseded ?? [], keptWithTable: res.kept_with_table ?? [], mergedGoneLive: res.merged_gone_live ?? [] };
  if (merged.mergedGoneLive.length > 0) ctx.logger.warn({ agent, mergedGoneLive: merged.mergedGoneLive }, "kept production-only rows merged under keys gone from the live table after a stopped sync's repair began: production's delete or the repair's");
  if (merged.superseded.length > 0) ctx.logger.warn({ agent, superseded: merged.superseded }, 'older kept production-only rows under keys a newer row took: not merged, kept aside until release');
  if (merged.keptWithTable.length > 0) ctx.logger.warn({ agent, keptWithTable: merged.keptWithTable }, 'recorded production-only rows of tables staging no longer has, moved aside whole with them: not merged, kept aside until release');
  if (merged.rowsNotFound > 0) ctx.logger.warn({ agent, rowsNotFound: merged.rowsNotFound, notFound: merged.notFound }, 'recorded production-only rows not found where they were kept: not merged');
  return merged;
}

const brokenLine = (b: RewriteEvidence['broken'][number]): string => `${b.table}.${b.column} [${b.key}]: ${b.reason}`;

export function rewriteExecutor(deps: DataStepDeps): StepExecutor {
  return {
    idempotent: false,
    async run(ctx): Promise<StepResult> {
      const { plan } = ctx;
      if (plan.database === undefined) return { outcome: 'skipped', summary: 'the plan has no database' };
      let merged: MergeEvidence | undefined;
      if (plan.productionOnlyRows !== undefined) {
        merged = await mergeProductionOnlyRows(deps, ctx, plan.productionOnlyRows);
        ctx.record.put('productionOnlyRows', merged);
      }
      const missing = merged === undefined || merged.rowsNotFound === 0 ? '' : ` — ${merged.rowsNotFound} recorded rows not found where they were kept, not merged: ${merged.notFound.slice(0, 5).join('; ')}${merged.notFound.length > 5 ? '; …' : ''}`;
      const older = merged === undefined || merged.superseded.length === 0 ? '' : ` — older kept rows under keys a newer row took, not merged (kept aside until release): ${merged.superseded.slice(0, 5).join('; ')}${merged.superseded.length > 5 ? '; …' : ''}`;
      const withTable = merged === undefined || merged.keptWithTable.length === 0 ? '' : ` — rows of tables staging no longer has, moved aside whole with them, not merged (kept aside until release): ${merged.keptWithTable.slice(0, 5).join('; ')}${merged.keptWithTable.length > 5 ? '; …' : ''}`;
      const goneLive = merged === undefined || merged.mergedGoneLive.length === 0 ? '' : ` — merged under keys gone from the live table, which production or a stopped sync's repair deleted (delete again if production did): ${merged.mergedGoneLive.slice(0, 5).join('; ')}${merged.mergedGoneLive.length > 5 ? '; …' : ''}`;
      const mergedLine = merged?.mode === 'keep' ? `${merged.rowsMerged} production-only rows merged back${merged.tables.length > 0 ? ` into ${merged.tables.join(', ')}` : ''}${missing}${older}${withTable}${goneLive}` : undefined;
      if (plan.rewrite.length === 0) {
        if (merged === undefined) return { outcome: 'skipped', summary: 'the plan has no rewrite rules' };
        return { summary: `${mergedLine ?? 'production-only rows discarded'}; no rewrite rules`, evidence: { productionOnlyRows: merged } };
      }
      const rules = plan.rewrite.map((r) => ({ from: r.from, to: r.to, skipColumns: r.skipColumns, schemes: r.schemes }));

      ctx.emit({ phase: 'rewrite dry run', message: `rewrite: counting ${rules.map((r) => `${r.from} → ${r.to}`).join(', ')}` });
      const dry = await rewriteUrls(deps, ctx, true);
      ctx.record.put('dryRun', dry);
      ctx.emit({ phase: 'rewrite', message: `rewrite: ${dry.valuesChanged} values in ${dry.columns.length} columns` });
      const done = await rewriteUrls(deps, ctx, false);

      const postCheck = { originsLeft: done.originsLeft, structureChanged: done.structureChanged, problems: done.problems, passed: done.originsLeft === 0 && done.structureChanged === 0 && done.problems.length === 0 };
      const evidence = { rules, dryRun: dry, rewrite: done, postCheck, broken: done.broken, ...(merged === undefined ? {} : { productionOnlyRows: merged }) };
      const summary =
        (mergedLine === undefined ? '' : `${mergedLine}; `) +
        `${done.valuesChanged} values rewritten in ${done.columns.filter((c) => c.valuesChanged > 0).length} columns` +
        (done.broken.length > 0 ? `; ${done.broken.length} values not (fully) rewritten, listed: ${done.broken.slice(0, 5).map(brokenLine).join('; ')}` : '');
      if (!postCheck.passed) {
        const why = [
          ...(done.originsLeft > 0 ? [`${done.originsLeft} staging origins left`] : []),
          ...(done.structureChanged > 0 ? [`${done.structureChanged} serialized values changed structure`] : []),
          ...done.problems,
        ];
        return { outcome: 'failed', summary, evidence, error: `rewrite post-check failed: ${why.join('; ')}` };
      }
      return { summary, evidence };
    },
  };
}

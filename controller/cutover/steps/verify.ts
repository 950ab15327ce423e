// verify: parity proven, not assumed. Every table chunk's checksum is compared between the two
// servers — computed now, or recorded earlier where the UPDATE_TIME guard shows the table
// unchanged on that side since; every asset tree is digested from what is on disk on both sides (path, type,
// mode, size, SHA-256 of every entry). Any difference fails the step with the list — staging
// stays frozen and the way out is rollback. Read-only, so safe to run again.
import { SwitchyardError } from '../../../shared/errors.js';
import type { AssetDifference__Output } from '../../../shared/proto-gen/switchyard/v1/AssetDifference.js';
import type { VerifyAssetsResponse__Output } from '../../../shared/proto-gen/switchyard/v1/VerifyAssetsResponse.js';
import { EVIDENCE_KEYS, type StepContext, type StepExecutor, type StepResult } from '../executor.js';
import { assetsClient, hasAssets, longCallMs, rootLabel, toNumber, unary, withAssetTransfer, withDatabaseTransfer, type AssetRootPlan, type DataStepDeps } from './data-agents.js';
import { databaseStream, parityEvidence, summaryEvidence, type DatabaseParityEvidence, type TreeSummaryEvidence } from './data-pull.js';

export interface AssetParityEvidence {
  root: string;
  stagingRoot: string;
  productionRoot: string;
  equal: boolean;
  refresh: 'stat' | 'full';
  staging: TreeSummaryEvidence | null;
  production: TreeSummaryEvidence | null;
  differenceCount: number;
  differences: Array<{ path: string; kind: string; staging: string; production: string }>;
}

/** Lines naming what differs, for the step's error. */
export function databaseDifferences(p: DatabaseParityEvidence): string[] {
  const out = p.tables
    .filter((t) => !t.equal)
    .map((t) => `table ${t.table}: ${t.differingChunks} of ${t.chunks} chunks differ (staging ${t.stagingRows} rows, production ${t.productionRows})${t.note === '' ? '' : `, ${t.note}`}`);
  for (const o of p.objectsDiffering) out.push(`object ${o} differs`);
  if (out.length === 0 && !p.equal) out.push('the agent reports a difference without naming it');
  return out;
}

const differenceLine = (d: AssetDifference__Output | AssetParityEvidence['differences'][number]): string => `${d.path} ${d.kind}`;

async function verifyDatabase(deps: DataStepDeps, ctx: StepContext): Promise<DatabaseParityEvidence> {
  const { parity } = await withDatabaseTransfer(deps, ctx.plan, ctx.signal, (peer) =>
    // Production is not frozen (its site, webhooks or a person can write to it): a remembered
    // sum stands in for a checksum only where that table's UPDATE_TIME shows no commit since it
    // was read, on that side; everything else is checksummed now (agent/db/update-guard.ts).
    // `database.fullVerify` asks for every chunk on both sides regardless.
    databaseStream(deps, ctx, 'VerifyDatabase', { peer, target_ms: deps.chunkTargetMs ?? 0, parallelism: deps.parallelism ?? 0, full: ctx.plan.database?.fullVerify === true }),
  );
  if (parity === undefined) throw new SwitchyardError('SY_INTERNAL', `VerifyDatabase on agent ${ctx.plan.production.agent} answered without a parity report`);
  return parityEvidence(parity);
}

async function verifyRoot(deps: DataStepDeps, ctx: StepContext, root: AssetRootPlan): Promise<AssetParityEvidence> {
  const agent = ctx.plan.production.agent;
  const client = assetsClient(deps, agent, 'production.agent');
  const refresh = deps.assetVerify ?? 'stat';
  ctx.emit({ phase: `assets ${rootLabel(root)} verify`, message: `verify: digesting both trees from disk (${refresh})` });
  const res = await withAssetTransfer(deps, ctx.plan, root, ctx.signal, (peer) =>
    unary<typeof client, object, VerifyAssetsResponse__Output>(
      deps,
      agent,
      client,
      'VerifyAssets',
      { ...peer, refresh: refresh === 'full' ? 'ASSET_REFRESH_FULL' : 'ASSET_REFRESH_STAT' },
      { signal: ctx.signal, timeoutMs: longCallMs(deps) },
    ),
  );
  return {
    root: rootLabel(root),
    stagingRoot: root.staging,
    productionRoot: root.production,
    equal: res.equal,
    refresh,
    staging: summaryEvidence(res.staging),
    production: summaryEvidence(res.production),
    differenceCount: toNumber(res.difference_count),
    differences: res.differences.map((d) => ({ path: d.path, kind: d.kind, staging: d.staging, production: d.production })),
  };
}

async function verifyAssets(deps: DataStepDeps, ctx: StepContext): Promise<AssetParityEvidence[]> {
  const out: AssetParityEvidence[] = [];
  for (const root of ctx.plan.assets ?? []) out.push(await verifyRoot(deps, ctx, root));
  return out;
}

export function verifyExecutor(deps: DataStepDeps): StepExecutor {
  return {
    idempotent: true,
    async run(ctx): Promise<StepResult> {
      const { plan } = ctx;
      if (plan.database === undefined && !hasAssets(plan)) {
        return { outcome: 'skipped', summary: 'the plan has no database and no assets' };
      }
      // Both proofs at once: the freeze lasts as long as the slower of the two, not their sum.
      const [db, assets] = await Promise.allSettled([
        plan.database === undefined ? Promise.resolve(undefined) : verifyDatabase(deps, ctx),
        verifyAssets(deps, ctx),
      ]);
      if (db.status === 'rejected') throw db.reason;
      if (assets.status === 'rejected') throw assets.reason;

      const evidence: Record<string, unknown> = {};
      const problems: string[] = [];
      const lines: string[] = [];
      if (db.value !== undefined) {
        evidence[EVIDENCE_KEYS.databaseParity] = db.value;
        const diff = databaseDifferences(db.value);
        problems.push(...diff.map((d) => `database ${d}`));
        const chunks = db.value.tables.reduce((n, t) => n + t.chunks, 0);
        lines.push(db.value.equal ? `database equal: ${db.value.tables.length} tables, ${chunks} chunks` : `database differs in ${diff.length} places`);
      }
      if (assets.value.length > 0) {
        evidence[EVIDENCE_KEYS.assetsParity] = assets.value;
        for (const a of assets.value) {
          if (a.equal) {
            lines.push(`assets ${a.root} equal: ${a.staging?.files ?? 0} files, digest ${a.staging?.digest.slice(0, 16) ?? '?'}`);
            continue;
          }
          const listed = a.differences.slice(0, 20).map(differenceLine);
          const more = a.differenceCount > listed.length ? ` and ${a.differenceCount - listed.length} more` : '';
          problems.push(`assets ${a.root}: ${a.differenceCount} differences: ${listed.join(', ')}${more}`);
          lines.push(`assets ${a.root} differs in ${a.differenceCount} entries`);
        }
      }
      if (problems.length > 0) {
        return { outcome: 'failed', summary: lines.join('; '), evidence, error: `parity not proven: ${problems.join('; ')}` };
      }
      return { summary: `parity proven — ${lines.join('; ')}`, evidence };
    },
  };
}

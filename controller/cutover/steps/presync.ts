// presync: the bulk copy while staging is still live. The production agent pulls a consistent
// snapshot of staging's schema into a shadow schema and swaps it in with one RENAME (the
// replaced tables kept aside until release), then each asset root is mirrored. Writes that
// land on staging meanwhile are the final delta's job (`sync`, under the freeze).
//
// A rerun starts cleanly: the agent rebuilds the shadow schema from scratch and keeps the
// tables of the first swap aside; asset pulls only move what still differs.
import { SwitchyardError } from '../../../shared/errors.js';
import type { StepExecutor, StepResult } from '../executor.js';
import { hasAssets, withDatabaseTransfer, type DataStepDeps } from './data-agents.js';
import { copyEvidence, databaseStream, formatBytes, pullAssetRoot, type AssetPullEvidence } from './data-pull.js';

export function presyncExecutor(deps: DataStepDeps): StepExecutor {
  return {
    idempotent: true,
    async run(ctx): Promise<StepResult> {
      const { plan } = ctx;
      if (plan.database === undefined && !hasAssets(plan)) {
        return { outcome: 'skipped', summary: 'the plan has no database and no assets' };
      }
      const lines: string[] = [];
      const evidence: Record<string, unknown> = {};

      if (plan.database !== undefined) {
        const { copy } = await withDatabaseTransfer(deps, plan, ctx.signal, (peer) =>
          databaseStream(deps, ctx, 'PullDatabase', { peer, parallelism: deps.parallelism ?? 0 }),
        );
        if (copy === undefined) throw new SwitchyardError('SY_INTERNAL', `PullDatabase on agent ${plan.production.agent} answered without a copy result`);
        const db = copyEvidence(copy);
        // Written at once: from here production's tables are swapped, and a rollback must know.
        ctx.record.put('database', db);
        evidence.database = db;
        lines.push(`database ${plan.database.staging} → ${plan.database.production}: ${db.tables.length} tables, ${db.rows} rows, ${formatBytes(db.bytes)} in ${db.seconds.toFixed(1)} s`);
      }

      const assets: AssetPullEvidence[] = [];
      for (const root of plan.assets ?? []) {
        const r = await pullAssetRoot(deps, ctx, root);
        assets.push(r);
        ctx.record.put('assets', assets);
        lines.push(
          `assets ${r.root}: ${r.filesCopied} files, ${formatBytes(r.bytesWire)} on the wire, ${r.entriesDeleted} deleted` +
            (r.refused.length > 0 ? `, ${r.refused.length} refused (${r.refused.slice(0, 3).join('; ')})` : ''),
        );
      }
      if (assets.length > 0) evidence.assets = assets;

      return { summary: lines.join('; '), evidence };
    },
  };
}

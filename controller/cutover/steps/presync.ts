// presync: the bulk copy while staging is still live. The production agent pulls a consistent
// snapshot of staging's schema into a shadow schema and swaps it in with one RENAME (the
// replaced tables kept aside until release), then each asset root is mirrored — twice when the
// first pull copied anything, to take in what changed meanwhile. Writes that land on staging
// after that are the final delta's job (`sync`, under the freeze).
//
// A rerun starts cleanly: the agent rebuilds the shadow schema from scratch and keeps the
// tables of the first swap aside; asset pulls only move what still differs.
import { SwitchyardError } from '../../../shared/errors.js';
import type { StepExecutor, StepResult } from '../executor.js';
import { hasAssets, withDatabaseTransfer, type DataStepDeps } from './data-agents.js';
import { copyEvidence, databaseStream, formatBytes, pullAssetRoot, type AssetPullEvidence } from './data-pull.js';

/** What presync's second pull of a root moved (the changes made on staging during the first). */
export interface SecondPassEvidence {
  filesCopied: number;
  bytesWire: number;
  entriesDeleted: number;
  seconds: number;
  equal: boolean;
}

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

      const assets: Array<AssetPullEvidence & { secondPass?: SecondPassEvidence }> = [];
      for (const root of plan.assets ?? []) {
        const r = await pullAssetRoot(deps, ctx, root);
        assets.push(r);
        ctx.record.put('assets', assets);
        // A second pass while staging is still live, as an admin runs rsync twice: what the site
        // changed during the first (minutes of copying on a large tree) moves now, so the freeze's
        // delta holds only what changes after it. One pass more at most; none after a pull that
        // found nothing to copy.
        let again: AssetPullEvidence | undefined;
        if (r.filesCopied > 0) {
          again = await pullAssetRoot(deps, ctx, root);
          assets[assets.length - 1] = { ...r, secondPass: { filesCopied: again.filesCopied, bytesWire: again.bytesWire, entriesDeleted: again.entriesDeleted, seconds: again.seconds, equal: again.equal } };
          ctx.record.put('assets', assets);
        }
        lines.push(
          `assets ${r.root}: ${r.filesCopied} files, ${formatBytes(r.bytesWire)} on the wire, ${r.entriesDeleted} deleted` +
            (r.refused.length > 0 ? `, ${r.refused.length} refused (${r.refused.slice(0, 3).join('; ')})` : '') +
            (again === undefined ? '' : `; second pass ${again.filesCopied} files, ${formatBytes(again.bytesWire)} in ${again.seconds.toFixed(1)} s`),
        );
      }
      if (assets.length > 0) evidence.assets = assets;

      return { summary: lines.join('; '), evidence };
    },
  };
}

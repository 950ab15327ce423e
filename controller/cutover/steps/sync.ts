// sync: the final delta under the freeze. Both agents checksum the same key-range chunks and
// the production agent re-copies only the chunks (and tables whose schema changed) that
// differ; each asset root is pulled again, moving only what changed since presync. Proof is
// `verify`'s job — this step only moves.
//
// Safe to run again: a second pass compares again and moves whatever still differs.
import type { StepExecutor, StepResult } from '../executor.js';
import { hasAssets, withDatabaseTransfer, type DataStepDeps } from './data-agents.js';
import { databaseStream, formatBytes, parityEvidence, pullAssetRoot, type AssetPullEvidence } from './data-pull.js';

/** How the agent's line for an object only production had goes on, before where its definition is kept. */
const ONLY_PRODUCTION = ': extra — only production had it: dropped, ';

export function syncExecutor(deps: DataStepDeps): StepExecutor {
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
        const { parity } = await withDatabaseTransfer(deps, plan, ctx.signal, (peer) =>
          databaseStream(deps, ctx, 'SyncDatabase', { peer, parallelism: deps.parallelism ?? 0, target_ms: deps.chunkTargetMs ?? 0 }),
        );
        if (parity !== undefined) {
          const db = parityEvidence(parity);
          evidence.database = db;
          ctx.record.put('database', db);
          const moved = db.tables.filter((t) => t.differingChunks > 0 || t.note !== '');
          const chunks = moved.reduce((n, t) => n + t.differingChunks, 0);
          const rows = db.tables.reduce((n, t) => n + t.rowsCopied, 0);
          // Tables only production has are not copied: sync moves them aside, and says where.
          const aside = moved.filter((t) => t.note.startsWith('missing on staging'));
          const recopied = moved.filter((t) => t.note !== '' && !aside.includes(t)).map((t) => `${t.table} (${t.note})`);
          // Objects only production had, which sync dropped (staging defines them): the agent's
          // line for each says where their definitions are kept; the summary is what an operator reads.
          const dropped = db.objectsDiffering.filter((o) => o.includes(ONLY_PRODUCTION)).map((o) => `${o.slice(0, o.indexOf(ONLY_PRODUCTION))} [${o.slice(o.indexOf(ONLY_PRODUCTION) + ONLY_PRODUCTION.length)}]`);
          lines.push(
            `database: ${chunks} chunks in ${moved.length - aside.length} of ${db.tables.length - aside.length} tables re-copied, ${rows} rows` +
              (recopied.length > 0 ? `; whole tables: ${recopied.join(', ')}` : '') +
              (aside.length > 0 ? `; tables only production has, kept: ${aside.map((t) => `${t.table} (${t.note.replace(/^missing on staging: /, '')})`).join(', ')}` : '') +
              (dropped.length > 0 ? `; objects only production had, dropped: ${dropped.join(', ')}` : ''),
          );
        }
      }

      const assets: AssetPullEvidence[] = [];
      for (const root of plan.assets ?? []) {
        const r = await pullAssetRoot(deps, ctx, root);
        assets.push(r);
        ctx.record.put('assets', assets);
        lines.push(`assets ${r.root}: ${r.filesCopied} files, ${formatBytes(r.bytesWire)} on the wire, ${r.entriesDeleted} deleted`);
      }
      if (assets.length > 0) evidence.assets = assets;
      return { summary: lines.join('; '), evidence };
    },
  };
}

// The streaming work the production agent does for presync, sync and verify — a database
// pull/sync/verify or an asset-root pull — with its progress forwarded to the step's events and
// its final message turned into plain evidence (camelCase, numbers, no tokens).
import { SwitchyardError } from '../../../shared/errors.js';
import type { CopyResult__Output } from '../../../shared/proto-gen/switchyard/v1/CopyResult.js';
import type { DbEvent__Output } from '../../../shared/proto-gen/switchyard/v1/DbEvent.js';
import type { ParityReport__Output } from '../../../shared/proto-gen/switchyard/v1/ParityReport.js';
import type { AssetPullEvent__Output } from '../../../shared/proto-gen/switchyard/v1/AssetPullEvent.js';
import type { AssetPullResult__Output } from '../../../shared/proto-gen/switchyard/v1/AssetPullResult.js';
import type { AssetTreeSummary__Output } from '../../../shared/proto-gen/switchyard/v1/AssetTreeSummary.js';
import type { AssetRefresh } from '../../../shared/proto-gen/switchyard/v1/AssetRefresh.js';
import type { PeerTransfer } from '../../../shared/proto-gen/switchyard/v1/PeerTransfer.js';
import type { StepContext } from '../executor.js';
import {
  assetProgress,
  assetsClient,
  databaseClient,
  dbProgress,
  rootLabel,
  serverStream,
  toNumber,
  withAssetTransfer,
  type AssetRootPlan,
  type DataStepDeps,
} from './data-agents.js';

export interface CopyEvidence {
  tables: string[];
  rows: number;
  bytes: number;
  seconds: number;
  keptAsideSchema: string;
  loadMethods: string[];
  /** Tables only production has that the copy kept where one would not look (README, "Database"). */
  notes: string[];
}

export interface TableParityEvidence {
  table: string;
  equal: boolean;
  chunks: number;
  differingChunks: number;
  stagingRows: number;
  productionRows: number;
  rowsCopied: number;
  note: string;
  /** What was checksummed on each side in this call and why (the UPDATE_TIME guard's verdict). */
  stagingCheck: string;
  productionCheck: string;
  stagingChunksChecked: number;
  productionChunksChecked: number;
}

export interface DatabaseParityEvidence {
  equal: boolean;
  seconds: number;
  /** "full": every chunk on both sides; "guarded": recorded sums reused where UPDATE_TIME allows. */
  mode: string;
  tables: TableParityEvidence[];
  objectsDiffering: string[];
}

export const copyEvidence = (c: CopyResult__Output): CopyEvidence => ({
  tables: c.tables,
  rows: toNumber(c.rows),
  bytes: toNumber(c.bytes),
  seconds: c.seconds,
  keptAsideSchema: c.kept_aside_schema,
  loadMethods: c.load_methods,
  notes: c.notes,
});

export const parityEvidence = (p: ParityReport__Output): DatabaseParityEvidence => ({
  equal: p.equal,
  seconds: p.seconds,
  mode: p.mode,
  objectsDiffering: p.objects_differing,
  tables: p.tables.map((t) => ({
    table: t.table,
    equal: t.equal,
    chunks: t.chunks,
    differingChunks: t.differing_chunks,
    stagingRows: toNumber(t.staging_rows),
    productionRows: toNumber(t.production_rows),
    rowsCopied: toNumber(t.rows_copied),
    note: t.note,
    stagingCheck: t.staging_check,
    productionCheck: t.production_check,
    stagingChunksChecked: t.staging_chunks_checked,
    productionChunksChecked: t.production_chunks_checked,
  })),
});

type DbRpc = 'PullDatabase' | 'SyncDatabase' | 'VerifyDatabase';

/** Runs one database stream on the production agent; returns its final message. */
export async function databaseStream(deps: DataStepDeps, ctx: StepContext, rpc: DbRpc, request: { peer: PeerTransfer } & Record<string, unknown>): Promise<{ copy?: CopyResult__Output; parity?: ParityReport__Output }> {
  const agent = ctx.plan.production.agent;
  const client = databaseClient(deps, agent, 'production.agent');
  const out: { copy?: CopyResult__Output; parity?: ParityReport__Output } = {};
  for await (const ev of serverStream<typeof client, typeof request, DbEvent__Output>(agent, client, rpc, request, ctx.signal)) {
    if (ev.progress) ctx.emit(dbProgress(ctx.step, ev.progress));
    if (ev.copy) out.copy = ev.copy;
    if (ev.parity) out.parity = ev.parity;
  }
  if (out.copy === undefined && out.parity === undefined) {
    throw new SwitchyardError('SY_INTERNAL', `${rpc} on agent ${agent} ended without a result`);
  }
  return out;
}

export interface TreeSummaryEvidence {
  digest: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

export const summaryEvidence = (s: AssetTreeSummary__Output | null): TreeSummaryEvidence | null =>
  s === null ? null : { digest: s.digest, files: toNumber(s.files), dirs: toNumber(s.dirs), symlinks: toNumber(s.symlinks), bytes: toNumber(s.bytes) };

export interface AssetPullEvidence {
  root: string;
  stagingRoot: string;
  productionRoot: string;
  delete: boolean;
  filesCopied: number;
  bytesCopied: number;
  bytesWire: number;
  bytesReused: number;
  bytesResumed: number;
  entriesDeleted: number;
  metadataFixed: number;
  filesChangedDuringCopy: number;
  filesVanishedDuringCopy: number;
  refused: string[];
  equal: boolean;
  seconds: number;
  /** Planned from both change journals (only what changed since the last equal pull). */
  fromJournal: boolean;
  staging: TreeSummaryEvidence | null;
  production: TreeSummaryEvidence | null;
}

const pullEvidence = (root: AssetRootPlan, r: AssetPullResult__Output): AssetPullEvidence => ({
  root: rootLabel(root),
  stagingRoot: root.staging,
  productionRoot: root.production,
  delete: root.delete,
  filesCopied: toNumber(r.files_copied),
  bytesCopied: toNumber(r.bytes_copied),
  bytesWire: toNumber(r.bytes_wire),
  bytesReused: toNumber(r.bytes_reused),
  bytesResumed: toNumber(r.bytes_resumed),
  entriesDeleted: toNumber(r.entries_deleted),
  metadataFixed: toNumber(r.metadata_fixed),
  filesChangedDuringCopy: toNumber(r.files_changed_during_copy),
  filesVanishedDuringCopy: toNumber(r.files_vanished_during_copy),
  refused: r.refused,
  equal: r.equal,
  seconds: r.seconds,
  fromJournal: r.from_journal,
  staging: summaryEvidence(r.staging),
  production: summaryEvidence(r.production),
});

/** Pulls one asset root from staging onto production; `refresh` says how far each side trusts its manifest. */
export async function pullAssetRoot(deps: DataStepDeps, ctx: StepContext, root: AssetRootPlan, refresh: { staging?: AssetRefresh; production?: AssetRefresh } = {}): Promise<AssetPullEvidence> {
  const agent = ctx.plan.production.agent;
  const client = assetsClient(deps, agent, 'production.agent');
  return withAssetTransfer(deps, ctx.plan, root, ctx.signal, async (peer) => {
    const request = {
      ...peer,
      delete: root.delete,
      parallelism: deps.parallelism ?? 0,
      ...(refresh.staging === undefined ? {} : { staging_refresh: refresh.staging }),
      ...(refresh.production === undefined ? {} : { production_refresh: refresh.production }),
    };
    let result: AssetPullResult__Output | undefined;
    for await (const ev of serverStream<typeof client, typeof request, AssetPullEvent__Output>(agent, client, 'PullAssets', request, ctx.signal)) {
      if (ev.progress) ctx.emit(assetProgress(ctx.step, root, ev.progress));
      if (ev.result) result = ev.result;
    }
    if (result === undefined) throw new SwitchyardError('SY_INTERNAL', `PullAssets of ${rootLabel(root)} on agent ${agent} ended without a result`);
    return pullEvidence(root, result);
  });
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

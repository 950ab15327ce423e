// Staging's manifest as production reads it: batches validated on arrival (safe paths, known
// types, hashes of the right length), the whole tree, some paths, or only what changed since a
// journal position.
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { AssetManifestBatch__Output } from '../../shared/proto-gen/switchyard/v1/AssetManifestBatch.js';
import { SwitchyardError } from '../../shared/errors.js';
import { CHUNK_SIZE } from './chunking.js';
import { fromWireEntry, fromWireSummary, refreshToWire } from './convert.js';
import type { Entry } from './manifest-store.js';
import { checkRelativePath } from './path-safety.js';
import type { RefreshMode } from './roots.js';
import { fromStaging, UNNAMED_STAGING } from './staging-name.js';
import type { TreeSummary } from './tree-digest.js';

/** One batch of staging's listing, validated. */
export interface ListedBatch {
  entries: Entry[];
  /** Paths removed since the journal position asked about (a changes-only listing). */
  deleted: string[];
  /** The entries are the whole tree; false: only what changed since `since`. */
  complete: boolean;
  journal: { epoch: string; seq: number };
  summary: TreeSummary | undefined;
}

/**
 * Staging's listing batch by batch: the whole root, some paths, or (with `since`) only changes.
 * `who`: how errors name staging (see stagingName).
 */
export async function* stagingBatches(peer: AssetsClient, token: string, root: string, refresh: RefreshMode, paths: string[], since?: { epoch: string; seq: number }, who = UNNAMED_STAGING): AsyncGenerator<ListedBatch> {
  const call = peer.ListManifest({ token, root, refresh: refreshToWire(refresh), paths, since_epoch: since?.epoch ?? '', since_seq: since?.seq ?? 0 });
  try {
    for await (const batch of call as AsyncIterable<AssetManifestBatch__Output>) {
      if (batch.chunk_size !== CHUNK_SIZE) throw new SwitchyardError('SY_PRECONDITION', `${who} uses ${batch.chunk_size}-byte chunks, this agent ${CHUNK_SIZE}`);
      yield {
        entries: batch.entries.map((w) => fromWireEntry(w, 'entries')),
        deleted: batch.deleted.map((d, i) => checkRelativePath(d, `deleted[${i}]`)),
        complete: batch.complete || since === undefined,
        journal: { epoch: batch.journal_epoch, seq: Number(batch.journal_seq) },
        summary: batch.summary ? fromWireSummary(batch.summary) : undefined,
      };
    }
  } catch (err) {
    call.cancel();
    throw fromStaging(err, who, 'ListManifest');
  }
}

/** Staging's entries for the whole root (or some paths), validated on arrival; the summary via the callback. */
export async function* stagingEntries(peer: AssetsClient, token: string, root: string, refresh: RefreshMode, paths: string[], who = UNNAMED_STAGING, onSummary?: (s: TreeSummary) => void): AsyncGenerator<Entry> {
  for await (const batch of stagingBatches(peer, token, root, refresh, paths, undefined, who)) {
    yield* batch.entries;
    if (batch.summary) onSummary?.(batch.summary);
  }
}

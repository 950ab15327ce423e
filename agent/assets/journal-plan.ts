// How production plans a pull: from both change journals when it can (only what either side
// changed since the last pull that ended equal), from staging's whole listing otherwise. The
// journal is an optimisation, never the proof: the pull still ends by comparing whole-tree
// digests, and a pull planned from the journals that does not end equal is redone in full.
import { SwitchyardError } from '../../shared/errors.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { Entry, JournalMark, ManifestStore } from './manifest-store.js';
import { buildPartialPlan, buildPlan, type JournalChanges, type Plan } from './plan.js';
import { stagingBatches, stagingEntries } from './staging-listing.js';
import { UNNAMED_STAGING } from './staging-name.js';
import type { TreeSummary } from './tree-digest.js';

/** Beyond this many changed paths a whole listing is cheaper, and it pages through SQLite instead of memory. */
export const JOURNAL_CAP = 50_000;

export interface PlannedPull {
  /** Staging's tree as the plan saw it. */
  summary: TreeSummary;
  /** Staging's journal position the plan covers: the next pull starts there. */
  journal: { epoch: string; seq: number };
  /** Planned from the journals (true) or from whole listings. */
  partial: boolean;
}

export interface PlanSource {
  peer: AssetsClient;
  token: string;
  stagingRoot: string;
  store: ManifestStore;
  root: string;
  withDelete: boolean;
  /** Where both journals stood after the last equal pull; none: plan from whole listings. */
  mark: JournalMark | undefined;
  /** How errors name staging (see stagingName); "staging" when left out. */
  who?: string;
  /** The plan's parts for the pull's log, filled in as they end: seconds each, and how many paths were looked up by name. */
  parts?: Record<string, number>;
}

export async function planPull(plan: Plan, o: PlanSource): Promise<PlannedPull> {
  if (o.mark !== undefined) {
    const partial = await planFromJournals(plan, o, o.mark);
    if (partial !== undefined) return partial;
  }
  let summary: TreeSummary | undefined;
  let journal: PlannedPull['journal'] | undefined;
  async function* entries(): AsyncGenerator<Entry> {
    for await (const b of stagingBatches(o.peer, o.token, o.stagingRoot, 'none', [], undefined, o.who)) {
      journal = b.journal;
      yield* b.entries;
      if (b.summary !== undefined) summary = b.summary;
    }
  }
  await buildPlan(plan, entries(), o.store, o.root, o.withDelete, o.who);
  if (summary === undefined || journal === undefined) throw new SwitchyardError('SY_AGENT_UNREACHABLE', `${o.who ?? UNNAMED_STAGING} listing ended without its summary`);
  return { summary, journal, partial: false };
}

/** Undefined when the journals cannot answer (another epoch, too many changes): plan in full. */
async function planFromJournals(plan: Plan, o: PlanSource, mark: JournalMark): Promise<PlannedPull | undefined> {
  const now = o.store.journal(o.root).seq;
  // Removals before the floor may be forgotten (tombstones pruned): whole listings then.
  if (now < mark.localSeq || mark.localSeq < o.store.tombstoneFloor(o.root)) return undefined;
  const local = new Set<string>();
  for (const e of o.store.changedSince(o.root, mark.localSeq, now)) {
    local.add(e.path);
    if (local.size > JOURNAL_CAP) return undefined;
  }
  for (const p of o.store.removedSince(o.root, mark.localSeq, now)) {
    local.add(p);
    if (local.size > JOURNAL_CAP) return undefined;
  }
  const changes: JournalChanges = { staging: new Map(), removed: new Set(), local };
  const started = performance.now();
  let summary: TreeSummary | undefined;
  let journal: PlannedPull['journal'] | undefined;
  for await (const b of stagingBatches(o.peer, o.token, o.stagingRoot, 'none', [], { epoch: mark.peerEpoch, seq: mark.peerSeq }, o.who)) {
    // Staging could not answer from its journal (recreated, or not this one): a whole listing
    // is on its way; dropping it here costs one round trip.
    if (b.complete) return undefined;
    journal = b.journal;
    for (const e of b.entries) changes.staging.set(e.path, e);
    for (const d of b.deleted) changes.removed.add(d);
    if (changes.staging.size + changes.removed.size + local.size > JOURNAL_CAP) return undefined;
    if (b.summary !== undefined) summary = b.summary;
  }
  if (summary === undefined || journal === undefined) throw new SwitchyardError('SY_AGENT_UNREACHABLE', `${o.who ?? UNNAMED_STAGING} listing ended without its summary`);
  if (o.parts !== undefined) o.parts.journals = (performance.now() - started) / 1000;
  await buildPartialPlan(plan, changes, (paths) => stagingEntries(o.peer, o.token, o.stagingRoot, 'none', paths, o.who), o.store, o.root, o.withDelete, o.parts, o.who);
  return { summary, journal, partial: true };
}

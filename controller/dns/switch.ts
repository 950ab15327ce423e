// The DNS switch with its way back: the record set is snapshotted (and the snapshot handed to the
// store) before anything changes, and rollback puts exactly that snapshot back.
import { SwitchyardError } from '../../shared/errors.js';
import { leftUnchanged } from './write-tracking.js';
import { normalizeName, sameRecordSet, servedTtl, servesNothing, type CallOptions, type DnsProvider, type RecordKey, type RecordSet, type RecordUpdate } from './provider.js';

export interface DnsSnapshot {
  provider: string;
  zone: string;
  name: string;
  type: string;
  /** The set as it was; null when the name had no record of this type (rollback deletes it). */
  rrset: RecordSet | null;
  takenAt: string;
}

export interface SwitchOptions extends CallOptions {
  /** Default: keep the current TTL (300 when the record did not exist). */
  ttl?: number;
  /** Cloudflare: default keeps the current proxied flag. */
  proxied?: boolean;
}

export interface SwitchPlan {
  before: DnsSnapshot;
  after: RecordSet;
  /** false when the record already holds `after`. */
  changes: boolean;
}

/**
 * Persists the snapshot before the provider is called. The store keeps the FIRST snapshot of a
 * cutover and returns it: after a crash between snapshot and change, the re-run reads the
 * already-switched record, and the stored original is the one rollback must restore.
 */
export type RecordSnapshot = (snapshot: DnsSnapshot) => Promise<DnsSnapshot | void> | DnsSnapshot | void;

function key(k: RecordKey): RecordKey {
  return { zone: normalizeName(k.zone), name: normalizeName(k.name), type: k.type.toUpperCase() };
}

async function snapshot(provider: DnsProvider, k: RecordKey, opts: CallOptions): Promise<DnsSnapshot> {
  const rrset = await provider.getRecordSet(k.zone, k.name, k.type, opts);
  return { provider: provider.name, zone: k.zone, name: k.name, type: k.type, rrset, takenAt: new Date().toISOString() };
}

async function verify(provider: DnsProvider, k: RecordKey, expected: RecordSet | null, what: string, opts: { ignoreNotes?: boolean } & CallOptions = {}): Promise<void> {
  checkReadBack(provider, k, await provider.getRecordSet(k.zone, k.name, k.type, { signal: opts.signal }), expected, what, opts);
}

function checkReadBack(provider: DnsProvider, k: RecordKey, now: RecordSet | null, expected: RecordSet | null, what: string, opts: { ignoreNotes?: boolean } = {}): void {
  if (!sameRecordSet(now, expected, opts)) {
    const off = now?.disabled === undefined ? '' : `, disabled ${JSON.stringify(now.disabled)}`;
    throw new SwitchyardError('SY_DNS_PROVIDER', `${provider.name}: ${what} of ${k.name} ${k.type} accepted, but the provider now holds ${JSON.stringify(now?.records ?? null)}${off} (ttl ${now?.ttl ?? '-'})`);
  }
}

/** The record set a switch writes over `before` (pure: a restart recomputes it from the stored snapshot). */
export function switchTarget(target: RecordKey, before: RecordSet | null, newContent: string | string[], opts: SwitchOptions = {}): RecordSet {
  const k = key(target);
  const records = [...new Set(Array.isArray(newContent) ? newContent : [newContent])].sort();
  if (records.length === 0) throw new SwitchyardError('SY_VALIDATION', 'switch needs at least one record value', { field: 'production.ip' });
  const after: RecordSet = { name: k.name, type: k.type, ttl: opts.ttl ?? before?.ttl ?? 300, records };
  const proxied = opts.proxied ?? before?.proxied;
  if (proxied !== undefined) after.proxied = proxied;
  // Disabled records are not served, so the switch has no reason to drop them: they stay as they
  // were (the snapshot has them either way). One holding a new value is enabled instead, as
  // PowerDNS refuses a value twice in one set.
  const disabled = (before?.disabled ?? []).filter((c) => !records.includes(c));
  if (disabled.length > 0) after.disabled = disabled;
  return after;
}

/** The change a switch would make, without making it (dry run). */
export async function planSwitch(provider: DnsProvider, target: RecordKey, newContent: string | string[], opts: SwitchOptions = {}): Promise<SwitchPlan> {
  const k = key(target);
  const before = await snapshot(provider, k, { signal: opts.signal });
  const after = switchTarget(k, before.rrset, newContent, opts);
  // Comments and tags stay on the records the switch moves, so they are no change to make.
  return { before, after, changes: !sameRecordSet(before.rrset, after, { ignoreNotes: true }) };
}

export interface SwitchResult {
  /** The snapshot rollback restores (the stored one if the store already had it). */
  before: DnsSnapshot;
  after: RecordSet;
  changed: boolean;
}

export async function applySwitch(
  provider: DnsProvider,
  target: RecordKey,
  newContent: string | string[],
  opts: SwitchOptions & { recordSnapshot: RecordSnapshot },
): Promise<SwitchResult> {
  const plan = await planSwitch(provider, target, newContent, opts);
  const stored = (await opts.recordSnapshot(plan.before)) ?? plan.before;
  if (!plan.changes) return { before: stored, after: plan.after, changed: false };
  const k = key(target);
  try {
    await provider.replaceRecordSet(k.zone, plan.after, { signal: opts.signal });
  } catch (err) {
    // Refused outright: there is nothing to undo, and an undo would meet the same refusal (a rate
    // limit blocks every request) and could only call the record's state unknown.
    if (leftUnchanged(err)) throw nothingChanged(k, plan.before.rrset, err);
    // The undo is not given the signal: an aborted switch must not stay half done.
    throw await undoFailedSwitch(provider, stored, err);
  }
  try {
    await verify(provider, k, plan.after, 'switch', { ignoreNotes: true, signal: opts.signal });
  } catch (err) {
    throw await undoFailedSwitch(provider, stored, err);
  }
  return { before: stored, after: plan.after, changed: true };
}

function nothingChanged(k: RecordKey, held: RecordSet | null, cause: unknown): SwitchyardError {
  return new SwitchyardError('SY_DNS_PROVIDER', `switch failed: ${(cause as Error).message}; nothing changed: the provider took no write, so ${k.name} ${k.type} still holds ${showSet(held)}`, {
    cause,
    details: { unchanged: true },
  });
}

/** Values, then TTL, as an error message shows a set. */
export function showSet(set: RecordSet | null): string {
  if (set === null || set.records.length === 0) return 'no record';
  return `${set.records.join(', ')}, ttl ${set.ttl}${set.proxied === true ? ', proxied' : ''}`;
}

/** How the set now differs from the snapshot, value by value (or in settings when the values agree). */
function offFromSnapshot(k: RecordKey, now: RecordSet | null, snap: RecordSet | null): string {
  const have = now?.records ?? [];
  const want = snap?.records ?? [];
  const extra = have.filter((c) => !want.includes(c));
  const lacking = want.filter((c) => !have.includes(c));
  const parts = [
    ...(extra.length === 0 ? [] : [`serves ${extra.join(', ')} (not in the snapshot)`]),
    ...(lacking.length === 0 ? [] : [`lacks ${lacking.join(', ')} (in the snapshot)`]),
  ];
  if (parts.length === 0) return `${k.name} ${k.type} holds the snapshot's values but not its settings (now ${showSet(now)}; snapshot ${showSet(snap)})`;
  return `${k.name} ${k.type} now ${parts.join(' and ')}`;
}

/**
 * A switch that failed after the provider took part of it (Cloudflare changes a set one record
 * at a time: the first PATCH accepted, the DELETE after it refused) would leave the name answering
 * staging and production at once. The snapshot goes back at once; the error says whether it did,
 * and if not, which values are off, since the operator has to finish by hand or by rollback.
 */
async function undoFailedSwitch(provider: DnsProvider, snap: DnsSnapshot, cause: unknown): Promise<SwitchyardError> {
  const k = key(snap);
  const why = (cause as Error).message;
  try {
    const r = await restoreSnapshot(provider, snap);
    const how = r.changed ? 'undone' : 'nothing had changed';
    return new SwitchyardError('SY_DNS_PROVIDER', `switch failed: ${why}; ${how}: ${k.name} ${k.type} is back to its snapshot (${showSet(snap.rrset)})`, {
      cause,
      details: { undone: true },
    });
  } catch (restoreErr) {
    const now = await provider.getRecordSet(k.zone, k.name, k.type).then(
      (set) => offFromSnapshot(k, set, snap.rrset),
      (readErr: Error) => `what ${k.name} ${k.type} holds now is unknown (${readErr.message})`,
    );
    return new SwitchyardError(
      'SY_DNS_PROVIDER',
      `switch failed: ${why}; putting the snapshot back failed too: ${(restoreErr as Error).message}; ${now}; the snapshot is ${showSet(snap.rrset)}`,
      { cause, details: { undone: false } },
    );
  }
}

/**
 * Puts the snapshot back exactly; a no-op when it is already in place, so safe to repeat.
 * `replaced` is what the record held just before (so a caller can tell whether someone changed it
 * after the switch).
 */
export async function restoreSnapshot(provider: DnsProvider, snap: DnsSnapshot): Promise<{ changed: boolean; replaced?: RecordSet | null }> {
  if (snap.provider !== provider.name) {
    throw new SwitchyardError('SY_PRECONDITION', `snapshot was taken from DNS provider '${snap.provider}', not '${provider.name}'`);
  }
  const k = key(snap);
  // Decided and written in one turn of the name's write queue: a read taken outside it could
  // miss a write still in flight (a slow switch) and leave that write standing after the restore.
  const r = await update(provider, k, (now) => {
    if (sameRecordSet(now, snap.rrset)) return undefined;
    return snap.rrset === null ? { name: k.name, type: k.type, ttl: now?.ttl ?? 300, records: [] } : recordByRecord(snap.rrset);
  });
  if (r.after === undefined) return { changed: false };
  checkReadBack(provider, k, r.after, snap.rrset, 'restore');
  return { changed: true, replaced: r.before };
}

async function update(provider: DnsProvider, k: RecordKey, decide: (current: RecordSet | null) => RecordSet | undefined): Promise<RecordUpdate> {
  if (provider.updateRecordSet !== undefined) return provider.updateRecordSet(k.zone, k.name, k.type, decide);
  const before = await provider.getRecordSet(k.zone, k.name, k.type);
  const next = decide(before);
  if (next === undefined) return { before };
  await provider.replaceRecordSet(k.zone, next);
  return { before, after: await provider.getRecordSet(k.zone, k.name, k.type) };
}

/**
 * The set spelled record by record, which a provider writes exactly: a comment or tags the switch
 * left on a record it gave another value (Cloudflare) are cleared, not carried to the old value.
 */
function recordByRecord(set: RecordSet): RecordSet {
  if (set.perRecord !== undefined) return set;
  return { ...set, perRecord: set.records.map((content) => ({ content, ttl: set.ttl, proxied: set.proxied ?? false })) };
}

export interface LowerTtlResult {
  before: RecordSet | null;
  after: RecordSet | null;
  changed: boolean;
}

/**
 * Brings the record's TTL down to `maxTtl` ahead of the switch (the TTL lead), values untouched.
 * The caller records when it did so: resolvers may hold the old TTL until that long has passed.
 */
export async function lowerTtl(provider: DnsProvider, target: RecordKey, maxTtl: number): Promise<LowerTtlResult> {
  const k = key(target);
  // TTLs are judged as served: Cloudflare's 1 ("automatic") is 300 s, over a maxTtl of 60, and
  // gets maxTtl; proxied records are answered by the edge anyway.
  // A Cloudflare set whose records differ counts by its highest; each keeps its own settings, capped.
  const served = (ttl: number) => servedTtl(provider, ttl);
  // The limit as served too: a maxTtl of 1 on Cloudflare (dns.ttl: 1, automatic) means 300 s, so a
  // record at 120 s is already within it — writing 1 would raise it to 300 s, not lower it.
  const limit = served(maxTtl);
  const cap = (ttl: number) => (served(ttl) > limit ? maxTtl : ttl);
  let after: RecordSet | undefined;
  // The values written back are the ones just read: read and write in one turn of the name's
  // queue, or a switch landing between them would be undone by this TTL change.
  const r = await update(provider, k, (before) => {
    if (before === null || servesNothing(before)) throw new SwitchyardError('SY_PRECONDITION', `${provider.name}: ${k.name} has no ${k.type} record to lower the TTL of`);
    const highest = Math.max(served(before.ttl), ...(before.perRecord ?? []).map((p) => served(p.ttl)));
    if (highest <= limit || before.proxied === true) return undefined;
    after = { ...before, ttl: cap(before.ttl) };
    if (before.perRecord !== undefined) after.perRecord = before.perRecord.map((p) => ({ ...p, ttl: cap(p.ttl) }));
    return after;
  });
  if (r.after === undefined || after === undefined) return { before: r.before, after: r.before, changed: false };
  checkReadBack(provider, k, r.after, after, 'TTL change');
  return { before: r.before, after, changed: true };
}

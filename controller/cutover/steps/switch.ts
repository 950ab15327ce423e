// switch: the plan's record to the production IP, the way back recorded first. The record set is
// snapshotted into the store before the provider is called; the store keeps the FIRST snapshot
// of the cutover, so a re-run after a crash (which reads the already-switched record) still
// hands rollback the original. Re-running is safe: a record already holding the production IP
// is left alone, which makes this step idempotent.
import { SwitchyardError } from '../../../shared/errors.js';
import { sleep } from '../../../shared/sleep.js';
import { requireDnsProvider } from '../../dns/registry.js';
import { canPurgeCache, normalizeName, sameRecordSet, servedTtl, type DnsProvider, type RecordSet } from '../../dns/provider.js';
import { applySwitch, planSwitch, restoreSnapshot, showSet, switchTarget, type DnsSnapshot } from '../../dns/switch.js';
import { EVIDENCE_KEYS, type ReconcileContext, type ReconcileResult, type StepContext, type StepExecutor, type StepResult } from '../executor.js';
import type { Plan } from '../plan.js';
import { planTtlRefusal } from '../plan-ttl.js';
import type { CutoverStore, DnsSnapshotRow } from '../store/index.js';
import type { StepDeps } from './deps.js';

export type SwitchDeps = Pick<StepDeps, 'dns'> & {
  /** How a restart's reconcile reads the provider back (default RECONCILE_READS). */
  reconcileReads?: ReconcileReads;
};

export interface ReconcileReads {
  /** Reads in all, each with the provider's own retries, before the switch is left for a person. */
  tries: number;
  /** Pause after the first failed read; doubles after each one. */
  firstPauseMs: number;
}

/**
 * Each read already retries a blip; these cover a provider that is down a while longer, like a
 * PowerDNS on the same host starting after the controller when both come back from a reboot.
 * About 35 s of pauses: an interrupted switch holds the cutover meanwhile (a rollback still ends it).
 */
export const RECONCILE_READS: ReconcileReads = { tries: 4, firstPauseMs: 5_000 };

/**
 * The TTL the switched record gets: the plan's, else the current one capped at maxTtl (as served:
 * a DNS-only Cloudflare record on "automatic", 1, is answered with 300 s). A record
 * Cloudflare proxies keeps 1 ("automatic"): resolvers see the edge with Cloudflare's own TTL, and
 * the API keeps a proxied record at 1 whatever is sent, so any other value would fail the
 * read-back that verifies the switch.
 */
export function switchTtl(plan: Plan, current: RecordSet | null, provider: Pick<DnsProvider, 'servedTtl'> = {}): number {
  if (current?.proxied === true) return 1;
  if (plan.dns.ttl !== undefined) return Math.min(plan.dns.ttl, plan.checks.maxTtl);
  if (current === null) return plan.checks.maxTtl;
  return servedTtl(provider, current.ttl) > plan.checks.maxTtl ? plan.checks.maxTtl : current.ttl;
}

export function snapshotOfRow(row: DnsSnapshotRow<RecordSet | null>): DnsSnapshot {
  return { provider: row.provider, zone: row.zone, name: row.name, type: row.type, rrset: row.rrsetBefore, takenAt: row.takenAt };
}

/** Insert-or-ignore: the first snapshot of this record in this cutover wins and is returned. */
export function keepFirstSnapshot(store: CutoverStore, cutoverId: string, snap: DnsSnapshot): DnsSnapshotRow<RecordSet | null> {
  return store.transaction(() => {
    const key = [normalizeName(snap.zone), normalizeName(snap.name), snap.type.toUpperCase()] as const;
    const existing = store.dnsSnapshots.original<RecordSet | null>(cutoverId, ...key);
    if (existing !== undefined) return existing;
    const id = store.dnsSnapshots.take({ cutoverId, provider: snap.provider, zone: key[0], name: key[1], type: key[2], rrsetBefore: snap.rrset, at: snap.takenAt });
    return store.dnsSnapshots.get<RecordSet | null>(id)!;
  });
}

/** The change switch would make, for validate's evidence (a dry run: nothing is written). */
export async function previewSwitch(deps: SwitchDeps, plan: Plan, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const provider = requireDnsProvider(deps.dns, plan.dns.provider);
  const current = await provider.getRecordSet(plan.dns.zone, plan.dns.name, plan.dns.type, { signal });
  const p = await planSwitch(provider, plan.dns, plan.production.ip, { ttl: switchTtl(plan, current, provider), signal });
  return { provider: provider.name, zone: p.before.zone, name: p.before.name, type: p.before.type, before: p.before.rrset, after: p.after, changes: p.changes };
}

/**
 * Wraps another step's executor (validate) so its result also shows the planned DNS change;
 * a provider that cannot even be read now fails the step, before the switch would.
 */
export function withSwitchPreview(inner: StepExecutor, deps: SwitchDeps): StepExecutor {
  return {
    idempotent: inner.idempotent,
    async run(ctx) {
      const result: StepResult = (await inner.run(ctx)) ?? {};
      try {
        const preview = await previewSwitch(deps, ctx.plan, ctx.signal);
        return { ...result, evidence: { ...result.evidence, switchPreview: preview } };
      } catch (err) {
        const message = `DNS provider ${ctx.plan.dns.provider} cannot be read, so the switch would fail: ${(err as Error).message}`;
        return {
          ...result,
          outcome: 'failed',
          error: result.outcome === 'failed' ? `${result.error ?? 'failed'}; ${message}` : message,
          evidence: { ...result.evidence, switchPreview: { error: (err as Error).message } },
        };
      }
    },
  };
}

/** `signal`: a rollback asked for meanwhile ends the purge (and its retries) instead of waiting for it. */
async function purgeCdn(deps: SwitchDeps, plan: Plan, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const cdn = plan.cdn;
  if (cdn === undefined || !cdn.purge) return undefined;
  const provider: DnsProvider | undefined = deps.dns.get(cdn.provider);
  if (provider === undefined || !canPurgeCache(provider)) {
    return { provider: cdn.provider, zone: cdn.zone, ok: false, error: `provider ${cdn.provider} ${provider === undefined ? 'is not configured' : `(${provider.kind}) has no edge cache to purge`}` };
  }
  try {
    const r = await provider.purgeCache(cdn.zone, { signal });
    return { provider: cdn.provider, zone: cdn.zone, ok: true, purgeId: r.id };
  } catch (err) {
    return { provider: cdn.provider, zone: cdn.zone, ok: false, error: (err as Error).message };
  }
}

/** A switch that could not be undone either: the rollback restores the same snapshot once the provider takes changes. */
function withFinishHint(err: unknown, cutoverId: string): unknown {
  if (!(err instanceof SwitchyardError) || err.details?.undone !== false) return err;
  const hint = `fix the cause, then roll back with POST /v1/cutovers/${cutoverId}/rollback (it restores that snapshot), or set the record to it by hand`;
  return new SwitchyardError(err.code, `${err.message}; ${hint}`, { details: err.details, cause: err });
}

/**
 * A switch the last process left running: the provider may have taken the change before the
 * controller recorded it. The record as the provider holds it now decides, read only: the
 * switch's target → the switch is recorded as done (its way back is the stored snapshot); the
 * snapshot → it did not happen. Anything else is for a person to look at.
 */
export async function reconcileSwitch(deps: SwitchDeps, ctx: ReconcileContext): Promise<ReconcileResult> {
  const { plan, store } = ctx;
  const id = ctx.cutover.id;
  const rollback = `POST /v1/cutovers/${id}/rollback`;
  const snap = store.dnsSnapshots.original<RecordSet | null>(id, normalizeName(plan.dns.zone), normalizeName(plan.dns.name), plan.dns.type.toUpperCase());
  // The snapshot is written before the provider is called: without one, it was not called.
  if (snap === undefined) return { outcome: 'not-run', message: `the controller stopped during the switch before it called the DNS provider (no snapshot was taken); advance to run switch again (it is safe to repeat), or roll back with ${rollback}` };
  const provider = requireDnsProvider(deps.dns, snap.provider, 'dns.provider');
  const target = switchTarget(snap, snap.rrsetBefore, plan.production.ip, { ttl: switchTtl(plan, snap.rrsetBefore, provider) });
  const record = `${snap.name} ${snap.type}`;
  const read = await readBack(provider, snap, ctx, deps.reconcileReads ?? RECONCILE_READS);
  if ('failed' in read) {
    return {
      outcome: 'unknown',
      message: `the controller stopped during the switch; on restart the DNS provider ${provider.name} could not be read, tried ${read.tries} times over ${Math.round(read.ms / 1000)} s (last: ${read.failed}), so whether the switch happened is unknown: check ${record} by hand (the switch's target is ${showSet(target)}, the record before it ${showSet(snap.rrsetBefore)}), then advance (switch is safe to repeat) or roll back with ${rollback} (it restores ${showSet(snap.rrsetBefore)})`,
    };
  }
  const now = read.set;
  if (sameRecordSet(now, target, { ignoreNotes: true })) {
    const at = ctx.clock.now().toISOString();
    store.transaction(() => {
      if (snap.appliedAt === null) store.dnsSnapshots.markApplied(snap.id, at, target);
      store.ttlLowered.record({ zone: snap.zone, name: snap.name, type: snap.type, ttl: target.ttl, at, cutoverId: id, source: 'switch' });
    });
    const cdnPurge = await purgeCdn(deps, plan, ctx.signal);
    const change = {
      provider: provider.name,
      zone: snap.zone,
      name: snap.name,
      type: snap.type,
      before: snap.rrsetBefore,
      after: target,
      changed: !sameRecordSet(snap.rrsetBefore, target, { ignoreNotes: true }),
      snapshotId: snap.id,
      snapshotTakenAt: snap.takenAt,
      appliedAt: snap.appliedAt ?? at,
      reconciled: 'the controller stopped during the switch after the provider took it; on restart the provider held the target, so the switch is recorded as done',
      ...(cdnPurge === undefined ? {} : { cdnPurge }),
    };
    const parts = [`${record} → ${plan.production.ip} (ttl ${target.ttl}), found in place after a restart`];
    if (cdnPurge !== undefined) parts.push(cdnPurge.ok === true ? `edge cache of ${plan.cdn!.zone} purged` : `edge cache NOT purged (${String(cdnPurge.error)}): purge it by hand`);
    return { outcome: 'succeeded', summary: parts.join('; '), evidence: { [EVIDENCE_KEYS.dnsChange]: change } };
  }
  if (sameRecordSet(now, snap.rrsetBefore, { ignoreNotes: true })) {
    return { outcome: 'not-run', message: `the controller stopped during the switch; on restart the DNS provider still held ${record} as recorded before it (${showSet(snap.rrsetBefore)}), so the switch did not happen: advance to run switch again (it is safe to repeat), or roll back with ${rollback}` };
  }
  return {
    outcome: 'unknown',
    message: `the controller stopped during the switch; on restart the DNS provider held ${record} as ${showSet(now)}, neither the switch's target (${showSet(target)}) nor the record before it (${showSet(snap.rrsetBefore)}): someone changed it; check it by hand, then advance (switch is safe to repeat) or roll back with ${rollback} (it restores ${showSet(snap.rrsetBefore)})`,
  };
}

/**
 * The record as the provider holds it, read up to `tries` times with doubling pauses. The
 * signal (a shutdown, or a rollback asked for) ends a read in flight and a pause at once: it
 * rejects then, and the engine records nothing, leaving the switch to the next start.
 */
async function readBack(provider: DnsProvider, snap: DnsSnapshotRow<RecordSet | null>, ctx: ReconcileContext, reads: ReconcileReads): Promise<{ set: RecordSet | null } | { failed: string; tries: number; ms: number }> {
  const started = Date.now();
  let pause = reads.firstPauseMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return { set: await provider.getRecordSet(snap.zone, snap.name, snap.type, { signal: ctx.signal }) };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const message = (err as Error).message;
      if (attempt >= reads.tries) return { failed: message, tries: attempt, ms: Date.now() - started };
      ctx.logger.warn({ attempt, of: reads.tries, retryInMs: pause }, `cannot read ${snap.name} ${snap.type} back from ${provider.name} to reconcile the interrupted switch (try ${attempt} of ${reads.tries}): ${message}`);
      await sleep(pause, ctx.signal);
      pause *= 2;
    }
  }
}

export function switchExecutor(deps: SwitchDeps): StepExecutor {
  return {
    idempotent: true,
    reconcile: (ctx) => reconcileSwitch(deps, ctx),
    async run(ctx: StepContext): Promise<StepResult> {
      const { plan, store } = ctx;
      const provider = requireDnsProvider(deps.dns, plan.dns.provider);
      // Prepare and preflight check this too, but the config may have changed since (minTtl
      // raised, then a restart): the provider would refuse the write, or worse take part of a set.
      const refusal = planTtlRefusal(plan, provider.name, provider.ttlLimits);
      if (refusal !== undefined) {
        // Staging is frozen by now and a failed switch is not advanced again: the way on is back.
        const message = `${refusal.message} (the plan was accepted under an earlier controller config); the switch wrote nothing to ${plan.dns.name} ${plan.dns.type}: roll back with POST /v1/cutovers/${ctx.cutover.id}/rollback, then create a new cutover with TTLs the provider takes`;
        throw new SwitchyardError('SY_PRECONDITION', message, { field: refusal.field, cause: refusal, details: { unchanged: true } });
      }
      const current = await provider.getRecordSet(plan.dns.zone, plan.dns.name, plan.dns.type, { signal: ctx.signal });
      const ttl = switchTtl(plan, current, provider);
      const unexpected = current !== null && !current.records.every((r) => r === plan.staging.ip || r === plan.production.ip);
      if (unexpected) {
        ctx.logger.warn({ records: current.records, staging: plan.staging.ip }, 'the record does not point at the staging IP; rollback restores it as found');
      }

      let snapshotRow: DnsSnapshotRow<RecordSet | null> | undefined;
      const result = await applySwitch(provider, plan.dns, plan.production.ip, {
        ttl,
        signal: ctx.signal,
        recordSnapshot: (snap) => {
          snapshotRow = keepFirstSnapshot(store, ctx.cutover.id, snap);
          ctx.record.put('snapshotId', snapshotRow.id);
          // Last point before the provider call: a rollback asked for meanwhile must win, or
          // the record could move after the rollback restored it.
          if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new SwitchyardError('SY_CONFLICT', 'aborted before the DNS change');
          return snapshotOfRow(snapshotRow);
        },
      }).catch((err: unknown) => {
        throw withFinishHint(err, ctx.cutover.id);
      });
      // A rollback asked for while the change was in flight may have read the record before it
      // landed, found the snapshot in place and finished: the change would then outlive it.
      if (ctx.signal.aborted && result.changed) {
        await restoreSnapshot(provider, result.before);
        ctx.logger.warn({ name: plan.dns.name, type: plan.dns.type }, 'DNS change landed after a rollback was asked for; put back to its snapshot');
        throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new SwitchyardError('SY_CONFLICT', 'aborted during the DNS change; the change was put back');
      }
      const at = ctx.clock.now().toISOString();
      store.transaction(() => {
        store.dnsSnapshots.markApplied(snapshotRow!.id, at, result.after);
        store.ttlLowered.record({ zone: snapshotRow!.zone, name: snapshotRow!.name, type: snapshotRow!.type, ttl: result.after.ttl, at, cutoverId: ctx.cutover.id, source: 'switch' });
      });

      const cdnPurge = await purgeCdn(deps, plan, ctx.signal);
      const change = {
        provider: provider.name,
        zone: snapshotRow!.zone,
        name: snapshotRow!.name,
        type: snapshotRow!.type,
        before: result.before.rrset,
        after: result.after,
        changed: result.changed,
        snapshotId: snapshotRow!.id,
        snapshotTakenAt: snapshotRow!.takenAt,
        appliedAt: at,
        ...(unexpected ? { warning: `before the switch the record held ${current!.records.join(', ')}, not the staging IP ${plan.staging.ip}; rollback restores it as it was` } : {}),
        ...(cdnPurge === undefined ? {} : { cdnPurge }),
      };
      const parts = [`${change.name} ${change.type} → ${plan.production.ip} (ttl ${result.after.ttl})${result.changed ? '' : ', already in place'}`];
      if (cdnPurge !== undefined) parts.push(cdnPurge.ok === true ? `edge cache of ${plan.cdn!.zone} purged` : `edge cache NOT purged (${String(cdnPurge.error)}): purge it by hand`);
      return { summary: parts.join('; '), evidence: { [EVIDENCE_KEYS.dnsChange]: change } };
    },
  };
}

// The DNS part of a rollback: every record this cutover snapshotted goes back to its first
// snapshot, exactly. Restoring a record already in that state changes nothing, so a retried or
// doubled rollback is safe; a snapshot taken just before a crash (provider maybe called, maybe
// not) is restored all the same.
import { requireDnsProvider } from '../../dns/registry.js';
import { restoreSnapshot } from '../../dns/switch.js';
import { sameRecordSet, type RecordSet } from '../../dns/provider.js';
import type { RollbackPart } from '../executor.js';
import type { DnsSnapshotRow } from '../store/index.js';
import type { StepDeps } from './deps.js';
import { snapshotOfRow } from './switch.js';

export function dnsRollbackPart(deps: Pick<StepDeps, 'dns'>): RollbackPart {
  return {
    name: 'dns',
    // Until the record is back, production has the visitors: staging must stay locked.
    gate: true,
    async run(ctx) {
      const firsts = new Map<string, DnsSnapshotRow<RecordSet | null>>();
      for (const row of ctx.store.dnsSnapshots.forCutover<RecordSet | null>(ctx.cutover.id)) {
        const key = `${row.provider}/${row.zone}/${row.name}/${row.type}`;
        if (!firsts.has(key)) firsts.set(key, row);
      }
      if (firsts.size === 0) return { outcome: 'skipped', detail: { reason: 'no DNS snapshot: the record was never switched' } };
      const restored: Record<string, unknown>[] = [];
      for (const row of firsts.values()) {
        const provider = requireDnsProvider(deps.dns, row.provider, 'dns.provider');
        ctx.emit({ phase: 'dns', message: `restoring ${row.name} ${row.type}` });
        const r = await restoreSnapshot(provider, snapshotOfRow(row));
        const at = ctx.clock.now().toISOString();
        ctx.store.dnsSnapshots.markRestored(row.id, at);
        // The record held neither what the switch wrote nor the snapshot: someone changed it since.
        // Comments and tags do not count: the switch left them on the records it moved.
        // The restore goes ahead (the way back is the snapshot), and says what it replaced.
        const foreign = r.changed && r.replaced !== undefined && row.rrsetAfter !== null && !sameRecordSet(r.replaced, row.rrsetAfter, { ignoreNotes: true });
        if (foreign) {
          ctx.emit({ phase: 'dns', message: `${row.name} ${row.type} had been changed since the switch (${r.replaced?.records.join(', ') ?? 'absent'}); restored over it` });
          ctx.logger.warn({ name: row.name, type: row.type, replaced: r.replaced?.records ?? null, switchedTo: row.rrsetAfter?.records ?? null }, 'DNS record had been changed since the switch; restored over it');
        }
        ctx.logger.warn({ name: row.name, type: row.type, records: row.rrsetBefore?.records ?? null, ...(row.rrsetBefore?.disabled === undefined ? {} : { disabled: row.rrsetBefore.disabled }), changed: r.changed }, 'DNS record restored from its snapshot');
        restored.push({ snapshotId: row.id, name: row.name, type: row.type, restoredTo: row.rrsetBefore, changed: r.changed, at, ...(foreign ? { overwrote: r.replaced } : {}) });
      }
      return { detail: { restored } };
    },
  };
}

// The record's TTL where it is decided: the zone's authoritative servers, never a cache. Two
// findings: the TTL now (above maxTtl fails: resolvers would keep the old answer that long after
// the switch, and a rollback would take as long to reach them), and how long it has been low.
// Every answer seen here is recorded as a sighting, so the lead time counts from the first time
// the controller saw it low even when someone lowered it by hand.
import { servesNothing, type DnsProvider } from '../../../dns/provider.js';
import { requireDnsProvider } from '../../../dns/registry.js';
import { authoritativeServers, queryDns, type DnsAnswer } from '../../../dns/query.js';
import { fail, pass, warn, type Check, type PreflightCheck } from './types.js';

export interface DnsTtlCheckOptions {
  /** Servers to ask instead of the provider's configured ones or the zone's NS lookup. */
  authoritative?: string[];
  queryTimeoutMs?: number;
}

const hours = (ms: number) => Math.round((ms / 3_600_000) * 10) / 10;

export function dnsTtlCheck(dns: ReadonlyMap<string, DnsProvider>, opts: DnsTtlCheckOptions = {}): PreflightCheck {
  return async ({ step }) => {
    const { plan, store } = step;
    const { zone, name, type } = plan.dns;
    const maxTtl = plan.checks.maxTtl;
    const provider = requireDnsProvider(dns, plan.dns.provider);
    const out: Check[] = [];

    const providerView = await provider.getRecordSet(zone, name, type, { signal: step.signal });
    const recordCheck = (): Check => {
      if (providerView === null) return warn('dns record', `${provider.name} has no ${type} record ${name}: the switch will create it and rollback will delete it again`);
      if (servesNothing(providerView)) {
        return warn('dns record', `${provider.name} holds only disabled ${type} records for ${name} (${providerView.disabled?.join(', ') ?? ''}): the switch will add the served one and rollback will put the set back as it is`, {
          provider: provider.name,
          disabled: providerView.disabled ?? [],
        });
      }
      const atStaging = providerView.records.length > 0 && providerView.records.every((r) => r === plan.staging.ip);
      const ev = { provider: provider.name, records: providerView.records, ttl: providerView.ttl, proxied: providerView.proxied ?? false };
      return atStaging
        ? pass('dns record', `${name} ${type} → ${providerView.records.join(', ')} (staging) at ${provider.name}`, ev)
        : warn('dns record', `${name} ${type} holds ${providerView.records.join(', ')}, not the staging IP ${plan.staging.ip}; rollback restores what it holds now`, ev);
    };
    out.push(recordCheck());

    if (providerView?.proxied === true) {
      out.push(pass('dns ttl', `${name} is proxied by ${provider.name}: resolvers get the edge's addresses, the TTL does not delay the switch`, { proxied: true }));
      out.push(pass('dns ttl lead', 'proxied record: no lead time needed'));
      return out;
    }

    const servers = opts.authoritative ?? (provider.authoritative !== undefined && provider.authoritative.length > 0 ? provider.authoritative : await authoritativeServers(zone));
    const answers: (DnsAnswer | { server: string; error: string })[] = await Promise.all(
      servers.map((srv) => queryDns(srv, name, type, { timeoutMs: opts.queryTimeoutMs ?? 3000 }).catch((err: Error) => ({ server: srv, error: err.message }))),
    );
    const ok = answers.filter((a): a is DnsAnswer => !('error' in a));
    const ttls = ok.map((a) => a.ttl).filter((t): t is number => t !== null);
    const evidence = { servers: answers, maxTtl };
    if (ok.length === 0) {
      out.push(fail('dns ttl', `no authoritative server answered for ${name} ${type}: ${answers.map((a) => ('error' in a ? a.error : '')).join('; ')}`, evidence));
      return out;
    }
    if (ttls.length === 0) {
      out.push(warn('dns ttl', `the authoritative servers have no ${type} record for ${name} yet: nothing cached, nothing to wait for`, evidence));
      return out;
    }
    const ttl = Math.max(...ttls);
    const at = step.clock.now();
    store.ttlLowered.record({ zone, name, type, ttl, at: at.toISOString(), cutoverId: step.cutover.id, source: 'preflight' });
    if (ttl > maxTtl) {
      out.push(fail('dns ttl', `TTL of ${name} at the authoritative servers is ${ttl} s, over maxTtl ${maxTtl} s: lower it with POST /v1/cutovers/${step.cutover.id}/prepare, then wait ttlLeadHours (${plan.checks.ttlLeadHours} h) before switching`, { ...evidence, ttl }));
      out.push(warn('dns ttl lead', 'the TTL is not low yet, so no lead time has started'));
      return out;
    }
    out.push(pass('dns ttl', `TTL of ${name} is ${ttl} s at ${ok.length} authoritative server(s) (maxTtl ${maxTtl})`, { ...evidence, ttl }));

    const history = store.ttlLowered.history(zone, name, type);
    const lowSince = store.ttlLowered.lowSince(zone, name, type, maxTtl)!;
    const lastHigh = [...history].reverse().find((r) => r.ttl > maxTtl);
    const elapsedMs = at.getTime() - Date.parse(lowSince);
    const leadMs = plan.checks.ttlLeadHours * 3_600_000;
    const leadEvidence = { lowSince, hoursLow: hours(elapsedMs), ttlLeadHours: plan.checks.ttlLeadHours, lastHighTtl: lastHigh === undefined ? null : { ttl: lastHigh.ttl, seenAt: lastHigh.at, source: lastHigh.source } };
    if (elapsedMs >= leadMs) {
      out.push(pass('dns ttl lead', `TTL low since ${lowSince} (${hours(elapsedMs)} h ≥ ttlLeadHours ${plan.checks.ttlLeadHours})`, leadEvidence));
    } else if (lastHigh !== undefined && elapsedMs >= lastHigh.ttl * 1000) {
      // Caches can hold an answer for at most the TTL it came with; that much time has passed.
      out.push(pass('dns ttl lead', `TTL low since ${lowSince}, ${hours(elapsedMs)} h: less than ttlLeadHours, but longer than the old TTL ${lastHigh.ttl} s, so no cache can still hold the old answer`, leadEvidence));
    } else {
      // A warning, not a failure: the controller only knows when IT first saw the TTL low. It may
      // have been low far longer (lowered by hand), and the old TTL may have been short anyway.
      const old = lastHigh === undefined ? 'the TTL it had before, which the controller never saw' : `the old TTL of ${lastHigh.ttl} s`;
      out.push(
        warn(
          'dns ttl lead',
          `the controller has seen the TTL at or below ${maxTtl} s only since ${lowSince} (${hours(elapsedMs)} h, less than ttlLeadHours ${plan.checks.ttlLeadHours} h): resolvers that cached ${name} earlier may keep answering the staging IP for up to ${old} after the switch; switch after ${new Date(Date.parse(lowSince) + leadMs).toISOString()} to be sure`,
          leadEvidence,
        ),
      );
    }
    return out;
  };
}

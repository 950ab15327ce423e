// PowerDNS Authoritative over its HTTP API: GET the zone and pick the rrset, PATCH the rrset
// with changetype REPLACE (DELETE when it must go). Names on the wire are canonical, with the dot.
import { DEFAULT_RETRY_POLICY, providerRequest, type ProviderClient, type RetryPolicy } from './http.js';
import { normalizeName, type CallOptions, type DnsProvider, type RecordSet, type RecordUpdate } from './provider.js';
import { SwitchyardError } from '../../shared/errors.js';
import { KeyedQueue } from '../../shared/keyed-queue.js';
import { trackWrites } from './write-tracking.js';

export interface PowerDnsProviderOptions {
  name: string;
  /** API base, e.g. http://127.0.0.1:8081 (a trailing /api/v1 is accepted too). */
  url: string;
  apiKey: string;
  serverId?: string;
  authoritative?: string[];
  policy?: Partial<RetryPolicy>;
}

interface PdnsRRSet {
  name: string;
  type: string;
  ttl: number;
  records: { content: string; disabled?: boolean }[];
  comments?: { content: string; account?: string; modified_at?: number }[];
}

const canonical = (name: string) => `${normalizeName(name)}.`;

export class PowerDnsProvider implements DnsProvider {
  readonly kind = 'powerdns';
  readonly name: string;
  readonly authoritative: string[] | undefined;
  private readonly base: string;
  private readonly client: ProviderClient;
  private readonly apiKey: string;
  // PowerDNS answers 500 to a PATCH that races another on the same zone (with the sqlite3 backend,
  // 16 of 40 PATCHes sent two at a time here): two rollbacks at once, or a rollback racing a slow switch, would
  // spend their retries on each other. Within one controller, a zone's writes go one at a time.
  private readonly writes = new KeyedQueue();

  constructor(opts: PowerDnsProviderOptions) {
    this.name = opts.name;
    this.authoritative = opts.authoritative;
    this.apiKey = opts.apiKey;
    const root = opts.url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.base = `${root}/api/v1/servers/${encodeURIComponent(opts.serverId ?? 'localhost')}`;
    this.client = {
      label: `powerdns ${opts.name}`,
      policy: { ...DEFAULT_RETRY_POLICY, ...opts.policy },
      secrets: [opts.apiKey],
      errorText: (body, text) => (typeof (body as { error?: unknown })?.error === 'string' ? (body as { error: string }).error : text.trim() || 'no message'),
    };
  }

  private zoneUrl(zone: string): string {
    return `${this.base}/zones/${encodeURIComponent(canonical(zone))}`;
  }

  private async rrset(zone: string, name: string, type: string, opts: CallOptions): Promise<PdnsRRSet | undefined> {
    // The whole zone, not ?rrset_name=&rrset_type=: that filtered listing (4.7 on, PowerDNS issue
    // #11473) leaves disabled records out (and for a set with only disabled ones, 4.7.3 answered
    // an empty rrset of another name); a snapshot read from it would lose them for good on restore.
    const res = await providerRequest(this.client, { method: 'GET', url: this.zoneUrl(zone), headers: { 'X-API-Key': this.apiKey }, signal: opts.signal });
    const rrsets = (res.body as { rrsets?: PdnsRRSet[] } | undefined)?.rrsets;
    if (!Array.isArray(rrsets)) throw new SwitchyardError('SY_DNS_PROVIDER', `${this.client.label}: zone ${zone} answer has no rrsets`);
    return rrsets.find((r) => normalizeName(r.name) === normalizeName(name) && r.type.toUpperCase() === type.toUpperCase());
  }

  async getRecordSet(zone: string, name: string, type: string, opts: CallOptions = {}): Promise<RecordSet | null> {
    const found = await this.rrset(zone, name, type, opts);
    if (found === undefined) return null;
    const records = found.records.filter((r) => r.disabled !== true).map((r) => r.content).sort();
    const disabled = found.records.filter((r) => r.disabled === true).map((r) => r.content).sort();
    if (records.length === 0 && disabled.length === 0) return null;
    return { name: normalizeName(found.name), type: found.type.toUpperCase(), ttl: found.ttl, records, ...(disabled.length === 0 ? {} : { disabled }) };
  }

  replaceRecordSet(zone: string, rrset: RecordSet, opts: CallOptions = {}): Promise<void> {
    return this.writes.run(this.zoneUrl(zone), () => this.replaceNow(zone, rrset, opts));
  }

  updateRecordSet(zone: string, name: string, type: string, decide: (current: RecordSet | null) => RecordSet | undefined, opts: CallOptions = {}): Promise<RecordUpdate> {
    return this.writes.run(this.zoneUrl(zone), async () => {
      const before = await this.getRecordSet(zone, name, type, opts);
      const next = decide(before);
      if (next === undefined) return { before };
      await this.replaceNow(zone, { ...next, name, type }, opts);
      return { before, after: await this.getRecordSet(zone, name, type, opts) };
    });
  }

  private replaceNow(zone: string, rrset: RecordSet, opts: CallOptions): Promise<void> {
    const base = { name: canonical(rrset.name), type: rrset.type.toUpperCase() };
    const records = [...rrset.records.map((content) => ({ content, disabled: false })), ...(rrset.disabled ?? []).map((content) => ({ content, disabled: true }))];
    return trackWrites(async (write) => {
      // REPLACE without a `comments` key leaves the rrset's comments as they are. Emptying the set
      // does not (DELETE, or REPLACE with no records, drops them too, 4.7.3): a name whose set held
      // only comments, switched and rolled back, would lose them. They are sent back with it.
      let change: Record<string, unknown> = { ...base, ttl: rrset.ttl, changetype: 'REPLACE', records };
      if (records.length === 0) {
        const comments = (await this.rrset(zone, rrset.name, rrset.type, opts))?.comments ?? [];
        change = comments.length === 0 ? { ...base, changetype: 'DELETE' } : { ...change, comments };
      }
      await write(() => providerRequest(this.client, { method: 'PATCH', url: this.zoneUrl(zone), headers: { 'X-API-Key': this.apiKey }, body: { rrsets: [change] }, signal: opts.signal }));
    });
  }
}

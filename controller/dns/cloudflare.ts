// Cloudflare API v4. Cloudflare keeps one object per record, not per set, so a set is the list
// of dns_records with that name and type, and replacing it patches records in place (adding or
// deleting only when the number of values changes), keeping the name answered throughout.
import { DEFAULT_RETRY_POLICY, providerRequest, type ProviderCall, type ProviderClient, type RetryPolicy } from './http.js';
import { normalizeName, type CachePurger, type CallOptions, type RecordUpdate, type DnsProvider, type RecordSet, type RecordSettings } from './provider.js';
import { SwitchyardError } from '../../shared/errors.js';
import { KeyedQueue } from '../../shared/keyed-queue.js';
import { CLOUDFLARE_AUTOMATIC, cloudflareTtlLimits, type TtlLimits } from './ttl-limits.js';
import { trackWrites, type Write } from './write-tracking.js';

export interface CloudflareProviderOptions {
  name: string;
  apiToken: string;
  baseUrl?: string;
  authoritative?: string[];
  /** Lowest TTL the zone accepts other than 1 (automatic); default 60. */
  minTtl?: number;
  policy?: Partial<RetryPolicy>;
}

interface CfRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied?: boolean;
  comment?: string | null;
  tags?: string[] | null;
}

interface CfEnvelope<T> {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: T;
  result_info?: { page?: number; total_pages?: number };
}

function cfErrorText(body: unknown, text: string): string {
  const errors = (body as CfEnvelope<unknown> | undefined)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => `${e.message ?? 'error'}${e.code === undefined ? '' : ` (${e.code})`}`).join('; ');
  return text.trim() || 'no message';
}

/** A record's tags, sorted; the API answers [] (or leaves the field out) when it has none. */
function tagsOf(r: CfRecord): string[] {
  return [...(r.tags ?? [])].sort();
}

export class CloudflareProvider implements DnsProvider, CachePurger {
  readonly kind = 'cloudflare';
  readonly name: string;
  readonly authoritative: string[] | undefined;
  readonly ttlLimits: TtlLimits;
  private readonly base: string;
  private readonly token: string;
  private readonly client: ProviderClient;
  private readonly zoneIds = new Map<string, string>();
  // A replace reads the records, then changes them one request at a time; two at once on the same
  // name (two rollbacks, a rollback racing a slow switch) would both see the old set and both
  // POST, leaving two values. Within one controller, a name's replaces go one at a time.
  private readonly writes = new KeyedQueue();

  constructor(opts: CloudflareProviderOptions) {
    this.name = opts.name;
    this.authoritative = opts.authoritative;
    this.ttlLimits = cloudflareTtlLimits(opts.minTtl);
    this.token = opts.apiToken;
    this.base = (opts.baseUrl ?? 'https://api.cloudflare.com/client/v4').replace(/\/+$/, '');
    this.client = { label: `cloudflare ${opts.name}`, policy: { ...DEFAULT_RETRY_POLICY, ...opts.policy }, secrets: [opts.apiToken], errorText: cfErrorText };
  }

  private async call<T>(method: ProviderCall['method'], path: string, opts: CallOptions, body?: unknown, accept?: number[], cut: Pick<ProviderCall, 'cutInFlight'> = {}): Promise<T | undefined> {
    return (await this.envelope<T>(method, path, opts, body, accept, cut))?.result;
  }

  private async envelope<T>(method: ProviderCall['method'], path: string, opts: CallOptions, body?: unknown, accept?: number[], cut: Pick<ProviderCall, 'cutInFlight'> = {}): Promise<CfEnvelope<T> | undefined> {
    const res = await providerRequest(this.client, { method, url: `${this.base}${path}`, headers: { Authorization: `Bearer ${this.token}` }, body, accept, signal: opts.signal, ...cut });
    if (accept?.includes(res.status)) return undefined;
    const env = res.body as CfEnvelope<T> | undefined;
    if (env?.success !== true) {
      throw new SwitchyardError('SY_DNS_PROVIDER', `${this.client.label}: ${method} ${path} unsuccessful: ${cfErrorText(env, '')}`);
    }
    return env;
  }

  private async zoneId(zone: string, opts: CallOptions): Promise<string> {
    const key = normalizeName(zone);
    const cached = this.zoneIds.get(key);
    if (cached !== undefined) return cached;
    const zones = (await this.call<{ id: string; name: string }[]>('GET', `/zones?name=${encodeURIComponent(key)}`, opts)) ?? [];
    const found = zones.find((z) => normalizeName(z.name) === key);
    if (found === undefined) throw new SwitchyardError('SY_DNS_PROVIDER', `${this.client.label}: zone ${key} not found for this token`);
    this.zoneIds.set(key, found.id);
    return found.id;
  }

  private async list(zoneId: string, name: string, type: string, opts: CallOptions): Promise<CfRecord[]> {
    const qs = new URLSearchParams({ type: type.toUpperCase(), name: normalizeName(name) });
    // The list comes a page (100 by default) at a time: a set larger than that, read from its
    // first page alone, would leave the rest live beside the new value and out of the snapshot.
    const first = await this.envelope<CfRecord[]>('GET', `/zones/${zoneId}/dns_records?${qs}`, opts);
    const records = [...(first?.result ?? [])];
    const pages = first?.result_info?.total_pages ?? 1;
    for (let page = 2; page <= pages; page++) records.push(...((await this.call<CfRecord[]>('GET', `/zones/${zoneId}/dns_records?${qs}&page=${page}`, opts)) ?? []));
    return records.filter((r) => normalizeName(r.name) === normalizeName(name) && r.type.toUpperCase() === type.toUpperCase()).sort((a, b) => a.id.localeCompare(b.id));
  }

  async getRecordSet(zone: string, name: string, type: string, opts: CallOptions = {}): Promise<RecordSet | null> {
    const records = await this.list(await this.zoneId(zone, opts), name, type, opts);
    const first = records[0];
    if (first === undefined) return null;
    // Cloudflare lets records of one set differ in ttl/proxied; the set takes the first's ttl, and
    // keeps each record's own where they differ or carry a comment or tags. One proxied record
    // makes Cloudflare proxy every A/AAAA record of the name, so the set is proxied if any is:
    // the switch then keeps the name on the edge instead of exposing the origin.
    const set: RecordSet = { name: normalizeName(name), type: type.toUpperCase(), ttl: first.ttl, records: records.map((r) => r.content).sort(), proxied: records.some((r) => r.proxied === true) };
    const differ = records.some((r) => r.ttl !== first.ttl || (r.proxied ?? false) !== (first.proxied ?? false) || (r.comment ?? '') !== '' || tagsOf(r).length > 0);
    if (differ) {
      set.perRecord = records
        .map((r): RecordSettings => ({
          content: r.content,
          ttl: r.ttl,
          proxied: r.proxied ?? false,
          ...((r.comment ?? '') === '' ? {} : { comment: r.comment! }),
          ...(tagsOf(r).length === 0 ? {} : { tags: tagsOf(r) }),
        }))
        .sort((a, b) => a.content.localeCompare(b.content));
    }
    return set;
  }

  /** TTL 1 is "automatic", which Cloudflare's name servers answer with 300 s. */
  servedTtl(ttl: number): number {
    return ttl === CLOUDFLARE_AUTOMATIC.ttl ? CLOUDFLARE_AUTOMATIC.servedAs : ttl;
  }

  private writeKey(zone: string, name: string, type: string): string {
    return `${normalizeName(zone)}/${normalizeName(name)}/${type.toUpperCase()}`;
  }

  replaceRecordSet(zone: string, rrset: RecordSet, opts: CallOptions = {}): Promise<void> {
    return this.writes.run(this.writeKey(zone, rrset.name, rrset.type), () => trackWrites((write) => this.replaceNow(zone, rrset, opts, write)));
  }

  updateRecordSet(zone: string, name: string, type: string, decide: (current: RecordSet | null) => RecordSet | undefined, opts: CallOptions = {}): Promise<RecordUpdate> {
    return this.writes.run(this.writeKey(zone, name, type), async () => {
      const before = await this.getRecordSet(zone, name, type, opts);
      const next = decide(before);
      if (next === undefined) return { before };
      await trackWrites((write) => this.replaceNow(zone, { ...next, name, type }, opts, write));
      return { before, after: await this.getRecordSet(zone, name, type, opts) };
    });
  }

  private async replaceNow(zone: string, rrset: RecordSet, opts: CallOptions, write: Write): Promise<void> {
    const zoneId = await this.zoneId(zone, opts);
    const existing = await this.list(zoneId, rrset.name, rrset.type, opts);
    const wanted = [...new Set(rrset.records)];
    // What each value's record gets: the set's ttl/proxied, or its own where the set names it (a
    // snapshot of records that differed), with exactly its comment and tags ('' and [] clear them).
    const own = (content: string) => rrset.perRecord?.find((p) => p.content === content);
    const settingsFor = (content: string): { ttl: number; proxied?: boolean } => {
      const o = own(content);
      if (o !== undefined) return { ttl: o.ttl, proxied: o.proxied };
      return { ttl: rrset.ttl, ...(rrset.proxied === undefined ? {} : { proxied: rrset.proxied }) };
    };
    // Record by record, notes are exact; else (a switch) a record keeps what it has.
    const notesFor = (content: string): { comment: string; tags: string[] } | undefined => {
      if (rrset.perRecord === undefined) return undefined;
      const o = own(content);
      return { comment: o?.comment ?? '', tags: [...(o?.tags ?? [])].sort() };
    };
    // The PATCH body that makes `r` hold `content` as the set wants it; empty when it already does.
    const patchFor = (r: CfRecord, content: string): Record<string, unknown> => {
      const x = settingsFor(content);
      const n = notesFor(content);
      const valueOff = r.content !== content || r.ttl !== x.ttl || (x.proxied !== undefined && (r.proxied ?? false) !== x.proxied);
      const commentOff = n !== undefined && (r.comment ?? '') !== n.comment;
      const tagsOff = n !== undefined && tagsOf(r).join('\n') !== n.tags.join('\n');
      if (!valueOff && !commentOff && !tagsOff) return {};
      return { ...(r.content === content ? {} : { content }), ...x, ...(commentOff ? { comment: n.comment } : {}), ...(tagsOff ? { tags: n.tags } : {}) };
    };

    // Records already holding a wanted value stay (patched only if their settings differ).
    const keep = existing.filter((r) => wanted.includes(r.content));
    const reusable = existing.filter((r) => !wanted.includes(r.content));
    const missing = wanted.filter((c) => !keep.some((r) => r.content === c));
    for (const r of keep) {
      const body = patchFor(r, r.content);
      if (Object.keys(body).length > 0) await write(() => this.call('PATCH', `/zones/${zoneId}/dns_records/${r.id}`, opts, body));
    }
    for (const [i, content] of missing.entries()) {
      const target = reusable[i];
      if (target !== undefined) await write(() => this.call('PATCH', `/zones/${zoneId}/dns_records/${target.id}`, opts, patchFor(target, content)));
      else {
        const n = notesFor(content);
        const notes = { ...(n === undefined || n.comment === '' ? {} : { comment: n.comment }), ...(n === undefined || n.tags.length === 0 ? {} : { tags: n.tags }) };
        await write(() => this.call('POST', `/zones/${zoneId}/dns_records`, opts, { type: rrset.type.toUpperCase(), name: normalizeName(rrset.name), content, ...settingsFor(content), ...notes }));
      }
    }
    // Deleting last, so the name never goes unanswered; a 404 means an earlier attempt removed it.
    for (const r of reusable.slice(missing.length)) await write(() => this.call('DELETE', `/zones/${zoneId}/dns_records/${r.id}`, opts, undefined, [404]));
  }

  /**
   * Purges everything the edge cached for the zone: after a switch it may hold pages fetched
   * from the old origin. Purging twice does no harm, so a retried request is safe, and an abort
   * (a rollback) cuts it in flight: it changes no record, so nothing waits to learn if it landed.
   */
  async purgeCache(zone: string, opts: CallOptions = {}): Promise<{ id: string | null }> {
    const zoneId = await this.zoneId(zone, opts);
    const res = await this.call<{ id?: string }>('POST', `/zones/${zoneId}/purge_cache`, opts, { purge_everything: true }, undefined, { cutInFlight: true });
    return { id: res?.id ?? null };
  }
}

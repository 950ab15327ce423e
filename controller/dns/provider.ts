// What the cutover needs from a DNS provider: read one record set, replace it whole. Anything
// that can do these two (Route 53 ChangeResourceRecordSets UPSERT, an RFC 2136 update) fits.
import type { TtlLimits } from './ttl-limits.js';

/** All records of one name and type. Names are absolute, lower case, without the trailing dot. */
export interface RecordSet {
  name: string;
  type: string;
  /** As the provider stores it; Cloudflare's 1 means "automatic". */
  ttl: number;
  /** Record contents as the provider returns them, sorted. */
  records: string[];
  /**
   * Cloudflare only: the name is served through Cloudflare's edge, DNS shows Cloudflare's IPs.
   * True when any record of the set is proxied: Cloudflare then proxies them all.
   */
  proxied?: boolean;
  /**
   * Cloudflare only, and only where the set's records differ from each other in ttl or proxied,
   * or carry comments or tags: each record's own, so a snapshot puts every record back as it was.
   * Given, it is exact: a record listed without a comment or tags has them cleared. Absent, each
   * record keeps the comment and tags it has (a switch moves values, not the zone's notes).
   */
  perRecord?: RecordSettings[];
  /**
   * PowerDNS only, and only when there are any: records the set keeps but does not serve (marked
   * disabled), sorted. They are part of the way back: a restore without them would delete them.
   */
  disabled?: string[];
}

export interface RecordSettings {
  content: string;
  ttl: number;
  proxied: boolean;
  comment?: string;
  /** Cloudflare's `name:value` tags, sorted; absent when none. */
  tags?: string[];
}

export interface RecordKey {
  zone: string;
  name: string;
  type: string;
}

export interface CallOptions {
  /**
   * The step's: once aborted, no further request of the call is started and its waits end; it
   * rejects. A read already in flight is cut at once; a write in flight runs to its answer or its
   * timeout, so whether it landed is known (http.ts cutInFlight).
   */
  signal?: AbortSignal;
}

export interface RecordUpdate {
  /** The set as read for the decision. */
  before: RecordSet | null;
  /** The set read back after the write; absent when nothing was written. */
  after?: RecordSet | null;
}

export interface DnsProvider {
  /** The name it has in controller.yaml `dnsProviders`. */
  readonly name: string;
  readonly kind: string;
  /** host[:port] of the zone's authoritative servers when set in config; else found by NS lookup. */
  readonly authoritative?: string[];
  /** The TTLs it accepts, as configured now (Cloudflare); absent: any. */
  readonly ttlLimits?: TtlLimits;
  getRecordSet(zone: string, name: string, type: string, opts?: CallOptions): Promise<RecordSet | null>;
  /**
   * Makes the set exactly `rrset`; with no `records` and no `disabled` it removes it. Idempotent.
   * A failure that left the set as it was (no write sent, or each refused unprocessed) carries
   * `details.unchanged` (write-tracking.ts).
   */
  replaceRecordSet(zone: string, rrset: RecordSet, opts?: CallOptions): Promise<void>;
  /**
   * Reads the set, writes what `decide` makes of it (nothing when it returns undefined) and reads
   * it back, in one turn of the name's write queue: no other write of this controller lands
   * between the read the decision is made on and the write. Providers without it are read and
   * written in separate calls.
   */
  updateRecordSet?(zone: string, name: string, type: string, decide: (current: RecordSet | null) => RecordSet | undefined, opts?: CallOptions): Promise<RecordUpdate>;
  /** The TTL resolvers get for a stored one, where they differ (Cloudflare's 1, "automatic"). */
  servedTtl?(ttl: number): number;
}

/** Seconds a record with this stored TTL is cached for: what a TTL limit is about. */
export function servedTtl(provider: Pick<DnsProvider, 'servedTtl'>, ttl: number): number {
  return provider.servedTtl?.(ttl) ?? ttl;
}

/** A provider that also fronts the site with a cache (Cloudflare): the switch purges it. */
export interface CachePurger {
  /** Empties the zone's whole edge cache; resolves with the provider's id for the purge. */
  purgeCache(zone: string, opts?: CallOptions): Promise<{ id: string | null }>;
}

export function canPurgeCache(p: DnsProvider): p is DnsProvider & CachePurger {
  return typeof (p as Partial<CachePurger>).purgeCache === 'function';
}

export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, '').toLowerCase();
}

/**
 * DNS answers as if the set were not there: it is absent, or every record in it is disabled.
 * A disabled CNAME does not block an A beside it either (PowerDNS 4.7 accepts the A).
 */
export function servesNothing(set: RecordSet | null): boolean {
  return set === null || set.records.length === 0;
}

/**
 * `ignoreNotes`: Cloudflare comments and tags do not count. They change no DNS answer, and a
 * switch leaves them on the records it moves, so what it wrote is judged by values and settings.
 */
export function sameRecordSet(a: RecordSet | null, b: RecordSet | null, opts: { ignoreNotes?: boolean } = {}): boolean {
  if (a === null || b === null) return a === b;
  const notes = opts.ignoreNotes !== true;
  return normalizeName(a.name) === normalizeName(b.name) && a.type.toUpperCase() === b.type.toUpperCase() && settingsKey(a, notes) === settingsKey(b, notes);
}

/**
 * Every record with its own settings, in a stable order: a set whose records differ is compared
 * record by record (the set's own ttl is only its first record's, in the provider's order).
 * Disabled records count too, or a restore that lost them would read back as done.
 */
function settingsKey(r: RecordSet, notes: boolean): string {
  const each: RecordSettings[] = r.perRecord ?? r.records.map((content) => ({ content, ttl: r.ttl, proxied: r.proxied ?? false }));
  const note = (p: RecordSettings) => (notes ? `\t${p.comment ?? ''}\t${[...(p.tags ?? [])].sort().join(' ')}` : '');
  const served = each.map((p) => `on\t${p.content}\t${p.ttl}\t${p.proxied ?? false}${note(p)}`);
  const kept = (r.disabled ?? []).map((content) => `off\t${content}\t${r.ttl}`);
  return [...served, ...kept].sort().join('\n');
}

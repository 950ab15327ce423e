// The 5xx share over a sliding window of samples (access-log intervals and synthetic probes),
// and the verdict the monitor step acts on. Pure, so the rule can be read and tested alone.

export interface Sample {
  /** When the controller received it (ms since epoch): one clock for every source. */
  at: number;
  source: 'log' | 'probe';
  /** Requests the sample stands for. */
  total: number;
  /** Of those, 5xx answers (for a probe: also no answer at all). */
  errors: number;
  /**
   * When the requests it stands for began, if well before `at`: the access log's backlog since
   * the switch, read at once when monitor starts. It ages from here, so it leaves the window when
   * its oldest requests would have had they been counted live, not a whole window after `at`.
   */
  since?: number;
}

export interface WindowStats {
  from: string;
  to: string;
  total: number;
  errors: number;
  /** errors / total; 0 when empty. */
  errorRate: number;
  log: { total: number; errors: number };
  probes: { total: number; errors: number };
}

export type Verdict =
  | { kind: 'ok'; stats: WindowStats }
  | { kind: 'too-few'; stats: WindowStats; needed: number }
  | { kind: 'rollback'; stats: WindowStats; reason: string };

/**
 * A window sample as the monitor's evidence stores it, for a watch resumed after a controller
 * restart to go on with the same window (times as ISO strings, readable in the report).
 */
export interface StoredSample {
  at: string;
  source: Sample['source'];
  total: number;
  errors: number;
  since?: string;
}

/**
 * Stored samples of one source less than windowMs / STORED_BUCKETS apart are summed into one, so
 * what is stored stays about 2 × STORED_BUCKETS entries however many pages are probed: a summed
 * sample takes its newest one's time and so stays in the window at most 1/60 of it longer.
 */
export const STORED_BUCKETS = 60;

const finiteCount = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Stored samples read back; entries that are not samples (hand-edited, another version's) are left out. */
export function restoreSamples(value: unknown): Sample[] {
  if (!Array.isArray(value)) return [];
  const out: Sample[] = [];
  for (const v of value as Array<Partial<Record<keyof StoredSample, unknown>> | null>) {
    const at = typeof v?.at === 'string' ? Date.parse(v.at) : NaN;
    const total = finiteCount(v?.total);
    const errors = finiteCount(v?.errors);
    const since = typeof v?.since === 'string' ? Date.parse(v.since) : undefined;
    const source = v?.source;
    if (!Number.isFinite(at) || (source !== 'log' && source !== 'probe') || total === undefined || errors === undefined || errors > total) continue;
    out.push({ at, source, total, errors, ...(since !== undefined && Number.isFinite(since) && since < at ? { since } : {}) });
  }
  return out;
}

export class SlidingWindow {
  #samples: Sample[] = [];
  /** Added since the last look: each is in one look at least, so a backlog older than the window is still judged. */
  #unseen = new Set<Sample>();
  /**
   * `carried`: the samples an interrupted watch stored (restoreSamples). They were judged before
   * the restart, so they leave the window by their time like any other, down time included.
   */
  constructor(readonly windowMs: number, carried: readonly Sample[] = []) {
    this.#samples = carried.map((s) => ({ ...s }));
  }

  /** The samples in the window ending at `now`, to store with the evidence (see STORED_BUCKETS). */
  stored(now: number): StoredSample[] {
    const windowFrom = now - this.windowMs;
    const bucketMs = Math.max(1, this.windowMs / STORED_BUCKETS);
    const kept: Sample[] = [];
    const buckets = new Map<string, Sample>();
    for (const s of this.#samples) {
      if ((s.since ?? s.at) <= windowFrom && !this.#unseen.has(s)) continue;
      // A backlog's own span is what ages it: kept as it is, not summed with live samples.
      const key = s.since === undefined ? `${s.source}:${Math.floor(s.at / bucketMs)}` : undefined;
      const b = key === undefined ? undefined : buckets.get(key);
      if (b === undefined) {
        const copy = { ...s };
        if (key !== undefined) buckets.set(key, copy);
        kept.push(copy);
        continue;
      }
      b.total += s.total;
      b.errors += s.errors;
      b.at = Math.max(b.at, s.at);
    }
    const iso = (ms: number): string => new Date(ms).toISOString();
    return kept.map((s) => ({ at: iso(s.at), source: s.source, total: s.total, errors: s.errors, ...(s.since === undefined ? {} : { since: iso(s.since) }) }));
  }

  add(sample: Sample): void {
    this.#samples.push(sample);
    this.#unseen.add(sample);
  }

  /**
   * Drops samples older than the window ending at `now`; returns what remains. `begin`: when the
   * watch's requests begin (the switch once the log's backlog since it is in, else monitor's
   * start). A window in the watch's first windowMs is no older than that: its share is over the
   * requests since then, and said to be, not over a full window that reaches back before the switch.
   */
  stats(now: number, begin?: number): WindowStats {
    const windowFrom = now - this.windowMs;
    this.#samples = this.#samples.filter((s) => (s.since ?? s.at) > windowFrom || this.#unseen.has(s));
    this.#unseen.clear();
    const start = begin !== undefined && Number.isFinite(begin) && begin > windowFrom ? Math.min(begin, now) : windowFrom;
    // A backlog reaching back further than the window widens what the share is said to be over,
    // as does a sample older than `begin` (carried from a watch that stored no start): the span
    // said always holds every request the share counts.
    const from = this.#samples.reduce((m, s) => Math.min(m, s.since ?? s.at), start);
    const sum = (src?: Sample['source']) => {
      const xs = src === undefined ? this.#samples : this.#samples.filter((s) => s.source === src);
      return { total: xs.reduce((n, s) => n + s.total, 0), errors: xs.reduce((n, s) => n + s.errors, 0) };
    };
    const all = sum();
    return {
      from: new Date(from).toISOString(),
      to: new Date(now).toISOString(),
      total: all.total,
      errors: all.errors,
      errorRate: all.total === 0 ? 0 : all.errors / all.total,
      log: sum('log'),
      probes: sum('probe'),
    };
  }
}

/**
 * Every sample since `since` (monitor's start), kept as running sums: the whole watch, judged when
 * the sliding window holds too few requests. Sums, not samples, so a long watch costs nothing per
 * look. Its `from` is when the requests counted began: the switch, once the access log's backlog
 * since then is in — the share is over that span, not only the time monitor has been running.
 */
export class WatchTotals {
  #log = { total: 0, errors: 0 };
  #probes = { total: 0, errors: 0 };
  #from: number;
  /** `carried`: the whole watch so far of an interrupted attempt this one goes on with. */
  constructor(readonly since: number, carried?: Pick<WindowStats, 'from' | 'log' | 'probes'>) {
    this.#from = since;
    if (carried === undefined) return;
    this.#log = { ...carried.log };
    this.#probes = { ...carried.probes };
    const from = Date.parse(carried.from);
    if (Number.isFinite(from) && from < since) this.#from = from;
  }

  add(sample: Sample): void {
    const into = sample.source === 'log' ? this.#log : this.#probes;
    into.total += sample.total;
    into.errors += sample.errors;
    if (sample.since !== undefined && sample.since < this.#from) this.#from = sample.since;
  }

  /** When the requests counted begin (ms since epoch): the bound of a window early in the watch. */
  get from(): number {
    return this.#from;
  }

  stats(now: number): WindowStats {
    const total = this.#log.total + this.#probes.total;
    const errors = this.#log.errors + this.#probes.errors;
    return {
      from: new Date(this.#from).toISOString(),
      to: new Date(now).toISOString(),
      total,
      errors,
      errorRate: total === 0 ? 0 : errors / total,
      log: { ...this.#log },
      probes: { ...this.#probes },
    };
  }
}

/** Over maxErrorRate with at least minSamples requests in the window → roll back. */
export function judge(stats: WindowStats, limits: { maxErrorRate: number; minSamples: number }): Verdict {
  if (stats.total < limits.minSamples) return { kind: 'too-few', stats, needed: limits.minSamples };
  if (stats.errorRate > limits.maxErrorRate) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    return {
      kind: 'rollback',
      stats,
      reason: `5xx share ${pct(stats.errorRate)} (${stats.errors} of ${stats.total} requests: ${stats.log.errors}/${stats.log.total} in the access log, ${stats.probes.errors}/${stats.probes.total} probes) between ${stats.from} and ${stats.to} is over maxErrorRate ${pct(limits.maxErrorRate)}`,
    };
  }
  return { kind: 'ok', stats };
}

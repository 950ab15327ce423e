// monitor: watches production for checks.monitorMinutes after the switch. Two sources feed one
// sliding window (checks.monitorWindowSeconds, default 300 s or the whole watch if shorter):
// the production agent's access-log counts (real visitors) and synthetic probes of the plan's
// pages pinned to the production IP (traffic even on a quiet site). A window holding at least
// checks.minSamples requests (default 50) with a 5xx share over maxErrorRate rolls the cutover
// back automatically, with the window as evidence; fewer requests never do — three errors out of
// four requests is noise, not an outage. While the window holds too few, the watch so far is
// judged the same way instead: a quiet site whose windows never fill (one page probed every 10 s
// is 30 requests in 300 s) must still roll back when production stops answering at all.
// The probes land in production's access log too: the agent is asked to leave the probes' user
// agent out of its counts, so each probe counts once. The log is counted from where it ended at
// the switch (taken by propagate), so a 5xx burst while DNS spread is judged with the first counts.
// Each put of the evidence holds the counts so far and where their log lines end (countedTo): a
// watch resumed after a restart goes on with those counts and from that point, so what was logged
// while the controller was down is counted, and nothing twice. It holds the sliding window's
// samples too (windowSamples): the resumed watch judges the same window, so 5xx seen just before
// the restart still weigh with those just after it, until they age out by their time. The failed
// probes and the log's intervals with 5xx are carried on too, so a burst before the restart is
// still there to read in the resumed watch's evidence.
// Counts arrive between probe rounds and are judged as they come; the watch ends with the agent's
// counts that cover its last seconds, not the ones before. Failed probes and the log's intervals
// with 5xx are kept in the evidence apart from the newest rounds, so a burst that aged out of the
// window is still there to read.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { StatusCounts__Output } from '../../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { EVIDENCE_KEYS, type StepContext, type StepExecutor, type StepResult } from '../executor.js';
import type { Plan } from '../plan.js';
import type { StepRow } from '../store/index.js';
import type { StepDeps } from './deps.js';
import { AccessLogFeed } from './access-log-feed.js';
import { backlogSpanMs, countFrom, switchAccessLogStart, takeAccessLogStart, type CountFrom } from './access-log-start.js';
import { judge, restoreSamples, SlidingWindow, WatchTotals, type Sample, type Verdict, type WindowStats } from './monitor-window.js';
import { pageUrl, pinnedRequest } from './pinned-http.js';

export const DEFAULT_MIN_SAMPLES = 50;
export const DEFAULT_WINDOW_SECONDS = 300;
export const DEFAULT_INTERVAL_SECONDS = 10;
/** The longest a watch resumed past its end waits for the counts since its stored ones (the feed's backlog allowance). */
const LAST_COUNTS_BACKLOG_MS = 120_000;
/** Probes, failed probes and access-log intervals with 5xx each kept in the evidence: the newest this many. */
const PROBES_KEPT = 30;

/** An access-log interval that held 5xx, as the evidence keeps it: when (the agent's clock) and which. */
export interface LogErrorInterval {
  /** The interval's start and length on the agent's clock, and when the controller took it in. */
  windowStart: string;
  intervalMs: number;
  receivedAt: string;
  total: number;
  errors: number;
  /** The 5xx statuses among them, e.g. { "502": 40, "503": 2 }. */
  byStatus: Record<string, number>;
}

export interface MonitorSettings {
  durationMs: number;
  windowMs: number;
  intervalMs: number;
  minSamples: number;
  maxErrorRate: number;
  pages: string[];
}

export function monitorSettings(plan: Plan): MonitorSettings {
  const durationMs = Math.round(plan.checks.monitorMinutes * 60_000);
  const windowMs = Math.round((plan.checks.monitorWindowSeconds ?? Math.min(DEFAULT_WINDOW_SECONDS, plan.checks.monitorMinutes * 60)) * 1000);
  return {
    durationMs,
    windowMs: Math.max(1, windowMs),
    intervalMs: Math.max(50, Math.round((plan.checks.monitorIntervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000)),
    minSamples: plan.checks.minSamples ?? DEFAULT_MIN_SAMPLES,
    maxErrorRate: plan.checks.maxErrorRate,
    // With only a sitemap in the plan, the home page stands in: validate has checked the rest.
    pages: plan.checks.pages ?? ['/'],
  };
}

export interface ProbeResult {
  at: string;
  path: string;
  status: number | null;
  latencyMs: number | null;
  error: string | null;
}

/** One watch's probe user agent: unique, so the agent sets apart only this watch's probes. */
export const probeUserAgent = (): string => `switchyard-monitor/${randomBytes(6).toString('hex')}`;

/** One probe; no answer at all counts as an error like a 5xx does. */
export async function probePage(plan: Plan, path: string, timeoutMs: number, signal?: AbortSignal, userAgent = 'switchyard-monitor'): Promise<ProbeResult> {
  const at = new Date().toISOString();
  try {
    const res = await pinnedRequest(pageUrl(plan.production.origin, path), plan.production.ip, { timeoutMs, maxBodyBytes: 256 * 1024, headers: { 'Cache-Control': 'no-cache', 'User-Agent': userAgent }, signal });
    return { at, path, status: res.status, latencyMs: res.latencyMs, error: null };
  } catch (err) {
    return { at, path, status: null, latencyMs: null, error: (err as Error).message };
  }
}

const isError = (p: ProbeResult): boolean => p.status === null || p.status >= 500;

function sleep(ms: number, signal: AbortSignal, wake: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void wake.then(done);
  });
}

/**
 * Seconds of the watch done by earlier attempts that a restart or shutdown cut short: the watch
 * owes only the rest. A failed attempt counts nothing (its re-run is a new watch).
 */
export function watchedBefore(previous: StepRow | undefined): number {
  if (previous?.state !== 'interrupted') return 0;
  const evidence = previous.result?.evidence as Record<string, unknown> | undefined;
  const m = evidence?.[EVIDENCE_KEYS.monitor] as { watchedSeconds?: unknown; elapsedSeconds?: unknown } | undefined;
  const v = typeof m?.watchedSeconds === 'number' ? m.watchedSeconds : typeof m?.elapsedSeconds === 'number' ? m.elapsedSeconds : 0;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

interface Totals {
  log: { total: number; byClass: Record<string, number>; byStatus: Record<string, number>; unparsed: number; probesSetApart: number };
  probes: { total: number; errors: number };
}

const emptyTotals = (): Totals => ({ log: { total: 0, byClass: {}, byStatus: {}, unparsed: 0, probesSetApart: 0 }, probes: { total: 0, errors: 0 } });

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const counts = (v: unknown): Record<string, number> => Object.fromEntries(Object.entries(typeof v === 'object' && v !== null ? v : {}).map(([k, n]) => [k, count(n)]));
const sums = (v: unknown): { total: number; errors: number } | undefined => {
  const o = v as { total?: unknown; errors?: unknown } | undefined;
  return typeof o?.total === 'number' && typeof o.errors === 'number' ? { total: count(o.total), errors: count(o.errors) } : undefined;
};

/**
 * What an interrupted attempt stored for the watch it was doing: its counts so far (totals, the
 * whole watch, the worst window) and where the access-log lines in them end. `countedTo` is null
 * when that cannot be said (counts from an agent that predates counted_to, or a stream counting
 * from the log's end that sent none yet), absent from a controller that predates storing it.
 */
export interface StoredWatch {
  countedTo?: CountFrom | null;
  totals: Totals;
  watch?: Pick<WindowStats, 'from' | 'log' | 'probes'>;
  peak: WindowStats | null;
  /** The sliding window's samples when last stored (none from a controller that predates storing them). */
  samples: Sample[];
  /** The stored counts hold the probes too (an agent that predated leaving them out): carried, so the summary still says so. */
  probesInLog: boolean;
  /** The evidence of failures before the restart, the newest PROBES_KEPT of each, and how many intervals held 5xx in all. */
  failedProbes: ProbeResult[];
  logErrorIntervals: LogErrorInterval[];
  logErrorIntervalCount: number;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Stored failed probes read back, the newest PROBES_KEPT; entries that are not probes (hand-edited, another version's) are left out. */
function restoreFailedProbes(v: unknown): ProbeResult[] {
  if (!Array.isArray(v)) return [];
  const out: ProbeResult[] = [];
  for (const p of v as Array<Record<string, unknown> | null>) {
    const at = text(p?.at);
    const path = text(p?.path);
    if (at === null || path === null) continue;
    out.push({ at, path, status: numOrNull(p!.status), latencyMs: numOrNull(p!.latencyMs), error: text(p!.error) });
  }
  return out.slice(-PROBES_KEPT);
}

/** Stored access-log intervals with 5xx read back, the newest PROBES_KEPT, like restoreFailedProbes. */
function restoreLogErrorIntervals(v: unknown): LogErrorInterval[] {
  if (!Array.isArray(v)) return [];
  const out: LogErrorInterval[] = [];
  for (const i of v as Array<Record<string, unknown> | null>) {
    const windowStart = text(i?.windowStart);
    const receivedAt = text(i?.receivedAt);
    if (windowStart === null || receivedAt === null) continue;
    out.push({ windowStart, intervalMs: count(i!.intervalMs), receivedAt, total: count(i!.total), errors: count(i!.errors), byStatus: counts(i!.byStatus) });
  }
  return out.slice(-PROBES_KEPT);
}

/** Undefined unless the last attempt was interrupted and put its evidence (a failed one's re-run is a new watch). */
export function storedWatch(previous: StepRow | undefined): StoredWatch | undefined {
  if (previous?.state !== 'interrupted') return undefined;
  const m = (previous.result?.evidence as Record<string, unknown> | undefined)?.[EVIDENCE_KEYS.monitor] as Record<string, unknown> | undefined;
  if (m === undefined || typeof m !== 'object' || m === null) return undefined;
  const t = m.totals as { log?: Record<string, unknown>; probes?: Record<string, unknown> } | undefined;
  const totals = emptyTotals();
  if (t?.log !== undefined) totals.log = { total: count(t.log.total), byClass: counts(t.log.byClass), byStatus: counts(t.log.byStatus), unparsed: count(t.log.unparsed), probesSetApart: count(t.log.probesSetApart) };
  if (t?.probes !== undefined) totals.probes = sums(t.probes) ?? totals.probes;
  const w = m.watch as { from?: unknown; log?: unknown; probes?: unknown } | undefined;
  const wLog = sums(w?.log);
  const wProbes = sums(w?.probes);
  const watch = typeof w?.from === 'string' && wLog !== undefined && wProbes !== undefined ? { from: w.from, log: wLog, probes: wProbes } : undefined;
  const p = m.peakWindow as WindowStats | null | undefined;
  const peak = p !== null && typeof p === 'object' && typeof p.errorRate === 'number' ? p : null;
  const log = m.accessLog as { countedTo?: unknown; probesInLog?: unknown } | undefined;
  const countedTo = log === undefined || !('countedTo' in log) ? undefined : (countFrom(log.countedTo) ?? null);
  const logErrorIntervals = restoreLogErrorIntervals(m.logErrorIntervals);
  return {
    ...(countedTo === undefined ? {} : { countedTo }),
    totals,
    ...(watch === undefined ? {} : { watch }),
    peak,
    samples: restoreSamples(m.windowSamples),
    probesInLog: log?.probesInLog === true,
    failedProbes: restoreFailedProbes(m.failedProbes),
    logErrorIntervals,
    logErrorIntervalCount: Math.max(logErrorIntervals.length, count(m.logErrorIntervalCount)),
  };
}

/**
 * Where a watch counts the access log from: the switch (a first watch, or one resumed before any
 * counts were stored), where an interrupted attempt's stored counts ended, or the log's end.
 */
export type LogStart = { kind: 'switch' | 'stored'; from: CountFrom } | { kind: 'end'; why: string | null };

export function logStart(ctx: Pick<StepContext, 'previousAttempt' | 'record'>, stored: StoredWatch | undefined): LogStart {
  const fromSwitch = (why: string): LogStart => {
    const from = switchAccessLogStart(ctx);
    return from === undefined ? { kind: 'end', why } : { kind: 'switch', from };
  };
  if (ctx.previousAttempt === undefined) return fromSwitch('no position taken at the switch');
  if (ctx.previousAttempt.state !== 'interrupted') return { kind: 'end', why: null };
  // Cut short before it stored anything: nothing was counted, so the switch is still where to begin.
  if (stored === undefined) return fromSwitch('no position taken at the switch');
  if (stored.countedTo === undefined) return { kind: 'end', why: 'the interrupted watch was run by a controller that did not store where its counts ended' };
  if (stored.countedTo === null) return { kind: 'end', why: 'the interrupted watch\'s counts did not say where their lines end (an agent that predates counted_to, or none arrived)' };
  return { kind: 'stored', from: stored.countedTo };
}

/** Where the lines a StatusCounts counted end, with the end of its interval on the agent's clock. */
function countedToOf(c: StatusCounts__Output): CountFrom | null {
  const at = c.counted_to;
  if (at == null || !/^\d+$/.test(at.inode) || !/^\d+$/.test(String(at.offset))) return null;
  const end = Date.parse(c.window_start) + c.interval_ms;
  return { inode: at.inode, offset: String(at.offset), ...(at.tail_sha256 ? { tailSha256: at.tail_sha256 } : {}), ...(/^\d+$/.test(at.dev ?? '') ? { dev: at.dev } : {}), ...(Number.isFinite(end) ? { at: new Date(end).toISOString() } : {}) };
}

export function monitorExecutor(deps: Pick<StepDeps, 'agents'>): StepExecutor {
  return {
    idempotent: true,
    async run(ctx: StepContext): Promise<StepResult> {
      const { plan } = ctx;
      const s = monitorSettings(plan);
      // The watch's own clock: wall time at its start plus monotonic time since. A step of the
      // system clock (NTP, a VM resumed) would otherwise end the watch at once or stretch it by
      // the step, and empty the window or keep samples in it for as long.
      const wall0 = Date.now();
      const mono0 = performance.now();
      const clock = (): number => wall0 + (performance.now() - mono0);
      const started = clock();
      const before = watchedBefore(ctx.previousAttempt);
      const owedMs = Math.max(0, s.durationMs - before * 1000);
      const seconds = (ms: number): number => Math.round(ms / 100) / 10;
      // A resumed watch goes on with the counts the interrupted one stored, from where their lines end.
      const stored = storedWatch(ctx.previousAttempt);
      const start = logStart(ctx, stored);
      const from = start.kind === 'end' ? undefined : start.from;
      const window = new SlidingWindow(s.windowMs, stored?.samples);
      const watch = new WatchTotals(started, stored?.watch);
      const limits = { maxErrorRate: s.maxErrorRate, minSamples: s.minSamples };
      const totals: Totals = stored?.totals ?? emptyTotals();
      /** Where the lines in totals.log end: what a watch resumed after this one is cut short counts on from. */
      let countedTo: CountFrom | null = from ?? null;
      /** Without `from`: where the log ended as this watch began, if the agent could say. */
      let endAt: CountFrom | undefined;
      const userAgent = probeUserAgent();
      /** Counts from an agent that predates exclude_user_agent: the probes are in them too. */
      let probesInLog = stored?.probesInLog ?? false;
      /** Whether this attempt's own counts hold the probes (probesInLog may be carried from an interrupted one). */
      let probesInLogNow = false;
      const probes: ProbeResult[] = [];
      // Kept apart from `probes`, which is trimmed to the newest rounds: failures of a burst many
      // rounds back would otherwise leave the evidence while the share they raised still stands.
      // A resumed watch goes on with the interrupted one's: a burst just before the restart stays in the evidence.
      const failedProbes: ProbeResult[] = [...(stored?.failedProbes ?? [])];
      /** The access log's intervals with 5xx: a burst between two probe rounds, by when it happened and which statuses. */
      const logErrorIntervals: LogErrorInterval[] = [...(stored?.logErrorIntervals ?? [])];
      let logErrorIntervalCount = stored?.logErrorIntervalCount ?? 0;
      /** Resolved by the next access-log counts: the watch's end waits for the ones that cover it. */
      let countsArrived: () => void = () => undefined;
      let peak: WindowStats | null = stored?.peak ?? null;
      let verdict: Verdict = judge(window.stats(clock(), watch.from), limits);
      /** What `verdict` was taken over: the sliding window, or the whole watch so far when the window held too few. */
      let scope = 'window' as 'window' | 'watch';
      let watchStats: WindowStats = watch.stats(clock());
      let trip!: () => void;
      const tripped = new Promise<void>((r) => (trip = r));

      const evaluate = (): void => {
        // Once a window was over the limit the decision stands: the probes of a round still in
        // flight could bring the share back under, which would skip the rollback and, with
        // `tripped` already resolved, leave every later sleep a no-op (probes back to back).
        if (verdict.kind === 'rollback') return;
        const now = clock();
        // Bounded by the watch's start: a window early in the watch is the span since the switch
        // (or monitor's start), with the share of the requests in it; minSamples and maxErrorRate
        // judge it as they do a full one.
        verdict = judge(window.stats(now, watch.from), limits);
        scope = 'window';
        watchStats = watch.stats(now);
        if (verdict.kind !== 'too-few' && (peak === null || verdict.stats.errorRate > peak.errorRate)) peak = verdict.stats;
        if (verdict.kind === 'too-few') {
          const whole = judge(watchStats, limits);
          if (whole.kind !== 'too-few') {
            scope = 'watch';
            verdict = whole.kind === 'rollback' ? { ...whole, reason: `over the whole watch (no ${s.windowMs / 1000} s window reached minSamples ${s.minSamples}): ${whole.reason}` } : whole;
          }
        }
        if (verdict.kind === 'rollback') trip();
      };
      const add = (sample: Sample): void => {
        window.add(sample);
        watch.add(sample);
      };
      const onCounts = (c: StatusCounts__Output): void => {
        totals.log.total += c.total;
        totals.log.unparsed += c.unparsed;
        totals.log.probesSetApart += c.excluded ?? 0;
        if (c.excluded_user_agent !== userAgent) probesInLog = probesInLogNow = true;
        for (const [k, n] of Object.entries(c.by_class)) totals.log.byClass[k] = (totals.log.byClass[k] ?? 0) + n;
        for (const [k, n] of Object.entries(c.by_status)) totals.log.byStatus[k] = (totals.log.byStatus[k] ?? 0) + n;
        countedTo = countedToOf(c);
        const now = clock();
        const fivexx = c.by_class['5xx'] ?? 0;
        if (fivexx > 0) {
          logErrorIntervalCount++;
          logErrorIntervals.push({ windowStart: c.window_start, intervalMs: c.interval_ms, receivedAt: new Date(now).toISOString(), total: c.total, errors: fivexx, byStatus: Object.fromEntries(Object.entries(c.by_status).filter(([k]) => Number(k) >= 500)) });
          if (logErrorIntervals.length > PROBES_KEPT) logErrorIntervals.shift();
        }
        // The first counts from the switch (or from where stored counts ended) hold everything
        // logged since: judged with this look, then aged from then as if counted live, not kept a
        // whole window from now.
        const span = backlogPending ? backlogSpanMs(c, from?.at) : undefined;
        backlogPending = false;
        add({ at: now, source: 'log', total: c.total, errors: fivexx, ...(span === undefined ? {} : { since: now - span }) });
        evaluate();
        countsArrived();
      };

      const agent = plan.production.agent;
      let backlogPending = from !== undefined;
      const feed = new AccessLogFeed({ agent, client: deps.agents.client(agent, 'production.agent'), intervalMs: s.intervalMs, excludeUserAgent: userAgent, onCounts, ...(from === undefined ? {} : { from }) });
      const resuming = ctx.previousAttempt?.state === 'interrupted';
      /** What a resumed watch counted of the access log, for its evidence and summary. */
      const resumedLog = (): string => {
        const agentStart = feed.state.start;
        const since = start.kind === 'stored' ? 'where the interrupted watch\'s stored counts ended' : 'the switch (the interrupted watch had stored no counts)';
        if (start.kind === 'end') return `counted from the resume: lines logged while the controller was down not counted (${start.why ?? 'a new watch'})`;
        if (agentStart === 'position') return `counted on from ${since}: lines logged while the controller was down counted, none twice`;
        if (agentStart === null) return `to be counted on from ${since} (no counts yet)`;
        return `counted from the resume, not ${since}: ${agentStart === '' ? `agent ${agent} predates counting from a position (upgrade it)` : agentStart}; lines logged while the controller was down not counted`;
      };
      const evidence = (): Record<string, unknown> => ({
        [EVIDENCE_KEYS.monitor]: {
          settings: { monitorSeconds: s.durationMs / 1000, windowSeconds: s.windowMs / 1000, intervalSeconds: s.intervalMs / 1000, minSamples: s.minSamples, maxErrorRate: s.maxErrorRate, pages: s.pages },
          /** When this watch began; `watch.from` (and a window's `from`) reach back to the switch when the log's backlog since then is counted. */
          monitorStartedAt: new Date(started).toISOString(),
          elapsedSeconds: seconds(clock() - started),
          /** This attempt and the ones a restart cut short: what the next resume counts as done. */
          watchedSeconds: Math.round((before + seconds(clock() - started)) * 10) / 10,
          ...(resuming ? { resumed: { watchedBeforeSeconds: before, owedSeconds: seconds(owedMs), accessLog: resumedLog(), note: 'resumed after an interruption: no probes while the controller was down; the totals, the whole watch, the window (its samples not yet aged out), the worst window, the failed probes and the access-log intervals with 5xx include the interrupted attempts\'' } } : {}),
          verdict: verdict.kind,
          scope,
          window: verdict.stats,
          /** The window's samples (summed per source in slices of 1/60 of it), which a watch resumed after a restart goes on with. */
          windowSamples: window.stored(clock()),
          watch: watchStats,
          peakWindow: peak,
          errorRate: verdict.stats.errorRate,
          totals: structuredClone(totals),
          accessLog: { ...feed.state, errors: [...feed.state.errors], reopenedAtEnd: feed.state.reopenedAtEnd.map((r) => ({ ...r })), rotations: [...feed.state.rotations], unread: [...feed.state.unread], unplaced: feed.state.unplaced.map((u) => ({ ...u })), readErrors: feed.state.readErrors.map((e) => ({ ...e })), probeUserAgent: userAgent, probesInLog, countedFrom: from === undefined ? (endAt === undefined ? 'monitor start' : { monitorStartPosition: endAt, agentStart: feed.state.start }) : { [start.kind === 'stored' ? 'storedCountsEnd' : 'switchPosition']: from, agentStart: feed.state.start }, countedTo },
          probes: probes.slice(-PROBES_KEPT),
          failedProbes: [...failedProbes],
          /** The newest access-log intervals that held 5xx; `logErrorIntervalCount` counts them all. */
          logErrorIntervals: logErrorIntervals.map((i) => ({ ...i, byStatus: { ...i.byStatus } })),
          logErrorIntervalCount,
        },
      });

      /** A watch over, on time or resumed after it: the rollback when 5xx tripped it, a failure when aborted; else undefined, for its summary. */
      const trippedOrAborted = (ev: Record<string, unknown>): StepResult | undefined => {
        if (verdict.kind === 'rollback') {
          ctx.logger.warn({ window: verdict.stats }, 'production 5xx share over the limit');
          return { rollback: { reason: verdict.reason, evidence: ev }, evidence: ev };
        }
        if (ctx.signal.aborted) return { outcome: 'failed', error: 'monitor aborted', evidence: ev };
        return undefined;
      };

      /**
       * A watch resumed once its time had all been watched (cut short while it waited for its last
       * counts, or before it was recorded as done): its stored counts end up to an interval before
       * its end, so what was logged since — a burst in its last seconds, or while the controller
       * was down — is asked for from where they ended and judged before it passes, as a watch that
       * ends on time does. No probes: the time to watch is over.
       */
      const lastCountsOfEndedWatch = async (): Promise<StepResult> => {
        const done = `watched ${Math.round(s.durationMs / 1000)} s before an interruption: the watch was already complete`;
        if (from === undefined) return { summary: `${done}; access log since its stored counts not counted (${start.kind === 'end' ? start.why ?? 'a new watch' : ''})`, evidence: evidence() };
        // The backlog since the stored counts may be long (the controller down a while): given as
        // long as those counts are old, within the allowance a stream from the switch gets.
        const age = Date.now() - Date.parse(from.at ?? '');
        const wait = Math.min(LAST_COUNTS_BACKLOG_MS, Math.max(s.intervalMs + 2000, Number.isFinite(age) ? age : 0));
        const final = feed.finalCounts(wait);
        if (final !== undefined) await sleep(wait + 1000, ctx.signal, Promise.race([final, tripped]));
        feed.stop();
        const ev = evidence();
        const stopped = trippedOrAborted(ev);
        if (stopped !== undefined) return stopped;
        const logged5xx = totals.log.byClass['5xx'] ?? 0;
        const got =
          feed.state.messages > 0
            ? `access log ${resumedLog()}: ${totals.log.total} logged requests in all${logged5xx > 0 ? ` (${logged5xx} of them 5xx)` : ''}`
            : `the access-log counts since the stored ones did not come (${feed.state.lastCountsMissed ?? feed.state.unavailable ?? 'no answer'}): what was logged since them is not counted`;
        return { summary: `${done}; ${got}`, evidence: ev };
      };

      if (s.durationMs <= 0) {
        return { summary: 'monitorMinutes is 0: production was not watched', evidence: evidence() };
      }
      if (owedMs <= 0) return lastCountsOfEndedWatch();
      // Before the first round: a restart cut short again before it still knows the time watched.
      ctx.record.put(EVIDENCE_KEYS.monitor, evidence()[EVIDENCE_KEYS.monitor]);
      // Counted from the log's end: asked where that is, so the counts' start is a known point. A
      // watch cut short before any counts arrived then goes on from it, not from the end again
      // (which would leave out what was logged in between). An agent without it: the end, as before.
      if (from === undefined) {
        const now = await takeAccessLogStart(() => deps.agents.client(agent, 'production.agent'), agent, Math.min(5000, Math.max(1000, s.intervalMs)));
        endAt = countFrom(now);
        if (endAt !== undefined) {
          countedTo = endAt;
          ctx.record.put(EVIDENCE_KEYS.monitor, evidence()[EVIDENCE_KEYS.monitor]);
        }
      }
      feed.start(endAt);
      try {
        const deadline = started + owedMs;
        for (;;) {
          const round = await Promise.all(s.pages.map((p) => probePage(plan, p, Math.min(5000, Math.max(1000, s.intervalMs)), ctx.signal, userAgent)));
          // Probes cut short by the abort failed for our reason, not production's.
          if (ctx.signal.aborted) break;
          for (const p of round) {
            probes.push(p);
            totals.probes.total++;
            if (isError(p)) {
              totals.probes.errors++;
              failedProbes.push(p);
              if (failedProbes.length > PROBES_KEPT) failedProbes.shift();
            }
            add({ at: clock(), source: 'probe', total: 1, errors: isError(p) ? 1 : 0 });
          }
          if (probes.length > PROBES_KEPT * 4) probes.splice(0, probes.length - PROBES_KEPT * 2);
          evaluate();
          const v = verdict;
          ctx.record.put(EVIDENCE_KEYS.monitor, evidence()[EVIDENCE_KEYS.monitor]);
          ctx.emit({
            phase: 'monitor',
            rows: v.stats.total,
            etaSeconds: Math.max(0, Math.round((deadline - clock()) / 1000)),
            message: `${v.stats.errors}/${v.stats.total} 5xx ${scope === 'watch' ? 'since the watch began (no window had enough requests)' : `in the last ${s.windowMs / 1000} s`}${v.kind === 'too-few' ? ` (fewer than ${s.minSamples} requests: not judged)` : ''}`,
          });
          if (v.kind === 'rollback' || ctx.signal.aborted) break;
          if (clock() >= deadline) {
            // The agent's last counts end up to an interval before now: the lines logged since (a
            // 5xx burst in the watch's last seconds) are asked for at once, from where those counts
            // ended, and judged before the watch passes — or, from an agent that does not say
            // where its counts end, are in its next counts, waited for. Not waited for when no
            // counts come (stream unavailable, or none yet).
            if (feed.state.messages > 0 && feed.state.unavailable === null) {
              const wait = s.intervalMs + 2000;
              const final = feed.finalCounts(wait);
              const next = final ?? new Promise<void>((r) => (countsArrived = r));
              // The last counts' own timeout ends their wait, and is said: this one only stops a stuck one.
              await sleep(final === undefined ? wait : wait + 1000, ctx.signal, Promise.race([next, tripped]));
            }
            break;
          }
          await sleep(Math.min(s.intervalMs, deadline - clock()), ctx.signal, tripped);
          if (verdict.kind === 'rollback') break;
        }
      } finally {
        feed.stop();
      }

      const ev = evidence();
      const stopped = trippedOrAborted(ev);
      if (stopped !== undefined) return stopped;
      // Whatever kept visitors' requests out of the count is said here, or '0 logged requests'
      // reads as a quiet site while the log was in another format or the stream was down.
      const notes: string[] = [];
      if (feed.state.unavailable !== null) notes.push(`access log not watched: ${feed.state.unavailable}`);
      else if (feed.state.messages === 0) notes.push('no access-log counts arrived');
      if (resuming) notes.push(`access log ${resumedLog()}`);
      else if (from === undefined && ctx.previousAttempt === undefined) notes.push('access log counted from monitor\'s start, not the switch (no position taken at the switch)');
      else if (from !== undefined && feed.state.start === '') notes.push(`agent ${agent} predates counting from the switch: access log counted from monitor's start only (upgrade the agent)`);
      else if (from !== undefined && feed.state.start?.startsWith('end') === true) notes.push(`access log counted from monitor's start: ${feed.state.start}`);
      if (probesInLogNow) notes.push(`agent ${agent} predates leaving the probes out of its access-log counts: probes answered were counted twice (upgrade the agent)`);
      else if (probesInLog) notes.push(`the interrupted watch's access-log counts carried on hold the probes answered too (agent ${agent} then predated leaving them out): those were counted twice`);
      // Files, not reports: a reopened stream may name the same file again (the feed keeps it once).
      const unread = feed.state.unreadCount;
      const named = feed.state.unread.slice(0, 3).map((u) => u.file);
      if (unread > 0) notes.push(`${unread} rotated access-log file${unread === 1 ? '' : 's'} not read, ${unread === 1 ? 'its' : 'their'} lines not counted (${named.join('; ')}${unread > named.length ? `; and ${unread - named.length} more, ${unread > feed.state.unread.length ? `the first ${feed.state.unread.length} named` : 'named'} in the evidence's accessLog.unread` : ''})`);
      if (feed.state.lastCountsMissed !== null) notes.push(`the access-log counts asked for at the watch's end did not come (${feed.state.lastCountsMissed}): what was logged in its last seconds, since the counts before, is not counted`);
      const unplaced = feed.state.unplacedCount;
      if (unplaced > 0) notes.push(`${unplaced === 1 ? 'once' : `${unplaced} times`} the rotated access-log files in between were told by their mtime, not their names: lines of one may be missed or counted twice (${feed.state.unplaced.at(-1)!.why}${unplaced > 1 ? `; the newest ${feed.state.unplaced.length} in the evidence's accessLog.unplaced` : ''})`);
      const unreadable = feed.state.readErrors.reduce((n, e) => n + e.intervals, 0);
      if (unreadable > 0) notes.push(`the agent could not read the access log in ${unreadable} interval${unreadable === 1 ? '' : 's'}, nothing counted while so (${feed.state.readErrors.at(-1)!.message})`);
      if (totals.log.unparsed > 0) notes.push(`${totals.log.unparsed} access-log lines not in combined format (or over 64 KiB), not counted`);
      const breaks = feed.state.connects - 1;
      if (breaks > 0) {
        const lost = feed.state.reopenedAtEnd.reduce((n, r) => n + r.times, 0);
        const why = feed.state.reopenedAtEnd.at(-1)?.why.replace(/^the agent/, `agent ${agent}`);
        // A reopened stream goes on from where the counts before it ended, unless the agent cannot.
        notes.push(`access-log stream broke ${breaks} time${breaks === 1 ? '' : 's'}${lost > 0 ? `: ${lost} reopened at the log's end, lines written while it was down not counted (${why}${why?.includes('predates') ? ': upgrade it' : ''})` : feed.state.resumed > 0 ? ', each reopened stream counting on from where the last counts ended' : ''}`);
      }
      const logNote = notes.map((n) => `; ${n}`).join('');
      // 5xx the final window no longer holds (a burst since aged out) are still said.
      const logged5xx = totals.log.byClass['5xx'] ?? 0;
      const logAside = [
        ...(logged5xx > 0 ? [`${logged5xx} of them 5xx`] : []),
        ...(totals.log.probesSetApart > 0 ? [`${totals.log.probesSetApart} probe lines left out`] : []),
      ];
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      return {
        summary: `watched ${Math.round(s.durationMs / 1000)} s${before > 0 ? ` (${Math.round(before)} s before an interruption, ${Math.round(owedMs / 1000)} s after it${stored === undefined ? '; counts since the resume' : ''})` : ''}: ${totals.log.total} logged requests${logAside.length > 0 ? ` (${logAside.join(', ')})` : ''}, ${totals.probes.total} probes (${totals.probes.errors} failed); worst window ${peak === null ? `never had enough requests to judge (whole watch ${watchStats.errors} 5xx of ${watchStats.total}${watchStats.total < s.minSamples ? ', too few to judge' : ''})` : pct((peak as WindowStats).errorRate)}${logNote}`,
        evidence: ev,
      };
    },
  };
}

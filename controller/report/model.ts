// The cutover report (GET /v1/cutovers/:id/report) reduced to what a person reads: the step
// timeline, parity summaries, preflight checks, validation findings grouped by status (and the
// validation run again after the switch, beside the one before), the DNS change, propagation,
// monitoring and rollback. Works on the report as JSON — the CLI has it only that way — and
// tolerates sections a step did not write (null) or wrote in a shape this build does not know
// (shown as raw JSON rather than dropped).

import { stagingLeftFrozen } from '../../shared/staging-left-frozen.js';

type Json = Record<string, unknown>;

export type Verdict = 'pass' | 'warn' | 'fail';

export interface TimelineRow {
  name: string;
  state: string;
  attempt: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  summary: string | null;
  error: string | null;
}

export interface RuntimeParityModel {
  staging: string;
  production: string;
  summary: { equal: number; differs: number; missing: number; allowed: number; unknown: number };
  /** Rows that are not equal; equal rows are only counted. */
  rows: Array<{ key: string; category: string; staging: string | null; production: string | null; status: string }>;
  /** What a side could not read (its rows are differs, flagged unreadable, shown as unknown), one line each. */
  unreadable: string[];
}

export interface DatabaseParityModel {
  equal: boolean;
  /** "full" or "guarded"; '' in reports from before the guard. */
  mode: string;
  tables: Array<{ table: string; equal: boolean; chunks: number; differingChunks: number; stagingRows: number; productionRows: number; note: string; stagingCheck: string; productionCheck: string }>;
  objectsDiffering: string[];
}

export interface AssetsParityModel {
  root: string;
  equal: boolean;
  files: number | null;
  bytes: number | null;
  digest: string | null;
  differenceCount: number;
  differences: Array<{ path: string; kind: string }>;
}

export interface FindingModel {
  check: string;
  page: string | null;
  status: Verdict;
  message: string;
}

export interface ValidationModel {
  mode: string;
  durationMs: number | null;
  pages: number;
  summary: { pass: number; warn: number; fail: number };
  byStatus: Record<Verdict, FindingModel[]>;
  /** Pages with a problem first, each group in the report's order: a capped table still shows them. */
  pageTable: PageRowModel[];
}

/** A failed or warned check after the switch, with how the same check on the same page ended before it. */
export interface PostSwitchFindingModel extends FindingModel {
  /** Its worst status in the pre-switch validation; null when that did not run it (or there is none). */
  before: Verdict | null;
}

/** The validation run again after the switch (propagate), through the address DNS answered. */
export interface PostSwitchValidationModel {
  startedAt: string | null;
  mode: string;
  durationMs: number | null;
  pages: number;
  summary: { pass: number; warn: number; fail: number };
  /** Checks left out on purpose (the asset scan, web vitals). */
  skipped: string[];
  /** Failures, then warnings; passes are only counted. */
  problems: PostSwitchFindingModel[];
  /** Pages with a problem, in the page table's order (problems first). */
  problemPages: PageRowModel[];
  /** The pre-switch validation's counts and start, to compare with; null when the report has none. */
  before: { startedAt: string | null; summary: { pass: number; warn: number; fail: number } } | null;
}

export interface PageRowModel {
  path: string;
  status: number | null;
  /** Staging's status the checks compared with (its record once locked); see stagingFrom. */
  stagingStatus: number | null;
  redirects: number;
  ttfbMs: number | null;
  stagingTtfbMs: number | null;
  error: string | null;
  /** `live` (also every row of a report from before the field), `preflight`/`lock` (recorded before the freeze), `none` (no record: not compared). */
  stagingFrom: string;
  stagingRecordedAt: string | null;
  stagingLeftTo: string | null;
  stagingNote: string | null;
  /** Staging was locked: it answered its maintenance page, with `stagingMaintenanceStatus` (null: no answer). */
  stagingMaintenance: boolean;
  stagingMaintenanceStatus: number | null;
  /** Production's <title>: '' when its HTML page has none; null when not recorded (not HTML, no answer, or a report from before the field). */
  title: string | null;
  /** Staging's title the same-site check compared with, like `title`; null when there was none. */
  stagingTitle: string | null;
  /** The titles differ beyond host names and the plan's rewrite: what search results show changes. */
  titleDiffers: boolean;
  /** Production failed or answered otherwise than staging's baseline (one it had: not `none`). */
  statusDiffers: boolean;
  /** The failed or warned checks that name the page, failures first: a row's only problem may be one of these. */
  checks: Array<{ check: string; status: 'fail' | 'warn' }>;
  /** Production failed, answered otherwise than staging's baseline, its title differs from staging's, or a failed or warned check names the page. */
  problem: boolean;
}

/** The monitor step's evidence: the final window and the worst one, with the failures behind them. */
export interface MonitorModel {
  verdict: string;
  /** The 5xx share the verdict was taken over: the final window (or the whole watch when no window had enough requests). */
  errorRate: number | null;
  summary: string;
  /** The window with the highest 5xx share among those with enough requests to judge; null when none had (or a report from before it). */
  worstWindow: { errorRate: number; errors: number; total: number; from: string | null; to: string | null; overLimit: boolean } | null;
  /** The newest failed probes kept (at most MONITOR_EVIDENCE_KEPT), oldest first; `failedProbeCount` counts them all. */
  failedProbes: Array<{ at: string; path: string; status: number | null; error: string | null }>;
  failedProbeCount: number;
  /** The newest access-log intervals that held 5xx (at most MONITOR_EVIDENCE_KEPT), oldest first, on the agent's clock. */
  logErrorIntervals: Array<{ windowStart: string; intervalMs: number | null; total: number; errors: number; byStatus: Array<[string, number]> }>;
  logErrorIntervalCount: number;
}

/** A rollback before presync and lock (a cancel), said where its parts would be listed. */
export const ROLLBACK_CANCELLED = 'cancelled: presync and lock had not run, so nothing was copied or frozen to put back';

/** What an expired fallback window still means, said the same in the text and HTML reports as in `cutover status`. */
export const FALLBACK_OVER = 'staging is still held read-only and nothing is released on its own: release when sure, or roll back';

export interface ReportModel {
  id: string;
  site: string;
  state: string;
  createdAt: string | null;
  createdBy: string | null;
  generatedAt: string | null;
  error: string | null;
  fallbackUntil: string | null;
  /** What closed the fallback window (a rollback, a release) and when; null while it is open or was never reached. */
  fallbackEnded: { by: 'rollback' | 'release'; at: string | null } | null;
  /**
   * `fallbackUntil` had passed when the report was made and nothing closed the window: staging is
   * still held read-only (nothing is released on its own), so the reader is told to decide.
   */
  fallbackExpired: boolean;
  /** The window holds nothing read-only (a plan with neither database nor assets): said instead of "held". */
  fallbackNote: string | null;
  totalMs: number | null;
  timeline: TimelineRow[];
  runtimeParity: RuntimeParityModel | null;
  databaseParity: DatabaseParityModel | null;
  assetsParity: AssetsParityModel[] | null;
  /** Sections present in a shape this build does not read, by name. */
  unknown: Record<string, unknown>;
  preflight: FindingModel[];
  validation: ValidationModel | null;
  postSwitchValidation: PostSwitchValidationModel | null;
  dnsChange: { name: string; type: string; before: string; after: string; appliedAt: string | null; warning: string | null } | null;
  propagation: { ok: boolean | null; elapsedMs: number | null; servers: Array<{ server: string; role: string; answer: string; latencyMs: number | null; ok: boolean; error: string | null }> } | null;
  monitor: MonitorModel | null;
  rollback: {
    state: string;
    reason: string;
    automatic: boolean;
    /** Rolled back before presync and lock had run (a cancel): nothing copied or frozen, no parts. */
    cancelled: boolean;
    parts: Array<{ name: string; state: string }>;
    /** Where the database part kept the copy production served after the switch, for the operator to reconcile. */
    servedCopy: { schema: string; tables: Array<{ table: string; rows: number | null }>; /** Tables the agent did not list (a retry's answer is bounded). */ tablesLeftOff: number } | null;
    /** What the rollback left frozen on staging (a freeze its lock took over, or another cutover's), else null. */
    stagingLeftFrozen: string | null;
  } | null;
  audit: Array<{ at: string; tokenName: string; action: string }>;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const verdict = (v: unknown): Verdict => (v === 'fail' || v === 'warn' ? v : 'pass');

/** A DNS record set in one line: its records and TTL when recognisable, else JSON. */
export function brief(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (isObj(v) && Array.isArray(v.records)) {
    // Disabled records (PowerDNS) are part of what a restore puts back, so the report shows them.
    const off = Array.isArray(v.disabled) && v.disabled.length > 0 ? ` (disabled: ${v.disabled.map(String).join(', ')})` : '';
    return `${v.records.map(String).join(', ') || '(empty)'}${off}${num(v.ttl) !== null ? ` ttl ${num(v.ttl)}` : ''}`;
  }
  if (Array.isArray(v)) return v.map((x) => brief(x)).join(', ');
  if (typeof v !== 'object') return String(v);
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function errorText(e: unknown): string | null {
  if (!isObj(e)) return null;
  const code = str(e.code);
  const message = str(e.message) ?? '';
  return code === null ? message : `${code}: ${message}`;
}

function runtimeParity(v: unknown): RuntimeParityModel | null {
  if (!isObj(v) || !Array.isArray(v.rows) || !isObj(v.summary)) return null;
  const s = v.summary;
  return {
    staging: str(v.staging) ?? '?',
    production: str(v.production) ?? '?',
    summary: { equal: num(s.equal) ?? 0, differs: num(s.differs) ?? 0, missing: num(s.missing) ?? 0, allowed: num(s.allowed) ?? 0, unknown: num(s.unknown) ?? 0 },
    rows: v.rows.filter(isObj).filter((r) => r.status !== 'equal').map((r) => ({ key: str(r.key) ?? '?', category: str(r.category) ?? '', staging: str(r.staging), production: str(r.production), status: r.unreadable === true ? 'unknown' : (str(r.status) ?? '?') })),
    unreadable: arr(v.unreadable).filter(isObj).map((u) => `could not read ${str(u.what) ?? '?'} on ${str(u.agent) ?? '?'}: ${str(u.error) ?? ''}`),
  };
}

function databaseParity(v: unknown): DatabaseParityModel | null {
  if (!isObj(v) || !Array.isArray(v.tables)) return null;
  return {
    equal: v.equal === true,
    mode: str(v.mode) ?? '',
    tables: v.tables.filter(isObj).map((t) => ({
      table: str(t.table) ?? '?',
      equal: t.equal === true,
      chunks: num(t.chunks) ?? 0,
      differingChunks: num(t.differingChunks) ?? 0,
      stagingRows: num(t.stagingRows) ?? 0,
      productionRows: num(t.productionRows) ?? 0,
      note: str(t.note) ?? '',
      stagingCheck: str(t.stagingCheck) ?? '',
      productionCheck: str(t.productionCheck) ?? '',
    })),
    objectsDiffering: arr(v.objectsDiffering).map(String),
  };
}

function assetsParity(v: unknown): AssetsParityModel[] | null {
  if (!Array.isArray(v)) return null;
  return v.filter(isObj).map((a) => {
    const side = isObj(a.production) ? a.production : isObj(a.staging) ? a.staging : {};
    return {
      root: str(a.root) ?? '?',
      equal: a.equal === true,
      files: num(side.files),
      bytes: num(side.bytes),
      digest: str(side.digest),
      differenceCount: num(a.differenceCount) ?? arr(a.differences).length,
      differences: arr(a.differences).filter(isObj).map((d) => ({ path: str(d.path) ?? '?', kind: str(d.kind) ?? '?' })),
    };
  });
}

function findings(v: unknown, nameKey: 'check' | 'name'): FindingModel[] {
  return arr(v).filter(isObj).map((f) => ({ check: str(f[nameKey]) ?? '?', page: str(f.page), status: verdict(f.status), message: str(f.message) ?? '' }));
}

/**
 * A page text for one table cell: whitespace runs as one space, at most `max` characters (code
 * points, so a character outside the BMP is never cut in half), an ellipsis where it was cut.
 */
export function clip(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

/** A recorded title: null in the record is an HTML page without one (''); absent, not recorded (null). */
const titleField = (v: unknown): string | null => (typeof v === 'string' ? v : v === null ? '' : null);

type PageChecks = ReadonlyMap<string, PageRowModel['checks']>;

/** The failed or warned findings by the page they name, failures first. */
function checksByPage(all: readonly FindingModel[]): PageChecks {
  const by = new Map<string, PageRowModel['checks']>();
  for (const status of ['fail', 'warn'] as const) {
    for (const f of all) {
      if (f.status !== status || f.page === null) continue;
      const list = by.get(f.page) ?? [];
      if (!list.some((c) => c.check === f.check && c.status === status)) list.push({ check: f.check, status });
      by.set(f.page, list);
    }
  }
  return by;
}

function pageRow(r: Json, flagged: PageChecks): PageRowModel {
  const row = {
    path: str(r.path) ?? '?',
    status: num(r.status),
    stagingStatus: num(r.stagingStatus),
    redirects: num(r.redirects) ?? 0,
    ttfbMs: num(r.ttfbMs),
    stagingTtfbMs: num(r.stagingTtfbMs),
    error: str(r.error),
    stagingFrom: str(r.stagingBaseline) ?? 'live',
    stagingRecordedAt: str(r.stagingRecordedAt),
    stagingLeftTo: str(r.stagingLeftTo),
    stagingNote: str(r.stagingNote),
    stagingMaintenance: 'stagingMaintenanceStatus' in r,
    stagingMaintenanceStatus: num(r.stagingMaintenanceStatus),
    title: titleField(r.title),
    stagingTitle: titleField(r.stagingTitle),
    titleDiffers: r.titleDiffers === true,
  };
  // Staging's status is only a baseline when there was one to compare with (not `none`).
  const differs = row.stagingFrom !== 'none' && row.stagingStatus !== null && row.status !== row.stagingStatus;
  const checks = flagged.get(row.path) ?? [];
  return { ...row, statusDiffers: differs, checks, problem: row.error !== null || differs || row.titleDiffers || checks.length > 0 };
}

/** Stable: rows with a problem keep their order among themselves, as do the others. */
function problemsFirst(rows: PageRowModel[]): PageRowModel[] {
  return [...rows.filter((r) => r.problem), ...rows.filter((r) => !r.problem)];
}

function validation(v: unknown): ValidationModel | null {
  if (!isObj(v) || !Array.isArray(v.findings)) return null;
  const all = findings(v.findings, 'check');
  const flagged = checksByPage(all);
  const s = isObj(v.summary) ? v.summary : {};
  return {
    mode: str(v.mode) ?? 'pinned',
    durationMs: num(v.durationMs),
    pages: arr(v.pages).length,
    summary: { pass: num(s.pass) ?? all.filter((f) => f.status === 'pass').length, warn: num(s.warn) ?? all.filter((f) => f.status === 'warn').length, fail: num(s.fail) ?? all.filter((f) => f.status === 'fail').length },
    byStatus: { fail: all.filter((f) => f.status === 'fail'), warn: all.filter((f) => f.status === 'warn'), pass: all.filter((f) => f.status === 'pass') },
    pageTable: problemsFirst(arr(v.pageTable).filter(isObj).map((r) => pageRow(r, flagged))),
  };
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

function postSwitchValidation(v: unknown, pre: unknown): PostSwitchValidationModel | null {
  const after = validation(v);
  if (after === null || !isObj(v)) return null;
  const before = validation(pre);
  // Worst status of each check on each page before the switch: what "new" is measured against.
  const was = new Map<string, Verdict>();
  if (before !== null) {
    for (const f of [...before.byStatus.fail, ...before.byStatus.warn, ...before.byStatus.pass]) {
      const key = JSON.stringify([f.check, f.page]);
      const prev = was.get(key);
      if (prev === undefined || RANK[f.status] > RANK[prev]) was.set(key, f.status);
    }
  }
  return {
    startedAt: str(v.startedAt),
    mode: after.mode,
    durationMs: after.durationMs,
    pages: after.pages,
    summary: after.summary,
    skipped: arr(v.skipped).map(String),
    problems: [...after.byStatus.fail, ...after.byStatus.warn].map((f) => ({ ...f, before: was.get(JSON.stringify([f.check, f.page])) ?? null })),
    problemPages: after.pageTable.filter((r) => r.problem),
    before: before === null ? null : { startedAt: isObj(pre) ? str(pre.startedAt) : null, summary: before.summary },
  };
}

/** Post-switch page problems listed by path, the rest counted: the findings above say the details. */
export const POST_SWITCH_PAGES_SHOWN = 10;

const PAST: Record<Verdict, string> = { pass: 'passed', warn: 'warned', fail: 'failed' };

/** How a post-switch finding's check ended on its page before the switch, in a word or two. */
export const beforeSwitch = (f: PostSwitchFindingModel): string => (f.before === null ? 'not run' : PAST[f.before]);

/** Why a page is a problem, briefly: production's failure or status, the title, the checks naming it. */
export function pageProblem(r: PageRowModel): string {
  const why = [
    ...(r.error !== null ? ['production error'] : r.statusDiffers ? [`production ${r.status ?? '-'}, staging ${r.stagingStatus ?? '-'}`] : []),
    ...(r.titleDiffers ? ['title differs'] : []),
    ...r.checks.map((c) => c.check),
  ];
  return why.join(', ');
}

/** The monitor step keeps the newest 30 of each; a hand-edited or future report holding more is cut to as many. */
export const MONITOR_EVIDENCE_KEPT = 30;

/** An interval's 5xx statuses in a few characters: "502×38, 503×2". */
export const statusCounts = (list: ReadonlyArray<[string, number]>): string => list.map(([k, n]) => `${k}×${n}`).join(', ');

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function monitorModel(v: unknown): ReportModel['monitor'] {
  if (!isObj(v)) return null;
  const rate = num(v.errorRate);
  const totals = isObj(v.totals) ? v.totals : {};
  const logTotals = isObj(totals.log) ? totals.log : null;
  const probeTotals = isObj(totals.probes) ? totals.probes : null;
  const settings = isObj(v.settings) ? v.settings : {};
  const limit = num(settings.maxErrorRate);
  const p = isObj(v.peakWindow) ? v.peakWindow : null;
  const peakRate = p === null ? null : num(p.errorRate);
  const worstWindow =
    p === null || peakRate === null
      ? null
      : { errorRate: peakRate, errors: num(p.errors) ?? 0, total: num(p.total) ?? 0, from: str(p.from), to: str(p.to), overLimit: limit !== null && peakRate > limit };
  const probe = (x: Json) => ({ at: str(x.at) ?? '?', path: str(x.path) ?? '?', status: num(x.status), error: str(x.error) });
  // A report from before failedProbes was kept: the failures among the newest probes it kept.
  const failedProbes = (Array.isArray(v.failedProbes) ? v.failedProbes.filter(isObj).map(probe) : arr(v.probes).filter(isObj).map(probe).filter((x) => x.status === null || x.status >= 500)).slice(-MONITOR_EVIDENCE_KEPT);
  const logErrorIntervals = arr(v.logErrorIntervals)
    .filter(isObj)
    .map((i) => ({
      windowStart: str(i.windowStart) ?? '?',
      intervalMs: num(i.intervalMs),
      total: num(i.total) ?? 0,
      errors: num(i.errors) ?? 0,
      byStatus: Object.entries(isObj(i.byStatus) ? i.byStatus : {})
        .map(([k, n]): [string, number] => [k, num(n) ?? 0])
        .sort(([a], [b]) => a.localeCompare(b)),
    }))
    .slice(-MONITOR_EVIDENCE_KEPT);
  const scope = v.scope === 'watch' ? 'over the whole watch (no window had enough requests)' : 'in the final window';
  const worst =
    worstWindow !== null
      ? `worst window ${pct(worstWindow.errorRate)} (${worstWindow.errors} of ${worstWindow.total})${worstWindow.overLimit ? `, over the ${pct(limit!)} limit` : ''}`
      : 'peakWindow' in v
        ? 'no window had enough requests to judge'
        : null;
  const parts = [
    rate === null ? null : `5xx share ${pct(rate)} ${scope}`,
    worst,
    logTotals !== null && num(logTotals.total) !== null ? `${num(logTotals.total)} logged requests` : null,
    num(v.elapsedSeconds) !== null ? `over ${num(v.elapsedSeconds)} s` : null,
  ];
  return {
    verdict: str(v.verdict) ?? '?',
    errorRate: rate,
    summary: parts.filter((x) => x !== null).join(', '),
    worstWindow,
    failedProbes,
    failedProbeCount: Math.max(failedProbes.length, (probeTotals === null ? null : num(probeTotals.errors)) ?? 0),
    logErrorIntervals,
    logErrorIntervalCount: Math.max(logErrorIntervals.length, num(v.logErrorIntervalCount) ?? 0),
  };
}

function servedCopy(parts: unknown): NonNullable<ReportModel['rollback']>['servedCopy'] {
  const db = arr(parts).filter(isObj).find((p) => p.name === 'database');
  const copy = db !== undefined && isObj(db.detail) && isObj(db.detail.servedCopy) ? db.detail.servedCopy : null;
  if (copy === null || str(copy.schema) === null || copy.schema === '') return null;
  return { schema: str(copy.schema)!, tables: arr(copy.tables).filter(isObj).map((t) => ({ table: str(t.table) ?? '?', rows: num(t.rows) })), tablesLeftOff: num(copy.tablesLeftOff) ?? 0 };
}

/**
 * A cutover keeps its fallbackUntil after the window is over: rolled back (the rollback began
 * then) or released. Shown bare, it read as a window still open on a rolled-back cutover.
 */
function fallbackEnded(c: Json, rb: Json | null, audit: unknown, fallback: unknown): ReportModel['fallbackEnded'] {
  if (str(c.fallbackUntil) === null) return null;
  // The controller says so itself (report.fallback.ended); a report from an older one does not.
  if (isObj(fallback) && 'ended' in fallback) {
    const ended = fallback.ended;
    return isObj(ended) && (ended.by === 'rollback' || ended.by === 'release') ? { by: ended.by, at: str(ended.at) } : null;
  }
  if (rb !== null) return { by: 'rollback', at: str(rb.startedAt) };
  if (c.state !== 'completed') return null;
  // A release refused before the window (or answered as already released) did not end it.
  const release = arr(audit).filter(isObj).find((a) => a.action === 'release' && !(isObj(a.detail) && (a.detail.refused !== undefined || a.detail.alreadyReleased === true)));
  return { by: 'release', at: release === undefined ? null : str(release.at) };
}

export function reportModel(report: unknown): ReportModel {
  const r = isObj(report) ? report : {};
  const c = isObj(r.cutover) ? r.cutover : {};
  const timings = isObj(r.timings) ? r.timings : {};
  const steps = arr(r.steps).filter(isObj);
  const parity = isObj(r.parity) ? r.parity : {};
  const unknown: Record<string, unknown> = {};
  const keep = <T>(name: string, raw: unknown, model: T | null): T | null => {
    if (model === null && raw !== null && raw !== undefined) unknown[name] = raw;
    return model;
  };
  const dns = isObj(r.dns) ? r.dns : {};
  const change = isObj(dns.change) ? dns.change : null;
  const prop = isObj(r.propagation) ? r.propagation : null;
  const rb = isObj(c.rollback) ? c.rollback : null;
  return {
    id: str(c.id) ?? '?',
    site: str(c.site) ?? '?',
    state: str(c.state) ?? '?',
    createdAt: str(c.createdAt),
    createdBy: str(c.createdBy),
    generatedAt: str(r.generatedAt),
    error: errorText(c.error),
    fallbackUntil: str(c.fallbackUntil),
    fallbackEnded: fallbackEnded(c, rb, r.audit, r.fallback),
    fallbackExpired: isObj(r.fallback) && r.fallback.expired === true && fallbackEnded(c, rb, r.audit, r.fallback) === null,
    fallbackNote: isObj(r.fallback) ? str(r.fallback.note) : null,
    totalMs: num(timings.totalMs),
    timeline: steps.map((s) => ({
      name: str(s.name) ?? '?',
      state: str(s.state) ?? '?',
      attempt: num(s.attempt) ?? 0,
      startedAt: str(s.startedAt),
      endedAt: str(s.endedAt),
      durationMs: num(s.durationMs),
      summary: str(s.summary),
      error: errorText(s.error),
    })),
    runtimeParity: keep('runtime parity', parity.runtime, runtimeParity(parity.runtime)),
    databaseParity: keep('database parity', parity.database, databaseParity(parity.database)),
    assetsParity: keep('assets parity', parity.assets, assetsParity(parity.assets)),
    unknown,
    preflight: findings(r.preflightChecks, 'name'),
    validation: keep('validation', r.validation, validation(r.validation)),
    postSwitchValidation: keep('post-switch validation', r.postSwitchValidation, postSwitchValidation(r.postSwitchValidation, r.validation)),
    dnsChange:
      change === null
        ? null
        : { name: str(change.name) ?? '?', type: str(change.type) ?? '?', before: brief(change.before), after: brief(change.after), appliedAt: str(change.appliedAt), warning: str(change.warning) },
    propagation:
      prop === null
        ? null
        : {
            ok: typeof prop.ok === 'boolean' ? prop.ok : null,
            elapsedMs: num(prop.elapsedMs),
            servers: arr(prop.servers).filter(isObj).map((s) => ({ server: str(s.server) ?? '?', role: str(s.role) ?? '', answer: arr(s.answer).map(String).join(', '), latencyMs: num(s.latencyMs), ok: s.ok === true, error: str(s.error) })),
          },
    monitor: monitorModel(r.monitor),
    rollback:
      rb === null
        ? null
        : {
            state: str(rb.state) ?? '?',
            reason: str(rb.reason) ?? '',
            automatic: rb.automatic === true,
            cancelled: rb.cancelled === true,
            parts: arr(rb.parts).filter(isObj).map((p) => ({ name: str(p.name) ?? '?', state: str(p.state) ?? '?' })),
            servedCopy: servedCopy(rb.parts),
            stagingLeftFrozen: stagingLeftFrozen(rb.parts) ?? null,
          },
    audit: arr(r.audit).filter(isObj).map((a) => ({ at: str(a.at) ?? '', tokenName: str(a.tokenName) ?? '', action: str(a.action) ?? '' })),
  };
}

/** `1 warning`, `2 warnings`: a count with its noun, plural unless it is exactly one. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

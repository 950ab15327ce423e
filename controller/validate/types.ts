// What validation produces: findings with a status and the evidence behind them, and the
// report that gathers them. The validate step, the post-switch re-check and the report
// renderings all read these shapes.

export type FindingStatus = 'pass' | 'warn' | 'fail';

export interface Finding {
  /** Which check, e.g. `canonical`, `tls-expiry`; stable names the report groups by. */
  check: string;
  /** The page path (or host, for TLS) the finding is about. */
  page?: string;
  status: FindingStatus;
  message: string;
  evidence?: Record<string, unknown>;
}

export interface ValidationSummary {
  pass: number;
  warn: number;
  fail: number;
}

/** One row of the report's page table. */
export interface PageRow {
  path: string;
  status: number | null;
  /** Staging's status the checks compared with: its answer now, or once locked its recorded one. */
  stagingStatus: number | null;
  redirects: number;
  ttfbMs: number | null;
  /** Like stagingStatus: the TTFB the checks compared with. */
  stagingTtfbMs: number | null;
  error?: string;
  // Reports from before these fields have none: staging's columns were then its answer of the moment.
  /** Where staging's columns come from: its answer now, the step that recorded the page before the freeze, or nothing (not compared). */
  stagingBaseline?: 'live' | 'preflight' | 'lock' | 'none';
  /** When that step recorded it. */
  stagingRecordedAt?: string;
  /** Where staging's redirect sent the page off its host (its status is null then). */
  stagingLeftTo?: string;
  /** Why staging's column has no status when it is not a redirect off the site: an error, or a record too old to say. */
  stagingNote?: string;
  /** Staging is locked: what it answers now is its maintenance page (this status, null when none), compared with nothing. */
  stagingMaintenanceStatus?: number | null;
  /** Production's <title> as a browser shows it (null: the HTML page has none); absent when the page is not HTML or gave no answer. */
  title?: string | null;
  /** Staging's title the same-site check compared it with (its answer now, or once locked its record); absent when there was none. */
  stagingTitle?: string | null;
  /** With stagingTitle: the titles differ beyond host names and the plan's rewrite, so search results change. */
  titleDiffers?: boolean;
}

export interface ValidationReport {
  startedAt: string;
  durationMs: number;
  /** `pinned`: requests sent to the plan's IPs like `curl --resolve`; `dns`: resolved normally. */
  mode: 'pinned' | 'dns';
  production: { origin: string; ip: string };
  staging: { origin: string; ip: string };
  /** Paths checked on both sides. */
  pages: string[];
  pageTable: PageRow[];
  /** Checks left out of this run on purpose (e.g. the asset scan after the switch). */
  skipped: string[];
  findings: Finding[];
  summary: ValidationSummary;
}

export function summarize(findings: readonly Finding[]): ValidationSummary {
  const s: ValidationSummary = { pass: 0, warn: 0, fail: 0 };
  for (const f of findings) s[f.status]++;
  return s;
}

/** A finding builder bound to one check and page, so checks read as a list of verdicts. */
export function findingsFor(check: string, page?: string) {
  const make = (status: FindingStatus) => (message: string, evidence?: Record<string, unknown>): Finding => ({
    check,
    ...(page === undefined ? {} : { page }),
    status,
    message,
    ...(evidence === undefined ? {} : { evidence }),
  });
  return { pass: make('pass'), warn: make('warn'), fail: make('fail') };
}

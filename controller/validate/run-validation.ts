// One validation run over a plan: the page list, every page on production against staging,
// admin caching, the redirect map, robots.txt and sitemaps, TLS, the http:// origin's redirect
// to https, asset files and web vitals.
// Used by the validate step (pinned to the production IP before the switch) and after the
// switch (names resolved normally) with the same checks.
import type { Progress } from '../cutover/executor.js';
import type { Plan } from '../cutover/plan.js';
import { adminCacheFindings, DEFAULT_ADMIN_PATHS } from './admin-cache.js';
import { assetScanFindings, type TextScanner } from './asset-scan.js';
import { HttpContext } from './http-context.js';
import { httpOriginFindings } from './http-origin.js';
import { mapLimit } from './limit.js';
import { checkPage } from './page-check.js';
import { pageList } from './page-list.js';
import { DEFAULT_TIMEOUT_MS } from './pinned-client.js';
import { redirectMapFindings } from './redirect-map.js';
import { robotsTxtFindings } from './robots-txt.js';
import { sidesOf } from './sides.js';
import { recordedPages, type StagingBaseline } from './staging-baseline.js';
import { productionSitemapFindings } from './sitemap-origin.js';
import { DEFAULT_MIN_CERT_DAYS, loadExtraCa, tlsFindings, tlsTargets } from './tls-check.js';
import { summarize, type Finding, type PageRow, type ValidationReport } from './types.js';
import { DEFAULT_VITALS, vitalsFindings } from './vitals.js';

export const DEFAULT_CONCURRENCY = 6;

export type CheckGroup = 'pages' | 'admin' | 'redirects' | 'robots' | 'sitemaps' | 'tls' | 'http' | 'assets' | 'vitals';

export interface ValidationOptions {
  /** `pinned` (default): requests go to the plan's IPs. `dns`: production's name resolves normally (after the switch). */
  mode?: 'pinned' | 'dns';
  signal?: AbortSignal;
  /** Override the plan's checks.requestTimeoutMs. */
  timeoutMs?: number;
  /** Override the plan's checks.concurrency. */
  concurrency?: number;
  /** ScanText on the production agent; without it the asset scan reports it did not run. */
  scanner?: TextScanner;
  /** Chromium binary for web vitals; default /usr/bin/chromium. */
  chromiumPath?: string;
  skip?: readonly CheckGroup[];
  emit?: (p: Progress) => void;
  now?: () => Date;
  /** dns mode: the address production's name now resolves to through the configured resolvers. */
  resolvedProductionIp?: string;
  /**
   * Staging's pages as preflight and lock recorded them (oldest first), compared with
   * production's while staging is locked: per page, the latest record with a normal answer.
   */
  stagingBaseline?: StagingBaseline | readonly StagingBaseline[];
  /**
   * The cutover's lock has frozen staging, so its answers are its maintenance page: even one
   * served with a 200 is no baseline. Pages are compared with staging's record (titles, status,
   * where they end, Content-Type, TTFB) or not at all; web vitals hold production to the "good" limits.
   */
  stagingLocked?: boolean;
  /** Where production's plain-http origin listens; 80 but in tests. */
  httpPort?: number;
}

export async function runValidation(plan: Plan, opts: ValidationOptions = {}): Promise<ValidationReport> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = Date.now();
  const mode = opts.mode ?? 'pinned';
  const skip = new Set(opts.skip ?? []);
  const c = plan.checks;
  const timeoutMs = opts.timeoutMs ?? c.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const concurrency = opts.concurrency ?? c.concurrency ?? DEFAULT_CONCURRENCY;
  const sides = sidesOf(plan, mode);
  // After the switch, ask what DNS answers (through the resolvers the controller trusts, which
  // the caller already queried) rather than the controller host's own resolver cache.
  if (mode === 'dns' && opts.resolvedProductionIp !== undefined) sides.production = { ...sides.production, ip: opts.resolvedProductionIp };
  const http = new HttpContext({ timeoutMs, concurrency, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
  const emit = opts.emit ?? (() => undefined);
  const findings: Finding[] = [];
  const extraCa = await loadExtraCa(c.caFile);

  emit({ phase: 'pages', message: c.pages !== undefined ? `${c.pages.length} pages from the plan` : `reading ${c.sitemap} on staging` });
  const list = await pageList(plan, http, sides);
  findings.push(...list.findings);
  const pages = list.pages;

  let pageTable: PageRow[] = [];
  if (!skip.has('pages')) {
    let done = 0;
    const expected = c.expectStatus ?? {};
    const baseline = opts.stagingBaseline;
    const recorded = recordedPages(baseline === undefined ? [] : 'pages' in baseline ? [baseline] : baseline);
    const env = { http, ...sides, expectedStatus: (p: string) => expected[p] ?? 200, ttfbRegressionMs: c.vitals?.ttfbMs ?? DEFAULT_VITALS.ttfbMs, recorded: (p: string) => recorded.get(p), rewrite: plan.rewrite, stagingLocked: opts.stagingLocked === true };
    const results = await mapLimit(pages, concurrency, async (path) => {
      const r = await checkPage(env, path);
      emit({ phase: 'pages', files: ++done, filesTotal: pages.length, message: path });
      return r;
    });
    pageTable = results.map((r) => r.row);
    for (const r of results) findings.push(...r.findings);
  }
  if (!skip.has('admin')) {
    emit({ phase: 'admin paths' });
    findings.push(...(await adminCacheFindings(http, sides.production, c.adminPaths ?? DEFAULT_ADMIN_PATHS)));
  }
  if (!skip.has('redirects') && Array.isArray(c.redirects) && c.redirects.length > 0) {
    emit({ phase: 'redirect map', filesTotal: c.redirects.length });
    findings.push(...(await redirectMapFindings(http, sides, c.redirects, concurrency)));
  }
  let declaredSitemaps: string[] = [];
  if (!skip.has('robots')) {
    emit({ phase: 'robots.txt' });
    const robots = await robotsTxtFindings(http, sides.production, pages, c.blockedPaths ?? []);
    findings.push(...robots.findings);
    declaredSitemaps = robots.sitemaps;
  }
  if (!skip.has('sitemaps')) {
    emit({ phase: 'sitemaps' });
    findings.push(...(await productionSitemapFindings(http, sides, declaredSitemaps, c.sitemap)));
  }
  if (!skip.has('tls')) {
    emit({ phase: 'tls' });
    const targets = tlsTargets(plan, sides);
    findings.push(
      ...(await tlsFindings(targets, sides, {
        timeoutMs,
        minCertDays: c.minCertDays ?? DEFAULT_MIN_CERT_DAYS,
        concurrency,
        ...(extraCa === undefined ? {} : { extraCa }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        now: started,
      })),
    );
  }
  if (!skip.has('http')) {
    emit({ phase: 'http origin' });
    findings.push(...(await httpOriginFindings(http, sides, { port: opts.httpPort, stagingLocked: opts.stagingLocked === true, plan })));
  }
  if (!skip.has('assets')) {
    emit({ phase: 'asset files' });
    findings.push(...(await assetScanFindings(plan, opts.scanner)));
  }
  if (!skip.has('vitals')) {
    emit({ phase: 'web vitals' });
    const v = c.vitals ?? {};
    findings.push(
      ...(await vitalsFindings(sides, pages, {
        enabled: v.enabled ?? true,
        thresholds: { lcpMs: v.lcpMs ?? DEFAULT_VITALS.lcpMs, cls: v.cls ?? DEFAULT_VITALS.cls, ttfbMs: v.ttfbMs ?? DEFAULT_VITALS.ttfbMs },
        settleMs: v.settleMs ?? DEFAULT_VITALS.settleMs,
        maxPages: v.maxPages ?? DEFAULT_VITALS.maxPages,
        timeoutMs: Math.max(timeoutMs * 3, 15_000),
        ...(opts.chromiumPath === undefined ? {} : { executablePath: opts.chromiumPath }),
        stagingLocked: opts.stagingLocked === true,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      })),
    );
  }
  opts.signal?.throwIfAborted();
  return {
    startedAt: started.toISOString(),
    durationMs: Date.now() - t0,
    mode,
    production: { origin: plan.production.origin, ip: plan.production.ip },
    staging: { origin: plan.staging.origin, ip: plan.staging.ip },
    pages,
    pageTable,
    skipped: [...skip],
    findings,
    summary: summarize(findings),
  };
}

/** The same checks after the DNS change: production by its public name; files were scanned before. */
export function postSwitchValidation(plan: Plan, opts: ValidationOptions = {}): Promise<ValidationReport> {
  return runValidation(plan, { mode: 'dns', skip: ['assets', 'vitals'], ...opts });
}

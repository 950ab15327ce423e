// Web vitals measured in a real browser: each page loaded in headless Chromium (the Debian
// package, driven by playwright-core; never a downloaded browser) on staging and on
// production, the site's name mapped to each side's IP with --host-resolver-rules so the
// browser talks to the pinned origin like `curl --resolve`. TTFB comes from navigation timing,
// LCP and CLS from PerformanceObservers installed before the page's own scripts (buffered, so
// entries from before the observer count), read after load plus a settle time. A regression
// past the plan's thresholds is a warning: lab numbers from one load are evidence, not proof.
// Without Chromium the check says it did not run — it never passes silently.
import { access, constants } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { findingsFor, type Finding } from './types.js';
import { urlOn, type Side } from './sides.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const NOT_INSTALLED = `not run: ${CHROMIUM_PATH} not found (apt-get install chromium)`;

export const DEFAULT_VITALS = { lcpMs: 500, cls: 0.05, ttfbMs: 300, settleMs: 1500, maxPages: 10 } as const;

export interface VitalsThresholds {
  lcpMs: number;
  cls: number;
  ttfbMs: number;
}

export interface VitalsSample {
  url: string;
  /** HTTP status of the page load; null when it did not load. */
  status: number | null;
  ttfbMs: number | null;
  lcpMs: number | null;
  cls: number | null;
  layoutShifts: number;
  error?: string;
}

export interface VitalsOptions {
  executablePath?: string;
  settleMs?: number;
  /** Page load deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// Runs in the page before its scripts. CLS is the largest session window (shifts less than
// 1 s apart, at most 5 s long), as Chrome defines it; shifts right after input do not count.
const OBSERVE = `(() => {
  const s = (window.__syVitals = { lcp: null, cls: 0, shifts: 0, errors: [] });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) s.lcp = e.renderTime || e.loadTime || e.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  } catch (e) { s.errors.push('lcp: ' + e); }
  try {
    let cur = 0, first = 0, last = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        if (cur > 0 && e.startTime - last < 1000 && e.startTime - first < 5000) cur += e.value;
        else { cur = e.value; first = e.startTime; }
        last = e.startTime;
        s.shifts++;
        if (cur > s.cls) s.cls = cur;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch (e) { s.errors.push('cls: ' + e); }
})();`;

const READ = `(() => {
  const n = performance.getEntriesByType('navigation')[0];
  const s = window.__syVitals || { lcp: null, cls: null, shifts: 0, errors: ['observers missing'] };
  return { ttfb: n ? n.responseStart - n.startTime : null, lcp: s.lcp, cls: s.cls, shifts: s.shifts, errors: s.errors };
})()`;

export async function chromiumAvailable(path = CHROMIUM_PATH): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function chromiumArgs(side: Side): string[] {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'];
  if (side.ip !== undefined) args.push(`--host-resolver-rules=MAP ${side.origin.hostname} ${side.ip}`);
  return args;
}

async function measure(browser: Browser, url: string, settleMs: number, timeoutMs: number): Promise<VitalsSample> {
  // A fresh context per load: no cache or connection carried from one page or side to the next.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    await page.addInitScript(OBSERVE);
    const response = await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    await page.waitForTimeout(settleMs);
    const r = (await page.evaluate(READ)) as { ttfb: number | null; lcp: number | null; cls: number | null; shifts: number; errors: string[] };
    const round = (n: number | null, d = 0): number | null => (n === null ? null : Number(n.toFixed(d)));
    return { url, status: response?.status() ?? null, ttfbMs: round(r.ttfb), lcpMs: round(r.lcp), cls: round(r.cls, 4), layoutShifts: r.shifts, ...(r.errors.length > 0 ? { error: r.errors.join('; ') } : {}) };
  } catch (err) {
    return { url, status: null, ttfbMs: null, lcpMs: null, cls: null, layoutShifts: 0, error: (err as Error).message.split('\n')[0] ?? String(err) };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Loads every path on one side, one page at a time (the machine's CPUs are shared). */
export async function measureSide(side: Side, paths: readonly string[], opts: VitalsOptions = {}): Promise<VitalsSample[]> {
  const browser = await chromium.launch({ executablePath: opts.executablePath ?? CHROMIUM_PATH, headless: true, args: chromiumArgs(side), timeout: 60_000 });
  const onAbort = (): void => void browser.close().catch(() => undefined);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const out: VitalsSample[] = [];
    for (const path of paths) {
      if (opts.signal?.aborted) break;
      out.push(await measure(browser, urlOn(side, path), opts.settleMs ?? DEFAULT_VITALS.settleMs, opts.timeoutMs ?? 30_000));
    }
    return out;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await browser.close().catch(() => undefined);
  }
}

/**
 * web.dev's "good" limits, used when staging gives no baseline — typically because it is locked
 * and answers its maintenance page (503) by the time validate runs.
 */
export const GOOD_VITALS = { lcpMs: 2500, cls: 0.1, ttfbMs: 800 } as const;

function regressions(prod: VitalsSample, staging: VitalsSample, t: VitalsThresholds): string[] {
  const worse: string[] = [];
  const delta = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
  const dl = delta(prod.lcpMs, staging.lcpMs);
  const dc = delta(prod.cls, staging.cls);
  const dt = delta(prod.ttfbMs, staging.ttfbMs);
  if (dl !== null && dl > t.lcpMs) worse.push(`LCP ${prod.lcpMs} ms vs ${staging.lcpMs} ms on staging (+${Math.round(dl)} ms, limit +${t.lcpMs})`);
  if (dc !== null && dc > t.cls) worse.push(`CLS ${prod.cls} vs ${staging.cls} on staging (+${dc.toFixed(3)}, limit +${t.cls})`);
  if (dt !== null && dt > t.ttfbMs) worse.push(`TTFB ${prod.ttfbMs} ms vs ${staging.ttfbMs} ms on staging (+${Math.round(dt)} ms, limit +${t.ttfbMs})`);
  return worse;
}

function overGood(prod: VitalsSample): string[] {
  const worse: string[] = [];
  if (prod.lcpMs !== null && prod.lcpMs > GOOD_VITALS.lcpMs) worse.push(`LCP ${prod.lcpMs} ms (good: ≤ ${GOOD_VITALS.lcpMs})`);
  if (prod.cls !== null && prod.cls > GOOD_VITALS.cls) worse.push(`CLS ${prod.cls} (good: ≤ ${GOOD_VITALS.cls})`);
  if (prod.ttfbMs !== null && prod.ttfbMs > GOOD_VITALS.ttfbMs) worse.push(`TTFB ${prod.ttfbMs} ms (good: ≤ ${GOOD_VITALS.ttfbMs})`);
  return worse;
}

/** `staging` null: staging is locked, and its maintenance page (even a 200) is no measure of the site. */
export function compareVitals(path: string, prod: VitalsSample, staging: VitalsSample | null, t: VitalsThresholds): Finding {
  const f = findingsFor('vitals', path);
  const baseline = staging !== null && staging.status === 200 && staging.error === undefined;
  const evidence = { production: prod, staging, thresholds: t, ...(baseline ? {} : { baseline: 'none', limits: GOOD_VITALS }) };
  if (prod.error !== undefined && prod.lcpMs === null && prod.cls === null) return f.warn(`not measured on production: ${prod.error}`, evidence);
  const why = staging === null ? 'staging is locked: its maintenance page is no measure of the site' : staging.status === null ? `staging did not load: ${staging.error ?? '?'}` : `staging answers ${staging.status}`;
  const noBaseline = `no staging baseline (${why}), held to the "good" limits`;
  const worse = baseline && staging !== null ? regressions(prod, staging, t) : overGood(prod);
  if (worse.length > 0) return f.warn(`${baseline ? 'regression' : noBaseline}: ${worse.join('; ')}`, evidence);
  const missing = [prod.lcpMs === null ? 'LCP' : null, prod.cls === null ? 'CLS' : null].filter((x) => x !== null);
  if (missing.length > 0) return f.warn(`${missing.join(' and ')} not reported by the browser${prod.error !== undefined ? ` (${prod.error})` : ''}`, evidence);
  const numbers = `TTFB ${prod.ttfbMs} ms, LCP ${prod.lcpMs} ms, CLS ${prod.cls}`;
  return f.pass(baseline && staging !== null ? `${numbers} (staging ${staging.ttfbMs} / ${staging.lcpMs} / ${staging.cls})` : `${numbers}; ${noBaseline}`, evidence);
}

export interface VitalsRun {
  enabled: boolean;
  thresholds: VitalsThresholds;
  settleMs: number;
  maxPages: number;
  timeoutMs: number;
  executablePath?: string;
  signal?: AbortSignal;
  /** The cutover has locked staging: it is not measured, production is held to the "good" limits. */
  stagingLocked?: boolean;
}

export async function vitalsFindings(sides: { production: Side; staging: Side }, pages: readonly string[], run: VitalsRun): Promise<Finding[]> {
  const f = findingsFor('vitals');
  if (!run.enabled) return [f.warn('not run: disabled by the plan (checks.vitals.enabled: false)')];
  const exe = run.executablePath ?? CHROMIUM_PATH;
  if (!(await chromiumAvailable(exe))) return [f.warn(exe === CHROMIUM_PATH ? NOT_INSTALLED : `not run: ${exe} not found`)];
  const chosen = pages.slice(0, run.maxPages);
  if (chosen.length === 0) return [];
  const opts: VitalsOptions = { executablePath: exe, settleMs: run.settleMs, timeoutMs: run.timeoutMs, ...(run.signal === undefined ? {} : { signal: run.signal }) };
  let staging: VitalsSample[] | null;
  let production: VitalsSample[];
  try {
    staging = run.stagingLocked === true ? null : await measureSide(sides.staging, chosen, opts);
    production = await measureSide(sides.production, chosen, opts);
  } catch (err) {
    return [f.warn(`not run: Chromium did not start: ${(err as Error).message.split('\n')[0]}`)];
  }
  const out: Finding[] = [];
  chosen.forEach((path, i) => {
    const p = production[i];
    const s = staging === null ? null : staging[i];
    if (p !== undefined && s !== undefined) out.push(compareVitals(path, p, s, run.thresholds));
  });
  if (pages.length > chosen.length) out.push(f.pass(`measured the first ${chosen.length} of ${pages.length} pages (checks.vitals.maxPages)`));
  return out;
}

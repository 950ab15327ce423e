// Staging's pages as they were while staging was still live: each page's status and <title>,
// recorded by preflight and again by lock just before the freeze. From lock on, staging answers
// its maintenance page (WordPress: a 503 for every URL), so validate — and the re-check after the
// switch — compare production's titles with these records: without them a neighbour site
// answering for the name would pass.
import { SwitchyardError } from '../../shared/errors.js';
import type { Plan } from '../cutover/plan.js';
import { HttpContext } from './http-context.js';
import { mapLimit } from './limit.js';
import { htmlOf } from './page-check.js';
import { DEFAULT_TOP, pathsOf, problems } from './page-list.js';
import { DEFAULT_TIMEOUT_MS, headerValue } from './pinned-client.js';
import { readSitemaps } from './sitemap.js';
import { sidesOf, urlOn } from './sides.js';
import { placeholderOf, titleOf, type RecordedPage } from './site-identity.js';
import { isBlank, pathOf } from './staging-answer.js';
import { DEFAULT_CONCURRENCY } from './run-validation.js';

export interface PageBaseline {
  path: string;
  /** Final status after staging's own redirects; null when staging did not answer. */
  status: number | null;
  /** The page was HTML, so `title` is what a browser shows (null: it has no <title>). */
  html: boolean;
  title: string | null;
  /** Staging's page is itself a server placeholder (it matches production's then). */
  placeholder: string | null;
  error?: string;
  // What the other per-page checks compare with once staging answers its maintenance page.
  // Records stored before these existed lack them: those comparisons are then not made.
  /** Path and query where staging's own redirects ended (a 200 there: production should end there too). */
  finalPath?: string;
  /** Where staging's redirect sent the page off its host (status null then). */
  leftTo?: string;
  contentType?: string | null;
  /** Under 1 KiB of whitespace: a blank page on staging too. */
  blank?: boolean;
  /** The final page's time to first byte, ms. */
  ttfbMs?: number;
  /**
   * Set when reading back a record stored before records kept where a page's redirects went
   * (finalPath, leftTo, …): its page with no status and no error may have been a redirect off the
   * site, which such a record could not say. Never stored.
   */
  beforeLeftTo?: true;
}

export interface StagingBaseline {
  recordedAt: string;
  /** The staging origin the pages were asked of; a record for another origin is not used. */
  stagingOrigin: string;
  /** `plan`: checks.pages; `sitemap`: the first checks.top URLs of staging's checks.sitemap. */
  source: 'plan' | 'sitemap';
  pages: PageBaseline[];
  /** What went wrong reading staging's sitemap, '' when nothing did. */
  sitemapProblems: string;
  /** The step that recorded it, named in validate's findings; preflight when absent. */
  by?: RecordedBy;
}

export type RecordedBy = 'preflight' | 'lock';

export interface RecordOptions {
  signal?: AbortSignal;
  now?: () => Date;
  by?: RecordedBy;
  /**
   * The whole record's time limit. Each request has its own (checks.requestTimeoutMs), but a
   * hundred pages of a staging slow to answer could hold lock for minutes before the freeze.
   */
  withinMs?: number;
}

export async function recordStagingBaseline(plan: Plan, opts: RecordOptions = {}): Promise<StagingBaseline> {
  if (opts.withinMs === undefined) return record(plan, opts);
  const limit = AbortSignal.timeout(opts.withinMs);
  try {
    return await record(plan, { ...opts, signal: opts.signal === undefined ? limit : AbortSignal.any([opts.signal, limit]) });
  } catch (err) {
    if (opts.signal?.aborted !== true && limit.aborted) {
      throw new SwitchyardError('SY_PRECONDITION', `staging's pages not recorded within ${opts.withinMs / 1000} s (staging slow to answer)`, { cause: err });
    }
    throw err;
  }
}

async function record(plan: Plan, opts: RecordOptions): Promise<StagingBaseline> {
  const c = plan.checks;
  const concurrency = c.concurrency ?? DEFAULT_CONCURRENCY;
  const http = new HttpContext({ timeoutMs: c.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS, concurrency, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
  const { staging } = sidesOf(plan, 'pinned');
  const recordedAt = (opts.now ?? (() => new Date()))().toISOString();
  let paths: string[];
  let sitemapProblems = '';
  if (c.pages !== undefined) {
    paths = [...new Set(c.pages)];
  } else {
    // validate takes the same first `top` URLs, from production's copy of the sitemap once
    // staging's answers the maintenance page.
    const top = c.top ?? DEFAULT_TOP;
    const read = await readSitemaps(http, staging, urlOn(staging, c.sitemap as string), { maxUrls: top });
    paths = pathsOf(read, top);
    sitemapProblems = problems(read);
  }
  const pages = await mapLimit(paths, concurrency, async (path): Promise<PageBaseline> => {
    const chain = await http.chain(staging, urlOn(staging, path));
    const final = chain.final;
    if (final === null) {
      return { path, status: null, html: false, title: null, placeholder: null, ...(chain.leftTo === undefined ? {} : { leftTo: chain.leftTo }), ...(chain.error === undefined ? {} : { error: chain.error.message }) };
    }
    const doc = htmlOf(final);
    return {
      path,
      status: final.status,
      html: doc !== null,
      title: doc === null ? null : titleOf(doc),
      placeholder: doc === null ? null : placeholderOf(doc),
      finalPath: pathOf(final.url),
      contentType: headerValue(final.headers, 'content-type') ?? null,
      blank: isBlank(final),
      ttfbMs: final.ttfbMs,
    };
  });
  opts.signal?.throwIfAborted();
  return { recordedAt, stagingOrigin: plan.staging.origin, source: c.pages !== undefined ? 'plan' : 'sitemap', pages, sitemapProblems, ...(opts.by === undefined ? {} : { by: opts.by }) };
}

/** Staging answered the page as the site: a 200 HTML page, so its title is the site's. */
export const answeredNormally = (p: PageBaseline): boolean => p.status === 200 && p.html;

/**
 * Each page's baseline from records given oldest first: the latest record in which staging
 * answered it normally, else the latest that has it at all (its status says why there is no
 * title). A page timing out at lock, or a forced re-run of lock that saw the maintenance page,
 * falls back to the earlier record rather than losing the title.
 */
export function recordedPages(records: readonly StagingBaseline[]): Map<string, RecordedPage> {
  const out = new Map<string, RecordedPage>();
  for (const r of records) {
    for (const page of r.pages) {
      const had = out.get(page.path);
      if (had === undefined || answeredNormally(page) || !answeredNormally(had.page)) out.set(page.path, { page, recordedAt: r.recordedAt, by: r.by ?? 'preflight' });
    }
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** The fields records have kept per page since they say where a page's redirects went. */
const DETAIL_FIELDS = ['finalPath', 'leftTo', 'contentType', 'blank', 'ttfbMs'] as const;

/** The optional fields of a stored page that have their type; a wrong one is left out, not the page. */
function optionalFields(p: Record<string, unknown>): Partial<PageBaseline> {
  return {
    ...(typeof p.error === 'string' ? { error: p.error } : {}),
    ...(typeof p.finalPath === 'string' && p.finalPath.startsWith('/') ? { finalPath: p.finalPath } : {}),
    ...(typeof p.leftTo === 'string' ? { leftTo: p.leftTo } : {}),
    ...(strOrNull(p.contentType) ? { contentType: p.contentType } : {}),
    ...(typeof p.blank === 'boolean' ? { blank: p.blank } : {}),
    ...(typeof p.ttfbMs === 'number' && Number.isFinite(p.ttfbMs) && p.ttfbMs >= 0 ? { ttfbMs: p.ttfbMs } : {}),
  };
}

/**
 * A baseline read back from the evidence of step `by`, or undefined when there is none usable:
 * not recorded (a cutover created before this existed, preflight replaced by other checks) or
 * recorded for another staging origin. Malformed entries are dropped one by one.
 */
export function storedStagingBaseline(v: unknown, plan: Plan, by: RecordedBy = 'preflight'): StagingBaseline | undefined {
  if (!isObj(v) || typeof v.recordedAt !== 'string' || v.stagingOrigin !== plan.staging.origin || !Array.isArray(v.pages)) return undefined;
  // Every page a newer version recorded has one of these (an answered page its finalPath), so a
  // record where none has any was stored before them.
  const older = !v.pages.some((p) => isObj(p) && DETAIL_FIELDS.some((k) => k in p));
  const pages = v.pages
    .filter(
      (p): p is PageBaseline =>
        isObj(p) && typeof p.path === 'string' && (p.status === null || typeof p.status === 'number') && typeof p.html === 'boolean' && strOrNull(p.title) && strOrNull(p.placeholder),
    )
    .map((p): PageBaseline => {
      const page: PageBaseline = { path: p.path, status: p.status, html: p.html, title: p.title, placeholder: p.placeholder, ...optionalFields(p as unknown as Record<string, unknown>) };
      return older && page.status === null && page.error === undefined ? { ...page, beforeLeftTo: true } : page;
    });
  return { recordedAt: v.recordedAt, stagingOrigin: v.stagingOrigin, source: v.source === 'sitemap' ? 'sitemap' : 'plan', pages, sitemapProblems: typeof v.sitemapProblems === 'string' ? v.sitemapProblems : '', by };
}

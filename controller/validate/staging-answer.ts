// What the per-page checks compare production with: staging's answer for the same page. While
// staging is live that is what it answers now. Once the cutover's lock has frozen it, staging
// answers its maintenance page for every URL — a 503, or with some plugins a 200 page of their
// own — which says nothing about the page (not its type, where it ends, its speed), so the
// baseline is then staging's page as lock (just before the freeze) or preflight recorded it; a
// page neither recorded is not compared, and the finding says why.
import { looksLikeHtml } from './html-doc.js';
import type { FetchOk } from './pinned-client.js';
import { headerValue } from './pinned-client.js';
import type { Chain } from './redirect-chain.js';
import type { RecordedBy } from './staging-baseline.js';
import type { RecordedPage } from './site-identity.js';

export interface StagingAnswer {
  /** Final status after staging's own redirects; null when it gave no page. */
  status: number | null;
  /** Path and query of the page it ended at; undefined when not known (a record older than this field). */
  finalPath?: string;
  /** Where a redirect sent it off its host. */
  leftTo?: string;
  /** HTML as a browser takes it (the Content-Type, or the body sniffed without one). */
  html?: boolean;
  contentType?: string | null;
  /** A 200 with nothing in it (the site's own business where staging's page is blank too). */
  blank?: boolean;
  ttfbMs?: number;
  error?: string;
  /** A record older than `leftTo`: no status and no error may have been a redirect off the site. */
  beforeLeftTo?: true;
  /** Where it comes from: staging now, or the step that recorded it (and when). */
  source: 'live' | RecordedBy;
  recordedAt?: string;
}

/** A baseline for the page, or why there is none. */
export type Against = { answer: StagingAnswer; why?: undefined } | { answer: null; why: string };

/** Path and query of a URL: where a page ends, whichever side's origin it is on. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** Nothing a browser would show: under 1 KiB of whitespace. */
export function isBlank(res: FetchOk): boolean {
  return res.body.length < 1024 && res.body.toString('utf8').trim() === '';
}

function fromChain(chain: Chain): StagingAnswer {
  const final = chain.final;
  if (final === null) {
    return { source: 'live', status: null, ...(chain.leftTo === undefined ? {} : { leftTo: chain.leftTo }), ...(chain.error === undefined ? {} : { error: chain.error.message }) };
  }
  const contentType = headerValue(final.headers, 'content-type') ?? null;
  return { source: 'live', status: final.status, finalPath: pathOf(final.url), html: looksLikeHtml(contentType ?? undefined, final.body), contentType, blank: isBlank(final), ttfbMs: final.ttfbMs };
}

function fromRecord(r: RecordedPage): StagingAnswer {
  const p = r.page;
  // Fields a record older than them lacks stay undefined: that comparison is then not made.
  return {
    source: r.by,
    recordedAt: r.recordedAt,
    status: p.status,
    finalPath: p.finalPath,
    leftTo: p.leftTo,
    html: p.status === null ? undefined : p.html,
    contentType: p.contentType,
    blank: p.blank,
    ttfbMs: p.ttfbMs,
    error: p.error,
    ...(p.beforeLeftTo === true ? { beforeLeftTo: true as const } : {}),
  };
}

/**
 * What a page without a final status did, for a message: where it redirected off the site, that
 * it did not answer, or — in a record from before records kept where redirects went — that the
 * record cannot say (it may well have been a redirect off the site), never a bare "no page" then.
 */
export function noPageText(a: { leftTo?: string | undefined; error?: string | undefined; beforeLeftTo?: true | undefined }, past: boolean): string {
  if (a.leftTo !== undefined) return `${past ? 'redirected' : 'redirects'} off the site to ${a.leftTo}`;
  if (a.error !== undefined) return `did not answer (${a.error})`;
  if (a.beforeLeftTo === true) return `gave no page, ${OLD_RECORD}`;
  return past ? 'gave no page' : 'gives no page';
}

const OLD_RECORD = "in a record from before Switchyard kept where staging's redirects went: it may have redirected off the site";

/** noPageText as "staging …" with when it was recorded, for a message about a page staging gave no status. */
export function stagingNoPage(a: StagingAnswer): string {
  if (a.leftTo === undefined && a.error === undefined && a.beforeLeftTo === true) return `staging gave no page${when(a)}, ${OLD_RECORD}`;
  return stagingDid(a, noPageText(a, false), noPageText(a, true));
}

/**
 * Staging's answer to compare this page with. Not locked (no lock in this run, or a skipped one
 * that left staging live): its answer now, whatever it is — unchanged from before records
 * existed. Locked: the record, or nothing, with a reason naming what staging answers now.
 */
export function stagingAgainst(live: Chain, recorded: RecordedPage | undefined, locked: boolean): Against {
  if (!locked) return { answer: fromChain(live) };
  if (recorded !== undefined) return { answer: fromRecord(recorded) };
  const now = live.final !== null ? `answers its maintenance page with a ${live.final.status},` : live.error !== undefined ? `did not answer: ${live.error.message};` : `${noPageText({ leftTo: live.leftTo }, false)};`;
  return { answer: null, why: `staging, locked, ${now} and no record of this page was taken before the freeze` };
}

/** `` or ` when lock recorded it (…)`: after a verb in the past tense for a record. */
export function when(a: StagingAnswer): string {
  return a.source === 'live' ? '' : ` when ${a.source} recorded it (${a.recordedAt ?? ''})`;
}

/** "staging answers 200" now, or "staging answered 200 when lock recorded it (…)". */
export function stagingDid(a: StagingAnswer, present: string, past: string): string {
  return `staging ${a.source === 'live' ? present : past}${when(a)}`;
}

/** Evidence naming the baseline a comparison used, when it was not staging's answer now. */
export function baselineEvidence(against: Against): Record<string, unknown> {
  if (against.answer === null) return { baseline: 'none', baselineWhy: against.why };
  const a = against.answer;
  return a.source === 'live' ? {} : { baseline: a.source, recordedAt: a.recordedAt ?? null, recordedStatus: a.status };
}

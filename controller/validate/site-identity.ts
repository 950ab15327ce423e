// Whether production answers with this site at all. A vhost that does not match the name falls
// through to the server's default one: the distribution's "It works" page, an empty directory's
// listing, or another site on the same machine — 200, often behind a wildcard certificate that
// is valid for the name, so status and TLS pass. Production holds staging's database and files,
// so each page's <title> matches staging's (host names aside). By validate staging is locked and
// answers its maintenance page (a 503), so the baseline is then staging's page as lock (just
// before the freeze) or else preflight recorded it while it was live; a page with neither is only
// checked against the well-known placeholders, and warns that it was not compared. Some
// maintenance plugins answer 200 with their own page: once the cutover has locked staging, such
// a page is no more a baseline than the 503.
import { findingsFor, type Finding, type PageRow } from './types.js';
import type { HtmlDoc } from './html-doc.js';
import type { FetchOk } from './pinned-client.js';
import type { Side } from './sides.js';
import type { PageBaseline, RecordedBy } from './staging-baseline.js';
import { noPageText } from './staging-answer.js';

/** Titles of web servers' and hosting panels' own pages, never a site's. */
const PLACEHOLDER_TITLES: readonly RegExp[] = [
  /^apache2? .*default page/i, // Debian/Ubuntu: "Apache2 Ubuntu Default Page: It works"
  /^(?:apache )?http server test page/i, // RHEL, Rocky, Alma
  /^test page for the (?:apache|nginx)/i, // CentOS, Fedora
  /^welcome to (?:nginx|openresty|tengine|centos)\b/i,
  /^iis windows server$|^iis\d/i,
  /^index of \//i, // autoindex of a document root without the site in it
  /^domain default page$|^default web site page$/i, // Plesk, cPanel
  /^it works!?$/i,
];

/** The document's title as a browser shows it; null when it has none. */
export function titleOf(doc: HtmlDoc): string | null {
  const t = doc.elements.find((e) => e.tag === 'title' && e.inHead);
  return t === undefined ? null : t.text.replace(/\s+/g, ' ').trim();
}

/** Why this looks like a server's placeholder rather than a site, or null. */
export function placeholderOf(doc: HtmlDoc): string | null {
  const title = titleOf(doc);
  if (title !== null && title !== '' && PLACEHOLDER_TITLES.some((r) => r.test(title))) return `title ${quoted(title)}`;
  // Apache's own index.html: `<html><body><h1>It works!</h1></body></html>`, no title.
  const h1 = doc.elements.find((e) => e.tag === 'h1');
  if ((title === null || title === '') && h1 !== undefined && /^\s*it works!?\s*$/i.test(h1.text)) return '"It works!"';
  return null;
}

function comparable(title: string, sides: { production: Side; staging: Side }): string {
  // The URL rewrite may have put the production name where staging's was, in either form.
  const names = [sides.staging.origin.host, sides.staging.origin.hostname, sides.production.origin.host, sides.production.origin.hostname].map((n) => n.toLowerCase()).sort((a, b) => b.length - a.length);
  let t = title.toLowerCase();
  for (const n of names) t = t.split(n).join('\u0000');
  return t;
}

/** One of the plan's rewrite rules: what production's database holds in place of staging's text. */
export interface TitleRewrite {
  from: string;
  to: string;
}

// A title from the database went through the rewrite: as written, a rule can change more than
// the host (http://staging… → https://www…, or a rule for the site's name). The forms a rule
// with `schemes: all` adds keep the scheme they find, so they differ only in the host.
function rewritten(title: string, rules: readonly TitleRewrite[]): string {
  let t = title;
  for (const r of rules) t = t.split(r.from).join(r.to);
  return t;
}

/** Production's title is staging's: host names aside, as written or as the plan's rewrite rules change it. */
export function titlesMatch(title: string | null, stagingTitle: string | null, sides: { production: Side; staging: Side }, rewrite: readonly TitleRewrite[]): boolean {
  const ours = comparable(title ?? '', sides);
  return [stagingTitle ?? '', rewritten(stagingTitle ?? '', rewrite)].some((t) => comparable(t, sides) === ours);
}

/** A page staging served while it was live, as preflight or lock recorded it. */
export interface RecordedPage {
  page: PageBaseline;
  recordedAt: string;
  by: RecordedBy;
}

interface Baseline {
  title: string | null;
  placeholder: string | null;
}

export function siteIdentityFindings(
  prod: FetchOk,
  prodDoc: HtmlDoc | null,
  staging: FetchOk | null,
  stagingDoc: HtmlDoc | null,
  path: string,
  sides: { production: Side; staging: Side },
  baselines: { recorded?: RecordedPage | undefined; rewrite?: readonly TitleRewrite[]; stagingLocked?: boolean } = {},
): Finding[] {
  const { recorded, rewrite = [], stagingLocked = false } = baselines;
  if (prodDoc === null || prod.status < 200 || prod.status >= 300) return [];
  const f = findingsFor('same-site', path);
  const title = titleOf(prodDoc);
  const placeholder = placeholderOf(prodDoc);
  const answered: Baseline | null = staging !== null && staging.status === 200 && stagingDoc !== null ? { title: titleOf(stagingDoc), placeholder: placeholderOf(stagingDoc) } : null;
  // Locked, staging's 200 page is its maintenance page: production showing the same page (a
  // maintenance plugin's switch copied over in the database) is not the site either.
  const live = stagingLocked ? null : answered;
  const rec: Baseline | null = recorded !== undefined && recorded.page.status === 200 && recorded.page.html ? recorded.page : null;
  const sameTitle = (b: Baseline): boolean => titlesMatch(title, b.title, sides, rewrite);
  // A placeholder is this site only where staging's page was that placeholder too.
  const matches = (b: Baseline): boolean => sameTitle(b) && (placeholder === null || b.placeholder !== null);
  const what = placeholder === null ? `title ${quoted(title)}` : `the web server's placeholder page (${placeholder})`;
  const fallThrough = "typically the server's default vhost answering because this site's vhost is missing, not enabled or does not match the name (server_name/ServerName)";
  const ph = placeholder === null ? {} : { placeholder };
  const atRecord = recorded === undefined ? {} : { recordedTitle: recordedTitle(recorded.page.title), recordedStatus: recorded.page.status, recordedAt: recorded.recordedAt, recordedBy: recorded.by };
  const by = recorded?.by ?? 'preflight';
  const whenRecorded = `when ${by} recorded it (${recorded?.recordedAt ?? ''})`;
  if (live !== null) {
    const evidence = { title: recordedTitle(title), stagingTitle: recordedTitle(live.title), baseline: 'staging', ...atRecord, ...ph };
    if (matches(live)) return [f.pass(`title ${quoted(title)} as on staging`, evidence)];
    // A maintenance page served with a 200 is not the site either.
    if (rec !== null && matches(rec)) return [f.pass(`title ${quoted(title)} as on staging ${whenRecorded}; staging now answers ${quoted(live.title)} (its maintenance page?)`, { ...evidence, baseline: by })];
    return [f.fail(`production answers with another site, not staging's copy: ${what} where staging has ${quoted(live.title)} — ${fallThrough}`, evidence)];
  }
  const why =
    answered !== null ? `staging, locked, answers 200 with ${quoted(answered.title)}` : staging === null ? 'staging did not answer' : staging.status !== 200 ? `staging answers ${staging.status}` : 'staging is not HTML';
  if (rec !== null) {
    const evidence = { title: recordedTitle(title), stagingTitle: recordedTitle(rec.title), baseline: by, ...atRecord, ...ph };
    if (matches(rec)) return [f.pass(`title ${quoted(title)} as on staging ${whenRecorded}; ${why} now`, evidence)];
    return [f.fail(`production answers with another site, not staging's copy: ${what} where staging had ${quoted(rec.title)} ${whenRecorded} (${why} now) — ${fallThrough}`, evidence)];
  }
  const evidence = { title: recordedTitle(title), stagingTitle: null, baseline: null, ...(answered === null ? {} : { stagingNowTitle: recordedTitle(answered.title) }), ...atRecord, ...ph };
  if (placeholder !== null) return [f.fail(`production answers with the web server's placeholder page (${placeholder}), not the site — ${fallThrough}`, evidence)];
  const at = `at ${by} (${recorded?.recordedAt ?? ''})`;
  const none = recorded === undefined ? 'no baseline' : recorded.page.status === null ? `and it ${noPageText(recorded.page, true)} ${at}` : recorded.page.status !== 200 ? `and it answered ${recorded.page.status} ${at}` : `and its page was not HTML ${at}`;
  // A check that could not be made is not a pass: the page may be a neighbour site's.
  return [f.warn(`title ${quoted(title)} on ${path}; not compared (${why}, ${none}): this page may not be the site`, evidence)];
}

/**
 * The page table's title columns: production's <title> (an HTML page only), and the staging
 * title the check above compares it with — staging's answer now while it is live, else its
 * record — preferring one that matches, as the check does. `titleDiffers` marks a title that
 * changed beyond host names and the rewrite: what search results show for the page changes.
 */
export function titleColumns(
  prodDoc: HtmlDoc | null,
  staging: FetchOk | null,
  stagingDoc: HtmlDoc | null,
  sides: { production: Side; staging: Side },
  baselines: { recorded?: RecordedPage | undefined; rewrite?: readonly TitleRewrite[]; stagingLocked?: boolean } = {},
): Pick<PageRow, 'title' | 'stagingTitle' | 'titleDiffers'> {
  if (prodDoc === null) return {};
  const { recorded, rewrite = [], stagingLocked = false } = baselines;
  const title = titleOf(prodDoc);
  const candidates: Array<string | null> = [];
  // Locked, staging's 200 page is its maintenance page, no title of the site's.
  if (!stagingLocked && staging !== null && staging.status === 200 && stagingDoc !== null) candidates.push(titleOf(stagingDoc));
  if (recorded !== undefined && recorded.page.status === 200 && recorded.page.html) candidates.push(recorded.page.title);
  if (candidates.length === 0) return { title: recordedTitle(title) };
  const same = candidates.find((t) => titlesMatch(title, t, sides, rewrite));
  return same !== undefined
    ? { title: recordedTitle(title), stagingTitle: recordedTitle(same), titleDiffers: false }
    : { title: recordedTitle(title), stagingTitle: recordedTitle(candidates[0]!), titleDiffers: true };
}

/**
 * Longest title a page row records (characters). A template that never closes its <title> makes
 * the rest of the page (up to the 4 MiB body limit) the title: recorded whole, for production and
 * staging on every page, it swelled the validation record, the state file and each report.
 */
export const TITLE_RECORDED_MAX = 1000;

/** A title as a page row records it: cut to TITLE_RECORDED_MAX characters, `…` saying so (compared whole before). */
function recordedTitle(t: string | null): string | null {
  if (t === null) return null;
  const chars = Array.from(t);
  return chars.length > TITLE_RECORDED_MAX ? `${chars.slice(0, TITLE_RECORDED_MAX - 1).join('')}…` : t;
}

/** A title quoted in a finding's message: cut as a page row records it, so a <title> never closed does not put the page in every message. */
function quoted(t: string | null): string {
  return JSON.stringify(recordedTitle(t ?? ''));
}

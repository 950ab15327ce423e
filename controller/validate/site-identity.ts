// Whether production answers with this site at all. A vhost that does not match the name falls
// through to the server's default one: the distribution's "It works" page, an empty directory's
// listing, or another site on the same machine — 200, often behind a wildcard certificate that
// is valid for the name, so status and TLS pass. Production holds staging's database and files,
// so each page's <title> matches staging's (host names aside); while staging is locked and
// answers its maintenance page there is no baseline, and only the well-known placeholders are
// recognised.
import { findingsFor, type Finding } from './types.js';
import type { HtmlDoc } from './html-doc.js';
import type { FetchOk } from './pinned-client.js';
import type { Side } from './sides.js';

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
  if (title !== null && title !== '' && PLACEHOLDER_TITLES.some((r) => r.test(title))) return `title ${JSON.stringify(title)}`;
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

export function siteIdentityFindings(prod: FetchOk, prodDoc: HtmlDoc | null, staging: FetchOk | null, stagingDoc: HtmlDoc | null, path: string, sides: { production: Side; staging: Side }): Finding[] {
  if (prodDoc === null || prod.status < 200 || prod.status >= 300) return [];
  const f = findingsFor('same-site', path);
  const title = titleOf(prodDoc);
  const placeholder = placeholderOf(prodDoc);
  const baseline = staging !== null && staging.status === 200 && stagingDoc !== null ? stagingDoc : null;
  const stagingTitle = baseline === null ? null : titleOf(baseline);
  const evidence = { title, stagingTitle, ...(placeholder === null ? {} : { placeholder }) };
  const fallThrough = "typically the server's default vhost answering because this site's vhost is missing, not enabled or does not match the name (server_name/ServerName)";
  if (baseline !== null) {
    const same = comparable(title ?? '', sides) === comparable(stagingTitle ?? '', sides);
    if (same && (placeholder === null || placeholderOf(baseline) !== null)) return [f.pass(`title ${JSON.stringify(title ?? '')} as on staging`, evidence)];
    const what = placeholder === null ? `title ${JSON.stringify(title ?? '')}` : `the web server's placeholder page (${placeholder})`;
    return [f.fail(`production answers with another site, not staging's copy: ${what} where staging has ${JSON.stringify(stagingTitle ?? '')} — ${fallThrough}`, evidence)];
  }
  const why = staging === null ? 'staging did not answer' : staging.status !== 200 ? `staging answers ${staging.status}` : 'staging is not HTML';
  if (placeholder !== null) return [f.fail(`production answers with the web server's placeholder page (${placeholder}), not the site — ${fallThrough}`, evidence)];
  return [f.pass(`title ${JSON.stringify(title ?? '')}; not compared (${why}, no baseline)`, evidence)];
}

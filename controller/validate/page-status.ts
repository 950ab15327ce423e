// A page's final status and its redirect chain on production: the page must end where the plan
// expects (200 unless mapped), in at most one permanent redirect, on the production host.
import { findingsFor, type Finding } from './types.js';
import { PERMANENT_REDIRECTS, redirectCount, type Chain } from './redirect-chain.js';
import { isStagingUrl, type Side } from './sides.js';
import { baselineEvidence, pathOf, stagingNoPage, stagingDid, when, type Against } from './staging-answer.js';

export function hopsEvidence(chain: Chain): Array<{ url: string; status: number; location: string | null; ttfbMs: number }> {
  return chain.hops.map((h) => ({ url: h.url, status: h.status, location: h.location, ttfbMs: h.ttfbMs }));
}

/**
 * `stagingChain` is what staging answers now (the evidence shows it); `against` is what the page
 * is compared with: the same answer, or once staging is locked its record (staging-answer.ts).
 */
export function statusFindings(chain: Chain, path: string, expected: number, sides: { production: Side; staging: Side }, stagingChain: Chain, against: Against): Finding[] {
  const st = findingsFor('status', path);
  const rc = findingsFor('redirect-chain', path);
  const hops = hopsEvidence(chain);
  const now = stagingChain.final?.status ?? (stagingChain.error !== undefined ? `error: ${stagingChain.error.message}` : null);
  const evidence = { expected, hops, stagingStatus: now, ...baselineEvidence(against) };
  const was = against.answer;
  const out: Finding[] = [];

  if (chain.error !== undefined) {
    const what = chain.error.timedOut ? 'timed out' : 'failed';
    return [st.fail(`request ${what}: ${chain.error.url}: ${chain.error.message}`, { ...evidence, error: chain.error })];
  }
  if (chain.loop !== undefined) return [rc.fail(`redirect loop: back to ${chain.loop} after ${chain.hops.length} hops`, evidence)];
  if (chain.tooManyHops === true) return [rc.fail(`more than ${chain.hops.length - 1} redirects without reaching a page`, evidence)];
  if (chain.badLocation !== undefined) return [rc.fail(`redirect with an unusable Location ${JSON.stringify(chain.badLocation)}`, evidence)];
  if (chain.leftTo !== undefined) {
    const target = new URL(chain.leftTo);
    if (isStagingUrl(target, sides.staging, sides.production)) return [rc.fail(`redirects to the staging site: ${chain.leftTo}`, evidence)];
    const first = chain.hops[0]?.status;
    if (first !== undefined && first === expected) return [rc.pass(`${first} off the production host to ${chain.leftTo}, as checks.expectStatus says; not followed`, evidence)];
    // The site's own redirect to elsewhere (staging sends it to the same place) is its business;
    // production alone sending the page away — a canonical-host or https rule naming another
    // host — means the page is not served at the production origin at all, so nothing about it
    // (status, canonical, noindex) can pass. A locked staging's maintenance page shows neither:
    // the page fails unless a record shows staging sending it to the same place.
    if (was !== null && was.leftTo === chain.leftTo) return [rc.warn(`redirects off the production host to ${chain.leftTo}, as ${stagingDid(was, 'does', 'did')}; not followed`, evidence)];
    const why =
      was === null
        ? against.why
        : was.leftTo !== undefined
          ? stagingDid(was, `redirects to ${was.leftTo}`, `redirected to ${was.leftTo}`)
          : was.status !== null
            ? stagingDid(was, `answers ${was.status}`, `answered ${was.status}`)
            : stagingNoPage(was);
    return [rc.fail(`redirects off the production host to ${chain.leftTo} (${why}): the page is not served at ${sides.production.origin.origin}; if it is meant to, set its status in checks.expectStatus`, evidence)];
  }

  const final = chain.final;
  if (final === null) return [st.fail('no final response', evidence)];
  if (final.status === expected) out.push(st.pass(`${final.status} as expected`, evidence));
  else out.push(st.fail(`final status ${final.status}, expected ${expected}${was !== null && was.status !== null ? ` (staging: ${was.status}${when(was)})` : ''}`, evidence));

  // Production ending somewhere staging does not — a login page, the home page, a path with or
  // without its trailing slash — is a URL change for every visitor and crawler, whatever status
  // the page it lands on answers. Staging, where it answers, is what the page should do.
  const ends = pathOf(final.url);
  if (was !== null && was.status === 200 && was.finalPath !== undefined) {
    if (ends !== was.finalPath) out.push(rc.fail(`production ends at ${ends} where ${stagingDid(was, `serves ${was.finalPath}`, `served ${was.finalPath}`)}`, evidence));
  } else if (was === null && ends !== pathOf(chain.start)) {
    // A locked staging's maintenance page ends wherever it was asked: no sign of where the page should.
    out.push(rc.warn(`production ends at ${ends}; not compared with where staging ends (${against.why})`, evidence));
  }

  // A site served over https that sends visitors down to http: browsers holding its HSTS policy
  // upgrade the request again and loop, the rest lose the padlock and secure cookies, and
  // crawlers are told the http URL is the page.
  const downgrades = chain.hops.filter((h) => h.location !== null && new URL(h.url).protocol === 'https:' && new URL(h.location).protocol === 'http:');
  if (downgrades.length > 0) out.push(rc.fail(`redirects from https to http (${downgrades.map((h) => `${h.status} ${h.url} → ${h.location}`).join(', ')}); HSTS browsers loop and crawlers index the insecure URL`, evidence));

  const redirects = redirectCount(chain);
  const temporary = chain.hops.filter((h) => h.location !== null && !PERMANENT_REDIRECTS.has(h.status));
  if (temporary.length > 0) {
    out.push(rc.warn(`temporary redirect (${temporary.map((h) => `${h.status} ${h.url} → ${h.location}`).join(', ')}); search engines keep the old URL, use 301`, evidence));
  }
  if (redirects > 1) out.push(rc.warn(`${redirects} redirects before the page; make it one hop`, evidence));
  if (redirects > 0 && temporary.length === 0 && redirects === 1 && !out.some((x) => x.status === 'fail')) out.push(rc.pass('one permanent redirect', evidence));
  return out;
}

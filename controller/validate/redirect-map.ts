// The SEO migration's URL map, entry by entry on production: the old path answers the planned
// status with the planned target in one hop, and the target itself is a page (200), not the
// start of another chain.
import { findingsFor, type Finding } from './types.js';
import type { HttpContext } from './http-context.js';
import { locationOf } from './pinned-client.js';
import { redirectCount } from './redirect-chain.js';
import { isStagingUrl, urlOn, type Side } from './sides.js';
import type { RedirectRule } from '../cutover/redirects-csv.js';
import { mapLimit } from './limit.js';

export async function redirectMapFindings(http: HttpContext, sides: { production: Side; staging: Side }, rules: readonly RedirectRule[], concurrency: number): Promise<Finding[]> {
  const { production, staging } = sides;
  const results = await mapLimit(rules, concurrency, async (rule): Promise<Finding[]> => {
    const f = findingsFor('redirect-map', rule.from);
    const from = urlOn(production, rule.from);
    const want = new URL(rule.to, production.origin).toString();
    const res = await http.fetch(from, production.ip);
    if (!res.ok) return [f.fail(`${rule.from}: ${res.error}`, { rule })];
    const location = locationOf(res.headers);
    let got: string | null = null;
    try {
      got = location === undefined ? null : new URL(location, from).toString();
    } catch {
      got = location ?? null;
    }
    const evidence = { rule, status: res.status, location: got };
    const out: Finding[] = [];
    if (res.status !== rule.status) out.push(f.fail(`${rule.from} answers ${res.status}${got === null ? '' : ` → ${got}`}, expected ${rule.status} → ${want}`, evidence));
    if (got !== want) out.push(f.fail(`${rule.from} redirects to ${got ?? '(no Location)'}, expected ${want}`, evidence));
    if (out.length > 0) return out;
    const target = await http.chain(production, want);
    const targetEvidence = { ...evidence, target: target.hops.map((h) => ({ url: h.url, status: h.status, location: h.location })) };
    // A target on another host is not fetched at all; one that leaves production after its own
    // redirects is judged by where it goes, since that is where visitors and crawlers end up.
    if (target.leftTo !== undefined && target.hops.length === 0) return [f.pass(`${rule.status} → ${want} (off-site, not followed)`, targetEvidence)];
    if (target.error !== undefined) return [f.fail(`target ${want} did not answer: ${target.error.message}`, targetEvidence)];
    const hops = redirectCount(target);
    if (target.leftTo !== undefined && isStagingUrl(new URL(target.leftTo), staging, production)) return [f.fail(`target ${want} redirects to the staging site: ${target.leftTo}`, targetEvidence)];
    if (target.loop !== undefined) return [f.fail(`target ${want} is a redirect loop: back to ${target.loop}`, targetEvidence)];
    if (target.tooManyHops === true) return [f.fail(`target ${want} redirects more than ${hops - 1} times without reaching a page`, targetEvidence)];
    if (target.badLocation !== undefined) return [f.fail(`target ${want} redirects with an unusable Location ${JSON.stringify(target.badLocation)}`, targetEvidence)];
    const st = target.final?.status;
    const end = target.leftTo ?? target.final?.url ?? want;
    if (target.leftTo === undefined && st !== 200) return [f.fail(hops > 0 ? `target ${want} ends at ${st ?? 'nothing'} (${end}) after ${hops} more redirect${hops === 1 ? '' : 's'}` : `target ${want} answers ${st ?? 'nothing'}`, targetEvidence)];
    if (hops > 0) return [f.warn(`${rule.from} → ${want} takes ${hops + 1} hops; the target redirects again, ending at ${end}${target.leftTo === undefined ? '' : ' (off-site, not followed)'}`, targetEvidence)];
    return [f.pass(`${rule.status} → ${want} in one hop`, targetEvidence)];
  });
  return results.flat();
}

// Staging's pages recorded while staging is still live — each one's status and <title> — for
// validate to tell production's copy of the site from another site once the lock has put
// staging's maintenance page (a 503) on every URL. Nothing here fails preflight: a page without
// a record is only "not compared" at validate, and the warning says which ones those are.
import { recordStagingBaseline } from '../../../validate/index.js';
import { EVIDENCE_KEYS } from '../../executor.js';
import { pass, warn, type PreflightCheck } from './types.js';

const NAME = 'staging pages';

export function stagingPagesCheck(): PreflightCheck {
  return async ({ step, setEvidence }) => {
    const { plan } = step;
    const baseline = await recordStagingBaseline(plan, { signal: step.signal, now: () => step.clock.now() });
    setEvidence(EVIDENCE_KEYS.stagingBaseline, baseline);
    const expected = plan.checks.expectStatus ?? {};
    const recorded = baseline.pages.filter((p) => p.status === 200 && p.html);
    // A page that answers what the plan expects but is no 200 HTML page (a 410, a PDF) has no
    // title to compare anyway: nothing to warn about.
    const missing = baseline.pages.filter((p) => p.status !== (expected[p.path] ?? 200));
    // The titles themselves are in the step's evidence under stagingBaseline.
    const evidence = { recordedAt: baseline.recordedAt, pages: baseline.pages.length, withTitle: recorded.length };
    const after = 'validate, with staging locked, cannot tell production answering with another site (a neighbour vhost) from this one there';
    if (baseline.pages.length === 0) {
      return [warn(NAME, `no pages recorded: staging's sitemap ${plan.checks.sitemap ?? ''} gave no URLs${baseline.sitemapProblems === '' ? '' : ` (${baseline.sitemapProblems})`}; ${after}`, evidence)];
    }
    const titled = `${recorded.length} of ${baseline.pages.length} staging pages recorded with their titles, the baseline validate compares production with once staging is locked`;
    const problems = [
      ...missing.map((p) => `${p.path} ${p.status !== null ? `answers ${p.status}` : p.leftTo !== undefined ? `redirects off the site, to ${p.leftTo}` : `did not answer${p.error === undefined ? '' : ` (${p.error})`}`}`),
      ...(baseline.sitemapProblems === '' ? [] : [`sitemap: ${baseline.sitemapProblems}`]),
    ];
    if (problems.length > 0) return [warn(NAME, `${titled}; ${problems.join('; ')} — ${after}`, evidence)];
    return [pass(NAME, titled, evidence)];
  };
}

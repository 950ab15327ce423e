// Runtime parity: versions, modules, key server variables and env value digests of the two
// agents must match, apart from the keys the plan allows to differ.
import { EVIDENCE_KEYS } from '../../executor.js';
import type { RuntimeParityService } from '../../../parity/service.js';
import { fail, pass, type PreflightCheck } from './types.js';

// TLS rows are keyed by host name, and staging and production serve different names, so they
// never line up here; the TLS check pairs the two origins' certificates instead.
const JUDGED_ELSEWHERE = new Set(['tls']);

export function runtimeParityCheck(parity: Pick<RuntimeParityService, 'compare'>): PreflightCheck {
  return async ({ step, setEvidence }) => {
    const { plan } = step;
    const table = await parity.compare(plan.staging.agent, plan.production.agent, { allowDiffer: plan.checks.allowDiffer ?? [] });
    setEvidence(EVIDENCE_KEYS.runtimeParity, table);
    const bad = table.rows.filter((r) => (r.status === 'differs' || r.status === 'missing') && !JUDGED_ELSEWHERE.has(r.category));
    if (bad.length === 0) {
      return [pass('runtime parity', `${table.summary.equal} equal, ${table.summary.allowed} allowed to differ`, { summary: table.summary })];
    }
    const shown = bad.slice(0, 10).map((r) => `${r.key}: ${r.staging ?? 'absent'} ≠ ${r.production ?? 'absent'}`);
    return [
      fail('runtime parity', `${bad.length} difference(s) between ${plan.staging.agent} and ${plan.production.agent}: ${shown.join('; ')}${bad.length > 10 ? '; …' : ''} — fix production, or list the key in checks.allowDiffer if the difference is meant`, {
        summary: table.summary,
        rows: bad,
      }),
    ];
  };
}

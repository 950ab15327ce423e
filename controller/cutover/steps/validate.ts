// validate: the production origin checked by its IP before any DNS change — pages, redirects,
// canonical/hreflang, robots, TLS, asset files, web vitals (controller/validate). Read-only,
// so safe to run again. Any failed check fails the step; warnings are reported and pass.
import type { AgentDirectory } from '../../agents/agent-directory.js';
import type { AgentClient } from '../../../shared/proto-gen/switchyard/v1/Agent.js';
import type { ScanTextRequest } from '../../../shared/proto-gen/switchyard/v1/ScanTextRequest.js';
import type { ScanTextResponse__Output } from '../../../shared/proto-gen/switchyard/v1/ScanTextResponse.js';
import { runValidation, storedStagingBaseline, type StagingBaseline, type TextScanner, type ValidationOptions, type ValidationReport } from '../../validate/index.js';
import { EVIDENCE_KEYS, type StepContext, type StepExecutor, type StepResult } from '../executor.js';
import type { StepDeps } from './deps.js';

/** A whole-tree text scan can take a while on a large uploads root. */
const SCAN_TIMEOUT_MS = 10 * 60_000;

export function agentTextScanner(agents: AgentDirectory, signal?: AbortSignal): TextScanner {
  return async (agent, req) => {
    const client = agents.client(agent, 'production.agent');
    const res = await agents.call<AgentClient, ScanTextRequest, ScanTextResponse__Output>(agent, client, client.ScanText, { ...req, max_matches: 0 }, { timeoutMs: SCAN_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) });
    return { matches: res.matches.map((m) => ({ path: m.path, line: m.line, excerpt: m.excerpt })), filesScanned: res.files_scanned, truncated: res.truncated, skipped: res.skipped };
  };
}

/**
 * Staging's pages as this cutover recorded them while staging was live, oldest first: by its
 * last preflight, then by lock just before the freeze (validate takes each page's latest
 * normal answer).
 */
export function stagingBaselines(ctx: Pick<StepContext, 'plan' | 'record'>): StagingBaseline[] {
  const out: StagingBaseline[] = [];
  for (const step of ['preflight', 'lock'] as const) {
    const ev = ctx.record.step(step)?.result?.evidence;
    if (ev === null || typeof ev !== 'object') continue;
    const b = storedStagingBaseline((ev as Record<string, unknown>)[EVIDENCE_KEYS.stagingBaseline], ctx.plan, step);
    if (b !== undefined) out.push(b);
  }
  return out;
}

/**
 * Whether this cutover's lock froze staging: from then on staging answers its maintenance page
 * (a skipped lock — nothing to freeze — leaves staging live, its pages a baseline).
 */
export function stagingLocked(ctx: Pick<StepContext, 'record'>): boolean {
  return ctx.record.step('lock')?.state === 'succeeded';
}

export function validationResult(report: ValidationReport): StepResult {
  const { pass, warn, fail } = report.summary;
  const summary = `${report.pages.length} pages: ${fail} failed, ${warn} warnings, ${pass} passed`;
  const evidence = { [EVIDENCE_KEYS.validation]: report };
  if (fail === 0) return { summary, evidence };
  const failed = report.findings.filter((f) => f.status === 'fail');
  const lines = failed.slice(0, 5).map((f) => `${f.check}${f.page === undefined ? '' : ` ${f.page}`}: ${f.message}`);
  return { outcome: 'failed', summary, evidence, error: `${fail} validation check${fail === 1 ? '' : 's'} failed: ${lines.join(' | ')}${failed.length > 5 ? ` | and ${failed.length - 5} more (see the report)` : ''}` };
}

export function validateExecutor(deps: Pick<StepDeps, 'agents'>, opts: Omit<ValidationOptions, 'signal' | 'emit' | 'scanner' | 'mode'> = {}): StepExecutor {
  return {
    idempotent: true,
    async run(ctx) {
      const report = await runValidation(ctx.plan, {
        ...opts,
        mode: 'pinned',
        stagingBaseline: stagingBaselines(ctx),
        stagingLocked: stagingLocked(ctx),
        signal: ctx.signal,
        emit: ctx.emit,
        // Certificate expiry is judged on the real clock, never a test or replay clock.
        scanner: agentTextScanner(deps.agents, ctx.signal),
      });
      return validationResult(report);
    },
  };
}

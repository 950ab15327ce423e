// propagate: the zone's authoritative servers first, then the configured resolvers, until all
// answer the production IP or the time (checks.propagationTimeoutSeconds, default 600) runs
// out. Evidence per server: answer, remaining TTL, latency. Slow resolvers, authoritative servers
// without the new value, or too few resolvers answering to judge (resolverVerdict) mean visitors
// cannot reach the site reliably: the cutover rolls back. For a
// proxied Cloudflare record DNS only ever shows Cloudflare's addresses, so the origin is
// confirmed over HTTP instead (the X-Switchyard-Origin header, see controller/dns/origin-check.ts).
import { requireDnsProvider } from '../../dns/registry.js';
import { authoritativeServers } from '../../dns/query.js';
import { waitForPropagation, type ServerResult } from '../../dns/propagation.js';
import { waitForOriginByHttp } from '../../dns/origin-check.js';
import { EVIDENCE_KEYS, type StepContext, type StepExecutor, type StepResult } from '../executor.js';
import type { Plan } from '../plan.js';
import type { StepDeps } from './deps.js';
import { pageUrl } from './pinned-http.js';
import { postSwitchValidation } from '../../validate/run-validation.js';
import { stagingBaselines, stagingLocked } from './validate.js';
import { ACCESS_LOG_START_KEY, earlierAccessLogStart, takeAccessLogStart } from './access-log-start.js';

export const DEFAULT_PROPAGATION_TIMEOUT_SECONDS = 600;

export interface PropagateOptions {
  /** Between polling rounds; default 2 s, shorter when the timeout is short. */
  intervalMs?: number;
  queryTimeoutMs?: number;
  /** false: skip the validation re-run through DNS once all servers answer (tests of DNS alone). */
  postSwitchValidation?: boolean;
}

export function propagationTimeoutMs(plan: Plan): number {
  return Math.round((plan.checks.propagationTimeoutSeconds ?? DEFAULT_PROPAGATION_TIMEOUT_SECONDS) * 1000);
}

function serverView(s: ServerResult): Record<string, unknown> {
  return { server: s.server, role: s.role, answer: s.answer, ttl: s.ttl, latencyMs: s.latencyMs, ok: s.ok, error: s.error, attempts: s.attempts };
}

async function viaHttp(ctx: StepContext, timeoutMs: number, intervalMs: number): Promise<StepResult> {
  const { plan } = ctx;
  const url = pageUrl(plan.production.origin, plan.checks.pages?.[0] ?? '/');
  const check = await waitForOriginByHttp(url, plan.production.agent, { waitMs: timeoutMs, intervalMs, signal: ctx.signal });
  const evidence = { [EVIDENCE_KEYS.propagation]: { mode: 'http-origin', proxied: true, expectedOrigin: plan.production.agent, check } };
  if (check.ok) return { summary: `proxied record: the edge answers from ${plan.production.agent} (${check.via.at(-1) ?? url})`, evidence };
  const within = `within ${Math.round(timeoutMs / 1000)} s`;
  if (check.verdict === 'other-origin') {
    return { outcome: 'failed', error: `proxied record: the edge did not answer from ${plan.production.agent} ${within}: ${check.error}; advance again to re-check or roll back`, evidence };
  }
  // The edge only answered by itself: nothing shows staging serving, so this is the operator's to
  // judge, not a reason to undo the switch.
  return {
    outcome: 'failed',
    error: `proxied record: could not confirm which origin the edge answers from ${within} (${url}): ${check.error}; nothing shows staging serving — let ${url} reach the origin uncached (purge the edge cache, or bypass it for ?switchyard-probe=) and advance again, or roll back`,
    evidence,
  };
}

export interface ResolverVerdict {
  resolvers: number;
  minAgreeing: number;
  agreeing: ServerResult[];
  /** Resolvers that gave an answer (new value or old). */
  reachable: ServerResult[];
  unreachable: ServerResult[];
}

/**
 * The rule for the configured (public) resolvers, apart from the authoritative servers, which must
 * all answer the new value. The 5xx threshold (maxErrorRate) does not apply: with a handful of
 * servers one that the controller's network blocks is 17-25 %, and rolled a good switch back. A
 * resolver that never answered is reported, not judged; too few answering ones to reach the
 * required number is what rolls back.
 */
export function resolverVerdict(servers: ServerResult[], minResolversAgreeing: number | undefined): ResolverVerdict {
  const resolvers = servers.filter((s) => s.role === 'resolver');
  const unreachable = resolvers.filter((s) => !s.ok && s.attempts > 0 && s.latencyMs === null);
  const reachable = resolvers.filter((s) => !unreachable.includes(s));
  const majority = Math.floor(resolvers.length / 2) + 1;
  const minAgreeing = Math.min(resolvers.length, minResolversAgreeing ?? majority);
  return { resolvers: resolvers.length, minAgreeing, agreeing: resolvers.filter((s) => s.ok), reachable, unreachable };
}

export function propagateExecutor(deps: Pick<StepDeps, 'dns' | 'config'> & Partial<Pick<StepDeps, 'agents'>>, opts: PropagateOptions = {}): StepExecutor {
  const run = propagate(deps, opts);
  return {
    idempotent: true,
    async run(ctx) {
      // First, right after the switch: monitor counts production's access log from here.
      const start = earlierAccessLogStart(ctx) ?? (deps.agents === undefined ? undefined : await takeAccessLogStart(() => deps.agents!.client(ctx.plan.production.agent, 'production.agent'), ctx.plan.production.agent));
      if (start === undefined) return run(ctx);
      ctx.record.put(ACCESS_LOG_START_KEY, start);
      const r = await run(ctx);
      const withStart = (ev: Record<string, unknown> | undefined) => ({ ...ev, [ACCESS_LOG_START_KEY]: start });
      return { ...r, evidence: withStart(r.evidence), ...(r.rollback === undefined ? {} : { rollback: { ...r.rollback, evidence: withStart(r.rollback.evidence) } }) };
    },
  };
}

function propagate(deps: Pick<StepDeps, 'dns' | 'config'>, opts: PropagateOptions): (ctx: StepContext) => Promise<StepResult> {
  return async (ctx) => {
    const { plan } = ctx;
    const provider = requireDnsProvider(deps.dns, plan.dns.provider);
    const timeoutMs = propagationTimeoutMs(plan);
    const intervalMs = opts.intervalMs ?? Math.max(100, Math.min(2000, Math.floor(timeoutMs / 10)));
    const record = await provider.getRecordSet(plan.dns.zone, plan.dns.name, plan.dns.type, { signal: ctx.signal });
    if (record?.proxied === true) return viaHttp(ctx, timeoutMs, intervalMs);

    const authoritative = provider.authoritative !== undefined && provider.authoritative.length > 0 ? [...provider.authoritative] : await authoritativeServers(plan.dns.zone);
    const resolvers = [...deps.config.resolvers];
    const expected = [plan.production.ip];
    const result = await waitForPropagation({
      name: plan.dns.name,
      type: plan.dns.type,
      expected,
      authoritative,
      resolvers,
      timeoutMs,
      intervalMs,
      // A slow answer is asked again: the first one after the switch is often the resolver
      // fetching the new value cold. Only a server slow until the time runs out rolls back.
      maxLatencyMs: plan.checks.maxResolverLatencyMs,
      queryTimeoutMs: opts.queryTimeoutMs ?? Math.max(plan.checks.maxResolverLatencyMs * 4, 2000),
      signal: ctx.signal,
      onRound: (servers) => {
        const done = servers.filter((s) => s.ok).length;
        ctx.emit({ phase: 'propagation', files: done, filesTotal: servers.length, message: `${done}/${servers.length} servers answer ${expected.join(', ')}` });
      },
    });

    const maxLatency = plan.checks.maxResolverLatencyMs;
    const slow = result.servers.filter((s) => s.latencyMs !== null && s.latencyMs > maxLatency);
    const verdict = resolverVerdict(result.servers, plan.checks.minResolversAgreeing);
    const evidence = {
      [EVIDENCE_KEYS.propagation]: {
        mode: 'dns',
        expected,
        ok: result.ok,
        elapsedMs: result.elapsedMs,
        timeoutMs,
        /** Share of servers with no answer at the end; informative only (see resolverVerdict). */
        errorRate: result.errorRate,
        minResolversAgreeing: verdict.minAgreeing,
        resolversAgreeing: verdict.agreeing.length,
        unreachableResolvers: verdict.unreachable.map((s) => s.server),
        maxResolverLatencyMs: maxLatency,
        servers: result.servers.map(serverView),
      },
    };
    const names = (xs: ServerResult[]) => xs.map((s) => `${s.server}${s.latencyMs !== null ? ` (${s.latencyMs} ms)` : s.error ? ` (${s.error})` : ''}`).join(', ');
    if (ctx.signal.aborted) return { outcome: 'failed', error: 'propagation check aborted', evidence };

    if (slow.length > 0) {
      const reason = `resolver latency over maxResolverLatencyMs ${maxLatency} ms: ${names(slow)}`;
      return { rollback: { reason, evidence }, evidence };
    }
    const authBad = result.servers.filter((s) => s.role === 'authoritative' && !s.ok);
    if (authBad.length > 0) {
      // The provider took the change but the zone's own servers do not serve it: the switch
      // did not happen for the world, and staging is frozen meanwhile.
      const reason = `authoritative servers still do not answer ${expected.join(', ')} after ${Math.round(timeoutMs / 1000)} s: ${authBad.map((s) => `${s.server} → ${s.answer.join(', ') || s.error || 'nothing'}`).join('; ')}`;
      return { rollback: { reason, evidence }, evidence };
    }
    if (verdict.reachable.length < verdict.minAgreeing) {
      // Too few resolvers answer at all to tell whether the world sees the switch.
      const reason = `only ${verdict.reachable.length} of ${verdict.resolvers} resolvers answered (minResolversAgreeing ${verdict.minAgreeing}): no answer from ${names(verdict.unreachable)}`;
      return { rollback: { reason, evidence }, evidence };
    }
    const lagging = verdict.reachable.filter((s) => !s.ok);
    const laggingText = lagging.map((s) => `${s.server} → ${s.answer.join(', ') || s.error || 'nothing'} (ttl ${s.ttl ?? '-'})`).join('; ');
    if (verdict.agreeing.length < verdict.minAgreeing) {
      return {
        outcome: 'failed',
        error: `after ${Math.round(timeoutMs / 1000)} s only ${verdict.agreeing.length} resolvers answer ${expected.join(', ')} (minResolversAgreeing ${verdict.minAgreeing}); these still answer the old value: ${laggingText}; advance again to re-check or roll back`,
        evidence,
      };
    }
    const warnings: string[] = [];
    if (verdict.unreachable.length > 0) warnings.push(`warning: no answer from ${names(verdict.unreachable)} (blocked from the controller's network?), not judged`);
    if (lagging.length > 0) warnings.push(`warning: still the old value: ${laggingText}`);
    if (warnings.length > 0) ctx.logger.warn({ unreachable: verdict.unreachable.map((s) => s.server), lagging: lagging.map((s) => s.server) }, 'propagate: some resolvers not judged or still old');
    const okCount = result.servers.filter((s) => s.ok).length;
    const summary = `${okCount} of ${result.servers.length} servers answer ${expected.join(', ')} after ${(result.elapsedMs / 1000).toFixed(1)} s${warnings.map((w) => `; ${w}`).join('')}`;
    if (opts.postSwitchValidation === false) return { summary, evidence };
    // The same checks as validate, now through the name as DNS answers it: anything that fails
    // here is live for visitors and crawlers, so it rolls back rather than waits.
    const answered = result.servers.find((s) => s.ok)?.answer[0] ?? expected[0];
    const report = await postSwitchValidation(plan, {
      signal: ctx.signal,
      ...(answered === undefined ? {} : { resolvedProductionIp: answered }),
      stagingBaseline: stagingBaselines(ctx),
      stagingLocked: stagingLocked(ctx),
      emit: ctx.emit,
    });
    const withValidation = { ...evidence, postSwitchValidation: report };
    if (report.summary.fail > 0) {
      const failed = report.findings.filter((f) => f.status === 'fail').slice(0, 5).map((f) => `${f.check}${f.page ? ` ${f.page}` : ''}: ${f.message}`);
      return { rollback: { reason: `post-switch validation failed: ${failed.join('; ')}`, evidence: withValidation }, evidence: withValidation };
    }
    return { summary: `${summary}; post-switch validation: ${report.summary.pass} passed, ${report.summary.warn} warnings`, evidence: withValidation };
  };
}

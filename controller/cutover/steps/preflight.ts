// preflight: everything that can be known before the freeze, each check passing, warning or
// failing with its evidence. Checks run concurrently and never hide each other: one that throws
// becomes a `fail` with its error, and the step fails listing every failed check. Database
// checks (auto-increment alignment, production-only rows, key collisions) plug in as `extra`.
import { randomBytes } from 'node:crypto';
import type { Facts__Output } from '../../../shared/proto-gen/switchyard/v1/Facts.js';
import { EVIDENCE_KEYS, type StepExecutor } from '../executor.js';
import type { StepDeps } from './deps.js';
import { cdnCheck } from './preflight/cdn.js';
import { dnsTtlCheck, type DnsTtlCheckOptions } from './preflight/dns-ttl.js';
import { dnsNameCheck } from './preflight/dns-name.js';
import { freeDiskCheck, type FreeDiskOptions } from './preflight/free-disk.js';
import { regressionCheck } from './preflight/regression.js';
import { robotsCheck } from './preflight/robots.js';
import { planVhostHosts, runtimeParityCheck } from './preflight/runtime-parity.js';
import { siteQuery } from '../../parity/vhost.js';
import { stagingPagesCheck } from './preflight/staging-pages.js';
import { stagingRootsCheck } from './preflight/staging-roots.js';
import { tlsParityCheck } from './preflight/tls-parity.js';
import { ttlLimitsCheck } from './preflight/ttl-limits.js';
import { fail, named, type Check, type PreflightCheck, type PreflightCheckContext } from './preflight/types.js';

export { named } from './preflight/types.js';
export type { Check, CheckStatus, PreflightCheck, PreflightCheckContext } from './preflight/types.js';

export interface PreflightOptions {
  /** Checks added by other features (the database preflight), run with the built-in ones. */
  extraChecks?: PreflightCheck[];
  /** Replaces the built-in list entirely (tests). */
  checks?: PreflightCheck[];
  dnsTtl?: DnsTtlCheckOptions;
  freeDisk?: FreeDiskOptions;
}

export function builtinPreflightChecks(deps: Pick<StepDeps, 'agents' | 'dns'>, opts: PreflightOptions = {}): PreflightCheck[] {
  return [
    named('runtime parity', runtimeParityCheck()),
    named('tls parity', tlsParityCheck()),
    named('dns ttl', dnsTtlCheck(deps.dns, opts.dnsTtl)),
    named('dns ttl limits', ttlLimitsCheck(deps.dns)),
    named('dns name', dnsNameCheck(deps.dns)),
    named('free disk', freeDiskCheck(opts.freeDisk)),
    named('staging asset roots', stagingRootsCheck()),
    named('robots.txt', robotsCheck()),
    named('staging pages', stagingPagesCheck()),
    named('cdn purge', cdnCheck(deps.dns)),
    named('regression', regressionCheck(deps.agents)),
  ];
}

export function preflightExecutor(deps: Pick<StepDeps, 'agents' | 'dns'>, opts: PreflightOptions = {}): StepExecutor {
  const checks = [...(opts.checks ?? builtinPreflightChecks(deps, opts)), ...(opts.extraChecks ?? [])];
  return {
    // Reads only (and runs the smoke suites, which must be safe to repeat by their nature).
    idempotent: true,
    async run(step) {
      const salt = randomBytes(16).toString('hex');
      const factsOf = new Map<string, Promise<Facts__Output>>();
      const extraEvidence: Record<string, unknown> = {};
      const ctx: PreflightCheckContext = {
        step,
        facts: (side) => {
          const agent = step.plan[side].agent;
          let p = factsOf.get(agent);
          if (p === undefined) {
            // Only runtime parity reads the server blocks: the agent sends the site's.
            const { plan } = step;
            p = deps.agents.facts(agent, salt, siteQuery(planVhostHosts(plan), side, plan.staging.agent === plan.production.agent), `${side}.agent`);
            factsOf.set(agent, p);
          }
          return p;
        },
        setEvidence: (key, value) => {
          extraEvidence[key] = value;
        },
      };
      const hellos = refreshHellos(deps.agents, [step.plan.staging.agent, step.plan.production.agent]);
      let done = 0;
      const results = await Promise.all(
        checks.map(async (check, i): Promise<Check[]> => {
          try {
            return await check(ctx);
          } catch (err) {
            return [fail(check.name || `check ${i + 1}`, (err as Error).message)];
          } finally {
            done++;
            step.emit({ phase: 'preflight', files: done, filesTotal: checks.length });
          }
        }),
      );
      await hellos;
      const all = results.flat();
      const failed = all.filter((c) => c.status === 'fail');
      const warned = all.filter((c) => c.status === 'warn');
      const evidence = { ...extraEvidence, [EVIDENCE_KEYS.checks]: all };
      const counts = `${all.length - failed.length - warned.length} passed, ${warned.length} warning(s), ${failed.length} failed`;
      if (failed.length > 0) {
        return { outcome: 'failed', summary: counts, error: `preflight failed: ${failed.map((c) => `${c.name}: ${c.message}`).join(' · ')}`, evidence };
      }
      return { summary: warned.length > 0 ? `${counts}: ${warned.map((c) => c.name).join(', ')}` : counts, evidence };
    },
  };
}

/**
 * Asks the plan's agents Hello, which the directory keeps: where their asset roots lie is what
 * the one-cutover-per-resource check compares (a root inside another, two names for one
 * directory) when another cutover is advanced, and it cannot wait for an agent then; the engine
 * compares this cutover's own roots and those of the cutovers already under way again with what
 * these answers say before its next step. Not a check: an agent that does not answer fails the
 * facts checks already.
 */
async function refreshHellos(agents: Pick<StepDeps, 'agents'>['agents'], names: string[]): Promise<void> {
  await Promise.allSettled([...new Set(names)].map(async (name) => agents.hello(name)));
}

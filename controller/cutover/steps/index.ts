// The step executors and rollback parts this build provides, from the controller's parts. The
// database, assets, lock and validate executors are added next to these by their features.
import type { RollbackPart, StepExecutors } from '../executor.js';
import type { StepDeps } from './deps.js';
import { dnsRollbackPart } from './dns-rollback.js';
import { monitorExecutor } from './monitor.js';
import { preflightExecutor, type PreflightOptions } from './preflight.js';
import { propagateExecutor, type PropagateOptions } from './propagate.js';
import { switchExecutor } from './switch.js';

export type { StepDeps } from './deps.js';
export { dnsRollbackPart } from './dns-rollback.js';
export { monitorExecutor, monitorSettings, probePage } from './monitor.js';
export { preflightExecutor, builtinPreflightChecks, named, type Check, type CheckStatus, type PreflightCheck, type PreflightCheckContext, type PreflightOptions } from './preflight.js';
export { propagateExecutor, type PropagateOptions } from './propagate.js';
export { switchExecutor, previewSwitch, withSwitchPreview, keepFirstSnapshot } from './switch.js';
export { dnsTtlPort, prepareTtl, preparedTtl, type PrepareTtlResult } from './prepare.js';

export interface BuildStepOptions {
  preflight?: PreflightOptions;
  propagate?: PropagateOptions;
}

/** preflight, switch, propagate and monitor; `fallback` is the engine's own. */
export function buildStepExecutors(deps: StepDeps, opts: BuildStepOptions = {}): StepExecutors {
  return {
    preflight: preflightExecutor(deps, opts.preflight),
    switch: switchExecutor(deps),
    propagate: propagateExecutor(deps, opts.propagate),
    monitor: monitorExecutor(deps),
  };
}

/** The DNS part; the database (swap back) and staging (unlock) parts follow it in that order. */
export function buildRollbackParts(deps: Pick<StepDeps, 'dns'>): RollbackPart[] {
  return [dnsRollbackPart(deps)];
}

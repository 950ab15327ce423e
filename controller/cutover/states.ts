// The names a cutover moves through. Steps run in this fixed order; `completed` is the state
// after `release`, not a step.
export const STEP_NAMES = [
  'preflight',
  'presync',
  'lock',
  'sync',
  'verify',
  'rewrite',
  'validate',
  'switch',
  'propagate',
  'monitor',
  'fallback',
] as const;

export type StepName = (typeof STEP_NAMES)[number];

export function isStepName(value: unknown): value is StepName {
  return typeof value === 'string' && (STEP_NAMES as readonly string[]).includes(value);
}

export function stepIndex(name: StepName): number {
  return STEP_NAMES.indexOf(name);
}

export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'interrupted', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const CUTOVER_STATES = [
  /** Created, nothing has run. */
  'planned',
  /** A run is in flight. */
  'running',
  /** A run ended at its `until` step; the next advance continues. */
  'paused',
  /** A step failed; the error is recorded. */
  'failed',
  /** The controller stopped while a step ran. */
  'interrupted',
  /** All steps done; staging held read-only until `release` or `rollback`. */
  'fallback',
  'completed',
  'rolling_back',
  /** A rollback stopped part-way; running it again finishes the parts not done. */
  'rollback_failed',
  'rolled_back',
] as const;
export type CutoverState = (typeof CUTOVER_STATES)[number];

/**
 * States nothing leaves: a rolled-back cutover stays rolled back (a repeated rollback only
 * audits), a completed one is refused a rollback. Their event log is over.
 */
export const FINAL_STATES: ReadonlySet<CutoverState> = new Set(['completed', 'rolled_back']);

/**
 * Steps between the freeze and the DNS switch. A failure here leaves staging locked and is
 * not retried in place (SPEC: nothing is patched mid-transition); the way out is rollback.
 */
export const MID_TRANSITION: ReadonlySet<StepName> = new Set(['lock', 'sync', 'verify', 'rewrite', 'validate', 'switch']);

/**
 * Steps after the DNS switch that watch live production and roll back on their own when it
 * fails. Visitors are on production while they run, so a restarted controller resumes them
 * itself instead of leaving production unwatched until someone notices.
 */
export const WATCH_STEPS: ReadonlySet<StepName> = new Set(['propagate', 'monitor']);

export const ROLLBACK_PART_STATES = ['pending', 'running', 'done', 'skipped', 'failed', 'interrupted'] as const;
export type RollbackPartState = (typeof ROLLBACK_PART_STATES)[number];

export const ROLLBACK_STATES = ['running', 'done', 'failed'] as const;
export type RollbackState = (typeof ROLLBACK_STATES)[number];

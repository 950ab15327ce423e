// What a step implementation sees and returns. Executors live with their feature
// (controller/dns, the agent-driven steps...) and are handed to the engine; the engine owns
// ordering, recording, locking and rollback, executors own the work.
import type { Logger } from '../../shared/logger.js';
import type { Plan } from './plan.js';
import type { StepName } from './states.js';
import type { CutoverStore, StepRow } from './store/index.js';
import type { CutoverView } from './view.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Progress of a long step; every field optional, send what you know. */
export interface Progress {
  /** What is being done now, e.g. `table wp_posts` or `uploads`. */
  phase?: string;
  bytes?: number;
  bytesTotal?: number;
  rows?: number;
  rowsTotal?: number;
  files?: number;
  filesTotal?: number;
  /** Units per second of the main measure (bytes when moving bytes). */
  rate?: number;
  etaSeconds?: number;
  message?: string;
}

/** Evidence of this cutover's steps: read earlier steps, write the running step's as it goes. */
export interface EvidenceRecord {
  /** A step of this cutover as stored now (state, result, error). */
  step(name: StepName): StepRow | undefined;
  /** The running step's evidence written so far (by `put`). */
  get(key: string): unknown;
  /**
   * Persists evidence of the running step immediately, before the step ends — e.g. the lock
   * step writes the prior read_only state before changing it, so a rollback after a crash
   * knows what to restore.
   */
  put(key: string, value: unknown): void;
}

export interface StepContext {
  readonly cutover: CutoverView;
  readonly plan: Plan;
  readonly step: StepName;
  /** 1 on the first run of this step, higher when re-run after a failure or interruption. */
  readonly attempt: number;
  /**
   * This step as its last attempt left it (state, result with the evidence put so far, error);
   * absent on the first attempt. A watch cut short by a restart carries on from it.
   */
  readonly previousAttempt?: StepRow;
  /** Aborted when a rollback is requested or the controller shuts down; stop promptly. */
  readonly signal: AbortSignal;
  readonly emit: (progress: Progress) => void;
  readonly record: EvidenceRecord;
  /** DNS snapshots and TTL observations live here; steps write them in their own transactions. */
  readonly store: CutoverStore;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface AutomaticRollbackRequest {
  reason: string;
  evidence?: Record<string, unknown>;
}

export interface StepResult {
  /** `skipped` when the plan has nothing for this step; `failed` stops the cutover with `error`. Default: succeeded. */
  outcome?: 'succeeded' | 'skipped' | 'failed';
  /** One line for status displays. */
  summary?: string;
  /** Shown in the report; see EVIDENCE_KEYS for the names the report picks up. */
  evidence?: Record<string, unknown>;
  /** With outcome `failed`: what failed, for the operator. */
  error?: string;
  /** From propagate/monitor: the cutover must go back now; the engine rolls back and records this. */
  rollback?: AutomaticRollbackRequest;
}

/** What a step cut short by a restart finds out about itself, before anyone acts on it. */
export interface ReconcileContext {
  readonly cutover: CutoverView;
  readonly plan: Plan;
  readonly step: StepName;
  /** The interrupted attempt: its evidence put so far, and the error recovery recorded. */
  readonly interrupted: StepRow;
  readonly signal: AbortSignal;
  readonly store: CutoverStore;
  readonly logger: Logger;
  readonly clock: Clock;
}

export type ReconcileResult =
  /** What the step was to do is done: recorded as succeeded with this summary and evidence. */
  | { outcome: 'succeeded'; summary: string; evidence?: Record<string, unknown> }
  /** Nothing happened (`not-run`), or it cannot be told (`unknown`): the step stays interrupted with `message`. */
  | { outcome: 'not-run' | 'unknown'; message: string };

export interface StepExecutor {
  /** Safe to run again after an interruption without a person checking first. */
  readonly idempotent: boolean;
  run(ctx: StepContext): Promise<StepResult>;
  /**
   * After a restart, for this step left running by the last process: looks (never changes
   * anything) whether its effect happened, e.g. whether the DNS provider took the switch.
   */
  reconcile?(ctx: ReconcileContext): Promise<ReconcileResult>;
}

export type StepExecutors = Partial<Record<StepName, StepExecutor>>;

/**
 * Evidence keys the report lifts into its parity, propagation and validation sections;
 * executors put their tables under these names in `StepResult.evidence`.
 */
export const EVIDENCE_KEYS = {
  runtimeParity: 'runtimeParity', // preflight: ParityTable from shared/parity.ts
  checks: 'checks', // preflight: [{name, status: pass|warn|fail, evidence}]
  stagingBaseline: 'stagingBaseline', // preflight, lock (just before the freeze): staging's pages (status, <title>) while live, validate's baseline once it is locked
  databaseParity: 'databaseParity', // verify
  assetsParity: 'assetsParity', // verify
  validation: 'validation', // validate
  dnsChange: 'dnsChange', // switch
  propagation: 'propagation', // propagate: per-resolver answers, TTL, latency
  monitor: 'monitor', // monitor: windows, 5xx share, samples
} as const;

export interface RollbackContext {
  readonly cutover: CutoverView;
  readonly plan: Plan;
  readonly reason: string;
  readonly automatic: boolean;
  /** This rollback's attempt number; > 1 after a part failed before. */
  readonly attempt: number;
  /** Read-only view of the steps: a part decides from them whether it has anything to undo. */
  step(name: StepName): StepRow | undefined;
  readonly emit: (progress: Progress) => void;
  readonly store: CutoverStore;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface RollbackPartResult {
  /** `skipped` when this part had nothing to undo (e.g. DNS never switched). Default: done. */
  outcome?: 'done' | 'skipped';
  detail?: Record<string, unknown>;
}

/** One thing to undo. Must be idempotent: a retry after a crash may run it again. */
export interface RollbackPart {
  readonly name: string;
  /**
   * The parts after this one are unsafe until it is done (DNS: unlocking staging while the
   * record still sends visitors to production splits the writes); when it fails they wait
   * for the next rollback call. Other parts' failures do not stop the ones after them.
   */
  readonly gate?: boolean;
  run(ctx: RollbackContext): Promise<RollbackPartResult | void>;
}

/**
 * The undo, in order: typically DNS back to the snapshot first (traffic returns to staging),
 * then production tables swapped back if asked, then staging unlocked. A part that throws is
 * recorded as failed and the rollback ends `rollback_failed` after the others ran (all but those
 * behind a failed gate); the next rollback call runs only the parts not done.
 */
export interface RollbackExecutor {
  readonly parts: readonly RollbackPart[];
}

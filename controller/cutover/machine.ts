// The cutover engine: runs a cutover's steps in order, one run per cutover at a time, with every
// step's start, end, result and error committed to the store in a transaction, and with an
// idempotent, resumable rollback. The engine knows the order and the rules; executors know
// the work. A controller killed mid-step finds the step marked interrupted on restart and never
// re-runs it by itself — except the watch after the DNS switch (propagate, monitor) and a
// rollback, which a restart resumes: production has the visitors while they are undone. A step
// that can look whether its effect happened (the switch: did the provider take it?) is settled
// by looking, never by doing it again.
import { randomBytes } from 'node:crypto';
import { SwitchyardError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Plan } from './plan.js';
import { FINAL_STATES, MID_TRANSITION, STEP_NAMES, WATCH_STEPS, isStepName, stepIndex, type CutoverState, type StepName, type StepState } from './states.js';
import type { CutoverStore, CutoverPatch, CutoverRow, ErrorRecord, AuditAction, StepRow, ListPosition } from './store/index.js';
import {
  systemClock,
  type Clock,
  type EvidenceRecord,
  type Progress,
  type ReconcileResult,
  type RollbackContext,
  type RollbackExecutor,
  type StepContext,
  type StepExecutor,
  type StepExecutors,
  type StepResult,
} from './executor.js';
import { EventHub, type CutoverEvent, type CutoverEventType } from './events.js';
import { buildView, nextStepOf, type CutoverView, type WarningView } from './view.js';
import { fallbackExecutor } from './steps/fallback.js';
import { buildReport, type CutoverReport } from './report.js';
import { BY_NAME, holdsResources, ownRootOverlaps, sharedResources, type AgentView, type SharedResource } from './exclusive.js';

/** A step after `switch`: DNS points at production, and no asset root is copied into any more. */
const pastSwitch = (step: StepName): boolean => stepIndex(step) > stepIndex('switch');

/** Lowers the plan's DNS record TTL ahead of the switch (POST /v1/cutovers/:id/prepare). */
export interface TtlPort {
  /** `plan`: the whole stored plan, for checks beyond the record (its TTLs against the provider's limits). */
  lower(dns: Plan['dns'], ttl: number, plan?: Plan): Promise<{ previousTtl: number | null; ttl: number; changed: boolean }>;
}

/**
 * Clean-up once a cutover is released (fallback → completed), e.g. dropping the production
 * tables kept aside for an instant DB rollback. Runs after the release is committed; a failure
 * is recorded as an event and logged, and never undoes the release.
 */
export type ReleaseHook = (ctx: { cutover: CutoverView; plan: Plan; logger: Logger }) => Promise<Record<string, unknown> | void>;

export interface CutoverEngineOptions {
  store: CutoverStore;
  executors: StepExecutors;
  rollback?: RollbackExecutor;
  ttl?: TtlPort;
  onRelease?: ReleaseHook;
  /**
   * Which agent names reach one agent and where its asset roots lie, for the one-cutover-per-
   * resource check (the agent directory); without it names alone are compared.
   */
  agents?: AgentView;
  logger: Logger;
  clock?: Clock;
  /** Least time between two persisted progress events of one step (default 250 ms). */
  progressIntervalMs?: number;
  /** How long an aborted step may take to stop before the rollback goes ahead anyway (default 10 s). */
  abortGraceMs?: number;
  newId?: () => string;
  /**
   * Leave the crash recovery (steps left running marked interrupted, run locks cleared) to
   * resumeAfterRestart(). The controller process asks for this so that only the process that
   * got the port touches what another one may still be running.
   */
  deferRecovery?: boolean;
}

export interface AdvanceOptions {
  /**
   * Re-run an interrupted step that is not idempotent, or a failed one outside the freeze,
   * after the operator has checked by hand that it is safe.
   */
  force?: boolean;
}

export interface RollbackOptions {
  automatic?: boolean;
  evidence?: Record<string, unknown>;
}

/** An accepted request: the cutover as it is now, and a promise of how it ends (never rejects). */
export interface Started {
  cutover: CutoverView;
  done: Promise<CutoverView>;
}

export interface PrepareResult {
  previousTtl: number | null;
  ttl: number;
  changed: boolean;
  /** Since when the controller has seen the TTL at or below checks.maxTtl. */
  lowSince: string | null;
  /** lowSince + checks.ttlLeadHours: the earliest switch preflight accepts. */
  switchNotBefore: string | null;
}

/** Actor recorded for rollbacks the engine starts itself; `:` cannot occur in a token name. */
export const automaticActor = (step: StepName): string => `system:${step}`;

/** Actor recorded for a watch or a rollback the engine resumes after a restart. */
export const RECOVERY_ACTOR = 'system:recovery';

/** What the operator sees on a step a restart cut short, with what to do next. */
function interruptedMessage(id: string, step: StepName, idempotent: boolean): string {
  const rollback = `POST /v1/cutovers/${id}/rollback`;
  if (WATCH_STEPS.has(step)) return `the controller stopped while step ${step} watched production after the DNS switch; the watch resumes on restart, or roll back with ${rollback}`;
  if (idempotent) return `the controller stopped while step ${step} ran; advance to run it again (it is safe to repeat), or roll back with ${rollback}`;
  return `the controller stopped while step ${step} ran; it may have half-run: check it by hand and advance with "force": true, or roll back with ${rollback}`;
}

/** Why a cutover in `state` (not fallback, not completed) has no fallback window to end, and what to do instead. */
function notReleasable(id: string, state: CutoverState): string {
  switch (state) {
    case 'rolled_back':
      // Not "staging is the site again": a cutover that took over a released cutover's freeze
      // found DNS on production and staging frozen, and its rollback leaves them so.
      return `it was rolled back, so there is no fallback window to end; its rollback put DNS and staging back as this cutover found them (GET /v1/cutovers/${id} shows how)`;
    case 'rolling_back':
    case 'rollback_failed':
      return `a rollback of it was asked for, so there is no fallback window to end; finish it (POST /v1/cutovers/${id}/rollback)`;
    case 'running':
      return `a run of it is in flight; release once it rests in its fallback window (GET /v1/cutovers/${id})`;
    default:
      return `its steps have not all run yet; advance it until fallback (POST /v1/cutovers/${id}/advance {"until": "fallback"}), then release`;
  }
}

type AbortReason = 'rollback' | 'shutdown';

interface Activity {
  kind: 'run' | 'rollback';
  abort: AbortController;
  abortReason?: AbortReason;
  /** Resolves when the run has recorded its last step and released the lock. */
  settled: Promise<void>;
  done: Promise<CutoverView>;
}

type StepOutcome =
  | { kind: 'ok' }
  | { kind: 'failed' }
  | { kind: 'aborted' }
  | { kind: 'auto-rollback'; step: StepName; reason: string; evidence: Record<string, unknown> };

interface Tx {
  event(cutoverId: string, type: CutoverEventType, data: Record<string, unknown>): void;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Details that cannot be stored as JSON (cycles, sockets) are dropped rather than losing the whole record. */
function storableDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  try {
    JSON.stringify(details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return details;
  } catch {
    return undefined;
  }
}

export function errorRecord(err: unknown, step?: StepName): ErrorRecord {
  let rec: ErrorRecord;
  if (err instanceof SwitchyardError) {
    const details = storableDetails(err.details);
    rec = { code: err.code, message: err.message, ...(err.field === undefined ? {} : { field: err.field }), ...(details === undefined ? {} : { details }) };
  } else {
    rec = { code: 'SY_INTERNAL', message: err instanceof Error ? err.message : String(err) };
  }
  if (step !== undefined) rec.step = step;
  return rec;
}

/**
 * One error for a rollback that left parts undone: what failed and why, what is done, what did
 * not run, and what the operator does next.
 */
function rollbackFailure(id: string, failed: Array<{ name: string; error: ErrorRecord }>, parts: ReadonlyArray<{ name: string; state: string }>, blockedBy: string | undefined): ErrorRecord {
  const names = (state: string): string[] => parts.filter((p) => p.state === state).map((p) => p.name);
  const done = [...names('done'), ...names('skipped')];
  const notRun = names('pending');
  const message = [
    failed.map((f) => `rollback part ${f.name} failed: ${f.error.message}`).join('; '),
    done.length > 0 ? `done: ${done.join(', ')}` : 'no part is done',
    ...(notRun.length > 0 ? [`not run${blockedBy === undefined ? '' : ` (they wait for ${blockedBy})`}: ${notRun.join(', ')}`] : []),
    `fix the cause and POST /v1/cutovers/${id}/rollback again; parts already done are not repeated`,
  ].join('. ');
  return {
    code: failed[0]!.error.code,
    message,
    details: { failed: failed.map((f) => f.name), done, notRun, parts: Object.fromEntries(parts.map((p) => [p.name, p.state])) },
  };
}

/**
 * The fallback window's end as its step announced it: the step's summary tells the person a
 * time, and the cutover (status, report, `release`) must keep that same one, not one taken a few
 * milliseconds later when the step was recorded. A step that names none gets it from `at`.
 */
function fallbackEnd(result: unknown, at: string, hours: number): string {
  const evidence = (result as { evidence?: { fallbackUntil?: unknown } } | null)?.evidence;
  const told = evidence?.fallbackUntil;
  if (typeof told === 'string' && Number.isFinite(Date.parse(told))) return new Date(Date.parse(told)).toISOString();
  return new Date(Date.parse(at) + hours * 3_600_000).toISOString();
}

const conflict = (message: string): SwitchyardError => new SwitchyardError('SY_CONFLICT', message);

export class CutoverEngine {
  /** Holder name written to the run lock column while this engine runs something. */
  readonly instanceId: string;
  private readonly store: CutoverStore;
  private readonly executors: StepExecutors;
  private readonly rollbackExecutor: RollbackExecutor | undefined;
  private readonly ttl: TtlPort | undefined;
  private readonly onRelease: ReleaseHook | undefined;
  private readonly agents: AgentView;
  /** Release clean-ups in flight; idle() and close() wait for them. */
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly progressIntervalMs: number;
  private readonly abortGraceMs: number;
  private readonly newId: () => string;
  private readonly hub = new EventHub();
  private readonly active = new Map<string, Activity>();
  /**
   * warn()'s, by cutover, for the view: only this process's, as each start-up checks afresh (a
   * fixed config raises none). The event log keeps every one.
   */
  private readonly warnings = new Map<string, WarningView[]>();
  private closed = false;
  /** Rollbacks cut short by the last process, until resumeAfterRestart() takes them. */
  private toResume: string[] | undefined;
  private recoveryDeferred: boolean;

  constructor(opts: CutoverEngineOptions) {
    this.store = opts.store;
    this.executors = { fallback: fallbackExecutor, ...opts.executors };
    this.rollbackExecutor = opts.rollback;
    this.ttl = opts.ttl;
    this.onRelease = opts.onRelease;
    this.agents = opts.agents ?? BY_NAME;
    this.logger = opts.logger.child({ component: 'cutover' });
    this.clock = opts.clock ?? systemClock;
    this.progressIntervalMs = opts.progressIntervalMs ?? 250;
    this.abortGraceMs = opts.abortGraceMs ?? 10_000;
    this.newId = opts.newId ?? (() => `co_${randomBytes(8).toString('hex')}`);
    this.instanceId = `engine-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.recoveryDeferred = opts.deferRecovery === true;
    if (!this.recoveryDeferred) this.recover();
  }

  // ---------------------------------------------------------------- reads

  get(id: string): CutoverView {
    const row = this.row(id);
    return buildView(this.store, row, this.active.has(id), this.warningsFor(row));
  }

  /** Newest first; `after` continues a listing after the last cutover of the previous page. */
  list(limit = 100, after?: ListPosition): CutoverView[] {
    return this.store.cutovers.list(limit, after).map((r) => buildView(this.store, r, this.active.has(r.id), this.warningsFor(r)));
  }

  /**
   * A cutover over (rolled back, released) runs no prepare, preflight or switch again: what was
   * found wrong with its plan no longer applies, and left in the view it would read as a problem
   * still to fix. Its warning events stay.
   */
  private warningsFor(row: CutoverRow): WarningView[] | undefined {
    return FINAL_STATES.has(row.state) ? undefined : this.warnings.get(row.id);
  }

  report(id: string): CutoverReport {
    return buildReport(this.store, this.get(id), this.clock.now());
  }

  /** Stored events after `after`, oldest first, at most `limit`. */
  history(id: string, after = 0, limit = 1000): CutoverEvent[] {
    this.row(id);
    return this.store.events.after(id, after, limit);
  }

  /** Stored events after `after`, then live ones until `signal` aborts (SSE with Last-Event-ID). */
  events(id: string, opts: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<CutoverEvent> {
    this.row(id);
    return this.hub.subscribe(id, opts.after ?? 0, (seq, limit) => this.store.events.after(id, seq, limit), opts.signal);
  }

  /** Resolves when nothing is in flight for `id` (or for any cutover). */
  async idle(id?: string): Promise<void> {
    for (;;) {
      const acts = id === undefined ? [...this.active.values()] : [this.active.get(id)].filter((a): a is Activity => a !== undefined);
      const releases = id === undefined ? [...this.releasing.values()] : [this.releasing.get(id)].filter((p): p is Promise<void> => p !== undefined);
      if (acts.length === 0 && releases.length === 0) return;
      await Promise.all([...acts.map((a) => a.done), ...releases]);
    }
  }

  // ---------------------------------------------------------------- mutations

  create(plan: Plan, actor: string): CutoverView {
    this.assertOpen();
    const id = this.newId();
    const at = this.now();
    this.commit((tx) => {
      this.store.cutovers.insert({ id, site: plan.site, plan, createdBy: actor, at });
      this.store.steps.insertAll(id);
      this.store.audit.append({ at, tokenName: actor, action: 'create', cutoverId: id, detail: { site: plan.site } });
      tx.event(id, 'created', { site: plan.site, by: actor, state: 'planned' });
    });
    this.logger.info({ cutover: id, site: plan.site, actor }, 'cutover created');
    return this.get(id);
  }

  /** Starts a run of the next steps up to and including `until`; returns at once. */
  advance(id: string, until: string, actor: string, opts: AdvanceOptions = {}): Started {
    this.assertOpen();
    if (!isStepName(until)) {
      throw new SwitchyardError('SY_VALIDATION', `until: ${JSON.stringify(until)} is not a step; steps: ${STEP_NAMES.join(', ')}`, { field: 'until' });
    }
    const row = this.row(id);
    const refuse = (message: string): never => this.refuse(id, 'advance', actor, message, { until });
    const inFlight = this.active.get(id);
    if (inFlight !== undefined) refuse(`a ${inFlight.kind} of cutover ${id} is in flight; wait for it or watch GET /v1/cutovers/${id}/events`);
    const steps = this.store.steps.list(id);
    const next = nextStepOf(steps);
    this.checkAdvance(row, next, until, opts, refuse);
    return this.startRun(row, next!.name, until, actor, opts.force === true ? { force: true } : {});
  }

  /**
   * Takes the run lock, records who started the run, and runs from `from` up to `until`. Every
   * run starts here — an advance, a watch resumed after a restart — so none starts next to
   * another cutover that holds what its plan touches.
   */
  private startRun(row: CutoverRow, from: StepName, until: StepName, actor: string, detail: Record<string, unknown>, note?: string): Started {
    const id = row.id;
    // Past the switch no step touches an asset root, and production has the visitors: a refusal
    // would only keep the watch (a resumed one too) and the fallback from running.
    if (!pastSwitch(from)) this.assertOwnRoots(row, actor, { until, from, ...detail });
    this.assertExclusive(row, actor, { until, from, ...detail });
    // What this check could not see yet (an agent that had not said where its roots lie) is
    // looked at again before each later step up to the switch, against these: see recheck().
    const heldAtStart = this.store.cutovers.holding().filter((o) => o.id !== id && holdsResources(o.state)).map((o) => o.id);
    const at = this.now();
    this.commit((tx) => {
      if (!this.store.cutovers.acquire(id, this.instanceId, at)) throw conflict(`cutover ${id} is locked by another controller process; only one controller may use a state file: stop the other one`);
      this.setState(tx, row, 'running', { error: null }, at);
      this.store.audit.append({ at, tokenName: actor, action: 'advance', cutoverId: id, detail: { until, from, ...detail } });
      if (note !== undefined) tx.event(id, 'progress', { step: from, phase: 'resume', message: note });
    });
    this.logger.info({ cutover: id, from, until, actor }, 'run started');

    const settled = deferred();
    const act = { kind: 'run', abort: new AbortController(), settled: settled.promise } as Activity;
    this.active.set(id, act);
    act.done = this.runLoop(id, until, act, settled.resolve, { actor, heldAtStart });
    return { cutover: this.get(id), done: act.done };
  }

  /**
   * Reverts what the cutover changed. Safe to call twice at once (the second joins the first),
   * again after it finished (no-op), and again after it failed part-way (resumes).
   */
  rollback(id: string, reason: string | undefined, actor: string, opts: RollbackOptions = {}): Started {
    this.assertOpen();
    const row = this.row(id);
    const why = reason?.trim() || (opts.automatic === true ? 'automatic rollback' : `requested by ${actor}`);
    const current = this.active.get(id);
    if (current?.kind === 'rollback') {
      this.auditOnly(id, 'rollback', actor, { reason: why, joined: true });
      return { cutover: this.get(id), done: current.done };
    }
    if (row.state === 'rolled_back') {
      this.auditOnly(id, 'rollback', actor, { reason: why, alreadyRolledBack: true });
      const view = this.get(id);
      return { cutover: view, done: Promise.resolve(view) };
    }
    if (row.state === 'completed') {
      this.refuse(id, 'rollback', actor, `cutover ${id} was released (completed): its fallback window is over and staging may no longer be the site, so it is not rolled back automatically; to go back anyway, set the DNS record by hand to what it was before the switch (GET /v1/cutovers/${id}/report, under dns)`, { reason: why });
    }
    if (current === undefined && row.runOwner !== null) {
      this.refuse(id, 'rollback', actor, `cutover ${id} is locked by another controller process (${row.runOwner}); only one controller may use a state file: stop the other one, or roll back through it`, { reason: why });
    }

    const at = this.now();
    this.commit((tx) => {
      this.store.audit.append({ at, tokenName: actor, action: 'rollback', cutoverId: id, detail: { reason: why, automatic: opts.automatic === true } });
      tx.event(id, 'rollback-requested', { reason: why, by: actor, automatic: opts.automatic === true });
      // The failure of the last attempt is history (events, parts) once a new attempt starts; left
      // on the cutover it would still read as the current problem after the retry succeeded.
      this.setState(tx, row, 'rolling_back', row.state === 'rollback_failed' ? { error: null } : {}, at);
    });
    this.logger.warn({ cutover: id, reason: why, actor, automatic: opts.automatic === true }, 'rollback requested');

    const act = { kind: 'rollback', abort: new AbortController() } as Activity;
    this.active.set(id, act);
    if (current !== undefined) {
      current.abortReason = 'rollback';
      current.abort.abort(new SwitchyardError('SY_CONFLICT', `aborted: rollback requested (${why})`));
    }
    act.done = (async () => {
      if (current !== undefined) await current.settled;
      return this.runRollback(id, why, actor, opts, act);
    })();
    act.settled = act.done.then(() => undefined);
    return { cutover: this.get(id), done: act.done };
  }

  /**
   * A problem the controller found with a cutover outside any step (e.g. at start-up), put in
   * its event stream: that is where an operator watching or checking the cutover looks.
   */
  warn(id: string, message: string, detail: Record<string, unknown> = {}): void {
    this.row(id);
    const at = this.now();
    this.commit((tx) => tx.event(id, 'warning', { ...detail, message }));
    const seen: WarningView = { at, message };
    if (typeof detail.field === 'string') seen.field = detail.field;
    if (typeof detail.phase === 'string') seen.phase = detail.phase;
    this.warnings.set(id, [...(this.warnings.get(id) ?? []), seen]);
  }

  /** warn() for a start-up path that must go on when even that cannot be recorded. */
  private warnQuietly(id: string, message: string): void {
    try {
      this.warn(id, message, { phase: 'resume' });
    } catch (err) {
      this.logger.error({ err, cutover: id }, 'cannot record the warning');
    }
  }

  /**
   * Ends the fallback window: fallback → completed. A cutover already released answers as it is
   * (audited as such): a script that lost the first answer to a timeout asks again, and what it
   * asked for has happened.
   */
  release(id: string, actor: string): CutoverView {
    this.assertOpen();
    const row = this.row(id);
    if (row.state === 'completed') {
      this.auditOnly(id, 'release', actor, { alreadyReleased: true });
      return this.get(id);
    }
    if (this.active.has(id)) this.refuse(id, 'release', actor, `a ${this.active.get(id)!.kind} of cutover ${id} is in flight`);
    if (row.state !== 'fallback') this.refuse(id, 'release', actor, `only a cutover in its fallback window can be released; ${id} is ${row.state}: ${notReleasable(id, row.state)}`);
    const at = this.now();
    this.commit((tx) => {
      this.store.audit.append({ at, tokenName: actor, action: 'release', cutoverId: id, detail: { fallbackUntil: row.fallbackUntil } });
      tx.event(id, 'released', { by: actor });
      this.setState(tx, row, 'completed', {}, at);
    });
    this.logger.info({ cutover: id, actor }, 'cutover released');
    if (this.onRelease !== undefined) {
      const p = this.runReleaseHook(id, this.onRelease).finally(() => this.releasing.delete(id));
      this.releasing.set(id, p);
    }
    return this.get(id);
  }

  private async runReleaseHook(id: string, hook: ReleaseHook): Promise<void> {
    const log = this.logger.child({ cutover: id, release: true });
    try {
      const detail = (await hook({ cutover: this.get(id), plan: this.row(id).plan, logger: log })) ?? {};
      this.commit((tx) => tx.event(id, 'progress', { phase: 'release', message: 'release clean-up done', ...detail }));
    } catch (err) {
      const error = errorRecord(err);
      log.error({ err }, 'release clean-up failed');
      try {
        this.commit((tx) => tx.event(id, 'progress', { phase: 'release', message: `release clean-up failed: ${error.message}`, error }));
      } catch (e2) {
        log.error({ err: e2 }, 'cannot record the release clean-up failure');
      }
    }
  }

  /** Lowers the record's TTL now, so that `ttlLeadHours` later preflight finds it low long enough. */
  async prepare(id: string, actor: string): Promise<PrepareResult> {
    this.assertOpen();
    const row = this.row(id);
    const plan = row.plan;
    const switchStep = this.store.steps.get(id, 'switch');
    if (['rolling_back', 'rollback_failed', 'rolled_back', 'completed'].includes(row.state)) {
      this.refuse(id, 'prepare', actor, `cutover ${id} is ${row.state}; lowering its TTL ahead makes no sense now`);
    }
    if (switchStep !== undefined && switchStep.state !== 'pending') {
      this.refuse(id, 'prepare', actor, `cutover ${id} has reached the switch; lower the TTL before it, not after`);
    }
    if (this.ttl === undefined) {
      this.refuse(id, 'prepare', actor, 'prepare is not available in this build: no DNS TTL port is registered', {}, 'SY_PRECONDITION');
    }
    // Another cutover under way on this record: a TTL written now would be what that one's
    // restore or switch reads back as the record's, or be overwritten by it.
    this.assertExclusive(row, actor, {}, 'prepare');
    const target = Math.min(plan.dns.ttl ?? plan.checks.maxTtl, plan.checks.maxTtl);
    let r: Awaited<ReturnType<TtlPort['lower']>>;
    try {
      r = await this.ttl!.lower(plan.dns, target, plan);
    } catch (err) {
      this.auditOnly(id, 'prepare', actor, { ttl: target, failed: errorRecord(err) });
      throw err;
    }
    const at = this.now();
    this.commit((tx) => {
      this.store.ttlLowered.record({ zone: plan.dns.zone, name: plan.dns.name, type: plan.dns.type, ttl: r.ttl, at, cutoverId: id, source: 'prepare' });
      this.store.audit.append({ at, tokenName: actor, action: 'prepare', cutoverId: id, detail: { previousTtl: r.previousTtl, ttl: r.ttl, changed: r.changed } });
      tx.event(id, 'ttl-lowered', { previousTtl: r.previousTtl, ttl: r.ttl, changed: r.changed, by: actor });
    });
    const lowSince = this.store.ttlLowered.lowSince(plan.dns.zone, plan.dns.name, plan.dns.type, plan.checks.maxTtl) ?? null;
    const switchNotBefore = lowSince === null ? null : new Date(Date.parse(lowSince) + plan.checks.ttlLeadHours * 3_600_000).toISOString();
    return { previousTtl: r.previousTtl, ttl: r.ttl, changed: r.changed, lowSince, switchNotBefore };
  }

  /** Stops runs (their steps become interrupted) and waits for rollbacks in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const act of this.active.values()) {
      if (act.kind === 'run' && act.abortReason === undefined) {
        act.abortReason = 'shutdown';
        act.abort.abort(new SwitchyardError('SY_CONFLICT', 'aborted: the controller is shutting down'));
      }
    }
    await Promise.all([...[...this.active.values()].map((a) => a.done), ...this.releasing.values()]);
  }

  // ---------------------------------------------------------------- advance rules

  private checkAdvance(row: CutoverRow, next: StepRow | undefined, until: StepName, opts: AdvanceOptions, refuse: (m: string) => never): void {
    const id = row.id;
    const rollbackHint = `roll back with POST /v1/cutovers/${id}/rollback`;
    switch (row.state) {
      case 'planned':
      case 'paused':
        break;
      case 'interrupted': {
        const exec = next === undefined ? undefined : this.executors[next.name];
        if (next !== undefined && exec?.idempotent !== true && opts.force !== true) {
          refuse(`step ${next.name} was interrupted and is not idempotent (it may have half-run); check it by hand and advance with force, or ${rollbackHint}`);
        }
        break;
      }
      case 'failed': {
        if (next === undefined) break;
        if (MID_TRANSITION.has(next.name)) {
          refuse(`cutover failed at ${next.name} with staging frozen; nothing is patched mid-transition: ${rollbackHint}, then create a new cutover`);
        }
        if (this.executors[next.name]?.idempotent !== true && opts.force !== true) {
          refuse(`step ${next.name} failed and is not idempotent; check it by hand and advance with force, or ${rollbackHint}`);
        }
        break;
      }
      case 'running':
      case 'rolling_back':
        refuse(`cutover ${id} is ${row.state} (held by ${row.runOwner ?? 'another process'})`);
        break;
      case 'fallback':
        refuse(`cutover ${id} has run every step; release it (POST /v1/cutovers/${id}/release) or roll it back`);
        break;
      case 'rollback_failed':
        refuse(`a rollback of ${id} stopped part-way; finish it with POST /v1/cutovers/${id}/rollback (GET /v1/cutovers/${id} shows which parts are not done and why)`);
        break;
      case 'completed':
      case 'rolled_back':
        refuse(`cutover ${id} is ${row.state}; create a new cutover`);
        break;
    }
    if (next === undefined) refuse(`cutover ${id} has run every step`);
    if (stepIndex(next!.name) > stepIndex(until)) refuse(`cutover ${id} is already past ${until}; its next step is ${next!.name}`);
  }

  // ---------------------------------------------------------------- one cutover per resource

  /**
   * Refuses (409, audited) a run of `row` while another cutover that has started and is not over
   * shares a schema, an asset root, the staging freeze or the DNS record with it. Creating one is
   * never refused (planned does nothing), nor is rolling one back (that is the way out).
   */
  private assertExclusive(row: CutoverRow, actor: string, detail: Record<string, unknown>, action: 'advance' | 'prepare' = 'advance'): void {
    const others = this.store.cutovers.holding().filter((other) => other.id !== row.id && holdsResources(other.state));
    const found = this.conflicts(row, others, action);
    if (found === undefined) return;
    const message = `${found.message}, then ${action} again`;
    const { blockedBy } = found;
    this.auditOnly(row.id, action, actor, { ...detail, refused: message, blockedBy });
    throw new SwitchyardError('SY_CONFLICT', message, { details: { blockedBy } });
  }

  /** What `row` shares with `others` (all holding), as the refusal says it up to "then ACTION again". */
  private conflicts(row: CutoverRow, others: CutoverRow[], action: 'advance' | 'prepare' = 'advance'): { message: string; blockedBy: Array<{ id: string; state: CutoverState; shared: SharedResource[] }> } | undefined {
    const holders: Array<{ other: CutoverRow; shared: SharedResource[] }> = [];
    for (const other of others) {
      // Prepare touches the DNS record only: a schema or root in use elsewhere does not stop it.
      const shared = sharedResources(row.plan, other.plan, this.agents).filter((r) => action === 'advance' || r.kind === 'dns');
      if (shared.length > 0) holders.push({ other, shared });
    }
    if (holders.length === 0) return undefined;
    const { other, shared } = holders[0]!;
    const a = other.id;
    const more = holders.length > 1 ? ` (also held by ${holders.slice(1).map((h) => `${h.other.id} (${h.other.state})`).join(', ')})` : '';
    const message =
      `cutover ${a} is ${other.state} and shares ${shared.map((r) => r.description).join(', ')} with cutover ${row.id}${more}; only one cutover at a time may hold them: ` +
      `roll back cutover ${a} (POST /v1/cutovers/${a}/rollback) or release it (POST /v1/cutovers/${a}/release, once it is in its fallback window)`;
    return { message, blockedBy: holders.map((h) => ({ id: h.other.id, state: h.other.state, shared: h.shared })) };
  }

  /**
   * Refuses (400, audited) a run of a plan two of whose own asset roots share a directory, as far
   * as the agents have said where their roots lie: creating it checked the same with what was
   * known then, and an agent that had not answered yet may have since.
   */
  private assertOwnRoots(row: CutoverRow, actor: string, detail: Record<string, unknown>): void {
    const overlap = ownRootOverlaps(row.plan, this.agents)[0];
    if (overlap === undefined) return;
    const message = `plan: key ${overlap.field}: ${overlap.message}`;
    this.auditOnly(row.id, 'advance', actor, { ...detail, refused: message });
    throw new SwitchyardError('SY_VALIDATION', message, { field: overlap.field });
  }

  /**
   * The start of a run compared asset roots by name where an agent had not said yet where its
   * roots lie (no Hello answered; this run's preflight asks). Before each later step up to the
   * switch the plan is compared again with what is known now: its own roots, and the cutovers that already held
   * something when the run started (one that started later was checked against this one then).
   * True when the run stops here, before `step`: the cutover rests paused with the refusal as
   * its error, and the next advance is refused the same way until the other is over.
   */
  private recheck(id: string, step: StepName, actor: string, heldAtStart: string[]): boolean {
    const row = this.row(id);
    let err: SwitchyardError | undefined;
    const overlap = ownRootOverlaps(row.plan, this.agents)[0];
    if (overlap !== undefined) {
      err = new SwitchyardError('SY_VALIDATION', `plan: key ${overlap.field}: ${overlap.message}. Found before step ${step}, once the agents said where their asset roots lie (the run started comparing them by name)`, { field: overlap.field });
    } else {
      const found = this.conflicts(row, heldAtStart.map((other) => this.store.cutovers.get(other)).filter((o): o is CutoverRow => o !== undefined && holdsResources(o.state)));
      if (found !== undefined) {
        err = new SwitchyardError('SY_CONFLICT', `${found.message}, then advance again; or roll this one back (POST /v1/cutovers/${id}/rollback), as it now holds them too. Found before step ${step}, once the agents said where their asset roots lie (the run started comparing them by name)`, { details: { blockedBy: found.blockedBy } });
      }
    }
    if (err === undefined) return false;
    const stop = err;
    const rec = errorRecord(stop);
    const at = this.now();
    this.commit((tx) => {
      this.setState(tx, row, 'paused', { error: rec }, at);
      this.store.audit.append({ at, tokenName: actor, action: 'advance', cutoverId: id, detail: { stoppedBefore: step, refused: stop.message, ...(stop.details ?? {}) } });
    });
    this.logger.warn({ cutover: id, step, code: stop.code }, `run stopped before ${step}: ${stop.message}`);
    return true;
  }

  // ---------------------------------------------------------------- the run

  private async runLoop(id: string, until: StepName, act: Activity, settle: () => void, checked: { actor: string; heldAtStart: string[] }): Promise<CutoverView> {
    let auto: Extract<StepOutcome, { kind: 'auto-rollback' }> | undefined;
    try {
      for (let first = true; ; first = false) {
        const next = nextStepOf(this.store.steps.list(id));
        if (next === undefined || stepIndex(next.name) > stepIndex(until)) break;
        if (act.abort.signal.aborted) {
          this.endAborted(id, act, null);
          break;
        }
        // Not past the switch: stopped there, the cutover rests with DNS on production and nobody watching it.
        if (!first && !pastSwitch(next.name) && this.recheck(id, next.name, checked.actor, checked.heldAtStart)) break;
        const outcome = await this.runStep(id, next.name, until, act);
        if (outcome.kind === 'auto-rollback') auto = outcome;
        if (outcome.kind !== 'ok') break;
      }
    } catch (err) {
      // A store failure or an engine bug; record it if the store still answers.
      this.logger.error({ err, cutover: id }, 'cutover run failed outside a step');
      try {
        const at = this.now();
        this.commit((tx) => this.setState(tx, this.row(id), act.abortReason === 'rollback' ? 'rolling_back' : 'failed', { error: errorRecord(err) }, at));
      } catch (e2) {
        this.logger.error({ err: e2, cutover: id }, 'cannot record the run failure');
      }
    } finally {
      try {
        this.store.cutovers.release(id, this.instanceId, this.now());
      } catch (err) {
        this.logger.error({ err, cutover: id }, 'cannot release the run lock');
      }
      if (this.active.get(id) === act) this.active.delete(id);
      settle();
    }
    // Whoever waits for this run waits for the rollback that stopped it.
    const successor = this.active.get(id);
    if (act.abortReason === 'rollback' && successor?.kind === 'rollback') return successor.done;
    // Started after the run left `active`, so a manual rollback arriving now joins this one.
    if (auto !== undefined && act.abortReason === undefined && !this.closed) {
      try {
        return await this.rollback(id, auto.reason, automaticActor(auto.step), { automatic: true, evidence: { step: auto.step, ...auto.evidence } }).done;
      } catch (err) {
        this.logger.error({ err, cutover: id }, 'automatic rollback could not start');
      }
    }
    return this.get(id);
  }

  private executorFor(name: StepName): StepExecutor | undefined {
    return this.executors[name];
  }

  private async runStep(id: string, name: StepName, until: StepName, act: Activity): Promise<StepOutcome> {
    const exec = this.executorFor(name);
    const startedAt = this.now();
    const row = this.row(id);
    const before = this.store.steps.get(id, name);
    const previousAttempt = before === undefined || before.attempt === 0 ? undefined : before;
    this.commit((tx) => {
      this.store.steps.start(id, name, startedAt);
      this.store.cutovers.update(id, { currentStep: name }, startedAt);
      const attempt = this.store.steps.get(id, name)!.attempt;
      tx.event(id, 'step-started', { step: name, attempt });
    });
    const log = this.logger.child({ cutover: id, step: name });
    log.info('step started');

    if (exec === undefined) {
      const err = new SwitchyardError('SY_PRECONDITION', `step ${name} is not available in this build: no executor is registered for it`);
      this.finishStep(id, name, 'failed', startedAt, null, errorRecord(err, name), act, until);
      log.error(err.message);
      return { kind: 'failed' };
    }

    const evidence: Record<string, unknown> = {};
    let finished = false;
    let lastProgress = 0;
    let pendingProgress: Progress | undefined;
    const persistProgress = (p: Progress): void => {
      this.commit((tx) => tx.event(id, 'progress', { step: name, ...p }));
      lastProgress = Date.now();
      pendingProgress = undefined;
    };
    const record: EvidenceRecord = {
      step: (s) => this.store.steps.get(id, s),
      get: (key) => evidence[key],
      put: (key, value) => {
        if (finished) return;
        evidence[key] = value;
        this.store.steps.setResult(id, name, { evidence });
      },
    };
    const ctx: StepContext = {
      cutover: this.get(id),
      plan: row.plan,
      step: name,
      attempt: this.store.steps.get(id, name)!.attempt,
      ...(previousAttempt === undefined ? {} : { previousAttempt }),
      signal: act.abort.signal,
      emit: (p) => {
        if (finished) return;
        if (Date.now() - lastProgress >= this.progressIntervalMs) persistProgress(p);
        else pendingProgress = p;
      },
      record,
      store: this.store,
      logger: log,
      clock: this.clock,
    };

    const work = (async () => exec.run(ctx))();
    work.catch(() => undefined); // observed below; keeps a late rejection after abort from going unhandled
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (act.abort.signal.aborted) resolve('aborted');
      else act.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
    const first = await Promise.race([work.then((r) => ({ r }), (e: unknown) => ({ e })), aborted]);
    act.abort.signal.removeEventListener('abort', onAbort!);

    const flush = (): void => {
      if (pendingProgress !== undefined) persistProgress(pendingProgress);
      finished = true;
    };

    if (first === 'aborted') {
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        work.then(() => true, () => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), this.abortGraceMs);
        }),
      ]);
      clearTimeout(timer);
      flush();
      if (!stopped) log.warn({ graceMs: this.abortGraceMs }, 'step did not stop after abort; going on without it');
      const reason = act.abort.signal.reason instanceof Error ? act.abort.signal.reason.message : 'aborted';
      const err = errorRecord(new SwitchyardError('SY_CONFLICT', reason), name);
      this.endAborted(id, act, { name, startedAt, evidence, err });
      log.warn(reason);
      return { kind: 'aborted' };
    }
    flush();

    if ('e' in first) {
      const err = errorRecord(first.e, name);
      this.finishStep(id, name, 'failed', startedAt, Object.keys(evidence).length > 0 ? { evidence } : null, err, act, until);
      log.error({ err: first.e }, `step failed: ${err.message}`);
      return { kind: 'failed' };
    }

    const result: StepResult = first.r ?? {};
    const stored = {
      ...(result.summary === undefined ? {} : { summary: result.summary }),
      ...(Object.keys(evidence).length > 0 || result.evidence !== undefined ? { evidence: { ...evidence, ...result.evidence } } : {}),
    };
    if (result.rollback !== undefined) {
      const err = errorRecord(new SwitchyardError('SY_PRECONDITION', `automatic rollback: ${result.rollback.reason}`), name);
      this.finishStep(id, name, 'failed', startedAt, stored, err, act, until);
      log.warn({ reason: result.rollback.reason }, 'step asks for automatic rollback');
      return { kind: 'auto-rollback', step: name, reason: result.rollback.reason, evidence: result.rollback.evidence ?? result.evidence ?? {} };
    }
    if (result.outcome === 'failed') {
      const err = errorRecord(new SwitchyardError('SY_PRECONDITION', result.error ?? `step ${name} failed`), name);
      this.finishStep(id, name, 'failed', startedAt, stored, err, act, until);
      log.error(`step failed: ${err.message}`);
      return { kind: 'failed' };
    }
    const state: StepState = result.outcome === 'skipped' ? 'skipped' : 'succeeded';
    this.finishStep(id, name, state, startedAt, stored, null, act, until);
    log.info({ summary: result.summary }, `step ${state}`);
    return { kind: 'ok' };
  }

  /**
   * Records a step's end and, when the run stops here, the cutover's resulting state in the
   * same transaction, so no restart can find a finished step under a cutover still "running".
   */
  private finishStep(id: string, name: StepName, state: StepState, startedAt: string, result: unknown, error: ErrorRecord | null, act: Activity, until: StepName): void {
    const at = this.now();
    this.commit((tx) => {
      this.store.steps.finish(id, name, state, at, result, error);
      tx.event(id, 'step-finished', {
        step: name,
        state,
        durationMs: Math.max(0, Date.parse(at) - Date.parse(startedAt)),
        ...(result !== null && typeof (result as { summary?: unknown }).summary === 'string' ? { summary: (result as { summary: string }).summary } : {}),
        ...(error === null ? {} : { error }),
      });
      const row = this.row(id);
      if (act.abortReason === 'rollback') return;
      if (error !== null) {
        this.setState(tx, row, 'failed', { error }, at);
        return;
      }
      if (name === 'fallback') {
        this.setState(tx, row, 'fallback', { fallbackUntil: fallbackEnd(result, at, row.plan.fallbackHours) }, at);
      } else if (name === until) {
        this.setState(tx, row, 'paused', {}, at);
      }
    });
  }

  /** A run stopped by abort: the running step (if any) becomes interrupted. */
  private endAborted(id: string, act: Activity, step: { name: StepName; startedAt: string; evidence: Record<string, unknown>; err: ErrorRecord } | null): void {
    const at = this.now();
    this.commit((tx) => {
      if (step !== null) {
        this.store.steps.finish(id, step.name, 'interrupted', at, Object.keys(step.evidence).length > 0 ? { evidence: step.evidence } : null, step.err);
        tx.event(id, 'step-finished', { step: step.name, state: 'interrupted', durationMs: Math.max(0, Date.parse(at) - Date.parse(step.startedAt)), error: step.err });
      }
      // A rollback owns the state from here; a shutdown leaves it for the next start to see.
      if (act.abortReason === 'shutdown') {
        const row = this.row(id);
        this.setState(tx, row, step === null ? (this.store.steps.list(id).some((s) => s.state !== 'pending') ? 'paused' : 'planned') : 'interrupted', step === null ? {} : { error: step.err }, at);
      }
    });
  }

  // ---------------------------------------------------------------- rollback

  private async runRollback(id: string, reason: string, actor: string, opts: RollbackOptions, act: Activity): Promise<CutoverView> {
    const log = this.logger.child({ cutover: id, rollback: true });
    try {
      // Before presync and the freeze nothing is held or moved: rolling back is cancelling. Once
      // presync ran, the parts run and each decides from the steps whether it has anything to
      // undo (with database.rollbackSwap, production's tables go back although staging was never locked).
      const untouched = (name: StepName): boolean => {
        const s = this.store.steps.get(id, name);
        return s === undefined || s.state === 'pending' || s.state === 'skipped';
      };
      const cancelled = untouched('presync') && untouched('lock');
      const executor = this.rollbackExecutor;
      const startedAt = this.now();
      this.commit((tx) => {
        if (!this.store.cutovers.acquire(id, this.instanceId, startedAt)) throw conflict(`cutover ${id} is locked by another controller process`);
        this.store.rollbacks.begin({ cutoverId: id, reason, automatic: opts.automatic === true, requestedBy: actor, evidence: opts.evidence, cancelled, at: startedAt });
        if (!cancelled && executor !== undefined) this.store.rollbackParts.ensure(id, executor.parts.map((p) => p.name));
        const rb = this.store.rollbacks.get(id)!;
        tx.event(id, 'rollback-started', { reason: rb.reason, automatic: rb.automatic, attempt: rb.attempt, cancelled });
      });

      if (cancelled) {
        this.endRollback(id, null);
        log.info('cutover cancelled before the freeze; nothing to undo');
        return this.get(id);
      }
      if (executor === undefined) {
        this.endRollback(id, errorRecord(new SwitchyardError('SY_PRECONDITION', 'rollback is not available in this build: no rollback executor is registered; staging is still locked')));
        return this.get(id);
      }

      const rb = this.store.rollbacks.get(id)!;
      const rowNow = this.row(id);
      const ctx: RollbackContext = {
        cutover: this.get(id),
        plan: rowNow.plan,
        reason: rb.reason,
        automatic: rb.automatic,
        attempt: rb.attempt,
        step: (s) => this.store.steps.get(id, s),
        emit: (p) => this.commit((tx) => tx.event(id, 'progress', { rollback: true, ...p })),
        store: this.store,
        logger: log,
        clock: this.clock,
      };
      const failed: Array<{ name: string; error: ErrorRecord }> = [];
      /** A failed gate part: the parts after it would be unsafe without it, so they wait. */
      let blockedBy: string | undefined;
      for (const part of executor.parts) {
        const prior = this.store.rollbackParts.list(id).find((p) => p.name === part.name);
        if (prior !== undefined && (prior.state === 'done' || prior.state === 'skipped')) continue;
        if (blockedBy !== undefined) continue;
        const partStarted = this.now();
        this.commit((tx) => {
          this.store.rollbackParts.start(id, part.name, partStarted);
          tx.event(id, 'rollback-part', { part: part.name, state: 'running' });
        });
        let result;
        try {
          result = (await part.run(ctx)) ?? {};
        } catch (err) {
          const rec = errorRecord(err);
          const at = this.now();
          this.commit((tx) => {
            this.store.rollbackParts.finish(id, part.name, 'failed', at, null, rec);
            tx.event(id, 'rollback-part', { part: part.name, state: 'failed', error: rec });
          });
          log.error({ err, part: part.name }, 'rollback part failed');
          failed.push({ name: part.name, error: rec });
          // Later parts that do not depend on this one still run: a production agent that cannot
          // swap its tables back must not keep staging, which has the traffic again, locked.
          if (part.gate === true) blockedBy = part.name;
          continue;
        }
        const state = result.outcome === 'skipped' ? 'skipped' : 'done';
        const at = this.now();
        this.commit((tx) => {
          this.store.rollbackParts.finish(id, part.name, state, at, result.detail ?? null, null);
          // The detail says why a part was skipped, for whoever watches the stream at 3 a.m.
          tx.event(id, 'rollback-part', { part: part.name, state, ...(result.detail === undefined ? {} : { detail: result.detail }) });
        });
        log.info({ part: part.name, state }, 'rollback part finished');
      }
      if (failed.length > 0) {
        this.endRollback(id, rollbackFailure(id, failed, this.store.rollbackParts.list(id), blockedBy));
        return this.get(id);
      }
      this.endRollback(id, null);
      log.warn('cutover rolled back');
    } catch (err) {
      log.error({ err }, 'rollback failed outside a part');
      try {
        this.endRollback(id, errorRecord(err));
      } catch (e2) {
        log.error({ err: e2 }, 'cannot record the rollback failure');
      }
    } finally {
      if (this.active.get(id) === act) this.active.delete(id);
    }
    return this.get(id);
  }

  private endRollback(id: string, error: ErrorRecord | null): void {
    const at = this.now();
    this.commit((tx) => {
      this.store.rollbacks.finish(id, error === null ? 'done' : 'failed', at, error);
      tx.event(id, 'rollback-finished', { state: error === null ? 'done' : 'failed', ...(error === null ? {} : { error }) });
      this.setState(tx, this.row(id), error === null ? 'rolled_back' : 'rollback_failed', error === null ? {} : { error }, at);
      this.store.cutovers.release(id, this.instanceId, at);
    });
  }

  // ---------------------------------------------------------------- recovery

  /**
   * A new engine on an existing store: whatever was running when the last process stopped did
   * not finish. Steps left running become interrupted (re-run here only for the watch after the
   * switch); a rollback left running is recorded as cut short and started again; run locks are
   * cleared.
   */
  private recover(): void {
    const at = this.now();
    const recovered: string[] = [];
    const rollbacks: string[] = [];
    this.commit((tx) => {
      for (const s of this.store.steps.running()) {
        const err: ErrorRecord = { code: 'SY_INTERNAL', message: interruptedMessage(s.cutoverId, s.name, this.executors[s.name]?.idempotent === true), step: s.name };
        this.store.steps.finish(s.cutoverId, s.name, 'interrupted', at, s.result, err);
        tx.event(s.cutoverId, 'step-finished', { step: s.name, state: 'interrupted', error: err });
        const row = this.row(s.cutoverId);
        if (row.state !== 'rolling_back') this.setState(tx, row, 'interrupted', { currentStep: s.name, error: err }, at);
        recovered.push(s.cutoverId);
      }
      for (const row of this.store.cutovers.withState('running')) {
        const steps = this.store.steps.list(row.id);
        const state: CutoverState = steps.some((s) => s.state === 'failed') ? 'failed' : steps.every((s) => s.state === 'pending') ? 'planned' : 'paused';
        this.setState(tx, row, state, {}, at);
        recovered.push(row.id);
      }
      for (const row of this.store.cutovers.withState('rolling_back')) {
        const err: ErrorRecord = { code: 'SY_INTERNAL', message: `the controller stopped during the rollback; it goes on by itself on restart, or finish it with POST /v1/cutovers/${row.id}/rollback (parts already done are not repeated)` };
        this.store.rollbackParts.interruptRunning(row.id, at, err);
        if (this.store.rollbacks.get(row.id)?.state === 'running') this.store.rollbacks.finish(row.id, 'failed', at, err);
        tx.event(row.id, 'rollback-finished', { state: 'failed', error: err });
        this.setState(tx, row, 'rollback_failed', { error: err }, at);
        recovered.push(row.id);
        rollbacks.push(row.id);
      }
      this.store.cutovers.clearAllOwners();
    });
    for (const id of new Set(recovered)) this.logger.warn({ cutover: id, state: this.row(id).state }, 'cutover was in flight when the controller stopped');
    this.toResume = rollbacks;
  }

  /**
   * Picks up, once, what the last process left half done and must not wait for a person: the
   * rollbacks it was running, a step to reconcile (the switch) and the watch after the DNS switch. Called by the controller once
   * it listens — not in the constructor, so a second process started by mistake on the same
   * state file (it fails to bind the same port) does not run them next to the first.
   */
  resumeAfterRestart(): void {
    this.assertOpen();
    if (this.recoveryDeferred) {
      this.recoveryDeferred = false;
      this.recover();
    }
    const rollbacks = this.toResume;
    if (rollbacks === undefined) return;
    this.toResume = undefined;
    // A rollback someone (or the monitor) decided on is finished, not left for whoever looks next:
    // every part is safe to run again, and until DNS is back visitors may be on a failing production.
    for (const id of rollbacks) {
      try {
        this.rollback(id, 'the controller restarted during the rollback; finishing it', RECOVERY_ACTOR);
      } catch (err) {
        this.logger.error({ err, cutover: id }, 'cannot resume the rollback; run it again by hand');
      }
    }
    for (const row of this.store.cutovers.withState('interrupted')) {
      if (!this.reconcile(row)) this.resumeWatch(row);
    }
  }

  /**
   * A step whose executor can tell from the world whether its effect happened (the DNS switch:
   * the provider may have taken it before the controller recorded it) asks it, holding the
   * cutover meanwhile as a run would. False when there is nothing to reconcile.
   */
  private reconcile(row: CutoverRow): boolean {
    const step = row.currentStep;
    const exec = step === null ? undefined : this.executors[step];
    if (step === null || exec?.reconcile === undefined) return false;
    const next = nextStepOf(this.store.steps.list(row.id));
    if (next?.name !== step || next.state !== 'interrupted') return false;
    if (!this.store.cutovers.acquire(row.id, this.instanceId, this.now())) return false;
    const settled = deferred();
    const act = { kind: 'run', abort: new AbortController(), settled: settled.promise } as Activity;
    this.active.set(row.id, act);
    act.done = this.runReconcile(row.id, step, next, exec.reconcile.bind(exec), act, settled.resolve);
    return true;
  }

  private async runReconcile(id: string, step: StepName, interrupted: StepRow, reconcile: NonNullable<StepExecutor['reconcile']>, act: Activity, settle: () => void): Promise<CutoverView> {
    const log = this.logger.child({ cutover: id, step, reconcile: true });
    let verdict: ReconcileResult;
    try {
      const row = this.row(id);
      verdict = await reconcile({ cutover: this.get(id), plan: row.plan, step, interrupted, signal: act.abort.signal, store: this.store, logger: log, clock: this.clock });
    } catch (err) {
      verdict = { outcome: 'unknown', message: `${interrupted.error?.message ?? `the controller stopped while step ${step} ran`} (on restart it could not tell whether ${step} happened: ${errorRecord(err).message})` };
    }
    let continueTo: StepName | undefined;
    try {
      // A rollback asked for meanwhile, or a shutdown, owns the cutover now; the next start looks again.
      if (!act.abort.signal.aborted) continueTo = this.recordReconciled(id, step, interrupted, verdict, log);
    } catch (err) {
      log.error({ err }, 'cannot record what the restart found');
    } finally {
      try {
        this.store.cutovers.release(id, this.instanceId, this.now());
      } catch (err) {
        log.error({ err }, 'cannot release the run lock');
      }
      if (this.active.get(id) === act) this.active.delete(id);
      settle();
    }
    const successor = this.active.get(id);
    if (successor !== undefined) return successor.done;
    if (continueTo !== undefined && !this.closed) {
      const next = nextStepOf(this.store.steps.list(id))!;
      const note = `the controller restarted during ${step}, which had happened; ${next.name} runs by itself (run until ${continueTo}): production has the visitors`;
      try {
        return await this.startRun(this.row(id), next.name, continueTo, RECOVERY_ACTOR, { resumed: true, reason: note }, note).done;
      } catch (err) {
        log.error({ err }, `cannot go on with ${next.name}; the cutover stays paused`);
        this.warnQuietly(id, `${next.name} did not start by itself after the restart: ${errorRecord(err).message}`);
      }
    }
    return this.get(id);
  }

  /** Records the verdict; returns the `until` to go on to when the run must carry on by itself. */
  private recordReconciled(id: string, step: StepName, interrupted: StepRow, verdict: ReconcileResult, log: Logger): StepName | undefined {
    const at = this.now();
    if (verdict.outcome === 'succeeded') {
      const until = this.interruptedRunUntil(id, step);
      const before = (interrupted.result as { evidence?: Record<string, unknown> } | null)?.evidence ?? {};
      this.commit((tx) => {
        this.store.steps.finish(id, step, 'succeeded', at, { summary: verdict.summary, evidence: { ...before, ...verdict.evidence } }, null);
        tx.event(id, 'step-finished', { step, state: 'succeeded', reconciled: true, summary: verdict.summary });
        this.setState(tx, this.row(id), 'paused', { error: null }, at);
      });
      log.warn({ summary: verdict.summary }, `${step} was found done after the restart; recorded as succeeded`);
      const next = nextStepOf(this.store.steps.list(id));
      // As for an interrupted watch: once DNS points at production, nobody may be left not watching it.
      return next !== undefined && WATCH_STEPS.has(next.name) && stepIndex(next.name) <= stepIndex(until) ? until : undefined;
    }
    const err: ErrorRecord = { code: 'SY_INTERNAL', message: verdict.message, step };
    this.commit((tx) => {
      this.store.steps.finish(id, step, 'interrupted', interrupted.endedAt ?? at, interrupted.result, err);
      tx.event(id, 'progress', { step, phase: 'reconcile', outcome: verdict.outcome, message: verdict.message });
      this.setState(tx, this.row(id), 'interrupted', { error: err }, at);
    });
    log.warn({ outcome: verdict.outcome }, verdict.message);
    return undefined;
  }

  /**
   * A cutover interrupted while it watched production after the switch (propagate, monitor)
   * has visitors on production and nobody judging its 5xx share: the watch starts again at once,
   * up to where the interrupted run was going, and monitor watches only the time still owed.
   */
  private resumeWatch(row: CutoverRow): void {
    const step = row.currentStep;
    if (step === null || !WATCH_STEPS.has(step)) return;
    const next = nextStepOf(this.store.steps.list(row.id));
    if (next?.name !== step || next.state !== 'interrupted') return;
    const until = this.interruptedRunUntil(row.id, step);
    const note = `the controller restarted while ${step} watched production after the DNS switch; ${step} resumes by itself (run until ${until})`;
    try {
      this.startRun(row, step, until, RECOVERY_ACTOR, { resumed: true, reason: note }, note);
      this.logger.warn({ cutover: row.id, step, until }, 'watch resumed after a restart');
    } catch (err) {
      this.logger.error({ err, cutover: row.id, step }, 'cannot resume the watch; the cutover stays interrupted');
      // Production has the visitors and nobody watches it: say why where the operator looks.
      this.warnQuietly(row.id, `the watch (${step}) was not resumed after the restart: ${errorRecord(err).message}`);
    }
  }

  /** The `until` of the last accepted advance, so a resumed run ends where the operator asked. */
  private interruptedRunUntil(id: string, step: StepName): StepName {
    const last = this.store.audit
      .forCutover(id)
      .filter((a) => a.action === 'advance' && a.detail?.refused === undefined)
      .at(-1)?.detail?.until;
    return isStepName(last) && stepIndex(last) >= stepIndex(step) ? last : step;
  }

  // ---------------------------------------------------------------- helpers

  private row(id: string): CutoverRow {
    const row = this.store.cutovers.get(id);
    if (row === undefined) throw new SwitchyardError('SY_NOT_FOUND', `no cutover ${id}; GET /v1/cutovers lists them`, { field: 'id' });
    return row;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private assertOpen(): void {
    if (this.closed) throw new SwitchyardError('SY_CONFLICT', 'the controller is shutting down; send the request again once it is back up');
  }

  /** Runs `fn` in one transaction and publishes its events only after it committed. */
  private commit<T>(fn: (tx: Tx) => T): T {
    const pending: CutoverEvent[] = [];
    const tx: Tx = {
      event: (cutoverId, type, data) => {
        pending.push(this.store.events.append({ cutoverId, at: this.now(), type, data }));
      },
    };
    const result = this.store.transaction(() => fn(tx));
    for (const e of pending) this.hub.publish(e);
    return result;
  }

  private setState(tx: Tx, row: CutoverRow, to: CutoverState, patch: Omit<CutoverPatch, 'state'>, at: string): void {
    this.store.cutovers.update(row.id, { ...patch, state: to }, at);
    if (row.state !== to) tx.event(row.id, 'state-changed', { from: row.state, to, ...(patch.error ? { error: patch.error } : {}) });
    row.state = to;
  }

  private auditOnly(id: string, action: AuditAction, actor: string, detail: Record<string, unknown>): void {
    this.store.audit.append({ at: this.now(), tokenName: actor, action, cutoverId: id, detail });
  }

  /** Refused requests are audited too: who tried what, and why it was refused. */
  private refuse(id: string, action: AuditAction, actor: string, message: string, detail: Record<string, unknown> = {}, code: 'SY_CONFLICT' | 'SY_PRECONDITION' = 'SY_CONFLICT'): never {
    this.auditOnly(id, action, actor, { ...detail, refused: message });
    throw new SwitchyardError(code, message);
  }
}

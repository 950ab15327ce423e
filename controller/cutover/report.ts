// The report of GET /v1/cutovers/:id/report: the cutover with its steps' timings and results,
// the parity, validation and propagation evidence lifted out of the steps that produced it,
// the DNS snapshots, the rollback and the audit trail.
import { EVIDENCE_KEYS } from './executor.js';
import type { StepName } from './states.js';
import type { AuditRow, CutoverStore, DnsSnapshotRow } from './store/index.js';
import type { CutoverView, StepView } from './view.js';
import { NOTHING_HELD, nothingHeld } from '../../shared/fallback-held.js';

export interface CutoverReport {
  generatedAt: string;
  cutover: Omit<CutoverView, 'steps'>;
  timings: {
    startedAt: string | null;
    endedAt: string | null;
    totalMs: number | null;
    steps: Array<{ name: StepName; state: StepView['state']; attempt: number; startedAt: string | null; endedAt: string | null; durationMs: number | null }>;
  };
  steps: StepView[];
  parity: { runtime: unknown; database: unknown; assets: unknown };
  preflightChecks: unknown;
  validation: unknown;
  /** The same checks re-run after propagation, against the address DNS answered. */
  postSwitchValidation: unknown;
  dns: { change: unknown; snapshots: DnsSnapshotRow[] };
  propagation: unknown;
  monitor: unknown;
  fallback: FallbackReport;
  audit: AuditRow[];
}

export interface FallbackReport {
  until: string | null;
  /** `until` has passed. */
  expired: boolean;
  /** What closed the window before `until`, and when; null while it is open or was never reached. */
  ended: { by: 'rollback' | 'release'; at: string | null } | null;
  /**
   * Staging is held read-only and ready to go back to: reached, not ended, not expired, and
   * something was frozen (false for a plan with neither database nor assets: `note` says so).
   */
  open: boolean;
  /** Set while the window is not ended but holds nothing read-only (lock was skipped): why `open` is false. */
  note?: string;
}

/**
 * A cutover keeps its fallbackUntil once the window is over, so `until` alone read as a window
 * still open on a rolled-back or released cutover: a script checking it at 3 a.m. was told
 * staging was frozen and ready when the rollback had already unlocked it.
 */
function fallbackOf(view: CutoverView, audit: AuditRow[], now: Date): FallbackReport {
  const until = view.fallbackUntil;
  const expired = until !== null && Date.parse(until) <= now.getTime();
  let ended: FallbackReport['ended'] = null;
  if (until !== null && view.rollback !== null) ended = { by: 'rollback', at: view.rollback.startedAt };
  else if (until !== null && view.state === 'completed') {
    // The release that took it: not one refused earlier, nor a repeat answered as already released.
    const release = audit.find((a) => a.action === 'release' && !isRefusedOrRepeat(a.detail));
    ended = { by: 'release', at: release?.at ?? null };
  }
  const held = !nothingHeld(view.steps);
  return {
    until,
    expired,
    ended,
    open: until !== null && ended === null && !expired && held,
    ...(until !== null && ended === null && !held ? { note: NOTHING_HELD } : {}),
  };
}

function isRefusedOrRepeat(detail: unknown): boolean {
  if (detail === null || typeof detail !== 'object') return false;
  const d = detail as Record<string, unknown>;
  return d.refused !== undefined || d.alreadyReleased === true;
}

function evidenceOf(steps: StepView[], step: StepName, key: string): unknown {
  const s = steps.find((x) => x.name === step);
  const ev = s?.result?.evidence;
  if (ev === null || typeof ev !== 'object') return null;
  return (ev as Record<string, unknown>)[key] ?? null;
}

export function buildReport(store: CutoverStore, view: CutoverView, now: Date): CutoverReport {
  const { steps, ...cutover } = view;
  const started = steps.map((s) => s.startedAt).filter((t): t is string => t !== null).sort();
  const ended = steps.map((s) => s.endedAt).filter((t): t is string => t !== null).sort();
  const startedAt = started[0] ?? null;
  const endedAt = ended.at(-1) ?? null;
  const audit = store.audit.forCutover(view.id);
  return {
    generatedAt: now.toISOString(),
    cutover,
    timings: {
      startedAt,
      endedAt,
      totalMs: startedAt !== null && endedAt !== null ? Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)) : null,
      steps: steps.map((s) => ({ name: s.name, state: s.state, attempt: s.attempt, startedAt: s.startedAt, endedAt: s.endedAt, durationMs: s.durationMs })),
    },
    steps,
    parity: {
      runtime: evidenceOf(steps, 'preflight', EVIDENCE_KEYS.runtimeParity),
      database: evidenceOf(steps, 'verify', EVIDENCE_KEYS.databaseParity),
      assets: evidenceOf(steps, 'verify', EVIDENCE_KEYS.assetsParity),
    },
    preflightChecks: evidenceOf(steps, 'preflight', EVIDENCE_KEYS.checks),
    validation: evidenceOf(steps, 'validate', EVIDENCE_KEYS.validation),
    postSwitchValidation: evidenceOf(steps, 'propagate', 'postSwitchValidation'),
    dns: { change: evidenceOf(steps, 'switch', EVIDENCE_KEYS.dnsChange), snapshots: store.dnsSnapshots.forCutover(view.id) },
    propagation: evidenceOf(steps, 'propagate', EVIDENCE_KEYS.propagation),
    monitor: evidenceOf(steps, 'monitor', EVIDENCE_KEYS.monitor),
    fallback: fallbackOf(view, audit, now),
    audit,
  };
}

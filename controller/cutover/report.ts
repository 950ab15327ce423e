// The report of GET /v1/cutovers/:id/report: the cutover with its steps' timings and results,
// the parity, validation and propagation evidence lifted out of the steps that produced it,
// the DNS snapshots, the rollback and the audit trail.
import { EVIDENCE_KEYS } from './executor.js';
import type { StepName } from './states.js';
import type { AuditRow, CutoverStore, DnsSnapshotRow } from './store/index.js';
import type { CutoverView, StepView } from './view.js';

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
  fallback: { until: string | null; expired: boolean };
  audit: AuditRow[];
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
    fallback: { until: view.fallbackUntil, expired: view.fallbackUntil !== null && Date.parse(view.fallbackUntil) <= now.getTime() },
    audit: store.audit.forCutover(view.id),
  };
}

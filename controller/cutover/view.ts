// What callers see of a cutover: the REST body of GET /v1/cutovers/:id, the CLI's status, and
// the `cutover` handed to executors. Schemas here double as REST response schemas.
import { Type, type Static } from '@sinclair/typebox';
import { CUTOVER_STATES, FINAL_STATES, ROLLBACK_PART_STATES, ROLLBACK_STATES, STEP_NAMES, STEP_STATES } from './states.js';
import { PlanSchema } from './plan.js';
import type { CutoverStore, CutoverRow, RollbackPartRow, RollbackRow, StepRow } from './store/index.js';

// Type.Union over a mapped array loses the literal types; Unsafe keeps the schema and restores them.
const literals = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));
const Json = Type.Record(Type.String(), Type.Unknown());
const Nullable = <S extends Parameters<typeof Type.Union>[0][number]>(s: S) => Type.Union([s, Type.Null()]);

export const ErrorViewSchema = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    step: Type.Optional(Type.String()),
    details: Type.Optional(Json),
  },
  { additionalProperties: false },
);

export const StepViewSchema = Type.Object(
  {
    name: literals(STEP_NAMES),
    state: literals(STEP_STATES),
    attempt: Type.Integer(),
    startedAt: Nullable(Type.String()),
    endedAt: Nullable(Type.String()),
    durationMs: Nullable(Type.Integer()),
    summary: Nullable(Type.String()),
    result: Nullable(Json),
    error: Nullable(ErrorViewSchema),
  },
  { additionalProperties: false },
);
export type StepView = Static<typeof StepViewSchema>;

export const RollbackPartViewSchema = Type.Object(
  {
    name: Type.String(),
    state: literals(ROLLBACK_PART_STATES),
    attempt: Type.Integer(),
    startedAt: Nullable(Type.String()),
    endedAt: Nullable(Type.String()),
    detail: Nullable(Json),
    error: Nullable(ErrorViewSchema),
  },
  { additionalProperties: false },
);

export const RollbackViewSchema = Type.Object(
  {
    state: literals(ROLLBACK_STATES),
    reason: Type.String(),
    automatic: Type.Boolean(),
    requestedBy: Type.String(),
    cancelled: Type.Boolean({ description: 'nothing was held yet; the cutover was only cancelled' }),
    attempt: Type.Integer(),
    startedAt: Type.String(),
    endedAt: Nullable(Type.String()),
    evidence: Nullable(Json),
    error: Nullable(ErrorViewSchema),
    parts: Type.Array(RollbackPartViewSchema),
  },
  { additionalProperties: false },
);
export type RollbackView = Static<typeof RollbackViewSchema>;

export const WarningViewSchema = Type.Object(
  {
    at: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the plan key the warning is about' })),
    phase: Type.Optional(Type.String({ description: 'when the controller found it, e.g. startup' })),
  },
  { additionalProperties: false },
);
export type WarningView = Static<typeof WarningViewSchema>;

export const CutoverViewSchema = Type.Object(
  {
    id: Type.String(),
    site: Type.String(),
    state: literals(CUTOVER_STATES),
    currentStep: Nullable(literals(STEP_NAMES)),
    nextStep: Type.Union([literals(STEP_NAMES), Type.Null()], { description: 'the step the next advance runs; null when every step is done and once the cutover is completed or rolled_back, which nothing advances' }),
    running: Type.Boolean({ description: 'a run or rollback is in flight' }),
    createdAt: Type.String(),
    createdBy: Type.String(),
    updatedAt: Type.String(),
    fallbackUntil: Nullable(Type.String()),
    error: Nullable(ErrorViewSchema),
    plan: PlanSchema,
    steps: Type.Array(StepViewSchema),
    rollback: Nullable(RollbackViewSchema),
    warnings: Type.Optional(
      Type.Array(WarningViewSchema, {
        description: 'what this controller found wrong with the cutover outside any step since it started (a stored plan the DNS provider now refuses); the same as its warning events; absent when none, and once the cutover is rolled_back or completed',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CutoverView = Static<typeof CutoverViewSchema>;

function durationMs(startedAt: string | null, endedAt: string | null): number | null {
  if (startedAt === null || endedAt === null) return null;
  return Math.max(0, Date.parse(endedAt) - Date.parse(startedAt));
}

export function stepView(s: StepRow): StepView {
  const summary = s.result !== null && typeof s.result.summary === 'string' ? s.result.summary : null;
  return {
    name: s.name,
    state: s.state,
    attempt: s.attempt,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    durationMs: durationMs(s.startedAt, s.endedAt),
    summary,
    result: s.result,
    error: s.error,
  };
}

function rollbackView(r: RollbackRow, parts: RollbackPartRow[]): RollbackView {
  return {
    state: r.state,
    reason: r.reason,
    automatic: r.automatic,
    requestedBy: r.requestedBy,
    cancelled: r.cancelled,
    attempt: r.attempt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    evidence: r.evidence,
    error: r.error,
    parts: parts.map((p) => ({
      name: p.name,
      state: p.state,
      attempt: p.attempt,
      startedAt: p.startedAt,
      endedAt: p.endedAt,
      detail: p.detail,
      error: p.error,
    })),
  };
}

/** The first step not yet done, or null when all are. */
export function nextStepOf(steps: readonly StepRow[]): StepRow | undefined {
  return steps.find((s) => s.state !== 'succeeded' && s.state !== 'skipped');
}

/** `warnings`: the ones this controller process raised (CutoverEngine.warn); none before it started. */
export function buildView(store: CutoverStore, row: CutoverRow, running: boolean, warnings: readonly WarningView[] = []): CutoverView {
  const steps = store.steps.list(row.id);
  const rollback = store.rollbacks.get(row.id);
  return {
    id: row.id,
    site: row.site,
    state: row.state,
    currentStep: row.currentStep,
    // A cutover rolled back before its first step still has every step pending; none of them
    // will run, so there is no next one to show.
    nextStep: FINAL_STATES.has(row.state) ? null : (nextStepOf(steps)?.name ?? null),
    running,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    fallbackUntil: row.fallbackUntil,
    error: row.error,
    plan: row.plan,
    steps: steps.map(stepView),
    rollback: rollback === undefined ? null : rollbackView(rollback, store.rollbackParts.list(row.id)),
    ...(warnings.length === 0 ? {} : { warnings: [...warnings] }),
  };
}

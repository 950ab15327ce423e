// The fallback step needs no agent: staging has been read-only since `lock` and stays so, and
// the engine records the window's end when this step succeeds. A build may register its own
// executor for `fallback` (e.g. one that re-checks staging is still locked) instead.
import type { StepExecutor } from '../executor.js';

export const fallbackExecutor: StepExecutor = {
  idempotent: true,
  async run(ctx) {
    const until = new Date(ctx.clock.now().getTime() + ctx.plan.fallbackHours * 3_600_000).toISOString();
    return {
      summary: `staging stays read-only and ready until ${until}; release ends the window, rollback goes back`,
      evidence: { fallbackHours: ctx.plan.fallbackHours, fallbackUntil: until },
    };
  },
};

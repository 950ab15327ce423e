// The fallback step needs no agent: staging has been read-only since `lock` and stays so, and
// the engine records the window's end when this step succeeds. A build may register its own
// executor for `fallback` (e.g. one that re-checks staging is still locked) instead.
import type { StepExecutor } from '../executor.js';

export const fallbackExecutor: StepExecutor = {
  idempotent: true,
  async run(ctx) {
    const until = new Date(ctx.clock.now().getTime() + ctx.plan.fallbackHours * 3_600_000).toISOString();
    // Lock froze nothing for a plan that moves no data: "read-only" would be untrue.
    const frozen = ctx.plan.database !== undefined || (ctx.plan.assets?.length ?? 0) > 0;
    return {
      summary: frozen
        ? `staging stays read-only and ready until ${until}; release ends the window, rollback goes back`
        : `window until ${until}, nothing on staging held read-only (the plan has neither database nor assets: lock froze nothing); release ends the window, rollback points DNS back`,
      evidence: { fallbackHours: ctx.plan.fallbackHours, fallbackUntil: until },
    };
  },
};

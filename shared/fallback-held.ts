// A plan with neither `database` nor `assets` has no writes to freeze: lock is skipped, and the
// fallback window that follows holds nothing on staging read-only. The report's `fallback.open`
// means "staging held read-only and ready", so it stays false for such a cutover, and this note
// says why, in the report and in `cutover status`, rather than "staging read-only and ready".

/** Why nothing is held: said wherever the fallback window of such a cutover is shown. */
export const NOTHING_HELD = 'nothing on staging is held read-only: the plan has neither database nor assets, so lock froze nothing; rollback still points DNS back to staging until the window is released';

/** The cutover's lock step was skipped (its plan moves no data): its fallback window holds nothing frozen. */
export function nothingHeld(steps: unknown): boolean {
  if (!Array.isArray(steps)) return false;
  return steps.some((s) => typeof s === 'object' && s !== null && (s as Record<string, unknown>).name === 'lock' && (s as Record<string, unknown>).state === 'skipped');
}

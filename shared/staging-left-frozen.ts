// A rollback's `unlock-staging` part reads "done" both when it put staging back to taking writes
// and when it left staging frozen: the lock found staging frozen by a released cutover and took
// that freeze over (restored as found: read_only=ON, the flag up), or the freeze is another
// cutover's (heldBy; heldLockedAt alone for a record naming no cutover). Told only
// "unlock-staging=done", an operator rolling back at night takes staging for writable again;
// this line says it is not, from the part's own detail.

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the rollback left frozen on staging, one line, or undefined when it left staging taking writes (or did not say). */
export function stagingLeftFrozen(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  const part = parts.find((p): p is Record<string, unknown> => isObj(p) && p.name === 'unlock-staging');
  if (part === undefined || part.state !== 'done' || !isObj(part.detail)) return undefined;
  const d = part.detail;
  if (typeof d.heldBy === 'string' && d.heldBy !== '') {
    return `staging left frozen: the freeze is cutover ${d.heldBy}'s, not this one's — that cutover's rollback (or a person) unfreezes it`;
  }
  // A record naming no cutover (made before the agent kept owners) that no cutover of this controller recorded.
  if (typeof d.heldLockedAt === 'string' && d.heldLockedAt !== '') {
    return `staging left frozen: the freeze is a lock taken at ${d.heldLockedAt}, not this cutover's — the rollback of the cutover that took it (from its controller), or a person, unfreezes it`;
  }
  if (!isObj(d.restored)) return undefined;
  const r = d.restored;
  const frozen = [
    r.readOnly === true && r.noDatabase !== true ? 'read_only=ON' : undefined,
    r.flagFileExisted === true ? `maintenance flag${typeof r.flagFile === 'string' && r.flagFile !== '' ? ` ${r.flagFile}` : ''} up` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (frozen.length === 0) return undefined;
  return `staging left as its lock found it, still frozen: ${frozen.join(', ')} — it was so before this cutover locked; unfreeze it by hand when staging should take writes again`;
}

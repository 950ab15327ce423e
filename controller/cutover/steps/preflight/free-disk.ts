// Free space under production's asset roots, from its facts. Only a warning: the controller
// cannot know how much the sync will add (staging's root size is not in its facts), but a disk
// this full is worth a look before the copy fills it halfway through the freeze.
import { fail, pass, warn, type Check, type PreflightCheck } from './types.js';

export interface FreeDiskOptions {
  /** Warn under this many free bytes (default 1 GiB)... */
  minFreeBytes?: number;
  /** ...or under this share of the filesystem (default 0.1). */
  minFreeShare?: number;
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;

export function freeDiskCheck(opts: FreeDiskOptions = {}): PreflightCheck {
  const minBytes = opts.minFreeBytes ?? 1024 ** 3;
  const minShare = opts.minFreeShare ?? 0.1;
  return async ({ step, facts }) => {
    const roots = (step.plan.assets ?? []).map((a) => a.production);
    if (roots.length === 0) return [pass('free disk', 'the plan copies no asset roots')];
    const p = await facts('production');
    const out: Check[] = [];
    for (const root of roots) {
      const name = `free disk ${root}`;
      const d = p.disks.find((x) => x.root === root);
      if (d === undefined) {
        out.push(fail(name, `${step.plan.production.agent} has no asset root ${root} in its config`));
        continue;
      }
      if (d.error) {
        out.push(warn(name, `${d.path}: ${d.error}`, { path: d.path }));
        continue;
      }
      const free = Number(d.free_bytes);
      const total = Number(d.total_bytes);
      const ev = { path: d.path, freeBytes: free, totalBytes: total, minFreeBytes: minBytes, minFreeShare: minShare };
      if (free < minBytes || (total > 0 && free / total < minShare)) {
        out.push(warn(name, `only ${gib(free)} free of ${gib(total)} under ${d.path}: make sure the copy from staging fits`, ev));
      } else {
        out.push(pass(name, `${gib(free)} free of ${gib(total)} under ${d.path}`, ev));
      }
    }
    return out;
  };
}

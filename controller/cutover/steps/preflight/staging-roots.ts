// The plan's staging asset roots, from staging's facts. Production's roots are checked with their
// free space; without this a typo in `assets[].staging` passed preflight and failed presync after
// the database had been copied.
import { fail, pass, type Check, type PreflightCheck } from './types.js';

export function stagingRootsCheck(): PreflightCheck {
  return async ({ step, facts }) => {
    const assets = step.plan.assets ?? [];
    if (assets.length === 0) return [];
    const s = await facts('staging');
    const known = s.disks.map((d) => d.root);
    const out: Check[] = [];
    assets.forEach((a, i) => {
      const name = `staging asset root ${a.staging}`;
      if (known.includes(a.staging)) out.push(pass(name, `${step.plan.staging.agent} has asset root ${a.staging}`));
      else out.push(fail(name, `plan key assets[${i}].staging: ${step.plan.staging.agent} has no asset root ${a.staging} in its config (it has ${known.length === 0 ? 'none' : known.join(', ')})`));
    });
    return out;
  };
}

// Free and total space under each asset root: the sync must fit, and preflight says so early.
import { statfs } from 'node:fs/promises';
import type { AgentConfig } from '../config.js';
import type { DiskFacts } from '../../shared/proto-gen/switchyard/v1/DiskFacts.js';
import type { Collected } from './collected.js';
import { errorMessage } from './exec.js';

export async function collectDiskFacts(assets: AgentConfig['assets']): Promise<Collected<DiskFacts[]>> {
  const facts = await Promise.all(
    Object.entries(assets).map(async ([root, { path }]): Promise<DiskFacts> => {
      try {
        const s = await statfs(path, { bigint: true });
        // bavail, not bfree: what an unprivileged writer can actually use.
        return { root, path, free_bytes: (s.bavail * s.bsize).toString(), total_bytes: (s.blocks * s.bsize).toString() };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { root, path, error: code === 'ENOENT' ? `${path} does not exist` : errorMessage(err) };
      }
    }),
  );
  return { facts, notes: facts.filter((f) => f.error).map((f) => `disk: ${f.root}: ${f.error}`) };
}

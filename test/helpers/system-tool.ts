// A host tool a test runs itself (a compressor logrotate would call). When it is missing the test
// fails with one line naming the Debian package, instead of a bare spawn ENOENT.
import { execFileSync } from 'node:child_process';

const PACKAGE: Record<string, string> = { xz: 'xz-utils', bzip2: 'bzip2', zstd: 'zstd', gzip: 'gzip' };

export function runTool(tool: string, args: string[]): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} not found: apt-get install ${PACKAGE[tool] ?? tool}`);
    throw err;
  }
}

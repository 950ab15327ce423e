// A host tool a test runs itself (a compressor logrotate would call). When it is missing the test
// fails with one line naming the Debian package, instead of a bare spawn ENOENT.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, unlinkSync } from 'node:fs';

const PACKAGE: Record<string, string> = { xz: 'xz-utils', bzip2: 'bzip2', zstd: 'zstd', gzip: 'gzip' };

function missing(tool: string, err: unknown): unknown {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(`${tool} not found: apt-get install ${PACKAGE[tool] ?? tool}`) : err;
}

export function runTool(tool: string, args: string[]): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw missing(tool, err);
  }
}

/**
 * Compresses `file` to `to` as logrotate's `compresscmd` does: the tool reads the file on stdin
 * and writes the compressed bytes to stdout (a new file, a new inode), then the file is removed.
 */
export function compressLikeLogrotate(tool: string, file: string, to: string, args: string[] = []): void {
  const input = openSync(file, 'r');
  const output = openSync(to, 'wx');
  try {
    execFileSync(tool, args, { stdio: [input, output, 'pipe'] });
  } catch (err) {
    unlinkSync(to);
    throw missing(tool, err);
  } finally {
    closeSync(input);
    closeSync(output);
  }
  unlinkSync(file);
}

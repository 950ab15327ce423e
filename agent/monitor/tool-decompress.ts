// Rotated copies compressed by something other than gzip (logrotate's compresscmd: xz, bzip2,
// zstd) are read through that tool on the agent's host: Node has no decoder for them, and a host
// whose logrotate writes them has the tool that did. Missing, it is said as the reason the file was
// not read, like any other failed read.
import { spawn } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';

/** Compression suffix (rotated-logs.ts) → the tool whose `-dc` writes the content to stdout. */
const TOOLS: Record<string, string> = { bz2: 'bzip2', xz: 'xz', lzma: 'xz', zst: 'zstd' };

/** The tool that decompresses a `.<compressed>` copy; undefined when the agent has none for it. */
export function decompressTool(compressed: string): string | undefined {
  return TOOLS[compressed];
}

/**
 * The content of the open compressed file `fh` (read from its start, whatever its position), in
 * chunks. Throws when the tool is missing or fails on it (a broken or truncated file): after the
 * chunks it did give. Stopping early (a fingerprint found) ends the tool.
 */
export async function* toolChunks(fh: FileHandle, compressed: string): AsyncGenerator<Buffer> {
  const tool = decompressTool(compressed);
  if (tool === undefined) throw new Error(`no decompressor for .${compressed}`);
  // Handed the open file, not its path: the file read is the one whose inode was checked.
  const child = spawn(tool, ['-dc'], { stdio: [fh.fd, 'pipe', 'pipe'] });
  let spawnError: NodeJS.ErrnoException | undefined;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 1024) stderr += d.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) yield chunk;
    const code = await exited;
    if (spawnError !== undefined) throw new Error(spawnError.code === 'ENOENT' ? `${tool} is not installed on the agent's host` : `${tool}: ${spawnError.message}`);
    if (code !== 0) throw new Error(`${tool}: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

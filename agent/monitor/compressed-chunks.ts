// The content of a compressed rotated copy of the access log, chunk by chunk: gzip in-process
// (gunzip-chunks.ts), and what logrotate's compresscmd may write instead — xz, bzip2, zstd —
// through that tool on the agent's host: Node has no decoder for them, and a host whose logrotate
// writes them has the tool that did. Missing, it is said as the reason the file was not read,
// like any other failed read.
import { spawn } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import { gunzipChunks } from './gunzip-chunks.js';

/** Compression suffix (rotated-logs.ts) → the tool whose `-dc` writes the content to stdout. */
const TOOLS: Record<string, string> = { bz2: 'bzip2', xz: 'xz', lzma: 'xz', zst: 'zstd' };

/** Whether a copy with this compression suffix can be read (gzip, or one of the tools'); false for a plain file. */
export function canDecompress(compressed: string | null): compressed is string {
  return compressed === 'gz' || (compressed !== null && TOOLS[compressed] !== undefined);
}

/**
 * The uncompressed content of the open file `fh`, compressed as `compressed`, from its start,
 * chunk by chunk, each with `at`, where it starts in that content. Throws when it cannot be read
 * on (a broken or truncated file, the tool missing), after the chunks it did give. However the
 * loop ends, the reading stops (the tool is ended); the file handle stays open. One loop per
 * opened handle.
 */
export async function* compressedChunks(fh: FileHandle, compressed: string): AsyncGenerator<{ chunk: Buffer; at: number }, void, undefined> {
  if (compressed === 'gz') {
    yield* gunzipChunks(fh);
    return;
  }
  const tool = TOOLS[compressed];
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
  let at = 0;
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      yield { chunk, at };
      at += chunk.length;
    }
    const code = await exited;
    if (spawnError !== undefined) throw new Error(spawnError.code === 'ENOENT' ? `${tool} is not installed on the agent's host` : `${tool}: ${spawnError.message}`);
    if (code !== 0) throw new Error(`${tool}: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

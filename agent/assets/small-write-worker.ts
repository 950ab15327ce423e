// The blocking half of writing a small file, on a thread of its own: check the bytes' SHA-256,
// create the temporary file (never following a link planted at its name), write, set mode and
// mtime, close. In the agent's main thread these calls were a third of its time during a copy of
// tens of thousands of small files, and that thread also reads the network and keeps the
// manifest; here they run beside it.
import { createHash } from 'node:crypto';
import { closeSync, constants, fchmodSync, futimesSync, openSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface SmallWriteJob {
  id: number;
  tmp: string;
  data: Uint8Array;
  sha256: Uint8Array;
  mode: number;
  /** Seconds, fractional: what futimes takes. */
  mtime: number;
}

export type SmallWriteReply = { id: number; status: 'ok' | 'hash-mismatch' } | { id: number; status: 'error'; message: string; code?: string };

function write(job: SmallWriteJob): SmallWriteReply {
  const got = createHash('sha256').update(job.data).digest();
  if (!got.equals(job.sha256)) return { id: job.id, status: 'hash-mismatch' };
  // O_TRUNC: a leftover from an interrupted run is replaced.
  const fd = openSync(job.tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    for (let off = 0; off < job.data.length; ) off += writeSync(fd, job.data, off, job.data.length - off, off);
    fchmodSync(fd, job.mode);
    futimesSync(fd, job.mtime, job.mtime);
  } finally {
    closeSync(fd);
  }
  return { id: job.id, status: 'ok' };
}

const port = parentPort!;
port.on('message', (jobs: SmallWriteJob[]) => {
  const replies: SmallWriteReply[] = [];
  for (const job of jobs) {
    try {
      replies.push(write(job));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      replies.push({ id: job.id, status: 'error', message: e.message, ...(e.code === undefined ? {} : { code: e.code }) });
    }
  }
  port.postMessage(replies);
});

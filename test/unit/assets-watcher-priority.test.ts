// The watcher thread yields the CPU to the pull while muted (watch-worker's MUTED_NICE), and
// gets its priority back at the unmute. Read from the kernel: each thread's nice value in
// /proc/self/task/<tid>/stat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ThreadedWatcher } from '../../agent/assets/threaded-watcher.js';

/** Whether a thread of this process may lower its priority and raise it back (root, or CAP_SYS_NICE). */
async function canRaiseBack(): Promise<boolean> {
  const code = `const os = require('node:os'); const fs = require('node:fs'); const { parentPort } = require('node:worker_threads');
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop()); let ok = false;
    try { const n = os.getPriority(tid); os.setPriority(tid, n + 1); os.setPriority(tid, n); ok = true; } catch {}
    parentPort.postMessage(ok);`;
  const w = new Worker(code, { eval: true });
  const ok = await new Promise<boolean>((resolve) => w.once('message', resolve));
  await w.terminate();
  return ok;
}

/** Nice value of every thread of this process. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is the 3rd field, nice the 19th.
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}

test('the watcher thread runs at the lowest priority while muted and at its own again after the unmute', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-nice-'));
  writeFileSync(join(dir, 'a.txt'), 'a');
  const w = new ThreadedWatcher(dir);
  t.after(async () => {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  const before = threadNices();
  assert.equal(before.filter((n) => n === 19).length, 0, `no thread at nice 19 before the mute: ${before.join(',')}`);
  await w.mute();
  // Without the right to raise it back, the watcher is never lowered.
  const expected = (await canRaiseBack()) ? 1 : 0;
  assert.equal(threadNices().filter((n) => n === 19).length, expected, `${expected} thread (the watcher) at nice 19 while muted`);
  w.unmute();
  // Messages reach the thread in order: once a later question is answered, the unmute is done.
  await w.quietFor();
  assert.deepEqual(threadNices().filter((n) => n === 19), [], 'back to its own priority after the unmute');
});

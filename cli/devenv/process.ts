// Small process helpers for the local environments the demo and the tests start.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { SwitchyardError } from '../../shared/errors.js';

/** Finds the binary on PATH (and sbin dirs) or fails with the package that provides it. */
export function requireBinary(names: string[], debianPackage: string): string {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/local/sbin`;
  for (const name of names) {
    for (const dir of path.split(':')) {
      if (dir === '') continue;
      const candidate = `${dir}/${name}`;
      if (spawnSync('test', ['-x', candidate]).status === 0) return candidate;
    }
  }
  throw new SwitchyardError('SY_PRECONDITION', `${names[0]} not found: install it with 'apt-get install ${debianPackage}'`);
}

/** A TCP port free on `host` right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SwitchyardError('SY_PRECONDITION', `${what} did not become ready in ${timeoutMs} ms${lastErr ? `: ${String(lastErr)}` : ''}`);
}

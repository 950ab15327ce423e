// Runs the real `switchyard` binary as child processes, as a sysadmin would on separate hosts.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { SwitchyardError } from '../../shared/errors.js';
import { MAIN_SCRIPT, shebangNodeFlags } from '../node-flags.js';

export interface ChildHandle {
  name: string;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function spawnSwitchyard(name: string, args: string[], logFile: string, env: Record<string, string> = {}): ChildHandle {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...shebangNodeFlags(), MAIN_SCRIPT, ...args], { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    name,
    logFile,
    child,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Fails early, with the child's last log lines, if it died during start-up. */
export function assertAlive(h: ChildHandle): void {
  if (h.child.exitCode !== null || h.child.signalCode !== null) {
    const tail = readFileSync(h.logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
    throw new SwitchyardError('SY_PRECONDITION', `${h.name} exited during start-up: ${tail}`);
  }
}

// What tells one running process from another on this host, for the state files' holder rows
// (the controller's and the agent's): a pid alone is reused, and another container's pids are
// not ours to look up.
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * The kernel's start time of `pid` (field 22 of /proc/PID/stat): a pid reused by another process
 * has another. 'gone' when the pid is not running (or a zombie); null without /proc.
 */
export function procStart(pid: number): string | null | 'gone' {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    try {
      readFileSync('/proc/self/stat');
    } catch {
      return null;
    }
    return 'gone';
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return 'gone';
  return fields[19] ?? null;
}

/** This process's pid namespace, e.g. "pid:[4026531836]"; null without /proc. */
export function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

// Runs the host's own tools (php, nginx, apache2ctl) to ask them what they are. A tool that is
// not installed is a fact, not a failure, so lookup and execution are separate steps.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** Where the tools are looked up; tests pass a PATH with a fake binary first. */
export interface ToolEnv {
  path?: string;
  timeoutMs?: number;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `name` on PATH (plus the sbin dirs daemons live in), or undefined. */
export async function findOnPath(name: string, env: ToolEnv = {}): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) && isAbsolute(name) ? name : undefined;
  // sbin dirs come last: a non-root agent's PATH often lacks them, yet nginx lives there.
  const dirs = [...(env.path ?? process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** Runs a tool with a deadline; rejects with a one-line message naming the command. */
export function runTool(binary: string, args: string[], env: ToolEnv = {}): Promise<ToolOutput> {
  const timeout = env.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { timeout, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, ...(env.path === undefined ? {} : { PATH: env.path }), LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `timed out after ${timeout} ms` : `exited with ${err.code ?? err.signal ?? 'an error'}`;
          const firstLine = stderr.trim().split('\n')[0];
          reject(new Error(`${binary} ${args.join(' ')}: ${why}${firstLine ? `: ${firstLine}` : ''}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

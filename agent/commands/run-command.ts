// Runs one command the agent's config declares by name — the controller can only name it, never
// supply argv — with no shell in between, a timeout that kills the whole process group, and
// only the tail of its output kept (a chatty test suite must not grow the agent's memory).
import { spawn } from 'node:child_process';
import { SwitchyardError } from '../../shared/errors.js';
import type { AgentConfig } from '../config.js';
import type { RunCommandResponse } from '../../shared/proto-gen/switchyard/v1/RunCommandResponse.js';

export const OUTPUT_TAIL_BYTES = 8 * 1024;
/** After SIGTERM on timeout, how long the group gets before SIGKILL. */
export const KILL_GRACE_MS = 2_000;

/** Keeps the last `limit` bytes written to it. */
class TailBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  #cut = false;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.limit && this.#chunks.length > 1) {
      this.#size -= this.#chunks.shift()!.length;
      this.#cut = true;
    }
  }

  text(): string {
    let buf = Buffer.concat(this.#chunks);
    let cut = this.#cut;
    if (buf.length > this.limit) {
      buf = buf.subarray(buf.length - this.limit);
      cut = true;
    }
    // Cutting may split a UTF-8 sequence; the decoder turns the stray bytes into U+FFFD.
    return (cut ? '…' : '') + buf.toString('utf8');
  }
}

export interface RunCommandOptions {
  tailBytes?: number;
  killGraceMs?: number;
  signal?: AbortSignal;
}

export async function runDeclaredCommand(commands: AgentConfig['commands'], name: string, opts: RunCommandOptions = {}): Promise<RunCommandResponse> {
  if (!Object.prototype.hasOwnProperty.call(commands, name)) {
    const known = Object.keys(commands).sort();
    throw new SwitchyardError('SY_COMMAND_UNKNOWN', `command ${JSON.stringify(name)} is not declared in this agent's config (declared: ${known.join(', ') || 'none'})`, { field: 'name' });
  }
  const cmd = commands[name]!;
  const [file, ...args] = cmd.argv;
  const started = performance.now();
  const stdout = new TailBuffer(opts.tailBytes ?? OUTPUT_TAIL_BYTES);
  const stderr = new TailBuffer(opts.tailBytes ?? OUTPUT_TAIL_BYTES);

  return new Promise<RunCommandResponse>((resolve, reject) => {
    // Own process group, so a timeout also ends what the command started (a script's children).
    const child = spawn(file!, args, { cwd: cmd.cwd, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, cmd.timeoutSeconds * 1000);
    const onAbort = (): void => stop();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new SwitchyardError('SY_PRECONDITION', `command ${name}: cannot start ${file}: ${err.code ?? err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      // The group may outlive the leader (a backgrounded child); it was told to go with it.
      if (timedOut) killGroup('SIGKILL');
      resolve({
        name,
        exit_code: code ?? -1,
        signal: signal ?? '',
        timed_out: timedOut,
        stdout_tail: stdout.text(),
        stderr_tail: stderr.text(),
        duration_ms: Math.round(performance.now() - started),
      });
    });
  });
}

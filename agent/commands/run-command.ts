// Runs one command the agent's config declares by name — the controller can only name it, never
// supply argv — with no shell in between, a timeout that kills the whole process group, and
// only the tail of its output kept (a chatty test suite must not grow the agent's memory). The
// tails travel to the controller and its reports, so the agent's own secrets are cut out of them:
// the command inherits the agent's environment, and a suite that dumps it would carry them off.
import { spawn } from 'node:child_process';
import { SwitchyardError } from '../../shared/errors.js';
import type { AgentConfig } from '../config.js';
import type { RunCommandResponse } from '../../shared/proto-gen/switchyard/v1/RunCommandResponse.js';

export const OUTPUT_TAIL_BYTES = 8 * 1024;
/** After SIGTERM on timeout, how long the group gets before SIGKILL. */
export const KILL_GRACE_MS = 2_000;

const REDACTED = Buffer.from('[redacted]');
/** Shorter values are left alone: redacting them would garble the output and hide little. */
const MIN_SECRET_BYTES = 4;

/** Every form a secret may be printed in: as is, and URL-encoded (a DSN). */
export function secretForms(secrets: readonly string[]): Buffer[] {
  const forms = secrets.flatMap((s) => [s, encodeURIComponent(s)]).map((s) => Buffer.from(s, 'utf8'));
  const unique = new Map(forms.filter((b) => b.length >= MIN_SECRET_BYTES).map((b) => [b.toString('hex'), b]));
  return [...unique.values()];
}

/**
 * Keeps the last `limit` bytes written to it, plus as many as the longest secret, so a secret
 * the cut falls inside is still seen whole and redacted rather than shown in part.
 */
class TailBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  #cut = false;
  readonly #keep: number;
  constructor(
    private readonly limit: number,
    private readonly secrets: Buffer[] = [],
  ) {
    this.#keep = limit + Math.max(0, ...secrets.map((b) => b.length));
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.#keep && this.#chunks.length > 1) {
      this.#size -= this.#chunks.shift()!.length;
      this.#cut = true;
    }
  }

  text(): string {
    const buf = Buffer.concat(this.#chunks);
    const start = Math.max(0, buf.length - this.limit);
    const cut = this.#cut || start > 0;
    // Secrets are found in all that is kept; one that starts before `start` but reaches past it
    // is redacted whole, and what lies before `start` (a secret's stray end included) is dropped.
    const hits: Array<[number, number]> = [];
    for (const s of this.secrets) {
      for (let i = buf.indexOf(s); i >= 0; i = buf.indexOf(s, i + s.length)) if (i + s.length > start) hits.push([i, i + s.length]);
    }
    hits.sort((a, b) => a[0] - b[0]);
    const parts: Buffer[] = [];
    let at = start;
    for (const [from, to] of hits) {
      if (to <= at) continue;
      if (from > at) parts.push(buf.subarray(at, from));
      parts.push(REDACTED);
      at = to;
    }
    parts.push(buf.subarray(at));
    // Cutting may split a UTF-8 sequence; the decoder turns the stray bytes into U+FFFD.
    return (cut ? '…' : '') + Buffer.concat(parts).toString('utf8');
  }
}

export interface RunCommandOptions {
  tailBytes?: number;
  /** Values never to appear in the output tails (the agent's database password). */
  secrets?: readonly string[];
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
  const secrets = secretForms(opts.secrets ?? []);
  const stdout = new TailBuffer(opts.tailBytes ?? OUTPUT_TAIL_BYTES, secrets);
  const stderr = new TailBuffer(opts.tailBytes ?? OUTPUT_TAIL_BYTES, secrets);

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

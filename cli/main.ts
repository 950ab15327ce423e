#!/usr/bin/env -S node --initial-old-space-size=128
import './threadpool-size.js';
// `switchyard` — one binary for the agent, the controller and the operator's client verbs.
// The shebang's Node.js flags, and why: node-flags.ts.
import { Command, CommanderError } from 'commander';
import { SwitchyardError } from '../shared/errors.js';
import { packageVersion } from '../shared/paths.js';
import { registerCommands } from './commands/index.js';
import { terminalSafe } from './terminal-safe.js';
import { UsageError, usageLine } from './usage-error.js';

function fail(err: unknown): never {
  // A usage error's line is cut before `(see --help)` is added, so a long message keeps it.
  const line =
    err instanceof UsageError
      ? usageLine(err.message.split('\n')[0]!)
      : err instanceof SwitchyardError
        ? `switchyard: ${err.message} [${err.code}]`
        : `switchyard: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${terminalSafe(line.split('\n')[0]!)}\n`);
  process.exit(1);
}

/** The one line for a help text Commander sends to stderr (a verb missing); undefined for anything else. */
function missingCommandLine(text: string): string | undefined {
  const usage = /^Usage: (\S+(?: [a-z][\w-]*)*) \[options\] \[command\]/.exec(text);
  if (usage === null) return undefined;
  const verbs = [...text.slice(text.indexOf('\nCommands:')).matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((v) => v !== 'help');
  const group = usage[1]!.split(' ').slice(1).join(' ');
  return `switchyard: missing command${group === '' ? '' : ` for ${group}`}: ${verbs.join(', ')} (see ${usage[1]!} --help)\n`;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('switchyard')
    .description('Move a website from a validated staging host to a new production host, prove parity, then switch DNS — with a way back.')
    .version(packageVersion())
    // A usage error is one line on stderr (the whole help after it buried the line that matters).
    .configureOutput({
      outputError: (str, write) => write(`${usageLine(str.replace(/^error: /, '').trim())}\n`),
      // `switchyard` or `switchyard cutover` without a verb: Commander writes the whole help to
      // stderr and exits 1. That is a usage error too, so one line naming what is missing.
      writeErr: (str) => void process.stderr.write(missingCommandLine(str) ?? str),
    })
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors have already printed their one line.
      process.exit(err.exitCode);
    }
    fail(err);
  }
}

process.on('unhandledRejection', fail);
// A reader that stops early (`| head`) is not an error of ours: end quietly instead of a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  fail(err);
});
await main(process.argv);

// A flag given a value the command cannot use is a usage error like an unknown flag: README
// promises one line, then `(see --help)`, whether Commander or our own check refused it.
import { SwitchyardError } from '../shared/errors.js';

/** Still a SY_VALIDATION SwitchyardError for callers in code; main.ts prints it as Commander's usage errors read. */
export class UsageError extends SwitchyardError {
  constructor(message: string, field: string, cause?: unknown) {
    super('SY_VALIDATION', message, { field, ...(cause === undefined ? {} : { cause }) });
    this.name = 'UsageError';
  }
}

/** The line a usage error ends the command with, without its newline. */
export function usageLine(message: string): string {
  return `switchyard: ${message} (see --help)`;
}

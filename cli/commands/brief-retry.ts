// How the CLI's one-shot reads ride out a flaky link, shared by every command that only reads.
import type { PatienceOptions } from '../client/rest.js';
import { terminalSafe } from '../terminal-safe.js';

/** A line on stderr, prefixed like the CLI's other notes, made safe for a terminal. */
export const note = (s: string): void => void process.stderr.write(`switchyard: ${terminalSafe(s)}\n`);

/**
 * One-shot reads (agents, parity, cutover status, report, list) ask again a few times, shortly,
 * when the connection drops or a proxy answers 502/503/504, and say so on stderr: a flaky link
 * at 3 a.m. should not need the command typed again, nor hide that it is being waited out.
 * `watch` waits longer.
 */
export const BRIEF_RETRY: PatienceOptions = { attempts: 5, patienceMs: 15_000, onRetry: note };

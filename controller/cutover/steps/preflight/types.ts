// A preflight check and what it sees. Checks are small async functions, each returning one or
// more findings; the preflight step runs them all and fails on any `fail`.
import type { Facts__Output } from '../../../../shared/proto-gen/switchyard/v1/Facts.js';
import type { StepContext } from '../../executor.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  /** One line for a person: what was found and, for warn/fail, what to do. */
  message: string;
  evidence?: Record<string, unknown>;
}

export interface PreflightCheckContext {
  readonly step: StepContext;
  /** Each side's runtime facts, fetched once per preflight and shared by the checks. */
  facts(side: 'staging' | 'production'): Promise<Facts__Output>;
  /** Puts a table at the top of the step's evidence (e.g. runtimeParity for the report). */
  setEvidence(key: string, value: unknown): void;
}

export type PreflightCheck = (ctx: PreflightCheckContext) => Promise<Check[]>;

export const pass = (name: string, message: string, evidence?: Record<string, unknown>): Check => ({ name, status: 'pass', message, ...(evidence ? { evidence } : {}) });
export const warn = (name: string, message: string, evidence?: Record<string, unknown>): Check => ({ name, status: 'warn', message, ...(evidence ? { evidence } : {}) });
export const fail = (name: string, message: string, evidence?: Record<string, unknown>): Check => ({ name, status: 'fail', message, ...(evidence ? { evidence } : {}) });

/** Gives a check the name its failure is reported under if it throws. */
export function named(name: string, check: PreflightCheck): PreflightCheck {
  Object.defineProperty(check, 'name', { value: name });
  return check;
}

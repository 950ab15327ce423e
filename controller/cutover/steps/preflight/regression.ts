// The regression suites the plan names (`checks.regression: [prod-1:smoke]`): each is a command
// declared by name in that agent's config, run there, and must exit 0.
import type { AgentClient } from '../../../../shared/proto-gen/switchyard/v1/Agent.js';
import type { RunCommandResponse__Output } from '../../../../shared/proto-gen/switchyard/v1/RunCommandResponse.js';
import type { AgentDirectory } from '../../../agents/agent-directory.js';
import { fail, pass, type Check, type PreflightCheck } from './types.js';

/** The agent enforces each command's own timeout; this only bounds a hung connection. */
const CALL_TIMEOUT_MS = 3 * 3_600_000;

export function regressionCheck(agents: Pick<AgentDirectory, 'client' | 'call'>): PreflightCheck {
  return async ({ step }) => {
    const entries = step.plan.checks.regression;
    return Promise.all(
      entries.map(async (entry, i): Promise<Check> => {
        const sep = entry.indexOf(':');
        const agent = entry.slice(0, sep);
        const command = entry.slice(sep + 1);
        const name = `regression ${entry}`;
        try {
          const c = agents.client(agent, `checks.regression[${i}]`);
          const r = await agents.call<AgentClient, { name: string }, RunCommandResponse__Output>(agent, c, c.RunCommand, { name: command }, { timeoutMs: CALL_TIMEOUT_MS, signal: step.signal });
          const ev = { agent, command, exitCode: r.exit_code, signal: r.signal || null, timedOut: r.timed_out, durationMs: r.duration_ms, stdoutTail: r.stdout_tail, stderrTail: r.stderr_tail };
          if (r.exit_code === 0 && !r.timed_out) return pass(name, `exit 0 in ${(r.duration_ms / 1000).toFixed(1)} s`, ev);
          const how = r.timed_out ? `timed out and was killed (${r.signal})` : r.signal ? `ended by ${r.signal}` : `exit ${r.exit_code}`;
          const last = (r.stderr_tail || r.stdout_tail).trim().split('\n').slice(-3).join(' | ');
          return fail(name, `${how}${last ? `: ${last}` : ''}`, ev);
        } catch (err) {
          return fail(name, (err as Error).message, { agent, command });
        }
      }),
    );
  };
}

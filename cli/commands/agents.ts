// `switchyard agents` and `switchyard parity`: read-only views through the controller's REST API,
// asked again shortly on a dropped connection or a proxy's 502/503/504 like the other one-shot reads.
import type { Command } from 'commander';
import { RestClient, clientOptionsFrom } from '../client/rest.js';
import type { ParityTable } from '../../shared/parity.js';
import { formatParityTable } from '../../shared/parity-format.js';
import { terminalSafe } from '../terminal-safe.js';
import { BRIEF_RETRY } from './brief-retry.js';
import { SwitchyardError } from '../../shared/errors.js';
import { UsageError } from '../usage-error.js';

interface AgentRow {
  name: string;
  address: string;
  reachable: boolean;
  latencyMs?: number;
  error?: string;
}

export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'controller base URL (default: $SWITCHYARD_URL or http://127.0.0.1:7700)')
    .option('--token <token>', 'bearer token (default: $SWITCHYARD_TOKEN)')
    .option('--json', 'print the raw JSON answer');
}

export function formatAgents(rows: AgentRow[]): string {
  const w = Math.max(4, ...rows.map((r) => r.name.length));
  const a = Math.max(7, ...rows.map((r) => r.address.length));
  const lines = [`${'NAME'.padEnd(w)}  ${'ADDRESS'.padEnd(a)}  STATUS`];
  for (const r of rows) {
    const status = r.reachable ? `reachable (${r.latencyMs ?? '?'} ms)` : `UNREACHABLE: ${r.error ?? 'unknown'}`;
    lines.push(`${r.name.padEnd(w)}  ${r.address.padEnd(a)}  ${status}`);
  }
  return lines.join('\n');
}

/** Commander's collector for an option that may be repeated. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The REST parameters of /v1/parity/runtime that `switchyard parity` fills, and the option each comes from. */
const PARITY_OPTIONS: Record<string, string> = {
  stagingHost: '--staging-host',
  productionHost: '--production-host',
  stagingIp: '--staging-ip',
  productionIp: '--production-ip',
  allowDiffer: '--allow-differ',
};
const PARITY_PARAM = new RegExp(`(query parameter )?\\b(${Object.keys(PARITY_OPTIONS).join('|')})\\b`, 'g');

/**
 * The controller's refusal in the words typed: it names its query parameters (stagingIp), which
 * the person at the CLI never wrote and cannot find in `parity --help`; the options they did
 * type are --staging-ip and the like. Anything else passes as it is.
 */
export function inParityOptions(err: unknown): unknown {
  if (!(err instanceof SwitchyardError)) return err;
  const message = err.message.replace(PARITY_PARAM, (_, query: string | undefined, name: string) => `${query === undefined ? '' : 'option '}${PARITY_OPTIONS[name]!}`);
  if (message === err.message) return err;
  const field = err.field === undefined ? undefined : PARITY_OPTIONS[err.field]?.slice(2) ?? err.field;
  // A 400 naming an option is a usage error, like a flag refused here: its line ends `(see --help)`.
  if (err.code === 'SY_VALIDATION') return new UsageError(message, field ?? 'parity', err);
  return new SwitchyardError(err.code, message, { cause: err, ...(field === undefined ? {} : { field }), ...(err.details === undefined ? {} : { details: err.details }) });
}

export function registerAgentsCommand(program: Command): void {
  addClientOptions(program.command('agents').description('list the configured agents and whether the controller reaches them'))
    .action(async (o: { url?: string; token?: string; json?: boolean }) => {
      const res = await new RestClient(clientOptionsFrom(o)).getPatiently<{ agents: AgentRow[] }>('/v1/agents', BRIEF_RETRY);
      process.stdout.write(`${o.json ? JSON.stringify(res, null, 2) : terminalSafe(formatAgents(res.agents))}\n`);
    });

  addClientOptions(
    program
      .command('parity')
      .description('runtime parity table of two agents (equal / differs / missing / allowed)')
      .requiredOption('--staging <agent>', 'staging agent name')
      .requiredOption('--production <agent>', 'production agent name')
      .option('--allow-differ <keys>', 'keys allowed to differ, comma-separated or the option repeated, e.g. ENV:APP_URL,os.kernel; a comma in a cron key\'s schedule (cron.job.root:backup@0,30 * * * *) stays in the key', collect, [])
      .option('--staging-host <host>', "staging's origin host: with --production-host, the nginx server block serving each side's host is compared too (web.vhost.*)")
      .option('--production-host <host>', "production's origin host, given with --staging-host")
      .option('--staging-ip <ip>', "staging's origin address (the plan's staging.ip), with the hosts: a listen on it compares as staging's own address, as in preflight")
      .option('--production-ip <ip>', "production's origin address (the plan's production.ip), with the hosts"),
  ).action(async (o: { staging: string; production: string; allowDiffer: string[]; stagingHost?: string; productionHost?: string; stagingIp?: string; productionIp?: string; url?: string; token?: string; json?: boolean }) => {
    const q = new URLSearchParams({ staging: o.staging, production: o.production });
    // Each as given: the controller splits at commas, keeping a cron schedule's commas in its key.
    for (const keys of o.allowDiffer) q.append('allowDiffer', keys);
    // The controller answers one host without the other with a 400 naming the missing one.
    if (o.stagingHost) q.set('stagingHost', o.stagingHost);
    if (o.productionHost) q.set('productionHost', o.productionHost);
    // Likewise a bad address, or one given without the hosts: the controller says which.
    if (o.stagingIp) q.set('stagingIp', o.stagingIp);
    if (o.productionIp) q.set('productionIp', o.productionIp);
    const table = await new RestClient(clientOptionsFrom(o)).getPatiently<ParityTable>(`/v1/parity/runtime?${q}`, BRIEF_RETRY).catch((err: unknown) => {
      throw inParityOptions(err);
    });
    process.stdout.write(`${o.json ? JSON.stringify(table, null, 2) : terminalSafe(formatParityTable(table))}\n`);
  });
}

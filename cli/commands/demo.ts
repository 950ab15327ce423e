// `switchyard demo`: the product on this one machine, end to end, for a first look.
import type { Command } from 'commander';
import { startDemoEnvironment } from '../demo/environment.js';
import { formatAgents } from './agents.js';
import { formatParityTable } from '../../shared/parity-format.js';
import type { ParityTable } from '../../shared/parity.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function runDemo(opts: { keep?: boolean }): Promise<void> {
  say('Switchyard demo — staging and production on this machine\n');
  const env = await startDemoEnvironment({ log: (l) => say(`  · ${l}`), keep: opts.keep ?? false });
  try {
    const agents = await env.client.get<{ agents: Parameters<typeof formatAgents>[0] }>('/v1/agents');
    say('\nAgents (GET /v1/agents):');
    say(formatAgents(agents.agents));

    const q = new URLSearchParams({ staging: env.staging.agentName, production: env.production.agentName, allowDiffer: 'ENV:APP_URL,ENV:DB_NAME,ENV:DB_PASSWORD' });
    const table = await env.client.get<ParityTable>(`/v1/parity/runtime?${q}`);
    say(`\nRuntime parity (GET /v1/parity/runtime?${q}):`);
    say('APP_URL, DB_NAME and DB_PASSWORD are allowed to differ; env values are compared as salted digests, never shown.\n');
    say(formatParityTable(table));
  } finally {
    await env.stop();
  }
  say('\nDemo finished; everything it started has been stopped.');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the cutover on this machine: two MariaDB servers, two agents on 127.0.0.2/.3, a controller')
    .option('--keep', 'keep the demo work dir (configs, logs, certificates) after it ends')
    .action(async (o: { keep?: boolean }) => runDemo(o));
}

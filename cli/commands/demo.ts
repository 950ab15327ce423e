// `switchyard demo`: the product on this one machine, end to end, for a first look.
import type { Command } from 'commander';
import type { DemoEnvironment } from '../demo/environment.js';
import { formatAgents } from './agents.js';
import { formatParityTable } from '../../shared/parity-format.js';
import type { ParityTable } from '../../shared/parity.js';

const say = (line: string) => void process.stdout.write(`${line}\n`);

async function showParity(env: DemoEnvironment): Promise<void> {
  const agents = await env.client.get<{ agents: Parameters<typeof formatAgents>[0] }>('/v1/agents');
  say('\nAgents (GET /v1/agents):');
  say(formatAgents(agents.agents));
  const q = new URLSearchParams({ staging: env.staging.agentName, production: env.production.agentName, allowDiffer: 'ENV:APP_URL,ENV:DB_NAME,ENV:DB_PASSWORD' });
  const table = await env.client.get<ParityTable>(`/v1/parity/runtime?${q}`);
  say(`\nRuntime parity (GET /v1/parity/runtime?${q}):`);
  say('APP_URL, DB_NAME and DB_PASSWORD are allowed to differ; env values are compared as salted digests, never shown.\n');
  say(formatParityTable(table));
}

/** The lines SPEC promises to scripts driving `demo --serve`. */
export function serveLines(env: DemoEnvironment, planPath: string): string[] {
  const mysql = (s: DemoEnvironment['staging']) => s.db.url(s.db.site, s.database);
  return [
    `SWITCHYARD_URL=${env.controllerUrl}`,
    `SWITCHYARD_TOKEN=${env.operatorToken}`,
    // A read-only token too, so the 403 of a viewer acting can be tried by hand.
    `SWITCHYARD_VIEWER_TOKEN=${env.viewerToken}`,
    `STAGING_MYSQL=${mysql(env.staging)}`,
    `PRODUCTION_MYSQL=${mysql(env.production)}`,
    `STAGING_ASSETS=${env.staging.assetsDir}`,
    `PRODUCTION_ASSETS=${env.production.assetsDir}`,
    `STAGING_IP=${env.staging.ip}`,
    `PRODUCTION_IP=${env.production.ip}`,
    `DNS_SERVER=${env.dns.dnsServer}`,
    `DNS_NAME=${env.dnsName}`,
    `DEMO_PLAN=${planPath}`,
  ];
}

export async function runDemo(opts: { keep?: boolean; serve?: boolean }): Promise<void> {
  say('Switchyard demo — staging and production on this machine\n');
  const { startDemoEnvironment } = await import('../demo/environment.js');
  const { runDemoCutover, writeDemoPlan } = await import('../demo/cutover-demo.js');
  const env = await startDemoEnvironment({ log: (l) => say(`  · ${l}`), keep: opts.keep ?? false });
  try {
    await showParity(env);
    await runDemoCutover(env, say);
    if (opts.serve) {
      for (const line of serveLines(env, writeDemoPlan(env))) say(line);
      say('DEMO_READY');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    await env.stop();
  }
  say('\nDemo finished; everything it started has been stopped.');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole cutover on this machine: two MariaDB servers, two agents on 127.0.0.2/.3, PowerDNS, a controller')
    .option('--serve', 'then keep the environment running (prints NAME=value lines and DEMO_READY) until interrupted')
    .option('--keep', 'keep the demo work dir (configs, logs, certificates) after it ends')
    .action(async (o: { keep?: boolean; serve?: boolean }) => runDemo(o));
}

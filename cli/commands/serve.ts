// `switchyard agent` and `switchyard controller`: long-running processes with graceful shutdown.
// Each loads only its own code: an agent that also held the controller (fastify, the browser
// driver, …) had a heap of 50 MB instead of 14, and every major GC — one per ~64 MB of chunk
// buffers during a copy — marks all of it.
import type { Command } from 'commander';
import { UsageError } from '../usage-error.js';

/** --config, else $SWITCHYARD_CONFIG (how the container image passes it to every verb). */
export function configPath(flag: string | undefined): string {
  const path = flag ?? process.env.SWITCHYARD_CONFIG;
  if (path === undefined || path === '') throw new UsageError('pass --config FILE or set SWITCHYARD_CONFIG', 'config');
  return path;
}

function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServeCommands(program: Command): void {
  program
    .command('agent')
    .description('run the agent on a staging or production host (gRPC, mutual TLS)')
    .option('--config <file>', 'agent.yaml (default: $SWITCHYARD_CONFIG)')
    .action(async (o: { config?: string }) => {
      const { runAgent } = await import('../../agent/run.js');
      const agent = await runAgent(configPath(o.config));
      await untilSignal(() => agent.close());
    });

  program
    .command('controller')
    .description('run the controller (REST API, drives agents, owns the DNS switch)')
    .option('--config <file>', 'controller.yaml (default: $SWITCHYARD_CONFIG)')
    .option('--take-over', 'use the state file at once although a controller on another host or in another container holds it (only once that one is gone); without it this one waits up to 70 s for that one\'s heartbeat to go stale, and refuses as soon as it beats again')
    .action(async (o: { config?: string; takeOver?: boolean }) => {
      const { runController } = await import('../../controller/run.js');
      const controller = await runController(configPath(o.config), o.takeOver === true ? { takeOver: true } : {});
      await untilSignal(() => controller.close());
    });
}

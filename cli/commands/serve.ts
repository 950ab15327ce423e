// `switchyard agent` and `switchyard controller`: long-running processes with graceful shutdown.
import type { Command } from 'commander';
import { runAgent } from '../../agent/run.js';
import { runController } from '../../controller/run.js';

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
    .requiredOption('--config <file>', 'agent.yaml')
    .action(async (o: { config: string }) => {
      const agent = await runAgent(o.config);
      await untilSignal(() => agent.close());
    });

  program
    .command('controller')
    .description('run the controller (REST API, drives agents, owns the DNS switch)')
    .requiredOption('--config <file>', 'controller.yaml')
    .action(async (o: { config: string }) => {
      const controller = await runController(o.config);
      await untilSignal(() => controller.close());
    });
}

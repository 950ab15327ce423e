import type { Command } from 'commander';
import { registerServeCommands } from './serve.js';
import { registerCertsCommand } from './certs.js';
import { registerAgentsCommand } from './agents.js';
import { registerDemoCommand } from './demo.js';
import { registerHealthcheckCommand } from './healthcheck.js';
import { registerTokenCommand } from './token.js';
import { registerCutoverCommand } from './cutover.js';

/** Every verb of the `switchyard` binary, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerServeCommands(program);
  registerAgentsCommand(program);
  registerCutoverCommand(program);
  registerCertsCommand(program);
  registerTokenCommand(program);
  registerDemoCommand(program);
  registerHealthcheckCommand(program);
}

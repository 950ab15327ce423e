// Runs one agent Database service in its own process (config JSON in argv[2]) and prints
// "LISTENING host:port", so tests can kill it with SIGKILL mid-transfer.
import * as grpc from '@grpc/grpc-js';
import { DatabaseService } from '../../agent/db/service.js';
import { createLogger } from '../../shared/logger.js';
import type { AgentConfig } from '../../agent/config.js';

const config = JSON.parse(process.argv[2]!) as AgentConfig;
const server = new grpc.Server();
new DatabaseService({ config, logger: createLogger({ level: process.env.SWITCHYARD_LOG_LEVEL ?? 'silent', destination: process.stderr }) }).addToServer(server);
server.bindAsync(`${config.listen.host}:0`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`LISTENING ${config.listen.host}:${port}\n`);
});
// SIGTERM: a clean exit, so that `--cpu-prof` (passed on by the benchmark) writes its profile.
process.on('SIGTERM', () => process.exit(0));

// Composition root of the controller process: config → logger → state → agents → engine → REST.
import { createLogger, type Logger } from '../shared/logger.js';
import { SwitchyardError } from '../shared/errors.js';
import { loadControllerConfig, type ControllerConfig } from './config.js';
import { AgentDirectory } from './agents/agent-directory.js';
import { RuntimeParityService } from './parity/service.js';
import { buildApp, type ApiApp } from './api/app.js';
import { CutoverStore } from './cutover/store/index.js';
import { CutoverEngine } from './cutover/machine.js';
import { buildCutoverWiring } from './cutover/wiring.js';
import { lockStateFile } from './state-lock.js';
import { storedPlansRefused } from './cutover/plan-ttl.js';
import { ttlLimitsByProvider } from './dns/ttl-limits.js';

export interface RunningController {
  config: ControllerConfig;
  app: ApiApp;
  engine: CutoverEngine;
  /** Base URL the API listens on, e.g. http://127.0.0.1:7700 */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Take the state file from a controller on another host the operator knows is gone. */
  takeOver?: boolean;
  /** The state file lock's heartbeat interval (BEAT_INTERVAL_MS); for tests. */
  lockBeatMs?: number;
  /** When a holder's heartbeat is stale (STALE_BEAT_MS); for tests. */
  lockStaleMs?: number;
  /** How often a start waiting for a holder's heartbeat to go stale re-reads it (WAIT_POLL_MS); for tests. */
  lockPollMs?: number;
  /** The most a start waits for that (lockStaleMs + WAIT_MARGIN_MS); for tests. */
  lockMaxWaitMs?: number;
  /**
   * What to do once another controller took this one's state file over (found at a heartbeat,
   * already logged as an error). Default: exitOnLockLost.
   */
  onLockLost?: (err: SwitchyardError) => void;
}

/**
 * Ends the process at once, exit code 1, as a crash would. The controller that took the state
 * file over has already recovered this one's cutovers as crashed (running steps interrupted, run
 * locks cleared); a graceful close would go on writing step results and aborts into a file that
 * another controller drives, and waiting for steps in flight could take minutes.
 */
export function exitOnLockLost(err: SwitchyardError): void {
  process.stderr.write(`switchyard: ${err.message} [${err.code}]\n`);
  process.exit(1);
}

/**
 * A listen failure as a line that names the key and what to do: Fastify's own is
 * `listen EADDRINUSE: address already in use 127.0.0.1:7700`, with no code and no key.
 */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? `${at} is in use by another process (EADDRINUSE; another controller?); stop it or choose another listen.port`
      : code === 'EADDRNOTAVAIL'
        ? `${host} is not an address of this host; set listen.host to one of its addresses (127.0.0.1, 0.0.0.0 for all)`
        : code === 'EACCES'
          ? `${at}: permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE); choose another listen.port`
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `${host} does not resolve; set listen.host to an address (127.0.0.1, 0.0.0.0 for all)`
            : undefined;
  if (why === undefined) return err;
  const field = code === 'EADDRINUSE' || code === 'EACCES' ? 'listen.port' : 'listen.host';
  return new SwitchyardError('SY_CONFIG_INVALID', `${field}: cannot listen: ${why}`, { field, cause: err });
}

export async function startController(config: ControllerConfig, opts: StartOptions = {}): Promise<RunningController> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel, name: 'switchyard-controller' });
  const agents = new AgentDirectory({ config, logger });
  const parity = new RuntimeParityService(agents);
  // Before the state file is opened or locked: it resolves the DNS providers' secrets, and a
  // start refused for an unset {env: …} must leave no lock row (the next start logged it as a
  // crashed controller taken over) and no new state file behind.
  let wiring;
  try {
    wiring = buildCutoverWiring({ config, agents, parity, logger });
  } catch (err) {
    agents.close();
    throw err;
  }
  let store: CutoverStore;
  try {
    store = CutoverStore.open(config.stateFile);
  } catch (err) {
    agents.close();
    throw err;
  }
  // One controller per state file: crash recovery in the engine assumes it alone runs. Taken
  // before anything reads the cutovers, so a second controller (any port) stops here; one that
  // finds its crashed predecessor (another container) still fresh waits here for up to ~70 s.
  let lock;
  try {
    lock = await lockStateFile(store, config.stateFile, logger, {
      ...(opts.takeOver === true ? { takeOver: true } : {}),
      ...(opts.lockBeatMs === undefined ? {} : { beatMs: opts.lockBeatMs }),
      ...(opts.lockStaleMs === undefined ? {} : { staleMs: opts.lockStaleMs }),
      ...(opts.lockPollMs === undefined ? {} : { pollMs: opts.lockPollMs }),
      ...(opts.lockMaxWaitMs === undefined ? {} : { maxWaitMs: opts.lockMaxWaitMs }),
      onLost: opts.onLockLost ?? exitOnLockLost,
    });
  } catch (err) {
    store.close();
    agents.close();
    throw err;
  }
  const engine = new CutoverEngine({
    store,
    executors: wiring.executors,
    rollback: wiring.rollback,
    ...(wiring.ttl ? { ttl: wiring.ttl } : {}),
    ...(wiring.onRelease ? { onRelease: wiring.onRelease } : {}),
    agents,
    logger: logger.child({ component: 'cutover' }),
    deferRecovery: true,
  });
  const app = buildApp({ config, logger, agents, parity, cutovers: engine });
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await engine.close();
    lock.release();
    store.close();
    agents.close();
    throw listenError(err, config.listen.host, config.listen.port);
  }
  // Only once this process holds the port too, so nothing is resumed by a process that is about
  // to exit. (A request in the instant before this line sees the state as the last process left
  // it: a run lock refuses it.)
  engine.resumeAfterRestart();
  // Where each agent's asset roots lie, for the one-cutover-per-resource check (which cannot wait
  // for an agent): asked now, in the background, and again by each preflight.
  void agents.helloAll();
  for (const p of storedPlansRefused(store, ttlLimitsByProvider(config.dnsProviders))) {
    const message = `${p.message}; its prepare and preflight fail until then`;
    logger.warn({ cutover: p.cutoverId, state: p.state, field: p.field }, `cutover ${p.cutoverId} (${p.state}): ${message}`);
    engine.warn(p.cutoverId, message, { phase: 'startup', ...(p.field === undefined ? {} : { field: p.field }) });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.listen.port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  return {
    config,
    app,
    engine,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await engine.close();
      lock.release();
      store.close();
      agents.close();
    },
  };
}

export async function runController(configPath: string, opts: Omit<StartOptions, 'logger'> = {}): Promise<RunningController> {
  return startController(loadControllerConfig(configPath), opts);
}

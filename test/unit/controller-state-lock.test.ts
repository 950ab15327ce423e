// Two controllers on one state file would both run crash recovery and drive the same cutovers.
// The second one refuses to start; the lock of a controller that is gone is taken over.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SwitchyardError } from '../../shared/errors.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { startController } from '../../controller/run.js';
import type { ControllerConfig } from '../../controller/config.js';
import { fakePlan, fakeStep, fakeSteps, FakeWorld, gate, newEngine, tempDir, until } from '../helpers/cutover-fakes.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

function configFor(stateFile: string): ControllerConfig {
  return { listen: { host: '127.0.0.1', port: 0 }, stateFile, logLevel: 'silent', insecure: false, agents: [], tokens: [], dnsProviders: {}, resolvers: [], agentTimeoutMs: 1000 };
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void out.push(s) } });
  return { logger, lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Asserts the start is refused; a controller that started anyway is closed so the test ends. */
async function refused(start: Promise<{ close(): Promise<void> }>, check: (e: unknown) => boolean): Promise<void> {
  let started: { close(): Promise<void> } | undefined;
  await assert.rejects(
    start.then((c) => {
      started = c;
    }),
    check,
  );
  await started?.close();
}

const refusedBy = (file: string, pid: number) => (e: unknown) =>
  e instanceof SwitchyardError &&
  e.code === 'SY_CONFLICT' &&
  e.httpStatus === 409 &&
  e.message.includes(`stateFile ${file} is in use by another controller`) &&
  e.message.includes(`pid ${pid} on host ${hostname()}`) &&
  e.details?.pid === pid;

test('a second controller on another port with the same state file refuses to start and leaves the first one\'s cutover alone', async (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const first = await startController(configFor(file), { logger: silentLogger() });
  let firstClosed = false;
  t.after(async () => {
    if (!firstClosed) await first.close();
  });
  // A cutover in flight, as the first controller's engine would have it.
  const store = CutoverStore.open(file);
  t.after(() => store.close());
  const world = new FakeWorld();
  const never = gate();
  const engine = newEngine(store, { executors: fakeSteps(world, { sync: fakeStep(world, 'sync', { run: () => never.promise }) }) });
  const { id } = engine.create(fakePlan(), 'alice');
  void engine.advance(id, 'validate', 'alice');
  await until(() => store.steps.get(id, 'sync')?.state === 'running');

  await refused(startController(configFor(file), { logger: silentLogger() }), refusedBy(file, process.pid));
  assert.equal(store.steps.get(id, 'sync')!.state, 'running', 'the running step is not marked interrupted');
  assert.equal(store.cutovers.get(id)!.runOwner, engine.instanceId, 'the run lock stays with the running process');
  assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the first controller still serves');

  // Stopped cleanly, the first one frees the file: the next one starts without taking anything over.
  await first.close();
  firstClosed = true;
  const log = capturingLogger();
  const next = await startController(configFor(file), { logger: log.logger });
  await next.close();
  assert.equal(log.lines().filter((l) => /took over the state file/.test(String(l.msg))).length, 0);
});

/** A real controller process on `file`; resolves once it holds the state file. */
async function controllerProcess(t: TestContext, file: string) {
  const cfg = join(tempDir(t), 'controller.yaml');
  writeFileSync(cfg, stringify({ listen: { host: '127.0.0.1', port: 0 }, stateFile: file, logLevel: 'warn' }));
  const child = spawn(process.execPath, [MAIN, 'controller', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const probe = CutoverStore.open(file);
  try {
    await until(() => {
      assert.equal(child.exitCode, null, stderr);
      return probe.controllerLock.get()?.pid === child.pid;
    }, 15_000);
  } finally {
    probe.close();
  }
  return { pid: child.pid!, kill: async () => (child.kill('SIGKILL'), await exited) };
}

test('a controller killed with SIGKILL leaves the lock behind; the next one takes it over and says so', async (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const other = await controllerProcess(t, file);
  await refused(startController(configFor(file), { logger: silentLogger() }), refusedBy(file, other.pid));

  await other.kill();
  const log = capturingLogger();
  const next = await startController(configFor(file), { logger: log.logger });
  t.after(() => next.close());
  const taken = log.lines().find((l) => /took over the state file/.test(String(l.msg)));
  assert.equal(taken?.level, 40, 'logged as a warning');
  assert.equal((taken?.previous as { pid: number }).pid, other.pid);
  assert.equal(taken?.stateFile, file);
});

test('a lock whose pid now belongs to another process is stale; one from another host needs --take-over', async (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const store = CutoverStore.open(file);
  t.after(() => store.close());
  const put = (h: { pid: number; host: string; procStart: string | null }) =>
    store.controllerLock.claim((_current, take) => take({ token: 'old', startedAt: '2026-01-01T00:00:00.000Z', takenAt: '2026-01-01T00:00:01.000Z', ...h }));

  // The parent process is alive, but not the one that started at that kernel time.
  put({ pid: process.ppid, host: hostname(), procStart: '1' });
  const reused = await startController(configFor(file), { logger: silentLogger() });
  await reused.close();

  put({ pid: 4242, host: 'old-container-id', procStart: null });
  await refused(
    startController(configFor(file), { logger: silentLogger() }),
    (e) => e instanceof SwitchyardError && e.code === 'SY_CONFLICT' && /pid 4242 on host old-container-id/.test(e.message) && /--take-over/.test(e.message),
  );
  assert.equal(store.controllerLock.get()?.host, 'old-container-id', 'a refused start leaves the lock as it was');
  const taken = await startController(configFor(file), { logger: silentLogger(), takeOver: true });
  assert.equal(store.controllerLock.get()?.pid, process.pid);
  await taken.close();
  assert.equal(store.controllerLock.get(), undefined, 'a clean shutdown frees the file');
});

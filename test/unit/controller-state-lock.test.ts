// Two controllers on one state file would both run crash recovery and drive the same cutovers.
// The second one refuses to start; the lock of a controller that is gone is taken over.
// One this process cannot check (another host, another container under the same host name) is
// kept while it beats: the newcomer waits for its heartbeat to go stale and takes over then, or
// refuses if it still beats after its wait.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SwitchyardError } from '../../shared/errors.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { CUTOVER_MIGRATIONS, CutoverStore, type LockHolder } from '../../controller/cutover/store/index.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import { startController } from '../../controller/run.js';
import { lockStateFile, STALE_BEAT_MS } from '../../controller/state-lock.js';
import type { ControllerConfig } from '../../controller/config.js';
import { fakePlan, fakeStep, fakeSteps, FakeWorld, gate, newEngine, tempDir, tempStore, until } from '../helpers/cutover-fakes.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
/** This process's pid namespace: a holder in it is checked by its pid. */
const OUR_PID_NS = readlinkSync('/proc/self/ns/pid');

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
  const put = (h: { pid: number; host: string; procStart: string | null; pidNs: string | null }) =>
    store.controllerLock.claim((_current, take) =>
      take({ token: 'old', startedAt: '2026-01-01T00:00:00.000Z', takenAt: '2026-01-01T00:00:01.000Z', beatAt: new Date().toISOString(), ...h }),
    );

  // The parent process is alive, but not the one that started at that kernel time.
  put({ pid: process.ppid, host: hostname(), procStart: '1', pidNs: OUR_PID_NS });
  const reused = await startController(configFor(file), { logger: silentLogger() });
  await reused.close();

  put({ pid: 4242, host: 'old-container-id', procStart: null, pidNs: null });
  await refused(
    startController(configFor(file), { logger: silentLogger(), lockMaxWaitMs: 100, lockPollMs: 20 }),
    (e) => e instanceof SwitchyardError && e.code === 'SY_CONFLICT' && /pid 4242 on host old-container-id/.test(e.message) && /--take-over/.test(e.message),
  );
  assert.equal(store.controllerLock.get()?.host, 'old-container-id', 'a refused start leaves the lock as it was');
  const taken = await startController(configFor(file), { logger: silentLogger(), takeOver: true });
  assert.equal(store.controllerLock.get()?.pid, process.pid);
  await taken.close();
  assert.equal(store.controllerLock.get(), undefined, 'a clean shutdown frees the file');
});

/** Writes the lock row as another controller would have left it. */
function putHolder(store: CutoverStore, h: Partial<LockHolder> & { pid: number }): LockHolder {
  const row: LockHolder = {
    token: 'other',
    host: hostname(),
    procStart: null,
    pidNs: OUR_PID_NS,
    startedAt: '2026-01-01T00:00:00.000Z',
    takenAt: '2026-01-01T00:00:01.000Z',
    beatAt: new Date().toISOString(),
    ...h,
  };
  store.controllerLock.claim((_current, take) => take(row));
  return row;
}

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
/** Another container's pid namespace under the same host name. */
const OTHER_NS = 'pid:[4026530000]';

const conflict = (file: string, ...parts: Array<string | RegExp>) => (e: unknown) => {
  assert.ok(e instanceof SwitchyardError, String(e));
  assert.equal(e.code, 'SY_CONFLICT');
  assert.ok(e.message.includes(`stateFile ${file} is in use by another controller`), e.message);
  for (const p of parts) assert.ok(typeof p === 'string' ? e.message.includes(p) : p.test(e.message), `${e.message} lacks ${String(p)}`);
  return true;
};

/** Refuse at once instead of waiting for a beating holder: what is refused, not the wait. */
const noWait = { maxWaitMs: 0 };

test('a controller in another container with the same host name is not taken for gone while it beats, though its pid means nothing here', async (t) => {
  const { store, file } = tempStore(t);
  // Both containers' controllers are pid 1 in their own namespace: here, this process's pid.
  putHolder(store, { pid: process.pid, pidNs: OTHER_NS, beatAt: ago(5_000) });
  await assert.rejects(
    lockStateFile(store, file, silentLogger(), noWait),
    conflict(file, `pid ${process.pid} on host ${hostname()} in pid namespace ${OTHER_NS}`, 'another container with the same host name', /last heartbeat was [56] s ago/, '--take-over'),
  );
  assert.equal(store.controllerLock.get()?.token, 'other', 'a refused start leaves the lock as it was');

  // A pid that is not running in this namespace is no sign either.
  putHolder(store, { pid: 4_194_303, pidNs: OTHER_NS });
  await assert.rejects(lockStateFile(store, file, silentLogger(), noWait), conflict(file, 'pid 4194303'));

  // A row without a namespace (an older version's) cannot be compared with this one's.
  putHolder(store, { pid: process.pid, pidNs: null });
  await assert.rejects(lockStateFile(store, file, silentLogger(), noWait), conflict(file, 'the lock does not record its pid namespace'));
  assert.equal(store.controllerLock.get()?.token, 'other');

  // A row of a version before namespaces and heartbeats on this host is checked by its pid, as
  // that version did: a crashed one's pid is gone, and the upgraded controller takes over without
  // --take-over; one whose pid runs is refused.
  putHolder(store, { pid: 4_194_303, pidNs: null, beatAt: null });
  const afterUpgrade = await lockStateFile(store, file, silentLogger(), noWait);
  assert.equal(store.controllerLock.get()?.token, afterUpgrade.holder.token, 'the older version\'s lock of a gone pid is taken over');
  afterUpgrade.release();
  putHolder(store, { pid: process.ppid, pidNs: null, beatAt: null });
  await assert.rejects(lockStateFile(store, file, silentLogger(), noWait), conflict(file, `pid ${process.ppid}`, 'stop that controller first'));

  // In this namespace the pid is checked as before: this pid's previous life is gone.
  putHolder(store, { pid: process.pid, pidNs: OUR_PID_NS });
  const lock = await lockStateFile(store, file, silentLogger());
  assert.equal(store.controllerLock.get()?.token, lock.holder.token);
  assert.equal(store.controllerLock.get()?.pidNs, OUR_PID_NS, 'the holder records its pid namespace');
  lock.release();
});

test('a holder this process cannot check is taken over, with a warning naming it, once its last heartbeat is stale; not before', async (t) => {
  const { store, file } = tempStore(t);
  putHolder(store, { pid: process.pid, pidNs: OTHER_NS, beatAt: ago(STALE_BEAT_MS - 10_000) });
  await assert.rejects(lockStateFile(store, file, silentLogger(), noWait), conflict(file, `taken over once that is over ${STALE_BEAT_MS / 1000} s`));

  const stale = putHolder(store, { pid: process.pid, pidNs: OTHER_NS, beatAt: ago(STALE_BEAT_MS + 1_000) });
  const log = capturingLogger();
  const lock = await lockStateFile(store, file, log.logger);
  assert.equal(store.controllerLock.get()?.token, lock.holder.token);
  const warned = log.lines().find((l) => /took over the state file/.test(String(l.msg)));
  assert.equal(warned?.level, 40, 'logged as a warning');
  assert.equal(warned?.reason, 'stale');
  assert.match(String(warned?.msg), new RegExp(`pid ${process.pid} on host .* in pid namespace ${OTHER_NS.replace(/[[\]]/g, '\\$&')}.*last heartbeat ${stale.beatAt}`));
  assert.deepEqual(warned?.previous, { pid: process.pid, host: hostname(), pidNs: OTHER_NS, startedAt: stale.startedAt, since: stale.takenAt, lastBeat: stale.beatAt });
  lock.release();

  // Another host's controller too, without --take-over; one that records no heartbeat still needs it.
  putHolder(store, { pid: 4242, host: 'old-container-id', pidNs: null, beatAt: ago(STALE_BEAT_MS + 1_000) });
  const other = await lockStateFile(store, file, silentLogger());
  assert.equal(store.controllerLock.get()?.token, other.holder.token);
  other.release();
  // Nothing to wait for: refused at once, with the default wait.
  putHolder(store, { pid: 4242, host: 'old-container-id', pidNs: null, beatAt: null });
  const start = Date.now();
  await assert.rejects(lockStateFile(store, file, silentLogger()), conflict(file, 'it records no heartbeat', '--take-over'));
  assert.ok(Date.now() - start < 1_000, 'not waited for');
});

/** Beats for the row's holder `token` every `ms`, as a live controller would, until stopped. */
function beatFor(t: TestContext, store: CutoverStore, token: string, ms: number): { stop(): void; last(): number } {
  let last = Date.now();
  const timer = setInterval(() => {
    last = Date.now();
    store.controllerLock.beat(token, new Date(last).toISOString());
  }, ms);
  t.after(() => clearInterval(timer));
  return { stop: () => clearInterval(timer), last: () => last };
}

const escape = (s: string): string => s.replace(/[[\]().*+?^$|{}\\]/g, '\\$&');

test('a controller restarted in a new container waits for its crashed predecessor\'s heartbeat to go stale, then takes over without --take-over', { timeout: 20_000 }, async (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const store = CutoverStore.open(file);
  t.after(() => store.close());
  // The old container's controller: pid 1 like this one, in the pid namespace the restart replaced.
  const old = putHolder(store, { pid: process.pid, pidNs: OTHER_NS });
  const beats = beatFor(t, store, old.token, 30);
  const staleMs = 300;
  const log = capturingLogger();
  // It crashed a moment before the newcomer first looked: its last beat is still fresh.
  await new Promise((r) => setTimeout(r, 150));
  beats.stop();
  const next = await startController(configFor(file), { logger: log.logger, lockStaleMs: staleMs, lockPollMs: 25, lockMaxWaitMs: 5_000 });
  const startedAt = Date.now();
  t.after(() => next.close());

  assert.equal(store.controllerLock.get()?.pidNs, OUR_PID_NS, 'the newcomer holds the state file');
  assert.ok(startedAt - beats.last() >= staleMs, `took over ${startedAt - beats.last()} ms after the last beat, before it was ${staleMs} ms old`);
  const waiting = log.lines().filter((l) => /^waiting up to/.test(String(l.msg)));
  assert.equal(waiting.length, 1, 'the wait is logged once');
  assert.equal(waiting[0]!.level, 40, 'as a warning');
  assert.match(
    String(waiting[0]!.msg),
    new RegExp(`^waiting up to 5 s for the controller holding the state file to stop beating: ${escape(`pid ${process.pid} on host ${hostname()} in pid namespace ${OTHER_NS}`)} .*, last heartbeat 0 s ago; .*another container with the same host name`),
  );
  assert.deepEqual(waiting[0]!.holder, { pid: process.pid, host: hostname(), pidNs: OTHER_NS, startedAt: old.startedAt, since: old.takenAt, lastBeat: (waiting[0]!.holder as { lastBeat: string }).lastBeat });
  assert.equal(waiting[0]!.maxWaitMs, 5_000);
  const taken = log.lines().find((l) => /took over the state file/.test(String(l.msg)));
  assert.equal(taken?.reason, 'stale');
  assert.equal((taken?.previous as { pidNs: string }).pidNs, OTHER_NS);
  assert.equal((await fetch(`${next.url}/healthz`)).status, 200, 'it serves');
});

test('a holder this process cannot check that goes on beating is not taken: the newcomer refuses at its next beat, not after the whole wait', { timeout: 20_000 }, async (t) => {
  const { store, file } = tempStore(t);
  putHolder(store, { pid: 4242, host: 'other-host', pidNs: null });
  beatFor(t, store, 'other', 30);
  const start = Date.now();
  await assert.rejects(
    lockStateFile(store, file, silentLogger(), { staleMs: 200, pollMs: 20, maxWaitMs: 5_000 }),
    (e: unknown) =>
      conflict(file, 'pid 4242 on host other-host', /last heartbeat was 0 s ago, and it is taken over once that is over 0 s \(it beat again while this controller waited 0 s: it runs\)/, '--take-over')(e) &&
      ((e as SwitchyardError).details?.waitedMs as number) > 0,
  );
  assert.ok(Date.now() - start < 2_000, `refused at the holder's next beat, not after the 5 s wait (${Date.now() - start} ms)`);
  assert.equal(store.controllerLock.get()?.token, 'other', 'the lock stays with the holder');
});

test('a newcomer waiting for a holder takes the row as soon as it is freed, and refuses at once when a live controller took it meanwhile', { timeout: 20_000 }, async (t) => {
  const { store, file } = tempStore(t);
  const opts = { staleMs: 5_000, pollMs: 20, maxWaitMs: 5_000 };
  // Stopped cleanly during the wait: the row is free, nothing was taken over.
  putHolder(store, { pid: 4242, host: 'other-host', pidNs: null });
  const log = capturingLogger();
  const waiting = lockStateFile(store, file, log.logger, opts);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(store.controllerLock.get()?.token, 'other', 'waited for');
  store.controllerLock.release('other');
  const start = Date.now();
  const lock = await waiting;
  assert.ok(Date.now() - start < 1_000);
  assert.equal(store.controllerLock.get()?.token, lock.holder.token);
  assert.equal(log.lines().filter((l) => /took over/.test(String(l.msg))).length, 0);
  lock.release();

  // Taken meanwhile by a controller this process sees alive (its parent stands in for one).
  putHolder(store, { pid: 4242, host: 'other-host', pidNs: null });
  const refusing = lockStateFile(store, file, silentLogger(), opts);
  await new Promise((r) => setTimeout(r, 100));
  putHolder(store, { token: 'live', pid: process.ppid, pidNs: OUR_PID_NS });
  const at = Date.now();
  await assert.rejects(refusing, conflict(file, `pid ${process.ppid} on host ${hostname()}`, 'stop that controller first'));
  assert.ok(Date.now() - at < 1_000, 'at once');
  assert.equal(store.controllerLock.get()?.token, 'live');
});

test('the holder refreshes its heartbeat in the row until it releases the lock', async (t) => {
  const { store, file } = tempStore(t);
  const lock = await lockStateFile(store, file, silentLogger(), { beatMs: 20 });
  const first = store.controllerLock.get()!.beatAt!;
  assert.equal(first, lock.holder.takenAt, 'the first beat is the claim');
  await until(() => Date.parse(store.controllerLock.get()!.beatAt!) > Date.parse(first));
  lock.release();
  assert.equal(store.controllerLock.get(), undefined);
  // Nothing beats for it any more: a row put by the next holder stays as it was written.
  const next = putHolder(store, { pid: 4242, host: 'next-host', pidNs: null });
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(store.controllerLock.get(), next);
});

test('a controller whose lock was taken over finds out at its next beat, says so as an error and is told to stop', async (t) => {
  const { store, file } = tempStore(t);
  const log = capturingLogger();
  const lost: SwitchyardError[] = [];
  const lock = await lockStateFile(store, file, log.logger, { beatMs: 20, onLost: (e) => lost.push(e) });
  putHolder(store, { token: 'thief', pid: 4242, host: 'other-host', pidNs: null });
  await until(() => lost.length > 0);
  assert.equal(lost[0]!.code, 'SY_CONFLICT');
  assert.match(lost[0]!.message, new RegExp(`stateFile ${file} is no longer this controller's: another controller took it over: pid 4242 on host other-host .*; this controller stops driving cutovers`));
  const logged = log.lines().find((l) => /is no longer this controller's/.test(String(l.msg)));
  assert.equal(logged?.level, 50, 'logged as an error');
  assert.equal((logged?.by as { host: string }).host, 'other-host');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(lost.length, 1, 'told once');
  lock.release();
  assert.equal(store.controllerLock.get()?.token, 'thief', 'its shutdown leaves the new holder\'s lock alone');
});

test('a controller process whose state file was taken over exits non-zero with one line saying so', { timeout: 30_000 }, async (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const run = new URL('../../controller/run.js', import.meta.url).href;
  const script = `import { startController } from ${JSON.stringify(run)};
await startController(${JSON.stringify(configFor(file))}, { lockBeatMs: 50 });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const store = CutoverStore.open(file);
  t.after(() => store.close());
  await until(() => {
    assert.equal(child.exitCode, null, stderr);
    return store.controllerLock.get()?.pid === child.pid;
  }, 15_000);
  putHolder(store, { token: 'thief', pid: 4242, host: 'other-host', pidNs: null });
  assert.equal(await exited, 1, stderr);
  assert.match(stderr, /^switchyard: stateFile .* is no longer this controller's: another controller took it over: pid 4242 on host other-host .* \[SY_CONFLICT\]\n$/);
});

test('a lock row left by a version without heartbeats is kept on upgrade, with no namespace and no beat', (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const old = openDatabase(file, CUTOVER_MIGRATIONS.filter((m) => m.id <= 201));
  old
    .prepare('INSERT INTO controller_lock (id, token, pid, host, proc_start, started_at, taken_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
    .run('old', 4242, 'old-host', '77', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z');
  old.close();
  const store = CutoverStore.open(file);
  t.after(() => store.close());
  assert.deepEqual(store.controllerLock.get(), {
    token: 'old',
    pid: 4242,
    host: 'old-host',
    procStart: '77',
    pidNs: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    takenAt: '2026-01-01T00:00:01.000Z',
    beatAt: null,
  });
});

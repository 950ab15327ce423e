// The operator's CLI against a real controller API on a socket (the engine on fake steps): the
// verbs someone runs at 3 a.m. must end, and say what happened.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { buildApp } from '../../controller/api/app.js';
import { hashToken } from '../../controller/api/auth.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { silentLogger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import { packageRoot } from '../../shared/paths.js';
import { OPERATOR_TOKEN } from '../helpers/api-app.js';
import { fakeAgents, fakeParity } from '../helpers/api-fakes.js';
import { FakeWorld, fakeRollback, fakeStep, fakeSteps, gate, newEngine, planInput, tempDir, tempStore, until } from '../helpers/cutover-fakes.js';
import type { StepExecutors } from '../../controller/cutover/executor.js';
import { listCutovers, watch } from '../../cli/commands/cutover.js';
import { RestClient } from '../../cli/client/rest.js';

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed by the timeout: the command did not end. */
  hung: boolean;
}

async function controller(t: TestContext, overrides: (world: FakeWorld) => StepExecutors = () => ({})): Promise<{ url: string; planFile: string }> {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world, overrides(world)), rollback: fakeRollback(world) });
  const config = validate(
    ControllerConfigSchema,
    {
      tokens: [{ name: 'ci-operator', role: 'operator', hash: hashToken(OPERATOR_TOKEN) }],
      dnsProviders: { 'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN' } } },
    },
    'test controller config',
  );
  const app = buildApp({ config, logger: silentLogger(), agents: fakeAgents(), parity: fakeParity(), registry: new Registry(), cutovers: engine, sseHeartbeatMs: 200 });
  t.after(async () => {
    await app.close();
    await engine.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const planFile = join(tempDir(t, 'sy-cli-plan-'), 'plan.json');
  writeFileSync(planFile, JSON.stringify(planInput()));
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, planFile };
}

function cli(url: string, args: string[], timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, SWITCHYARD_URL: url, SWITCHYARD_TOKEN: OPERATOR_TOKEN }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, stdout, stderr, hung: e?.killed === true });
    });
  });
}

test('watch and rollback --wait end on a cutover already at rest, and watch prints its whole history', async (t) => {
  const { url, planFile } = await controller(t);
  const created = await cli(url, ['cutover', 'create', '--plan', planFile]);
  assert.equal(created.code, 0, created.stderr);
  const id = created.stdout.split('\t')[0]!;

  // A planned cutover: nothing runs, so watch prints what there is and ends.
  const planned = await cli(url, ['cutover', 'watch', id]);
  assert.equal(planned.hung, false, 'watch on a planned cutover ended');
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(planned.stdout, new RegExp(`cutover ${id} .*: planned`));

  // Rolled back, then rollback --wait again: safe to repeat, and it ends.
  const first = await cli(url, ['cutover', 'rollback', id, '--wait', '--reason', 'first']);
  assert.equal(first.hung, false);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /: rolled_back/);
  const again = await cli(url, ['cutover', 'rollback', id, '--wait']);
  assert.equal(again.hung, false, 'a repeated rollback --wait ended');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /: rolled_back/);

  // Advanced, paused, then rolled back: watch of the finished cutover shows the rollback too,
  // not only the history up to its first resting state.
  const other = (await cli(url, ['cutover', 'create', '--plan', planFile])).stdout.split('\t')[0]!;
  const advanced = await cli(url, ['cutover', 'advance', other, '--until', 'preflight', '--wait']);
  assert.equal(advanced.code, 0, advanced.stderr);
  assert.match(advanced.stdout, /: paused/);
  assert.equal((await cli(url, ['cutover', 'rollback', other, '--wait'])).code, 0);
  const history = await cli(url, ['cutover', 'watch', other]);
  assert.equal(history.hung, false);
  assert.match(history.stdout, /state → paused/);
  assert.match(history.stdout, /rollback-finished/);
  assert.match(history.stdout, /state → rolled_back/);
});

test('a usage error is one line on stderr, and a reader that stops early ends the command quietly', async (t) => {
  const { url, planFile } = await controller(t);
  for (const args of [['cutover', 'status'], ['cutover', 'bogus', 'x']]) {
    const r = await cli(url, args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^switchyard: .*\(see --help\)$/m);
  }
  // An error from the event stream reads like any other: one line, its code, the problem's detail.
  const unknown = await cli(url, ['cutover', 'rollback', 'co_nope', '--wait']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
  assert.match(unknown.stderr, /\[SY_NOT_FOUND\]/);
  assert.doesNotMatch(unknown.stderr, /\{"type"/);
  const id = (await cli(url, ['cutover', 'create', '--plan', planFile])).stdout.split('\t')[0]!;
  // stdout closed before the answer arrives: the write fails with EPIPE.
  const child = spawn(process.execPath, [MAIN, 'cutover', 'status', id, '--json'], { env: { ...process.env, SWITCHYARD_URL: url, SWITCHYARD_TOKEN: OPERATOR_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(stderr, '', 'no stack trace');
  assert.equal(code, 0);
});

test('watch exits non-zero when the cutover it watches fails or is rolled back, zero when it pauses', async (t) => {
  const { url, planFile } = await controller(t, (world) => ({
    presync: fakeStep(world, 'presync', {
      run: async () => {
        await new Promise((r) => setTimeout(r, 500));
        throw new Error('disk full on prod-1');
      },
    }),
  }));
  const id = (await cli(url, ['cutover', 'create', '--plan', planFile])).stdout.split('\t')[0]!;
  assert.equal((await cli(url, ['cutover', 'advance', id, '--until', 'preflight', '--wait'])).code, 0);
  const paused = await cli(url, ['cutover', 'watch', id]);
  assert.equal(paused.code, 0, 'a paused cutover is no failure');
  assert.equal((await cli(url, ['cutover', 'advance', id, '--until', 'presync'])).code, 0);
  // Started while presync still runs: the watch follows it to the failure.
  const failed = await cli(url, ['cutover', 'watch', id]);
  assert.equal(failed.hung, false);
  assert.match(failed.stdout, /✘ presync failed/);
  assert.match(failed.stdout, new RegExp(`cutover ${id} .*: failed`));
  assert.equal(failed.code, 1, 'a watch that saw the cutover fail exits non-zero');
  assert.equal((await cli(url, ['cutover', 'rollback', id, '--wait'])).code, 0);
  const rolledBack = await cli(url, ['cutover', 'watch', id]);
  assert.match(rolledBack.stdout, /: rolled_back/);
  assert.equal(rolledBack.code, 1, 'a rolled-back cutover is no success either');
});

test('watch survives a controller restart: it reconnects with Last-Event-ID and misses or repeats nothing', async (t) => {
  const dir = tempDir(t, 'sy-cli-restart-');
  const file = join(dir, 'controller.sqlite');
  const config = validate(
    ControllerConfigSchema,
    {
      tokens: [{ name: 'ci-operator', role: 'operator', hash: hashToken(OPERATOR_TOKEN) }],
      dnsProviders: { 'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN' } } },
    },
    'test controller config',
  );
  const hold = gate();
  const start = async (port: number, executors: (world: FakeWorld) => StepExecutors) => {
    const store = CutoverStore.open(file);
    const world = new FakeWorld();
    const engine = newEngine(store, { executors: fakeSteps(world, executors(world)), rollback: fakeRollback(world) });
    const app = buildApp({ config, logger: silentLogger(), agents: fakeAgents(), parity: fakeParity(), registry: new Registry(), cutovers: engine, sseHeartbeatMs: 200 });
    await app.listen({ host: '127.0.0.1', port });
    const stop = async () => {
      await app.close();
      await engine.close();
      store.close();
    };
    return { app, engine, stop, port: (app.server.address() as AddressInfo).port };
  };
  // presync waits until the controller shuts down; the restarted controller finds it interrupted.
  const first = await start(0, (world) => ({ presync: fakeStep(world, 'presync', { run: (ctx) => Promise.race([hold.promise, new Promise<void>((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)))]) }) }));
  const url = `http://127.0.0.1:${first.port}`;
  const id = first.engine.create(planInput() as never, 'ci-operator').id;
  first.engine.advance(id, 'presync', 'ci-operator');
  const lines: string[] = [];
  const watching = watch({ url, token: OPERATOR_TOKEN }, id, (s) => lines.push(s));
  await until(() => lines.includes('▶ presync'));
  await first.stop();
  // Down for a while, as a restart is: connections are refused meanwhile.
  await new Promise((r) => setTimeout(r, 1500));
  const second = await start(first.port, () => ({}));
  t.after(() => second.stop());
  const end = await watching;
  assert.equal(end.state, 'interrupted');
  assert.ok(lines.includes('state → interrupted'), lines.join('\n'));
  assert.equal(lines.filter((l) => l === '▶ presync').length, 1, `every event once: ${lines.join(' | ')}`);
  assert.equal(lines.filter((l) => l === 'state → running').length, 1, `every event once: ${lines.join(' | ')}`);
});

test('watch survives a connection that keeps dropping: each reconnect resumes after the last event seen', async (t) => {
  const hold = gate();
  const { url } = await controller(t, (world) => ({ presync: fakeStep(world, 'presync', { run: () => hold.promise }) }));
  // A proxy between the CLI and the controller whose connections can be cut, as a flaky
  // network or a load balancer recycling connections does.
  const target = new URL(url);
  const open = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    client.on('close', () => open.delete(client));
    // A cut goes through to the controller too, as a dropped TCP connection does.
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of open) s.destroy();
    proxy.close();
  });
  const via = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const rest = new RestClient({ url, token: OPERATOR_TOKEN });
  const id = (await rest.post<{ id: string }>('/v1/cutovers', planInput())).id;
  await rest.post(`/v1/cutovers/${id}/advance`, { until: 'presync' });
  const lines: string[] = [];
  const watching = watch({ url: via, token: OPERATOR_TOKEN }, id, (s) => lines.push(s));
  await until(() => lines.includes('▶ presync'));
  for (let drop = 0; drop < 6; drop++) {
    await until(() => open.size > 0, 10_000);
    for (const s of open) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
  }
  await until(() => open.size > 0, 10_000);
  hold.open();
  const end = await watching;
  assert.equal(end.state, 'paused');
  assert.deepEqual(lines.filter((l) => l.startsWith('▶') || l.startsWith('✔') || l.startsWith('state')), ['state → running', '▶ preflight', '✔ preflight succeeded: preflight ok', '▶ presync', '✔ presync succeeded', 'state → paused'], 'every event once, in order');
});

// Step errors carry text from elsewhere (a page, an agent, a DNS provider): an escape sequence in
// it must not reach the operator's terminal as a command (clear the screen, rewrite the line).
test('status, watch and an error line show control characters as codes, never send them to the terminal', async (t) => {
  const hostile = 'title "\x1b]0;owned\x07\x1b[2J" from production';
  const { url, planFile } = await controller(t, (world) => ({
    preflight: fakeStep(world, 'preflight', {
      run: () => {
        throw new SwitchyardError('SY_PRECONDITION', hostile);
      },
    }),
  }));
  const created = await cli(url, ['cutover', 'create', '--plan', planFile]);
  const id = created.stdout.split('\t')[0]!;
  await cli(url, ['cutover', 'advance', id, '--until', 'preflight', '--wait']);
  for (const args of [['cutover', 'status', id], ['cutover', 'watch', id], ['cutover', 'advance', id, '--until', 'preflight', '--wait']]) {
    const run = await cli(url, args);
    const printed = run.stdout + run.stderr;
    assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f]/, `${args.join(' ')}: ${JSON.stringify(printed)}`);
    assert.ok(printed.includes('\\x1b]0;owned\\x07\\x1b[2J'), `${args.join(' ')}: ${JSON.stringify(printed)}`);
  }
});

test('cutover list follows the pages of GET /v1/cutovers: --all lists every cutover, --limit the newest', async (t) => {
  const { url } = await controller(t);
  const rest = new RestClient({ url, token: OPERATOR_TOKEN });
  const made: string[] = [];
  for (let i = 0; i < 5; i++) made.push((await rest.post<{ id: string }>('/v1/cutovers', planInput())).id);
  const all = await listCutovers(rest, undefined, 2);
  assert.deepEqual(new Set(all.map((c) => c.id)), new Set(made), 'three pages of two, every cutover once');
  assert.equal(all.length, 5);
  assert.deepEqual((await listCutovers(rest, 3, 2)).map((c) => c.id), all.slice(0, 3).map((c) => c.id));
  const cli3 = await cli(url, ['cutover', 'list', '--limit', '3']);
  assert.equal(cli3.code, 0, cli3.stderr);
  assert.equal(cli3.stdout.trim().split('\n').length, 3);
  const cliAll = await cli(url, ['cutover', 'list', '--all', '--json']);
  assert.equal((JSON.parse(cliAll.stdout) as { cutovers: unknown[] }).cutovers.length, 5);
  const bad = await cli(url, ['cutover', 'list', '--limit', 'lots']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--limit/);
});

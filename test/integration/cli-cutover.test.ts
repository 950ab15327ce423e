// The operator's CLI against a real controller API on a socket (the engine on fake steps): the
// verbs someone runs at 3 a.m. must end, and say what happened.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { buildApp } from '../../controller/api/app.js';
import { hashToken } from '../../controller/api/auth.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/logger.js';
import { packageRoot } from '../../shared/paths.js';
import { OPERATOR_TOKEN } from '../helpers/api-app.js';
import { fakeAgents, fakeParity } from '../helpers/api-fakes.js';
import { FakeWorld, fakeRollback, fakeStep, fakeSteps, newEngine, planInput, tempDir, tempStore } from '../helpers/cutover-fakes.js';
import type { StepExecutors } from '../../controller/cutover/executor.js';

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

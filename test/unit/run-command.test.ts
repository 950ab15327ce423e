import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDeclaredCommand } from '../../agent/commands/run-command.js';
import type { AgentConfig } from '../../agent/config.js';
import { SwitchyardError } from '../../shared/errors.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import type { AgentClient } from '../../shared/proto-gen/switchyard/v1/Agent.js';
import type { RunCommandResponse__Output } from '../../shared/proto-gen/switchyard/v1/RunCommandResponse.js';

const node = process.execPath;
const commands: AgentConfig['commands'] = {
  smoke: { argv: [node, '-e', 'console.log("all " + process.argv[1]); console.error("warn")', 'green'], timeoutSeconds: 10 },
  failing: { argv: [node, '-e', 'console.error("2 tests failed"); process.exit(3)'], timeoutSeconds: 10 },
  chatty: { argv: [node, '-e', 'for (let i = 0; i < 20000; i++) console.log("line " + i)'], timeoutSeconds: 10 },
  // `$HOME` stays literal: there is no shell to expand it.
  literal: { argv: [node, '-e', 'console.log(process.argv[1])', '$HOME; echo injected'], timeoutSeconds: 10 },
};

test('a declared command runs without a shell and reports exit code and output tails', async () => {
  const ok = await runDeclaredCommand(commands, 'smoke');
  assert.equal(ok.exit_code, 0);
  assert.equal(ok.timed_out, false);
  assert.equal(ok.stdout_tail, 'all green\n');
  assert.equal(ok.stderr_tail, 'warn\n');
  assert.ok((ok.duration_ms ?? 0) >= 0);

  const bad = await runDeclaredCommand(commands, 'failing');
  assert.equal(bad.exit_code, 3);
  assert.match(bad.stderr_tail ?? '', /2 tests failed/);

  const lit = await runDeclaredCommand(commands, 'literal');
  assert.equal(lit.stdout_tail, '$HOME; echo injected\n');
});

test('only the tail of a long output is kept', async () => {
  const r = await runDeclaredCommand(commands, 'chatty', { tailBytes: 1000 });
  assert.equal(r.exit_code, 0);
  const tail = r.stdout_tail ?? '';
  assert.ok(tail.startsWith('…'), 'a cut output says so');
  assert.ok(Buffer.byteLength(tail.slice(1)) <= 1000);
  assert.ok(tail.endsWith('line 19999\n'));
  assert.ok(!tail.includes('line 0\n'));
});

test('an undeclared command is refused, whatever it looks like', async () => {
  for (const name of ['rm', 'smoke ', '../smoke', 'constructor', 'toString', '__proto__']) {
    await assert.rejects(runDeclaredCommand(commands, name), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_COMMAND_UNKNOWN', name);
  }
});

test('a command over its timeout is killed, with the processes it started', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'grandchild-survived');
  // The grandchild would write the marker after 2.5 s if the group kill missed it.
  const grandchild = `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), 2500)`;
  const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); console.log('started'); setInterval(() => {}, 1000);`;
  const slow: AgentConfig['commands'] = { slow: { argv: [node, '-e', script], timeoutSeconds: 1 } };
  const started = Date.now();
  const r = await runDeclaredCommand(slow, 'slow', { killGraceMs: 500 });
  const took = Date.now() - started;
  assert.equal(r.timed_out, true, r.stderr_tail);
  assert.equal(r.exit_code, -1);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.stdout_tail, 'started\n');
  assert.ok(took >= 1000 && took < 4000, `took ${took} ms`);
  await new Promise((res) => setTimeout(res, 2000));
  assert.equal(existsSync(marker), false, 'the grandchild outlived the timeout');
});

test('over gRPC: RunCommand answers a declared command and refuses others with SY_COMMAND_UNKNOWN', async (t) => {
  const agent = await startTestAgent(t, { name: 'prod-1', insecure: true, config: { commands: { smoke: commands.smoke } } });
  const dir = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: agent.address }] });
  const c = dir.client('prod-1');
  const run = (name: string) => dir.call<AgentClient, { name: string }, RunCommandResponse__Output>('prod-1', c, c.RunCommand, { name });
  const ok = await run('smoke');
  assert.equal(ok.exit_code, 0);
  assert.equal(ok.stdout_tail, 'all green\n');
  await assert.rejects(run('reboot'), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_COMMAND_UNKNOWN' && /reboot/.test(err.message));
});

test("the agent's database password never leaves in a command's output, whole, URL-encoded or cut by the tail", async (t) => {
  const secret = 'S3cr3t/pass word';
  const env = 'SY_TEST_RUN_COMMAND_DB_PASSWORD';
  process.env[env] = secret;
  t.after(() => delete process.env[env]);
  // A failing suite that dumps its environment, and a DSN it printed: both carry the agent's password.
  const dump = `console.log("env: ${env}=" + process.env.${env}); console.error("mysql://u:" + encodeURIComponent(process.env.${env}) + "@db/x")`;
  // The tail is cut inside the password: its last bytes alone must not show either.
  const straddle = `process.stdout.write("a".repeat(5000) + process.env.${env} + "b".repeat(995))`;
  const agent = await startTestAgent(t, {
    name: 'prod-1',
    insecure: true,
    config: {
      database: { user: 'site', password: { env } },
      commands: { dump: { argv: [node, '-e', dump], timeoutSeconds: 10 }, straddle: { argv: [node, '-e', straddle], timeoutSeconds: 10 } },
    },
  });
  const dir = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: agent.address }] });
  const c = dir.client('prod-1');
  const run = (name: string) => dir.call<AgentClient, { name: string }, RunCommandResponse__Output>('prod-1', c, c.RunCommand, { name });

  const dumped = await run('dump');
  assert.equal(dumped.stdout_tail, `env: ${env}=[redacted]\n`);
  assert.equal(dumped.stderr_tail, 'mysql://u:[redacted]@db/x\n');

  const cut = (await run('straddle')).stdout_tail ?? '';
  assert.ok(cut.endsWith('b'.repeat(995)), 'the output after it is kept');
  assert.ok(!cut.includes(secret.slice(-4)), `no part of the password: ${cut.slice(0, 40)}`);
});

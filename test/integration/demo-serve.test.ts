// `switchyard demo --serve` as a script drives it: read the NAME=value lines up to DEMO_READY,
// use them, then interrupt it and see it stop cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { packageRoot } from '../../shared/paths.js';
import { resolveA } from '../../cli/demo/dns-check.js';

const NAMES = ['SWITCHYARD_URL', 'SWITCHYARD_TOKEN', 'STAGING_MYSQL', 'PRODUCTION_MYSQL', 'STAGING_ASSETS', 'PRODUCTION_ASSETS', 'STAGING_IP', 'PRODUCTION_IP', 'DNS_SERVER', 'DNS_NAME', 'DEMO_PLAN'];

test('demo --serve prints every promised line, then DEMO_READY, and the environment answers them', { timeout: 300_000 }, async (t) => {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), 'demo', '--serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/^DEMO_READY$/m.test(stdout)) resolve();
    });
    void exited.then((code) => reject(new Error(`demo exited ${code} before DEMO_READY: ${stderr.slice(-400)}`)));
  });
  const vars = Object.fromEntries([...stdout.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const n of NAMES) assert.ok(vars[n], `${n} printed`);
  const lines = stdout.split('\n');
  assert.ok(lines.indexOf('DEMO_READY') > Math.max(...NAMES.map((n) => lines.findIndex((l) => l.startsWith(`${n}=`)))), 'DEMO_READY comes last');

  // The README's sample of this output names the same steps, and preflight's counts as this run
  // printed them (an added check had left it promising "10 passed"). Timings, sizes and the
  // validate count (web vitals run only where Chromium is) vary by machine.
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const from = readme.indexOf('```', readme.indexOf('What the demo prints'));
  const sample = readme.slice(from, readme.indexOf('```', from + 3));
  const stepLines = (text: string) => [...text.matchAll(/^ {2}✔ (\w+) +succeeded +\S+ +(.*)$/gm)].map((m) => ({ step: m[1]!, text: m[2]! }));
  const printed = stepLines(stdout).slice(0, 11);
  assert.deepEqual(stepLines(sample).map((l) => l.step), printed.map((l) => l.step), "the README sample's steps are the demo's");
  const counts = (text: string) => text.match(/\d+ passed, \d+ warning\(s\), \d+ failed/)?.[0];
  assert.equal(counts(stepLines(sample).find((l) => l.step === 'preflight')!.text), counts(printed.find((l) => l.step === 'preflight')!.text), "the README sample's preflight counts are the demo's");

  const agents = await fetch(`${vars.SWITCHYARD_URL}/v1/agents`, { headers: { authorization: `Bearer ${vars.SWITCHYARD_TOKEN}` } });
  assert.equal(agents.status, 200);
  const cutovers = (await (await fetch(`${vars.SWITCHYARD_URL}/v1/cutovers`, { headers: { authorization: `Bearer ${vars.SWITCHYARD_TOKEN}` } })).json()) as { cutovers: Array<{ state: string }> };
  assert.equal(cutovers.cutovers[0]?.state, 'rolled_back', 'the demo cutover ran and was rolled back');
  for (const side of ['STAGING', 'PRODUCTION']) {
    const url = new URL(vars[`${side}_MYSQL`]!);
    assert.equal(url.hostname, vars[`${side}_IP`]);
    const c = await createConnection(vars[`${side}_MYSQL`]!);
    const [rows] = await c.query('SELECT COUNT(*) AS n FROM wp_orders');
    await c.end();
    assert.ok((rows as Array<{ n: number }>)[0]!.n > 0, `${side} database holds the shop`);
    assert.ok(existsSync(vars[`${side}_ASSETS`]!));
  }
  assert.deepEqual((await resolveA(vars.DNS_SERVER!, vars.DNS_NAME!)).addresses, [vars.STAGING_IP]);
  assert.ok(existsSync(vars.DEMO_PLAN!));

  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(stdout, /everything it started has been stopped/);
});

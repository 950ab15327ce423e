// A cutover stored under an earlier controller config whose plan the DNS provider now refuses:
// start-up says so in that cutover's event stream (what `cutover watch` and GET .../events show),
// not only in the controller's log, once per start-up.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../shared/logger.js';
import { startController } from '../../controller/run.js';
import type { ControllerConfig } from '../../controller/config.js';
import { ttlLimitsByProvider } from '../../controller/dns/ttl-limits.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { formatCutover, formatEvent } from '../../cli/commands/cutover.js';
import { hashToken } from '../../controller/api/auth.js';
import { VIEWER_TOKEN, bearer } from '../helpers/api-app.js';
import { PLAN_CONTEXT, newEngine, planInput, tempStore } from '../helpers/cutover-fakes.js';

const CF = { type: 'cloudflare' as const, apiToken: 'x', baseUrl: 'https://api.cloudflare.com/client/v4' };

function storedPlan(ttl: number): Plan {
  const input = planInput();
  input.dns = { ...(input.dns as object), ttl };
  return parsePlan(input, { ...PLAN_CONTEXT, dnsTtlLimits: ttlLimitsByProvider({ 'cf-main': { ...CF, minTtl: 30 } }) });
}

function configFor(stateFile: string): ControllerConfig {
  return { listen: { host: '127.0.0.1', port: 0 }, stateFile, logLevel: 'silent', insecure: false, agents: [], tokens: [{ name: 'alice-viewer', role: 'viewer', hash: hashToken(VIEWER_TOKEN) }], dnsProviders: { 'cf-main': CF }, resolvers: [], agentTimeoutMs: 1000 };
}

/** A state file holding one cutover whose plan the provider now refuses (TTL 30) and one it takes (60), its engine closed. */
async function storedCutovers(t: TestContext) {
  const { store, file } = tempStore(t);
  const engine = newEngine(store);
  const bad = engine.create(storedPlan(30), 'tester');
  const good = engine.create(storedPlan(60), 'tester');
  await engine.close();
  store.close();
  return { file, bad, good };
}

test('start-up puts a warning naming the key in the event stream of each open cutover whose stored plan the provider now refuses, once per start-up', async (t) => {
  const { file, bad, good } = await storedCutovers(t);

  for (const start of [1, 2]) {
    const running = await startController(configFor(file), { logger: silentLogger() });
    try {
      const warnings = running.engine.history(bad.id).filter((e) => e.type === 'warning');
      assert.equal(warnings.length, start, 'one warning per start-up');
      const w = warnings.at(-1)!;
      assert.equal(w.data.field, 'dns.ttl');
      assert.match(String(w.data.message), /key dns\.ttl: 30 is below 60.*prepare and preflight fail/);
      const line = formatEvent({ id: w.seq, type: w.type, data: { ...w.data } });
      assert.match(line, /^⚠ .*dns\.ttl: 30 is below 60/);
      assert.deepEqual(running.engine.history(good.id).filter((e) => e.type === 'warning'), []);
    } finally {
      await running.close();
    }
  }
  const after = CutoverStore.open(file);
  t.after(() => after.close());
  assert.equal(after.cutovers.get(bad.id)?.state, 'planned', 'the warning changes nothing else');
});

test('cutover status shows the start-up warnings of this controller: the view has them (REST too), the CLI prints them, once however often it restarted', async (t) => {
  const { file, bad, good } = await storedCutovers(t);

  for (const start of [1, 2]) {
    const running = await startController(configFor(file), { logger: silentLogger() });
    try {
      const view = running.engine.get(bad.id);
      assert.equal(view.warnings?.length, 1, `start ${start}: this start-up's warning only`);
      assert.equal(view.warnings![0]!.field, 'dns.ttl');
      assert.equal(view.warnings![0]!.phase, 'startup');
      assert.match(view.warnings![0]!.message, /key dns\.ttl: 30 is below 60.*prepare and preflight fail/);
      assert.equal(running.engine.get(good.id).warnings, undefined, 'no field where there is nothing to say');

      const res = await running.app.inject({ method: 'GET', url: `/v1/cutovers/${bad.id}`, headers: bearer(VIEWER_TOKEN) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { warnings?: Array<{ message: string; field?: string; at: string }> };
      assert.deepEqual(body.warnings, view.warnings, 'the REST view carries them as the engine has them');
      assert.ok(!Number.isNaN(Date.parse(body.warnings![0]!.at)));

      const printed = formatCutover(body as Parameters<typeof formatCutover>[0]).split('\n');
      assert.equal(printed.filter((l) => l.startsWith('⚠ ')).length, 1);
      assert.match(printed.find((l) => l.startsWith('⚠ '))!, /^⚠ plan: key dns\.ttl: 30 is below 60/);
      const fine = (await running.app.inject({ method: 'GET', url: `/v1/cutovers/${good.id}`, headers: bearer(VIEWER_TOKEN) })).json();
      assert.ok(!formatCutover(fine).includes('⚠'));
    } finally {
      await running.close();
    }
  }
});

test('a start-up warning leaves the view once the cutover is over (rolled back): its prepare and preflight no longer come; the event log keeps it', async (t) => {
  const { file, bad } = await storedCutovers(t);

  const running = await startController(configFor(file), { logger: silentLogger() });
  t.after(() => running.close());
  assert.equal(running.engine.get(bad.id).warnings?.length, 1);
  const done = await running.engine.rollback(bad.id, 'not going ahead', 'tester').done;
  assert.equal(done.state, 'rolled_back');
  assert.equal(running.engine.get(bad.id).warnings, undefined);
  assert.equal(running.engine.list().find((c) => c.id === bad.id)?.warnings, undefined);
  const res = await running.app.inject({ method: 'GET', url: `/v1/cutovers/${bad.id}`, headers: bearer(VIEWER_TOKEN) });
  assert.equal((res.json() as { warnings?: unknown }).warnings, undefined);
  assert.ok(!formatCutover(res.json()).includes('⚠'), 'cutover status prints no stale warning');
  assert.equal(running.engine.history(bad.id).filter((e) => e.type === 'warning').length, 1);
});

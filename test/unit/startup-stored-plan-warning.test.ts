// A cutover stored under an earlier controller config whose plan the DNS provider now refuses:
// start-up says so in that cutover's event stream (what `cutover watch` and GET .../events show),
// not only in the controller's log, once per start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../shared/logger.js';
import { startController } from '../../controller/run.js';
import type { ControllerConfig } from '../../controller/config.js';
import { ttlLimitsByProvider } from '../../controller/dns/ttl-limits.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { formatEvent } from '../../cli/commands/cutover.js';
import { PLAN_CONTEXT, newEngine, planInput, tempStore } from '../helpers/cutover-fakes.js';

const CF = { type: 'cloudflare' as const, apiToken: 'x', baseUrl: 'https://api.cloudflare.com/client/v4' };

function storedPlan(ttl: number): Plan {
  const input = planInput();
  input.dns = { ...(input.dns as object), ttl };
  return parsePlan(input, { ...PLAN_CONTEXT, dnsTtlLimits: ttlLimitsByProvider({ 'cf-main': { ...CF, minTtl: 30 } }) });
}

function configFor(stateFile: string): ControllerConfig {
  return { listen: { host: '127.0.0.1', port: 0 }, stateFile, logLevel: 'silent', insecure: false, agents: [], tokens: [], dnsProviders: { 'cf-main': CF }, resolvers: [], agentTimeoutMs: 1000 };
}

test('start-up puts a warning naming the key in the event stream of each open cutover whose stored plan the provider now refuses, once per start-up', async (t) => {
  const { store, file } = tempStore(t);
  const engine = newEngine(store);
  const bad = engine.create(storedPlan(30), 'tester');
  const good = engine.create(storedPlan(60), 'tester');
  await engine.close();
  store.close();

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

// Propagation polling against a REAL tiny DNS server on 127.0.0.1 (UDP, A records only) whose
// answer the test changes, standing in for both the authoritative server and a resolver.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForPropagation } from '../../controller/dns/propagation.js';
import { waitForOriginByHttp } from '../../controller/dns/origin-check.js';
import { propagateExecutor } from '../../controller/cutover/steps/propagate.js';
import { parsePlan } from '../../controller/cutover/plan.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import { stepContextFor } from '../helpers/cutover-fakes.js';
import { tinyDnsServer } from '../helpers/tiny-dns.js';
import { stepWallClockAhead } from '../helpers/clock-step.js';

const dnsServer = tinyDnsServer;

/** A plan switching www.example.test from 203.0.113.10 to 203.0.113.20 through the fake provider `pdns-test`. */
function propagatePlan(checks: Record<string, unknown>) {
  return parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: 'http://staging.example.test', ip: '203.0.113.10' },
      production: { agent: 'prod-1', origin: 'http://www.example.test', ip: '203.0.113.20' },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks,
      fallbackHours: 1,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
}

test('a wall-clock step while waiting does not end the wait (which would read as servers never answering)', async (t) => {
  const t0 = performance.now();
  // The zone's server moves to the new address a second in.
  const server = await dnsServer(t, () => (performance.now() - t0 < 1000 ? '203.0.113.10' : '203.0.113.20'));
  const clock = stepWallClockAhead(t, 300);
  const result = await waitForPropagation({ name: 'www.example.test', expected: ['203.0.113.20'], authoritative: [server], resolvers: [server], timeoutMs: 10_000, intervalMs: 100 });
  clock.restore();
  assert.equal(result.ok, true, JSON.stringify(result.servers));
  assert.ok(result.elapsedMs >= 900 && result.elapsedMs < 10_000, `elapsedMs ${result.elapsedMs}`);
});

test('the same for a proxied record confirmed over HTTP: a clock step does not end the wait', async (t) => {
  const t0 = performance.now();
  // The edge serves staging's origin for a second, then production's.
  const server = createServer((_req, res) => {
    res.setHeader('X-Switchyard-Origin', performance.now() - t0 < 1000 ? 'staging-1' : 'prod-1');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  const clock = stepWallClockAhead(t, 300);
  const check = await waitForOriginByHttp(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'prod-1', { waitMs: 10_000, intervalMs: 100 });
  clock.restore();
  assert.equal(check.ok, true, JSON.stringify(check));
});

test('propagate: one slow answer (a resolver resolving the new value cold) is asked again, not a rollback; a resolver slow every time still is', async (t) => {
  const auth = await dnsServer(t, () => '203.0.113.20');
  // The resolver's first answer after the switch is a cache miss: 700 ms, over the 300 ms limit.
  const coldOnce = await dnsServer(t, () => '203.0.113.20', (n) => (n === 1 ? 700 : 0));
  const alwaysSlow = await dnsServer(t, () => '203.0.113.20', () => 700);
  const provider: DnsProvider = { name: 'pdns-test', kind: 'fake', authoritative: [auth], getRecordSet: async () => null, replaceRecordSet: async () => undefined };
  const plan = propagatePlan({ pages: ['/'], maxResolverLatencyMs: 300, propagationTimeoutSeconds: 3 });
  const run = (resolvers: string[]) =>
    propagateExecutor({ dns: new Map([['pdns-test', provider]]), config: { resolvers } as never }, { postSwitchValidation: false, intervalMs: 100 }).run(stepContextFor(plan, 'propagate'));

  const cold = await run([coldOnce]);
  assert.equal(cold.rollback, undefined, cold.rollback?.reason);
  assert.equal(cold.outcome, undefined, cold.error);
  assert.match(cold.summary ?? '', /2 servers answer 203\.0\.113\.20/);

  const slow = await run([alwaysSlow]);
  assert.match(slow.rollback?.reason ?? '', /resolver latency over maxResolverLatencyMs 300 ms: 127\.0\.0\.1:\d+ \(\d{3} ms\)/);
});

test('an abort (a manual rollback) during the wait between rounds ends the wait at once, not after the interval', async (t) => {
  // The server keeps answering the old value: without the abort the wait would go on for 20 s.
  const server = await dnsServer(t, () => '203.0.113.10');
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 300);
  const result = await waitForPropagation({ name: 'www.example.test', expected: ['203.0.113.20'], authoritative: [server], resolvers: [server], timeoutMs: 20_000, intervalMs: 5_000, signal: ac.signal });
  const took = performance.now() - t0;
  assert.equal(result.ok, false);
  assert.ok(took < 1500, `returned ${Math.round(took)} ms after the start (abort at 300 ms, interval 5000 ms)`);
});

test('propagate: a resolver the controller cannot reach is a warning, not a rollback, while a majority answers; too few answering rolls back', async (t) => {
  const auth = await dnsServer(t, () => '203.0.113.20');
  const good = [await dnsServer(t, () => '203.0.113.20'), await dnsServer(t, () => '203.0.113.20'), await dnsServer(t, () => '203.0.113.20')];
  const blocked = '127.0.0.1:9'; // nothing answers there: as a resolver the network blocks
  const provider: DnsProvider = { name: 'pdns-test', kind: 'fake', authoritative: [auth], getRecordSet: async () => null, replaceRecordSet: async () => undefined };
  const plan = propagatePlan({ pages: ['/'], maxErrorRate: 0.02, propagationTimeoutSeconds: 20 });
  const run = (resolvers: string[]) =>
    propagateExecutor({ dns: new Map([['pdns-test', provider]]), config: { resolvers } as never }, { postSwitchValidation: false, intervalMs: 100, queryTimeoutMs: 300 }).run(stepContextFor(plan, 'propagate'));

  const t0 = performance.now();
  const one = await run([...good, blocked]);
  assert.equal(one.rollback, undefined, one.rollback?.reason);
  assert.equal(one.outcome, undefined, one.error);
  assert.match(one.summary ?? '', /4 of 5 servers answer 203\.0\.113\.20.*warning: no answer from 127\.0\.0\.1:9/);
  // Not waited for until the 20 s timeout once it had failed a few rounds in a row.
  assert.ok(performance.now() - t0 < 10_000, `took ${Math.round(performance.now() - t0)} ms`);
  const ev = (one.evidence as { propagation: { unreachableResolvers: string[]; minResolversAgreeing: number } }).propagation;
  assert.deepEqual(ev.unreachableResolvers, [blocked]);
  assert.equal(ev.minResolversAgreeing, 3);

  const few = await run([good[0]!, blocked, '127.0.0.1:7']);
  assert.match(few.rollback?.reason ?? '', /only 1 of 3 resolvers answered \(minResolversAgreeing 2\): no answer from 127\.0\.0\.1:9/);
});

// Preflight checks against real servers: the record's TTL at a real PowerDNS (and prepare
// lowering it through the engine), robots.txt served by a small production web server on
// 127.0.0.3 and fetched pinned to that IP, and regression commands run by a real agent.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { withPowerDns, type PowerDnsInstance } from '../helpers/powerdns.js';
import { FakeClock, FakeWorld, fakeSteps, newEngine, tempStore } from '../helpers/cutover-fakes.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import { PowerDnsProvider } from '../../controller/dns/powerdns.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { dnsTtlPort, preflightExecutor, prepareTtl, named } from '../../controller/cutover/steps/index.js';
import { dnsTtlCheck } from '../../controller/cutover/steps/preflight/dns-ttl.js';
import { dnsNameCheck } from '../../controller/cutover/steps/preflight/dns-name.js';
import { robotsCheck } from '../../controller/cutover/steps/preflight/robots.js';
import { regressionCheck } from '../../controller/cutover/steps/preflight/regression.js';
import type { Check, PreflightCheck } from '../../controller/cutover/steps/preflight.js';
import type { CutoverStore } from '../../controller/cutover/store/index.js';

const NAME = 'www.example.test';
let pdns: PowerDnsInstance;
let provider: PowerDnsProvider;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
before(async () => {
  pdns = await withPowerDns((fn) => cleanups.push(fn), {
    host: '127.0.0.4',
    zones: [{ name: 'example.test', records: [{ name: NAME, type: 'A', ttl: 86400, content: '127.0.0.2' }, { name: 'ns1.example.test', type: 'A', ttl: 3600, content: '127.0.0.4' },
      { name: 'dual.example.test', type: 'A', ttl: 300, content: '127.0.0.2' }, { name: 'dual.example.test', type: 'AAAA', ttl: 300, content: '2001:db8::10' },
      { name: 'alias.example.test', type: 'CNAME', ttl: 300, content: 'www.example.test.' }] }],
  });
  provider = new PowerDnsProvider({ name: 'pdns-test', url: pdns.apiUrl, apiKey: pdns.apiKey, authoritative: [pdns.dnsServer], policy: { retries: 1, baseDelayMs: 10 } });
});

function planFor(extra: Record<string, unknown> = {}, origin = 'http://www.example.test'): Plan {
  return parsePlan(
    {
      site: 'example.test',
      staging: { agent: 'staging-1', origin: 'http://staging.example.test', ip: '127.0.0.2' },
      production: { agent: 'prod-1', origin, ip: '127.0.0.3' },
      dns: { provider: 'pdns-test', zone: 'example.test', name: NAME },
      checks: { pages: ['/', '/shop/'], maxTtl: 300, ttlLeadHours: 48, ...extra },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
}

/** planFor() for another record name. */
function planAt(name: string): Plan {
  const p = planFor();
  return { ...p, dns: { ...p.dns, name } };
}

/** The dns-name check, asking the PowerDNS provider. */
const dnsName = (): PreflightCheck => named('dns name', dnsNameCheck(new Map<string, DnsProvider>([['pdns-test', provider]])));

/** Runs only the given checks as the preflight step of a fresh cutover; returns its findings. */
async function runChecks(t: TestContext, store: CutoverStore, plan: Plan, checks: PreflightCheck[], clock?: FakeClock): Promise<{ id: string; checks: Check[]; state: string }> {
  const engine = newEngine(store, { executors: fakeSteps(new FakeWorld(), { preflight: preflightExecutor({ agents: {} as never, dns: new Map() }, { checks }) }), ...(clock ? { clock } : {}) });
  t.after(() => engine.close());
  const id = engine.create(plan, 'tester').id;
  const view = await engine.advance(id, 'preflight', 'tester').done;
  const step = view.steps.find((s) => s.name === 'preflight')!;
  // Cancelled once read, as an operator would: the next run on this store shares its plan's record and schemas.
  await engine.rollback(id, 'checks read', 'tester').done;
  return { id, checks: (step.result as { evidence: { checks: Check[] } }).evidence.checks, state: step.state };
}

const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name)!;

test('dns ttl: over maxTtl fails pointing at prepare; after prepare it passes and the lead time warns until it has passed', async (t) => {
  await provider.replaceRecordSet('example.test', { name: NAME, type: 'A', ttl: 86400, records: ['127.0.0.2'] });
  const { store } = tempStore(t);
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const dns = new Map<string, DnsProvider>([['pdns-test', provider]]);
  const plan = planFor();
  const ttlCheck = named('dns ttl', dnsTtlCheck(dns));

  const first = await runChecks(t, store, plan, [ttlCheck], clock);
  assert.equal(first.state, 'failed');
  assert.equal(byName(first.checks, 'dns record').status, 'pass');
  const high = byName(first.checks, 'dns ttl');
  assert.equal(high.status, 'fail');
  assert.match(high.message, /is 86400 s, over maxTtl 300 s: lower it with POST \/v1\/cutovers\/co_[0-9a-f]+\/prepare/);

  // prepare through the engine, as the REST route does it.
  const engine = newEngine(store, { executors: {}, ttl: dnsTtlPort({ dns }), clock });
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  const prepared = await engine.prepare(co.id, 'tester');
  assert.deepEqual({ previousTtl: prepared.previousTtl, ttl: prepared.ttl, changed: prepared.changed }, { previousTtl: 86400, ttl: 300, changed: true });
  assert.equal(prepared.switchNotBefore, '2030-01-03T00:00:00.000Z');

  clock.advance(3_600_000);
  const soon = await runChecks(t, store, plan, [ttlCheck], clock);
  assert.equal(soon.state, 'succeeded', 'a short lead is a warning, not a failure');
  assert.equal(byName(soon.checks, 'dns ttl').status, 'pass');
  const lead = byName(soon.checks, 'dns ttl lead');
  assert.equal(lead.status, 'warn');
  assert.match(lead.message, /only since 2030-01-01T00:00:00\.000Z \(1 h, less than ttlLeadHours 48 h\).*up to the old TTL of 86400 s/);

  // Past the old TTL (a day) every cache has dropped the old answer, even before 48 h.
  clock.advance(24 * 3_600_000);
  const later = await runChecks(t, store, plan, [ttlCheck], clock);
  assert.equal(byName(later.checks, 'dns ttl lead').status, 'pass');
  assert.match(byName(later.checks, 'dns ttl lead').message, /longer than the old TTL 86400 s/);
});

test('dns name: an AAAA beside the A record, or a CNAME at the name, fails preflight before anything is frozen', async (t) => {
  const { store } = tempStore(t);
  const check = dnsName();
  const dual = await runChecks(t, store, planAt('dual.example.test'), [check]);
  assert.equal(dual.state, 'failed');
  assert.equal(byName(dual.checks, 'dns name').status, 'fail');
  assert.match(byName(dual.checks, 'dns name').message, /also has AAAA 2001:db8::10/);
  const alias = await runChecks(t, store, planAt('alias.example.test'), [check]);
  assert.equal(byName(alias.checks, 'dns name').status, 'fail');
  assert.match(byName(alias.checks, 'dns name').message, /is a CNAME \(→ www\.example\.test\./);
  const plain = await runChecks(t, store, planAt(NAME), [check]);
  assert.equal(byName(plain.checks, 'dns name').status, 'pass');
  assert.equal(plain.state, 'succeeded');
});

test('dns name: a disabled AAAA or CNAME at the name answers nothing, so it does not fail preflight', async (t) => {
  const { store } = tempStore(t);
  const check = dnsName();
  for (const [name, type, value] of [
    ['parked6.example.test', 'AAAA', '2001:db8::10'],
    ['parkedcname.example.test', 'CNAME', 'www.example.test.'],
  ] as const) {
    await provider.replaceRecordSet('example.test', { name, type, ttl: 300, records: [], disabled: [value] });
    await provider.replaceRecordSet('example.test', { name, type: 'A', ttl: 300, records: ['127.0.0.2'] });
    const r = await runChecks(t, store, planAt(name), [check]);
    assert.equal(byName(r.checks, 'dns name').status, 'pass', `${type}: ${byName(r.checks, 'dns name').message}`);
  }
});

test('dns record: a set with only disabled records is shown as such, and as what rollback puts back', async (t) => {
  const { store } = tempStore(t);
  const dns = new Map<string, DnsProvider>([['pdns-test', provider]]);
  const name = 'parked.example.test';
  await provider.replaceRecordSet('example.test', { name, type: 'A', ttl: 300, records: [], disabled: ['127.0.0.2'] });
  const r = await runChecks(t, store, planAt(name), [named('dns ttl', dnsTtlCheck(dns))]);
  const record = byName(r.checks, 'dns record');
  assert.equal(record.status, 'warn');
  assert.match(record.message, /holds only disabled A records for parked\.example\.test \(127\.0\.0\.2\).*rollback will put the set back/);
});

test('prepareTtl (standalone) lowers the TTL and records the sighting; a record already low is left alone', async (t) => {
  await provider.replaceRecordSet('example.test', { name: NAME, type: 'A', ttl: 7200, records: ['127.0.0.2'] });
  const { store } = tempStore(t);
  const dns = new Map<string, DnsProvider>([['pdns-test', provider]]);
  const plan = planFor({ maxTtl: 120 });
  const engine = newEngine(store);
  t.after(() => engine.close());
  const co = engine.create(plan, 'tester');
  const r = await prepareTtl({ dns, store }, { id: co.id, plan });
  assert.equal(r.previousTtl, 7200);
  assert.equal(r.ttl, 120);
  assert.equal(r.changed, true);
  assert.equal((await provider.getRecordSet('example.test', NAME, 'A'))?.ttl, 120);
  assert.equal(store.ttlLowered.history('example.test', NAME, 'A').at(-1)?.source, 'prepare');
  const again = await prepareTtl({ dns, store }, { id: co.id, plan });
  assert.equal(again.changed, false);
  assert.equal(again.lowSince, r.lowSince, 'lead time keeps counting from the first low sighting');
});

async function site(t: TestContext, robots: { status: number; body: string } | null): Promise<{ port: number; hosts: string[] }> {
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(String(req.headers.host));
    if (req.url === '/robots.txt' && robots !== null) {
      res.writeHead(robots.status, { 'Content-Type': 'text/plain' });
      res.end(robots.body);
      return;
    }
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.3', r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { port: (server.address() as AddressInfo).port, hosts };
}

test('robots.txt is fetched pinned to the production IP and fails when it shuts crawlers out', async (t) => {
  const { store } = tempStore(t);
  const cases: Array<[{ status: number; body: string } | null, 'pass' | 'fail', RegExp]> = [
    [{ status: 200, body: 'User-agent: *\nDisallow: /\n' }, 'fail', /blocks every crawler \(\*\) from \/ \(line 2: Disallow: \/\)/],
    [{ status: 200, body: 'User-agent: *\nDisallow: /wp-admin/\n\nUser-agent: Googlebot\nDisallow: /shop/\n' }, 'fail', /blocks googlebot from \/shop\//],
    [{ status: 200, body: 'User-agent: *\nDisallow: /wp-admin/\n' }, 'pass', /crawlers may fetch \/, \/shop\//],
    [null, 'pass', /answers 404: no robots\.txt/],
    [{ status: 503, body: 'down' }, 'fail', /answers 503: crawlers treat an unreachable robots\.txt as "disallow everything"/],
    [{ status: 429, body: 'slow down' }, 'fail', /answers 429: crawlers treat an unreachable robots\.txt as "disallow everything"/],
  ];
  for (const [robots, status, message] of cases) {
    const s = await site(t, robots);
    const { checks } = await runChecks(t, store, planFor({}, `http://www.example.test:${s.port}`), [robotsCheck({ timeoutMs: 3000 })]);
    const c = byName(checks, 'robots.txt');
    assert.equal(c.status, status, c.message);
    assert.match(c.message, message);
    assert.deepEqual([...new Set(s.hosts)], [`www.example.test:${s.port}`], 'the site name went in the Host header');
  }
  // Nothing listening at the production IP's port: a failure, not a pass.
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.3', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { checks } = await runChecks(t, store, planFor({}, `http://www.example.test:${port}`), [robotsCheck({ timeoutMs: 1000 })]);
  assert.equal(byName(checks, 'robots.txt').status, 'fail');
});

test('regression: each plan command runs on its agent; exit ≠ 0, a timeout or an undeclared name fails', async (t) => {
  const node = process.execPath;
  const agent = await startTestAgent(t, {
    name: 'prod-1',
    host: '127.0.0.3',
    insecure: true,
    config: {
      commands: {
        smoke: { argv: [node, '-e', 'console.log("12 checks ok")'] },
        flaky: { argv: [node, '-e', 'console.error("checkout: 500"); process.exit(2)'] },
        slow: { argv: [node, '-e', 'setTimeout(() => {}, 60000)'], timeoutSeconds: 1 },
      },
    },
  });
  const agents = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: agent.address }, { name: 'staging-1', address: agent.address }] });
  const { store } = tempStore(t);
  const plan = planFor({ regression: ['prod-1:smoke', 'prod-1:flaky', 'prod-1:slow', 'prod-1:rm-rf'] });
  const { checks, state } = await runChecks(t, store, plan, [regressionCheck(agents)]);
  assert.equal(state, 'failed');
  assert.deepEqual(checks.map((c) => [c.name, c.status]), [
    ['regression prod-1:smoke', 'pass'],
    ['regression prod-1:flaky', 'fail'],
    ['regression prod-1:slow', 'fail'],
    ['regression prod-1:rm-rf', 'fail'],
  ]);
  assert.equal((checks[0]!.evidence as { stdoutTail: string }).stdoutTail, '12 checks ok\n');
  assert.match(checks[1]!.message, /exit 2: checkout: 500/);
  assert.match(checks[2]!.message, /timed out and was killed \(SIGTERM\)/);
  assert.match(checks[3]!.message, /not declared in this agent's config/);
});

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mockFacts } from '../helpers/facts.js';
import { FakeWorld, fakePlan, fakeSteps, newEngine, tempStore } from '../helpers/cutover-fakes.js';
import type { Plan } from '../../controller/cutover/plan.js';
import type { StepContext } from '../../controller/cutover/executor.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { TlsCertificateFacts__Output } from '../../shared/proto-gen/switchyard/v1/TlsCertificateFacts.js';
import { tlsParityCheck, sanCovers } from '../../controller/cutover/steps/preflight/tls-parity.js';
import { freeDiskCheck } from '../../controller/cutover/steps/preflight/free-disk.js';
import { runtimeParityCheck } from '../../controller/cutover/steps/preflight/runtime-parity.js';
import { cdnCheck } from '../../controller/cutover/steps/preflight/cdn.js';
import { named, preflightExecutor, type Check, type PreflightCheckContext } from '../../controller/cutover/steps/preflight.js';
import { RuntimeParityService } from '../../controller/parity/service.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import { PowerDnsProvider } from '../../controller/dns/powerdns.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import type { ParityTable } from '../../shared/parity.js';

const NOW = new Date('2030-06-01T00:00:00Z');

function ctxFor(plan: Plan, facts: { staging: Facts__Output; production: Facts__Output }): { ctx: PreflightCheckContext; evidence: Record<string, unknown> } {
  const evidence: Record<string, unknown> = {};
  const step = { plan, cutover: { id: 'co_test' }, signal: new AbortController().signal, clock: { now: () => NOW } } as unknown as StepContext;
  return { ctx: { step, facts: async (side) => facts[side], setEvidence: (k, v) => (evidence[k] = v) }, evidence };
}

const cert = (host: string, patch: Partial<TlsCertificateFacts__Output> = {}): TlsCertificateFacts__Output => ({
  host, port: 443, connect_to: '127.0.0.1', error: '', subject: `CN=${host}`, issuer: 'C=US, O=Let\'s Encrypt, CN=R11', sans: [host], valid_from: '2030-05-01T00:00:00.000Z',
  valid_to: '2030-08-01T00:00:00.000Z', key_type: 'EC', key_bits: 256, fingerprint_sha256: 'ab', ...patch,
});

function tlsCase(prod: Partial<TlsCertificateFacts__Output> | null, staging: Partial<TlsCertificateFacts__Output> = {}, allowDiffer?: string[]): Promise<Check[]> {
  const plan = fakePlan();
  if (allowDiffer) plan.checks.allowDiffer = allowDiffer;
  const { ctx } = ctxFor(plan, {
    staging: mockFacts('staging-1', { tls: [cert('staging.example.com', staging)] }),
    production: mockFacts('prod-1', { tls: prod === null ? [] : [cert('www.example.com', prod)] }),
  });
  return tlsParityCheck(() => NOW)(ctx);
}

test('tls parity: same issuer and key type passes; each defect fails or warns as a sysadmin would want', async () => {
  assert.equal((await tlsCase({}))[0]!.status, 'pass');
  const expired = (await tlsCase({ valid_to: '2030-05-31T00:00:00.000Z' }))[0]!;
  assert.equal(expired.status, 'fail');
  assert.match(expired.message, /expired/);
  const wrongName = (await tlsCase({ sans: ['staging.example.com'] }))[0]!;
  assert.equal(wrongName.status, 'fail');
  assert.match(wrongName.message, /do not cover www\.example\.com/);
  assert.equal((await tlsCase({ sans: ['*.example.com'] }))[0]!.status, 'pass');
  assert.equal((await tlsCase({ error: 'connect ECONNREFUSED 127.0.0.1:443' }))[0]!.status, 'fail');
  const rsa = (await tlsCase({ key_type: 'RSA', key_bits: 2048 }))[0]!;
  assert.equal(rsa.status, 'fail');
  assert.match(rsa.message, /key type differs: staging EC 256, production RSA 2048/);
  assert.equal((await tlsCase({ key_type: 'RSA', key_bits: 2048 }, {}, ['tls.key_type']))[0]!.status, 'pass');
  const issuer = (await tlsCase({ issuer: 'C=US, O=Let\'s Encrypt, CN=R10' }))[0]!;
  assert.equal(issuer.status, 'warn', 'CAs rotate intermediates: a warning, not a failure');
  const missing = (await tlsCase(null))[0]!;
  assert.equal(missing.status, 'warn');
  assert.match(missing.message, /tlsHosts/);
});

test('wildcard SANs cover exactly one label', () => {
  assert.equal(sanCovers(['*.example.com'], 'www.example.com'), true);
  assert.equal(sanCovers(['*.example.com'], 'a.b.example.com'), false);
  assert.equal(sanCovers(['*.example.com'], 'example.com'), false);
  assert.equal(sanCovers(['DNS:www.example.com'], 'www.example.com'), true);
});

test('free disk: warns under 1 GiB or 10 %, fails for a root production does not have', async () => {
  const plan = fakePlan();
  plan.assets = [{ staging: 'uploads', production: 'uploads', delete: true }, { staging: 'media', production: 'media', delete: false }];
  const disks = [
    { root: 'uploads', path: '/srv/www/uploads', free_bytes: String(5 * 1024 ** 3), total_bytes: String(100 * 1024 ** 3), error: '' },
  ];
  const { ctx } = ctxFor(plan, { staging: mockFacts('staging-1'), production: mockFacts('prod-1', { disks }) });
  const out = await freeDiskCheck()(ctx);
  assert.deepEqual(out.map((c) => [c.name, c.status]), [['free disk uploads', 'warn'], ['free disk media', 'fail']]);
  assert.match(out[0]!.message, /5\.0 GiB free of 100\.0 GiB/);
  disks[0]!.free_bytes = String(50 * 1024 ** 3);
  plan.assets = [plan.assets[0]!];
  assert.equal((await freeDiskCheck()(ctx))[0]!.status, 'pass');
});

test('runtime parity: a difference fails naming the key unless allowed; TLS rows are left to the TLS check', async () => {
  const plan = fakePlan();
  const staging = mockFacts('staging-1', { tls: [cert('staging.example.com')] });
  const production = mockFacts('prod-1', { php: { present: true, binary: '/usr/bin/php', version: '8.3.1', modules: ['core', 'gd', 'mysqli', 'zend opcache'], error: '', ini: mockFacts('x').php!.ini, ini_error: '' }, tls: [cert('www.example.com')] });
  const parity = new RuntimeParityService({ facts: async (name) => (name === 'staging-1' ? staging : production) });
  const { ctx, evidence } = ctxFor(plan, { staging, production });
  const out = await runtimeParityCheck(parity)(ctx);
  assert.equal(out[0]!.status, 'fail');
  assert.match(out[0]!.message, /php\.version: 8\.2\.18 ≠ 8\.3\.1/);
  assert.doesNotMatch(out[0]!.message, /tls\./);
  assert.ok((evidence.runtimeParity as ParityTable).rows.length > 0, 'the table goes to the step evidence');
  assert.doesNotMatch(out[0]!.message, /~patch/, '8.2 → 8.3 is not a patch release');
  plan.checks.allowDiffer = ['php.version'];
  assert.equal((await runtimeParityCheck(parity)(ctx))[0]!.status, 'pass');
  production.php!.version = '8.2.20';
  plan.checks.allowDiffer = [];
  assert.match((await runtimeParityCheck(parity)(ctx))[0]!.message, /php\.version: 8\.2\.18 ≠ 8\.2\.20 — .* \(php\.version~patch allows a patch release only\)$/);
  plan.checks.allowDiffer = ['php.version~patch'];
  assert.equal((await runtimeParityCheck(parity)(ctx))[0]!.status, 'pass');
});

test('cdn: a purge needs a provider that has an edge cache', async () => {
  const plan = fakePlan();
  const dns = new Map<string, DnsProvider>([
    ['cf-main', new CloudflareProvider({ name: 'cf-main', apiToken: 't' })],
    ['pdns', new PowerDnsProvider({ name: 'pdns', url: 'http://127.0.0.1:1', apiKey: 'k' })],
  ]);
  const { ctx } = ctxFor(plan, { staging: mockFacts('s'), production: mockFacts('p') });
  assert.deepEqual(await cdnCheck(dns)(ctx), [], 'no cdn section, no check');
  plan.cdn = { provider: 'cf-main', zone: 'example.com', purge: true };
  assert.equal((await cdnCheck(dns)(ctx))[0]!.status, 'pass');
  plan.cdn = { provider: 'pdns', zone: 'example.com', purge: true };
  assert.equal((await cdnCheck(dns)(ctx))[0]!.status, 'fail');
});

test('the preflight step: warnings pass, any fail fails listing every failed check, a throwing check is a fail, extra checks join', async (t: TestContext) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const deps = { agents: {} as never, dns: new Map(), parity: {} as never };
  const ok = named('ok', async () => [{ name: 'a', status: 'pass', message: 'fine' }, { name: 'b', status: 'warn', message: 'hmm' }]);
  const engine1 = newEngine(store, { executors: fakeSteps(world, { preflight: preflightExecutor(deps, { checks: [ok] }) }) });
  t.after(() => engine1.close());
  const a = await engine1.advance(engine1.create(fakePlan(), 't').id, 'preflight', 't').done;
  const pre = a.steps.find((s) => s.name === 'preflight')!;
  assert.equal(pre.state, 'succeeded');
  assert.equal(pre.summary, '1 passed, 1 warning(s), 0 failed: b');

  const bad = named('bad', async () => [{ name: 'robots.txt', status: 'fail', message: 'Disallow: /' }]);
  const boom = named('db preflight', async () => {
    throw new Error('agent unreachable');
  });
  const engine2 = newEngine(store, { executors: fakeSteps(world, { preflight: preflightExecutor(deps, { checks: [ok, bad], extraChecks: [boom] }) }) });
  t.after(() => engine2.close());
  const b = await engine2.advance(engine2.create(fakePlan(), 't').id, 'preflight', 't').done;
  assert.equal(b.state, 'failed');
  const step = b.steps.find((s) => s.name === 'preflight')!;
  assert.equal(step.error?.message, 'preflight failed: robots.txt: Disallow: / · db preflight: agent unreachable');
  const checks = (step.result as { evidence: { checks: Check[] } }).evidence.checks;
  assert.deepEqual(checks.map((c) => [c.name, c.status]), [['a', 'pass'], ['b', 'warn'], ['robots.txt', 'fail'], ['db preflight', 'fail']]);
});

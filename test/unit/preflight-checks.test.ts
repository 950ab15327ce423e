import type { SiteQuery } from '../../shared/nginx-site.js';
import { after, test, type TestContext } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { mockFacts, NO_VHOSTS } from '../helpers/facts.js';
import { FakeWorld, fakePlan, fakeSteps, newEngine, tempStore } from '../helpers/cutover-fakes.js';
import type { Plan } from '../../controller/cutover/plan.js';
import type { StepContext } from '../../controller/cutover/executor.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { TlsCertificateFacts__Output } from '../../shared/proto-gen/switchyard/v1/TlsCertificateFacts.js';
import { tlsParityCheck, sanCovers } from '../../controller/cutover/steps/preflight/tls-parity.js';
import { freeDiskCheck } from '../../controller/cutover/steps/preflight/free-disk.js';
import { stagingRootsCheck } from '../../controller/cutover/steps/preflight/staging-roots.js';
import { runtimeParityCheck } from '../../controller/cutover/steps/preflight/runtime-parity.js';
import { cdnCheck } from '../../controller/cutover/steps/preflight/cdn.js';
import { builtinPreflightChecks, named, preflightExecutor, type Check, type PreflightCheckContext } from '../../controller/cutover/steps/preflight.js';
import { EVIDENCE_KEYS } from '../../controller/cutover/executor.js';
import { RuntimeParityService } from '../../controller/parity/service.js';
import { CloudflareProvider } from '../../controller/dns/cloudflare.js';
import { PowerDnsProvider } from '../../controller/dns/powerdns.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import type { ParityTable } from '../../shared/parity.js';
import type { VirtualHostFacts__Output } from '../../shared/proto-gen/switchyard/v1/VirtualHostFacts.js';
import { vhostFacts } from '../../agent/facts/nginx-vhosts.js';
import { NGINX_T_STAGING, productionDump } from '../helpers/nginx-dump.js';

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

test('staging asset roots: a root the staging agent does not have fails preflight naming the plan key, before presync copies anything', async () => {
  const plan = fakePlan();
  plan.assets = [{ staging: 'uploads', production: 'uploads', delete: true }, { staging: 'upload', production: 'uploads', delete: false }];
  const { ctx } = ctxFor(plan, { staging: mockFacts('staging-1'), production: mockFacts('prod-1') });
  const out = await stagingRootsCheck()(ctx);
  assert.deepEqual(out.map((c) => [c.name, c.status]), [['staging asset root uploads', 'pass'], ['staging asset root upload', 'fail']]);
  assert.equal(out[1]!.message, 'plan key assets[1].staging: staging-1 has no asset root upload in its config (it has uploads)');
  const deps = { agents: {}, dns: new Map() } as unknown as Parameters<typeof builtinPreflightChecks>[0];
  assert.ok(builtinPreflightChecks(deps).some((c) => c.name === 'staging asset roots'), 'preflight runs it');
  plan.assets = [];
  assert.deepEqual(await stagingRootsCheck()(ctx), [], 'a plan without assets has nothing to check');
});

test('runtime parity: a difference fails naming the key unless allowed; TLS rows are left to the TLS check', async () => {
  const plan = fakePlan();
  const staging = mockFacts('staging-1', { tls: [cert('staging.example.com')] });
  const production = mockFacts('prod-1', { php: { present: true, binary: '/usr/bin/php', version: '8.3.1', modules: ['core', 'gd', 'mysqli', 'zend opcache'], error: '', ini: mockFacts('x').php!.ini, ini_error: '', ini_defaults: [], ini_forced: [] }, tls: [cert('www.example.com')] });
  const { ctx, evidence } = ctxFor(plan, { staging, production });
  const out = await runtimeParityCheck()(ctx);
  assert.equal(out[0]!.status, 'fail');
  assert.match(out[0]!.message, /php\.version: 8\.2\.18 ≠ 8\.3\.1/);
  assert.doesNotMatch(out[0]!.message, /tls\./);
  assert.ok((evidence.runtimeParity as ParityTable).rows.length > 0, 'the table goes to the step evidence');
  assert.doesNotMatch(out[0]!.message, /~patch/, '8.2 → 8.3 is not a patch release');
  plan.checks.allowDiffer = ['php.version'];
  assert.equal((await runtimeParityCheck()(ctx))[0]!.status, 'pass');
  production.php!.version = '8.2.20';
  plan.checks.allowDiffer = [];
  assert.match((await runtimeParityCheck()(ctx))[0]!.message, /php\.version: 8\.2\.18 ≠ 8\.2\.20 — .* \(php\.version~patch allows a patch release only\)$/);
  plan.checks.allowDiffer = ['php.version~patch'];
  assert.equal((await runtimeParityCheck()(ctx))[0]!.status, 'pass');
});

// The site's htpasswd, the same on both sides (its digest is compared).
const HTPASSWD = join(mkdtempSync(join(tmpdir(), 'switchyard-htpasswd-')), 'htpasswd');
writeFileSync(HTPASSWD, 'staff:$apr1$abc$hash\n');
after(() => rmSync(dirname(HTPASSWD), { recursive: true, force: true }));

async function nginxFacts(agent: string, dump: string): Promise<Facts__Output> {
  const base = mockFacts(agent);
  const vhosts = (await vhostFacts(dump.replace('AUTHFILE', HTPASSWD), 'salt')) as VirtualHostFacts__Output[];
  return { ...base, web_servers: [{ ...base.web_servers[0]!, vhosts, vhosts_read: true, vhosts_error: '' }] };
}

test('runtime parity: the server block of each side\'s origin host is compared; a smaller upload limit fails naming its key, a missing block says what to do', async () => {
  const plan = fakePlan();
  const staging = await nginxFacts('staging-1', NGINX_T_STAGING);
  const same = ctxFor(plan, { staging, production: await nginxFacts('prod-1', productionDump()) });
  assert.equal((await runtimeParityCheck()(same.ctx))[0]!.status, 'pass', 'the same block under production\'s host name');
  assert.ok((same.evidence.runtimeParity as ParityTable).rows.some((r) => r.key === 'web.vhost.client_max_body_size' && r.status === 'equal'));

  const smaller = ctxFor(plan, { staging, production: await nginxFacts('prod-1', productionDump([['client_max_body_size 64m;', 'client_max_body_size 2m;']])) });
  const out = (await runtimeParityCheck()(smaller.ctx))[0]!;
  assert.equal(out.status, 'fail');
  assert.match(out.message, /web\.vhost\.client_max_body_size: 64m ≠ 2m/);

  // Each side listening on its own plan ip is no difference; on another address nothing answers there.
  const onIp = (dump: string, ip: string) => dump.replace('listen 443 ssl http2;', `listen ${ip}:443 ssl http2;`);
  const stagingOnIp = await nginxFacts('staging-1', onIp(NGINX_T_STAGING, '203.0.113.10'));
  const ownIps = ctxFor(plan, { staging: stagingOnIp, production: await nginxFacts('prod-1', onIp(productionDump(), '203.0.113.20')) });
  assert.equal((await runtimeParityCheck()(ownIps.ctx))[0]!.status, 'pass', "listen lines on each side's plan ip");
  const otherIp = ctxFor(plan, { staging: stagingOnIp, production: await nginxFacts('prod-1', onIp(productionDump(), '203.0.113.21')) });
  // There nginx answers nothing on production's plan ip over IPv4 ([::]:443 takes IPv6 only), which the port's row names.
  assert.match((await runtimeParityCheck()(otherIp.ctx))[0]!.message, /web\.vhost\.server_name: staging\.example\.com ≠ none: no server block answers www\.example\.com on port 443 at 203\.0\.113\.20 — /);

  // Another site's blocks answer the host by default on 443 and 80: compared, and the row says so.
  const renamed = productionDump().replaceAll('www.example.com', 'shop.example.net');
  const byDefault = ctxFor(plan, { staging, production: await nginxFacts('prod-1', renamed) });
  const fallback = (await runtimeParityCheck()(byDefault.ctx))[0]!;
  assert.equal(fallback.status, 'fail');
  assert.match(fallback.message, /web\.vhost\.server_name: staging\.example\.com ≠ shop\.example\.net \(no server_name on \*:443 matches www\.example\.com: nginx answers with the first block listening there/);

  // Nothing listens on the origin's ports either: no block to compare, and what to do.
  const elsewhere = ctxFor(plan, { staging, production: await nginxFacts('prod-1', renamed.replaceAll('listen 80', 'listen 8080').replaceAll('443', '8443')) });
  const missing = (await runtimeParityCheck()(elsewhere.ctx))[0]!;
  assert.equal(missing.status, 'fail');
  assert.match(missing.message, /could not read nginx server block for www\.example\.com on prod-1: no server block has server_name www\.example\.com, nor listens on port 443 or 80 at [^ ]+ .* — give the site's server block on prod-1 a server_name of www\.example\.com/);

  // A regex JS would read otherwise: unknown, and how to settle it.
  const atomic = ctxFor(plan, { staging, production: await nginxFacts('prod-1', productionDump([['server_name www.example.com; # the shop', String.raw`server_name ~^(?>www|shop)\.example\.com$;`]])) });
  const unsure = (await runtimeParityCheck()(atomic.ctx))[0]!;
  assert.equal(unsure.status, 'fail');
  assert.match(unsure.message, /could not read nginx server block for www\.example\.com on prod-1: cannot tell whether server_name ~\^\(\?>www\|shop\).* — give the site's server block on prod-1 a server_name of www\.example\.com as a plain name/);
});

test('runtime parity: a key on one side only fails saying how to allow it; listed, it passes; a kernel update alone passes', async () => {
  const plan = fakePlan();
  const staging = mockFacts('staging-1', {
    env: [{ file: '/srv/staging/.env', name: 'DEBUGBAR_ENABLED', digest: 'a'.repeat(64), label: '' }],
    database: { ...mockFacts('s').database!, variables: { ...mockFacts('s').database!.variables, innodb_ft_min_token_size: '3' } },
  });
  const production = mockFacts('prod-1');
  production.os = { ...production.os!, kernel: '6.1.0-21-amd64' };
  const { ctx } = ctxFor(plan, { staging, production });
  const out = (await runtimeParityCheck()(ctx))[0]!;
  assert.equal(out.status, 'fail');
  assert.match(out.message, /2 key\(s\) on one side only: mysql\.innodb_ft_min_token_size \(staging-1 only\), env\.\.env:DEBUGBAR_ENABLED \(staging-1 only\) — add what is lacking, or list mysql\.innodb_ft_min_token_size, ENV:DEBUGBAR_ENABLED in checks\.allowDiffer to accept them on one side only$/);
  assert.doesNotMatch(out.message, /kernel/);
  plan.checks.allowDiffer = ['mysql.innodb_ft_*', 'ENV:DEBUGBAR_ENABLED'];
  const ok = (await runtimeParityCheck()(ctx))[0]!;
  assert.equal(ok.status, 'pass', ok.message);

  const withApache = mockFacts('staging-1', { web_servers: [...staging.web_servers, { kind: 'apache', binary: '/usr/sbin/apache2ctl', version: '2.4.57', modules: ['core_module'], error: '', ...NO_VHOSTS }] });
  const apache = ctxFor(plan, { staging: withApache, production });
  const unused = (await runtimeParityCheck()(apache.ctx))[0]!;
  assert.match(unused.message, /^Apache is not installed on prod-1 \(staging-1 has 2\.4\.57 with modules core_module\) — .*, or list apache\.\* in checks\.allowDiffer if the site does not use it$/);
  plan.checks.allowDiffer = ['apache.*'];
  assert.equal((await runtimeParityCheck()(apache.ctx))[0]!.status, 'pass');
});

test('runtime parity: a cron job production lacks fails naming its key; a crontab production cannot read is told as such, never "install it"', async () => {
  const plan = fakePlan();
  const job = { user: 'www-data', schedule: '*/5 * * * *', program: 'php', digest: 'c'.repeat(64), file: '/etc/cron.d/site', line: 1 };
  const staging = mockFacts('staging-1', { cron: { files: ['/etc/cron.d/site'], entries: [job], env: [], unreadable: [] } });
  const judge = async (production: Facts__Output) => (await runtimeParityCheck()(ctxFor(plan, { staging, production }).ctx))[0]!;
  const lost = await judge(mockFacts('prod-1'));
  assert.equal(lost.status, 'fail');
  assert.match(lost.message, /1 key\(s\) on one side only: cron\.job\.www-data:php \(staging-1 only\) — .*list cron\.job\.www-data:php in checks\.allowDiffer/);
  assert.equal((await judge(mockFacts('prod-1', { cron: { files: ['/etc/cron.d/site'], entries: [{ ...job }], env: [], unreadable: [] } }))).status, 'pass');
  const denied = await judge(mockFacts('prod-1', { cron: { files: [], entries: [], env: [], unreadable: [{ file: '/var/spool/cron/crontabs/www-data', user: 'www-data', error: 'cannot read: EACCES' }] } }));
  assert.equal(denied.status, 'fail');
  assert.match(denied.message, /^could not read crontab of www-data \(\/var\/spool\/cron\/crontabs\/www-data\) on prod-1: cannot read: EACCES — let the agent read it \(another user's crontab needs root/);
  assert.doesNotMatch(denied.message, /install/);
  plan.checks.allowDiffer = ['cron.job.www-data:*'];
  assert.equal((await judge(mockFacts('prod-1'))).status, 'pass');
});

test('runtime parity: an unreadable env file is told as what to do — make it readable by the agent\'s user, or fix the path — never "install it"', async () => {
  const plan = fakePlan();
  const staging = mockFacts('staging-1', { env: [{ file: '/srv/staging/.env', name: 'APP_KEY', digest: 'a'.repeat(64), label: '' }] });
  const judge = async (production: Facts__Output) => (await runtimeParityCheck()(ctxFor(plan, { staging, production }).ctx))[0]!;
  const denied = await judge(mockFacts('prod-1', { env_unreadable: [{ file: '/srv/www/.env', code: 'EACCES', label: '', user: 'switchyard' }] }));
  assert.equal(denied.status, 'fail');
  assert.match(denied.message, /^could not read env file \/srv\/www\/\.env on prod-1: cannot read: EACCES — make \/srv\/www\/\.env readable by the agent's user \(switchyard\) on prod-1, not by everyone: .*`setfacl -m u:switchyard:r \/srv\/www\/\.env`/);
  assert.doesNotMatch(denied.message, /install/);
  // An older agent says it only in a note, without the user.
  const old = await judge(mockFacts('prod-1', { notes: ['env: /srv/www/.env: cannot read: EACCES'] }));
  assert.match(old.message, /readable by the agent's user on prod-1, .*`setfacl -m u:<agent user>:r \/srv\/www\/\.env`/);
  const absent = await judge(mockFacts('prod-1', { env_unreadable: [{ file: '/srv/www/.env', code: 'ENOENT', label: '', user: 'switchyard' }] }));
  assert.match(absent.message, /^could not read env file \/srv\/www\/\.env on prod-1: cannot read: ENOENT — there is no such file on prod-1: correct envFiles in prod-1's agent config/);
  assert.doesNotMatch(absent.message, /install/);
});

test('preflight fetches each agent\'s facts once, with one salt for both, fresh for each preflight', async () => {
  const calls: Array<[string, string]> = [];
  const sites = new Map<string, SiteQuery | undefined>();
  const agents = {
    facts: async (name: string, salt: string, site?: SiteQuery) => {
      calls.push([name, salt]);
      sites.set(name, site);
      return mockFacts(name);
    },
  };
  // As the controller wires it: the parity service beside the agents (the API's parity route uses it).
  const deps = { agents, dns: new Map(), parity: new RuntimeParityService(agents) } as unknown as Parameters<typeof builtinPreflightChecks>[0];
  const checks = builtinPreflightChecks(deps).filter((c) => c.name === 'runtime parity' || c.name === 'tls parity');
  assert.equal(checks.length, 2);
  const step = { plan: fakePlan(), cutover: { id: 'co_test' }, signal: new AbortController().signal, clock: { now: () => NOW }, emit: () => undefined } as unknown as StepContext;
  const first = await preflightExecutor(deps, { checks }).run(step);
  assert.equal(first.outcome ?? 'succeeded', 'succeeded', first.error);
  assert.ok(first.evidence?.[EVIDENCE_KEYS.runtimeParity], 'the table still goes to the step evidence');
  assert.deepEqual(calls.map((c) => c[0]).sort(), ['prod-1', 'staging-1']);
  assert.match(calls[0]![1], /^[0-9a-f]{32}$/);
  assert.equal(calls[0]![1], calls[1]![1], 'env digests of both sides are keyed alike');
  // Each agent is asked for its own origin's server blocks only.
  const plan = fakePlan();
  const origin = (side: 'staging' | 'production') => new URL(plan[side].origin);
  assert.deepEqual(sites.get('staging-1'), { host: origin('staging').hostname, address: plan.staging.ip, ports: ['443', '80'] });
  assert.deepEqual(sites.get('prod-1'), { host: origin('production').hostname, address: plan.production.ip, ports: ['443', '80'] });
  await preflightExecutor(deps, { checks }).run(step);
  assert.equal(calls.length, 4);
  assert.notEqual(calls[2]![1], calls[0]![1], 'a new preflight is a new comparison with its own salt');
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
  // Cancelled, so the next cutover of the same plan may run.
  assert.equal((await engine1.rollback(a.id, 'done looking', 't').done).state, 'rolled_back');

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

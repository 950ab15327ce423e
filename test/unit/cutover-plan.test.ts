import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SwitchyardError } from '../../shared/errors.js';
import { loadPlanFile, parsePlan } from '../../controller/cutover/plan.js';
import { ttlLimitsByProvider } from '../../controller/dns/ttl-limits.js';
import { PLAN_CONTEXT, planInput, tempDir } from '../helpers/cutover-fakes.js';

function refusal(input: unknown): SwitchyardError {
  try {
    parsePlan(input, PLAN_CONTEXT);
  } catch (err) {
    assert.ok(err instanceof SwitchyardError, String(err));
    assert.equal(err.code, 'SY_VALIDATION');
    return err;
  }
  assert.fail('plan was accepted');
}

/** Writes `dir`/plan.yaml: the site and its two sides, then `lines`; returns its path. */
function writePlanYaml(dir: string, lines: string[]): string {
  const path = join(dir, 'plan.yaml');
  writeFileSync(
    path,
    [
      'site: example.com',
      'staging:    { agent: staging-1, origin: https://staging.example.com, ip: 203.0.113.10 }',
      'production: { agent: prod-1,    origin: https://www.example.com,     ip: 203.0.113.20 }',
      ...lines,
    ].join('\n'),
  );
  return path;
}

test('a valid plan gets the SPEC defaults', () => {
  const input = planInput();
  delete (input.checks as Record<string, unknown>).regression;
  const plan = parsePlan(input, PLAN_CONTEXT);
  assert.equal(plan.dns.type, 'A');
  assert.deepEqual(plan.rewrite[0]!.skipColumns, ['guid']);
  assert.equal(plan.checks.maxErrorRate, 0.02);
  assert.equal(plan.checks.maxResolverLatencyMs, 500);
  assert.equal(plan.checks.maxTtl, 300);
  assert.equal(plan.checks.ttlLeadHours, 48);
  assert.equal(plan.checks.monitorMinutes, 15);
  assert.deepEqual(plan.checks.regression, []);
  assert.equal(plan.fallbackHours, 24);
  assert.equal(plan.assets![0]!.delete, true);
});

test('database and assets are optional', () => {
  const input = planInput();
  delete input.database;
  delete input.assets;
  delete input.rewrite;
  const plan = parsePlan(input, PLAN_CONTEXT);
  assert.equal(plan.database, undefined);
  assert.deepEqual(plan.rewrite, []);
});

test('an unknown agent is refused naming staging.agent', () => {
  const input = planInput();
  (input.staging as Record<string, unknown>).agent = 'staging-9';
  const err = refusal(input);
  assert.equal(err.field, 'staging.agent');
  assert.match(err.message, /staging-9/);
});

test('an unknown DNS provider is refused naming dns.provider', () => {
  const input = planInput();
  (input.dns as Record<string, unknown>).provider = 'route53';
  assert.equal(refusal(input).field, 'dns.provider');
});

test('a missing dns section is refused naming dns', () => {
  const input = planInput();
  delete input.dns;
  assert.equal(refusal(input).field, 'dns');
});

test('wrong types and unknown keys are refused naming the key', () => {
  const a = planInput();
  (a.checks as Record<string, unknown>).maxErrorRate = 'high';
  assert.equal(refusal(a).field, 'checks.maxErrorRate');
  const b = planInput();
  b.fallbackHourz = 3;
  assert.equal(refusal(b).field, 'fallbackHourz');
  const c = planInput();
  c.productionOnlyRows = 'merge';
  assert.equal(refusal(c).field, 'productionOnlyRows');
});

test('a mistyped required key is named as the typo with its guess, not as the key it was meant to be, missing', () => {
  const rename = (obj: Record<string, unknown>, from: string, to: string) => {
    obj[to] = obj[from];
    delete obj[from];
  };
  const a = planInput();
  rename(a.production as Record<string, unknown>, 'agent', 'agnet');
  const nested = refusal(a);
  assert.equal(nested.field, 'production.agnet');
  assert.match(nested.message, /key production\.agnet: unknown key \(did you mean agent\?\)/);
  const b = planInput();
  rename(b, 'site', 'sit');
  const top = refusal(b);
  assert.equal(top.field, 'sit');
  assert.match(top.message, /key sit: unknown key \(did you mean site\?\)/);
  // A key simply left out is still named as missing, and an unrelated unknown key does not hide it.
  const c = planInput();
  delete (c.production as Record<string, unknown>).origin;
  (c.production as Record<string, unknown>).colour = 'red';
  assert.equal(refusal(c).field, 'production.origin');
});

test('the same agent on both sides, bad IPs and an unknown regression agent are refused', () => {
  const same = planInput();
  (same.production as Record<string, unknown>).agent = 'staging-1';
  assert.equal(refusal(same).field, 'production.agent');

  const badIp = planInput();
  (badIp.production as Record<string, unknown>).ip = '203.0.113.300';
  assert.equal(refusal(badIp).field, 'production.ip');

  const v6 = planInput();
  (v6.production as Record<string, unknown>).ip = '2001:db8::1';
  assert.match(refusal(v6).message, /IPv6 but dns.type is A/);

  const reg = planInput();
  (reg.checks as Record<string, unknown>).regression = ['prod-1:smoke', 'ghost:smoke'];
  assert.equal(refusal(reg).field, 'checks.regression[1]');
});

test('checks need landing pages or a sitemap', () => {
  const input = planInput();
  delete (input.checks as Record<string, unknown>).pages;
  assert.equal(refusal(input).field, 'checks.pages');
  (input.checks as Record<string, unknown>).sitemap = '/sitemap.xml';
  (input.checks as Record<string, unknown>).top = 100;
  assert.equal(parsePlan(input, PLAN_CONTEXT).checks.top, 100);
});

test('loadPlanFile reads YAML and inlines the redirects CSV relative to the plan file', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'redirects.csv'), 'from,to,status\n/old/,/new/,301\n# comment\n/shop,/store/\n');
  const path = writePlanYaml(dir, [
    'dns: { provider: cf-main, zone: example.com, name: www.example.com, type: A }',
    'checks:',
    '  pages: [/, /about/]',
    '  redirects: redirects.csv',
  ]);
  const plan = loadPlanFile(path);
  assert.deepEqual(plan.checks.redirects, [
    { from: '/old/', to: '/new/', status: 301 },
    { from: '/shop', to: '/store/', status: 301 },
  ]);
  // What the CLI sends is accepted by the controller as is.
  assert.deepEqual(parsePlan(plan, PLAN_CONTEXT).checks.redirects, plan.checks.redirects);
});

test('loadPlanFile names the bad key and a missing file', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'plan.json');
  writeFileSync(path, JSON.stringify({ ...planInput(), fallbackHours: -1 }));
  assert.throws(() => loadPlanFile(path), (e: SwitchyardError) => e.code === 'SY_VALIDATION' && e.field === 'fallbackHours');
  assert.throws(() => loadPlanFile(join(dir, 'nope.yaml')), /no such file/);
});

test('an IPv6 address is kept in its compressed form, so it compares with DNS answers and the other side', () => {
  const input = planInput();
  (input.dns as Record<string, unknown>).type = 'AAAA';
  (input.staging as Record<string, unknown>).ip = '2001:DB8:0:0:0:0:0:10';
  (input.production as Record<string, unknown>).ip = '2001:db8:0::0:20';
  const plan = parsePlan(input, PLAN_CONTEXT);
  assert.equal(plan.staging.ip, '2001:db8::10');
  assert.equal(plan.production.ip, '2001:db8::20');
  const same = planInput();
  (same.dns as Record<string, unknown>).type = 'AAAA';
  (same.staging as Record<string, unknown>).ip = '2001:db8::10';
  (same.production as Record<string, unknown>).ip = '2001:0db8:0:0::0010';
  assert.equal(refusal(same).field, 'production.ip');
});

test('rewrite[].schemes: all by default, exact from YAML, anything else refused naming the key', (t) => {
  assert.equal(parsePlan(planInput(), PLAN_CONTEXT).rewrite[0]!.schemes, 'all');
  const dir = tempDir(t);
  const path = writePlanYaml(dir, [
    'rewrite:    [ { from: https://staging.example.com, to: https://www.example.com, schemes: exact } ]',
    'dns: { provider: cf-main, zone: example.com, name: www.example.com, type: A }',
    'checks: { pages: [/] }',
  ]);
  assert.equal(parsePlan(loadPlanFile(path), PLAN_CONTEXT).rewrite[0]!.schemes, 'exact');
  const input = planInput();
  (input.rewrite as Array<Record<string, unknown>>)[0]!.schemes = 'both';
  assert.equal(refusal(input).field, 'rewrite[0].schemes');
});

test("TTL limits of the plan's DNS provider: Cloudflare's minimum is its config's minTtl (30 on Enterprise zones); PowerDNS has none", () => {
  const input = planInput();
  (input.dns as Record<string, unknown>).ttl = 30;
  (input.checks as Record<string, unknown>).maxTtl = 30;
  const cf = (minTtl?: number) => ({ ...PLAN_CONTEXT, dnsTtlLimits: ttlLimitsByProvider({ 'cf-main': { type: 'cloudflare', apiToken: 'x', baseUrl: 'https://api.cloudflare.com/client/v4', ...(minTtl === undefined ? {} : { minTtl }) } }) });
  assert.throws(() => parsePlan(structuredClone(input), cf()), (err: unknown) => err instanceof SwitchyardError && err.field === 'dns.ttl' && /raise checks\.maxTtl to 60 or more too/.test(err.message));
  assert.equal(parsePlan(structuredClone(input), cf(30)).dns.ttl, 30);
  const pdns = { ...PLAN_CONTEXT, dnsTtlLimits: ttlLimitsByProvider({ 'cf-main': { type: 'powerdns', url: 'http://127.0.0.1:8081', apiKey: 'x', serverId: 'localhost' } }) };
  assert.equal(parsePlan(structuredClone(input), pdns).dns.ttl, 30);
});

test('an origin with a path, query or credentials is refused naming the side: pages are asked from the host, so the path would be dropped in silence', () => {
  for (const [origin, named] of [
    ['https://www.example.com/shop', '/shop'],
    ['https://www.example.com/?x=1', '?x=1'],
    ['https://www.example.com/#top', '#top'],
    ['https://user:pw@www.example.com', 'user:password@'],
  ] as const) {
    const input = planInput() as { production: { origin: string } };
    input.production.origin = origin;
    const err = refusal(input);
    assert.equal(err.field, 'production.origin', origin);
    assert.ok(err.message.includes(`without ${named}`), err.message);
    assert.match(err.message, /scheme:\/\/host\[:port\] only \(https:\/\/www\.example\.com\)/);
  }
  // A trailing slash and a port are an origin still.
  const input = planInput() as { staging: { origin: string } };
  input.staging.origin = 'https://staging.example.com:8443/';
  assert.equal(parsePlan(input, PLAN_CONTEXT).staging.origin, 'https://staging.example.com:8443/');
});

test('a value outside a list of choices names the choices, not "union value"', () => {
  const dns = planInput() as { dns: Record<string, unknown> };
  dns.dns.type = 'CNAME';
  const a = refusal(dns);
  assert.equal(a.field, 'dns.type');
  assert.match(a.message, /key dns\.type: expected one of "A", "AAAA" \(got "CNAME"\)/);
  const rows = planInput();
  rows.productionOnlyRows = 'maybe';
  assert.match(refusal(rows).message, /key productionOnlyRows: expected one of "keep", "discard" \(got "maybe"\)/);
});

test('an empty or null plan is told its missing keys in plan order, all at once: site first, not production', (t) => {
  for (const input of [{}, null]) {
    const err = refusal(input);
    assert.equal(err.field, 'site', JSON.stringify(input));
    assert.equal(err.message, 'plan: key site: expected required property (missing); missing too: staging, production, dns, checks');
  }
  // Within a section too: the first of its missing keys, then the rest.
  const input = planInput();
  input.staging = {};
  const err = refusal(input);
  assert.equal(err.field, 'staging.agent');
  assert.match(err.message, /^plan: key staging\.agent: expected required property \(missing\); missing too: staging\.origin, staging\.ip$/);
  // The same from a plan file (`switchyard cutover create --plan`).
  const file = join(tempDir(t), 'empty.yaml');
  writeFileSync(file, '{}\n');
  assert.throws(() => loadPlanFile(file), (e: SwitchyardError) => e.field === 'site' && /missing too: staging, production, dns, checks/.test(e.message));
});

test('a .json plan file must be JSON: a trailing comma is refused naming the file, line and column, not read as YAML', (t) => {
  const dir = tempDir(t);
  const good = JSON.stringify(planInput(), null, 2);
  const path = join(dir, 'plan.json');
  writeFileSync(path, good);
  assert.equal(loadPlanFile(path).site, 'example.com');
  // `"fallbackHours": 24,` then `}`: the comma YAML took without a word.
  const trailing = good.replace(/\n}$/, ',\n}');
  assert.notEqual(trailing, good);
  writeFileSync(path, trailing);
  const lines = trailing.split('\n');
  assert.throws(
    () => loadPlanFile(path),
    (e: SwitchyardError) =>
      e.code === 'SY_VALIDATION' &&
      e.message === `${path}: not valid JSON at line ${lines.length}, column 1: expected a double-quoted property name; a trailing comma? JSON allows none`,
  );
  writeFileSync(path, '{\n  "site": "example.com",\n  "checks": { "pages": ["/", "/about/",] }\n}\n');
  assert.throws(() => loadPlanFile(path), (e: SwitchyardError) => e.message.startsWith(`${path}: not valid JSON at line 3, column 40: expected a value`));
  writeFileSync(path, '{"site": "example.com" "staging": {}}');
  assert.throws(() => loadPlanFile(path), (e: SwitchyardError) => e.message === `${path}: not valid JSON at line 1, column 24: expected ',' or '}'`);
  // A YAML file keeps YAML's flow syntax, trailing comma and all.
  const yaml = join(dir, 'plan.yaml');
  writeFileSync(yaml, trailing);
  assert.equal(loadPlanFile(yaml).site, 'example.com');
});

test('a plan with several values of the wrong type is told every one, each by its key; the first stays the problem field', () => {
  const input = planInput();
  (input.dns as Record<string, unknown>).ttl = 'sixty';
  (input.checks as Record<string, unknown>).pages = '/';
  input.fallbackHours = 'a day';
  const err = refusal(input);
  assert.equal(err.field, 'dns.ttl', 'the first, as before');
  assert.match(err.message, /^plan: key dns\.ttl: expected integer \(got "sixty"\); also key checks\.pages: expected array \(got "\/"\); key fallbackHours: expected number \(got "a day"\)$/);
  assert.deepEqual((err.details as { problems: Array<{ field: string }> }).problems.map((p) => p.field), ['dns.ttl', 'checks.pages', 'fallbackHours']);
  // One wrong value alone reads as it did, with no list.
  const one = planInput();
  (one.dns as Record<string, unknown>).ttl = 'sixty';
  const single = refusal(one);
  assert.equal(single.message, 'plan: key dns.ttl: expected integer (got "sixty")');
  assert.equal(single.details, undefined);
});

test('a plan the schema takes but the controller refuses at several keys is told every one at once, the first staying the problem field', () => {
  const input = planInput();
  (input.staging as Record<string, unknown>).agent = 'nobody';
  (input.dns as Record<string, unknown>).name = 'www.example.org';
  (input.checks as Record<string, unknown>).regression = ['prod-1:smoke', 'ghost:smoke'];
  const err = refusal(input);
  assert.equal(err.field, 'staging.agent', 'the first, as before');
  assert.match(
    err.message,
    /^plan: key staging\.agent: unknown agent "nobody"; configured: staging-1, prod-1; also key dns\.name: "www\.example\.org" is not in dns\.zone "example\.com"; .*; key checks\.regression\[1\]: unknown agent "ghost" in "ghost:smoke"$/,
  );
  const problems = (err.details as { problems: Array<{ field: string; detail: string }> }).problems;
  assert.deepEqual(problems.map((p) => p.field), ['staging.agent', 'dns.name', 'checks.regression[1]']);
  assert.equal(problems[0]!.detail, 'unknown agent "nobody"; configured: staging-1, prod-1', 'a detail is the finding alone, without `plan: key …:`');

  // A check that needs another's value good waits for it; a key is named once, by its first finding.
  const ips = planInput();
  (ips.staging as Record<string, unknown>).ip = 'not-an-ip';
  (ips.production as Record<string, unknown>).agent = 'staging-1';
  (ips.dns as Record<string, unknown>).ttl = 600;
  const both = refusal(ips);
  assert.deepEqual((both.details as { problems: Array<{ field: string }> }).problems.map((p) => p.field), ['staging.ip', 'production.agent', 'dns.ttl']);

  // One finding alone reads as it did, with no list.
  const one = planInput();
  (one.dns as Record<string, unknown>).name = 'www.example.org';
  const single = refusal(one);
  assert.equal(single.field, 'dns.name');
  assert.match(single.message, /^plan: key dns\.name: "www\.example\.org" is not in dns\.zone "example\.com"; give/);
  assert.doesNotMatch(single.message, /also/);
  assert.equal(single.details, undefined);
});

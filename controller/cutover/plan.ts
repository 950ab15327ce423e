// The plan: what a cutover moves and how it proves it, exactly as SPEC shows it. The schema
// checks shapes and fills defaults; parsePlan then checks what a schema cannot know — that the
// agents and the DNS provider are ones this controller is configured with.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { SwitchyardError } from '../../shared/errors.js';
import { keyFindingsError, parseConfigText, unreadableWhy, validate, type KeyFinding } from '../../shared/config/load.js';
import { parseRedirectsCsv, RedirectRule } from './redirects-csv.js';
import type { TtlLimits } from '../dns/ttl-limits.js';
import { normalizeName } from '../dns/provider.js';
import { ownRootOverlaps, type AgentView } from './exclusive.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' });
const NonEmpty = Type.String({ minLength: 1 });

const Side = Type.Object(
  {
    agent: Name,
    origin: Type.String({ pattern: '^https?://[^\\s/]+', description: 'base URL of the site on this side' }),
    ip: Type.String({ minLength: 2, description: 'the address the DNS record points at for this side' }),
  },
  { additionalProperties: false },
);

export const PlanSchema = Type.Object(
  {
    site: NonEmpty,
    staging: Side,
    production: Side,
    database: Type.Optional(
      Type.Object(
        {
          staging: NonEmpty,
          production: NonEmpty,
          fullVerify: Type.Optional(
            Type.Boolean({ default: false, description: 'verify checksums every chunk on both sides instead of reusing sums whose UPDATE_TIME guard holds' }),
          ),
          rollbackSwap: Type.Optional(
            Type.Boolean({ default: false, description: 'rollback swaps the production tables the copy replaced back in (kept aside until release)' }),
          ),
        },
        { additionalProperties: false, description: 'schema names on each agent\'s server' },
      ),
    ),
    assets: Type.Optional(
      Type.Array(
        Type.Object(
          { staging: Name, production: Name, delete: Type.Boolean({ default: false, description: 'delete production files staging lacks' }) },
          { additionalProperties: false },
        ),
        { description: 'named asset roots in each agent\'s config' },
      ),
    ),
    rewrite: Type.Array(
      Type.Object(
        {
          from: NonEmpty,
          to: NonEmpty,
          skipColumns: Type.Array(NonEmpty, { default: ['guid'] }),
          schemes: Type.Union([Type.Literal('all'), Type.Literal('exact')], {
            default: 'all',
            description: 'all: an http(s) origin also with the other web scheme and scheme-less (//host), each keeping the scheme found; exact: only as written',
          }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    dns: Type.Object(
      {
        provider: Name,
        zone: NonEmpty,
        name: NonEmpty,
        type: Type.Union([Type.Literal('A'), Type.Literal('AAAA')], { default: 'A' }),
        ttl: Type.Optional(Type.Integer({ minimum: 1, description: 'TTL of the switched record; default: checks.maxTtl' })),
      },
      { additionalProperties: false },
    ),
    checks: Type.Object(
      {
        pages: Type.Optional(Type.Array(Type.String({ pattern: '^/' }), { minItems: 1 })),
        sitemap: Type.Optional(Type.String({ pattern: '^/' })),
        top: Type.Optional(Type.Integer({ minimum: 1 })),
        maxErrorRate: Type.Number({ minimum: 0, maximum: 1, default: 0.02 }),
        maxResolverLatencyMs: Type.Integer({ minimum: 1, default: 500 }),
        maxTtl: Type.Integer({ minimum: 1, default: 300 }),
        ttlLeadHours: Type.Number({ minimum: 0, default: 48 }),
        monitorMinutes: Type.Number({ minimum: 0, default: 15 }),
        regression: Type.Array(Type.String({ pattern: '^[^:]+:.+$', description: 'agent:command' }), { default: [] }),
        redirects: Type.Optional(
          Type.Union([NonEmpty, Type.Array(RedirectRule)], { description: 'a CSV file (from,to,status) or its rows' }),
        ),
        allowDiffer: Type.Optional(Type.Array(NonEmpty, { description: 'runtime parity keys whose difference is expected; * matches any run of characters, KEY~patch allows only a difference past major.minor' })),
        minSamples: Type.Optional(Type.Integer({ minimum: 1, description: 'requests in the window before the 5xx share counts; default 50' })),
        minResolversAgreeing: Type.Optional(Type.Integer({ minimum: 0, description: "configured resolvers that must answer the production IP for propagate to pass; default a majority (more than half) of controller.yaml's resolvers" })),
        propagationTimeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'how long propagate waits for every server to answer the new value; default 600' })),
        monitorWindowSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'length of the sliding window the 5xx share is taken over; default 300 (or monitorMinutes if shorter)' })),
        monitorIntervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'how often monitor takes access-log counts and probes the pages; default 10' })),
        expectStatus: Type.Optional(
          Type.Record(Type.String({ pattern: '^/' }), Type.Integer({ minimum: 100, maximum: 599 }), {
            additionalProperties: false,
            description: 'final status a checked page must end with when not 200, e.g. {"/gone/": 410}; each key a path starting with /',
          }),
        ),
        blockedPaths: Type.Optional(Type.Array(Type.String({ pattern: '^/' }), { description: 'paths robots.txt is meant to block; validate does not fail on them' })),
        adminPaths: Type.Optional(Type.Array(Type.String({ pattern: '^/' }), { description: 'admin/API paths that must not be publicly cacheable; default [/wp-admin/, /wp-json/]' })),
        tlsHosts: Type.Optional(Type.Array(NonEmpty, { description: 'more https hosts (host or host:port) whose certificate validate checks on the production IP' })),
        minCertDays: Type.Optional(Type.Integer({ minimum: 0, description: 'days a certificate must still be valid; default 14' })),
        caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of an extra CA the controller trusts when validating TLS (a private CA; tests)' })),
        requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, description: 'deadline of one validation request; default 10000' })),
        concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'validation requests in flight at once; default 6' })),
        vitals: Type.Optional(
          Type.Object(
            {
              enabled: Type.Optional(Type.Boolean({ description: 'measure in headless Chromium; default true' })),
              lcpMs: Type.Optional(Type.Number({ minimum: 0, description: 'LCP regression over staging that is reported; default 500' })),
              cls: Type.Optional(Type.Number({ minimum: 0, description: 'CLS increase over staging that is reported; default 0.05' })),
              ttfbMs: Type.Optional(Type.Number({ minimum: 0, description: 'TTFB regression over staging that is reported (HTTP and browser); default 300' })),
              settleMs: Type.Optional(Type.Integer({ minimum: 0, description: 'wait after load before reading LCP and CLS; default 1500' })),
              maxPages: Type.Optional(Type.Integer({ minimum: 1, description: 'pages measured (the first of the checked list); default 10' })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    productionOnlyRows: Type.Optional(Type.Union([Type.Literal('keep'), Type.Literal('discard')])),
    cdn: Type.Optional(
      Type.Object({ provider: Name, zone: NonEmpty, purge: Type.Boolean({ default: true }) }, { additionalProperties: false }),
    ),
    fallbackHours: Type.Number({ minimum: 0, default: 24 }),
  },
  { additionalProperties: false },
);

export type Plan = Static<typeof PlanSchema>;

export interface PlanContext {
  /** Agent names in the controller config. */
  agentNames: readonly string[];
  /** DNS provider names in the controller config. */
  dnsProviders: readonly string[];
  /** TTLs the providers that have limits accept (Cloudflare), by name. */
  dnsTtlLimits?: Readonly<Record<string, TtlLimits>>;
  /** The providers that can purge an edge cache (Cloudflare), by name; unchecked when absent. */
  cachePurgers?: readonly string[];
  /** Which names reach one agent and where its roots lie (the agent directory); names alone when absent. */
  agents?: AgentView;
}

/** A plan refused at one key; `why` is the message without the `plan: key …:` in front, for a list of them. */
class PlanFault extends SwitchyardError {
  constructor(
    field: string,
    readonly why: string,
  ) {
    super('SY_VALIDATION', `plan: key ${field}: ${why}`, { field });
  }
}

function invalid(field: string, message: string): SwitchyardError {
  return new PlanFault(field, message);
}

function checkIp(plan: Plan, side: 'staging' | 'production'): void {
  const ip = plan[side].ip;
  const family = isIP(ip);
  if (family === 0) throw invalid(`${side}.ip`, `${JSON.stringify(ip)} is not an IP address`);
  const wanted = plan.dns.type === 'AAAA' ? 6 : 4;
  if (family !== wanted) throw invalid(`${side}.ip`, `${ip} is IPv${family} but dns.type is ${plan.dns.type}`);
  // DNS answers and providers spell an IPv6 address in its compressed form (RFC 5952); a plan's
  // 2001:db8:0:0::1 compared as text would never match them: propagation would wait out its
  // timeout and roll a good switch back, and the same address on both sides would pass.
  if (family === 6) plan[side].ip = canonicalIpv6(ip);
}

function canonicalIpv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/**
 * The switch writes dns.ttl, and prepare and the switch write checks.maxTtl to a record above it;
 * a provider refusing that TTL (Cloudflare: 400, code 9021) would fail the switch with staging
 * frozen. A proxied record keeps Cloudflare's automatic TTL whatever the plan says, but the plan
 * is checked before anyone knows whether it is proxied.
 */
export function checkProviderTtl(plan: Plan, provider: string, limits: TtlLimits | undefined): void {
  if (limits === undefined) return;
  const { ttl } = plan.dns;
  const maxTtl = plan.checks.maxTtl;
  const auto = limits.automatic;
  const lowest = `${limits.min}, the lowest TTL DNS provider ${provider} (${limits.kind}) accepts${auto === undefined ? '' : ` other than ${auto.ttl} (automatic)`}`;
  if (ttl !== undefined && ttl === auto?.ttl) {
    if (auto.servedAs > maxTtl) throw invalid('dns.ttl', `${ttl} is ${provider}'s automatic TTL, which it answers with ${auto.servedAs} s, above checks.maxTtl ${maxTtl}; give a TTL from ${limits.min} to ${maxTtl} instead`);
    return;
  }
  if (ttl !== undefined && ttl < limits.min) {
    const fix = maxTtl >= limits.min ? `give ${limits.min} to ${maxTtl}` : `give ${limits.min} or more, and raise checks.maxTtl to ${limits.min} or more too`;
    throw invalid('dns.ttl', `${ttl} is below ${lowest}; ${fix}`);
  }
  if (maxTtl < limits.min) {
    throw invalid('checks.maxTtl', `${maxTtl} is below ${lowest}; prepare and the switch set a record's TTL to it when it is higher: give ${limits.min} or more`);
  }
}

/**
 * The record to switch must be in the zone the provider is asked about: a name outside it got as
 * far as preflight, which failed with the provider's bare 404. Compared as the providers compare
 * names (case-insensitive, a trailing dot ignored).
 */
function checkDnsName(plan: Plan): void {
  const zone = normalizeName(plan.dns.zone);
  const name = normalizeName(plan.dns.name);
  // The root zone ('.') holds every name.
  if (zone === '' || name === zone || name.endsWith(`.${zone}`)) return;
  throw invalid('dns.name', `${JSON.stringify(plan.dns.name)} is not in dns.zone ${JSON.stringify(plan.dns.zone)}; give the record's full name in that zone (e.g. www.${zone}), or the zone its name is in`);
}

function checkOrigin(plan: Plan, side: 'staging' | 'production'): void {
  const origin = plan[side].origin;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw invalid(`${side}.origin`, `${JSON.stringify(origin)} is not a URL`);
  }
  // Pages are asked as new URL(path, origin): a path, query or fragment here would be dropped
  // without a word, and the checks would pass or fail on the site's root instead.
  const extra = `${url.pathname === '/' ? '' : url.pathname}${url.search}${url.hash}`;
  if (extra !== '' || url.username !== '' || url.password !== '') {
    throw invalid(`${side}.origin`, `${JSON.stringify(origin)} is not an origin: give scheme://host[:port] only (${url.origin}), without ${extra !== '' ? extra : 'user:password@'}; the pages to check go in checks.pages`);
  }
}

/**
 * Validates a plan from a request body or file against the schema and this controller's config.
 * Every check after the schema's is made and each key at fault named at once, as the schema's
 * findings are (keyFindingsError): a plan with an unknown agent and a name outside its zone was
 * told one per attempt. Once per key, the first finding: dns.ttl above checks.maxTtl is not then
 * also told it is below the provider's lowest. A check that needs another's value good (the two
 * IPs compared once each is an IP, cdn.purge once cdn.provider is known) waits for it.
 */
export function parsePlan(input: unknown, ctx: PlanContext): Plan {
  const plan = validate(PlanSchema, input, 'plan', 'SY_VALIDATION');
  const findings: KeyFinding[] = [];
  /** Runs one check; false when it refused the plan, its finding kept. */
  const check = (run: () => void): boolean => {
    try {
      run();
      return true;
    } catch (err) {
      if (!(err instanceof PlanFault) || err.field === undefined) throw err;
      const field = err.field;
      if (!findings.some((f) => f.field === field)) findings.push({ field, detail: err.why });
      return false;
    }
  };
  const agents = new Set(ctx.agentNames);
  const ipOk = { staging: false, production: false };
  for (const side of ['staging', 'production'] as const) {
    check(() => {
      if (!agents.has(plan[side].agent)) {
        throw invalid(`${side}.agent`, `unknown agent ${JSON.stringify(plan[side].agent)}; configured: ${[...agents].join(', ') || '(none)'}`);
      }
    });
    check(() => checkOrigin(plan, side));
    ipOk[side] = check(() => checkIp(plan, side));
  }
  check(() => {
    if (plan.staging.agent === plan.production.agent) {
      throw invalid('production.agent', `staging and production are the same agent ${JSON.stringify(plan.staging.agent)}`);
    }
  });
  // Compared as checkIp spelled them (IPv6 compressed): two spellings of one address are one.
  check(() => {
    if (ipOk.staging && ipOk.production && plan.staging.ip === plan.production.ip) {
      throw invalid('production.ip', `staging and production have the same IP ${plan.staging.ip}; the switch would change nothing`);
    }
  });
  const providers = new Set(ctx.dnsProviders);
  check(() => {
    if (!providers.has(plan.dns.provider)) {
      throw invalid('dns.provider', `unknown DNS provider ${JSON.stringify(plan.dns.provider)}; configured: ${[...providers].join(', ') || '(none)'}`);
    }
  });
  check(() => checkDnsName(plan));
  check(() => {
    if (plan.cdn === undefined) return;
    if (!providers.has(plan.cdn.provider)) {
      throw invalid('cdn.provider', `unknown provider ${JSON.stringify(plan.cdn.provider)}; configured: ${[...providers].join(', ') || '(none)'}`);
    }
    // Otherwise preflight is the first to find a provider with no edge cache (PowerDNS).
    if (plan.cdn.purge === true && ctx.cachePurgers !== undefined && !ctx.cachePurgers.includes(plan.cdn.provider)) {
      throw invalid(
        'cdn.provider',
        `provider ${JSON.stringify(plan.cdn.provider)} has no edge cache to purge; providers that can purge: ${ctx.cachePurgers.join(', ') || '(none configured: add a Cloudflare provider)'}; name one, or remove cdn`,
      );
    }
  });
  check(() => {
    if (plan.checks.pages === undefined && plan.checks.sitemap === undefined) {
      throw invalid('checks.pages', 'name the landing pages (pages: [/, ...]) or a sitemap (sitemap: /sitemap.xml, top: N)');
    }
  });
  check(() => {
    if (plan.checks.top !== undefined && plan.checks.sitemap === undefined) {
      throw invalid('checks.top', 'top needs a sitemap to pick the pages from');
    }
  });
  plan.checks.regression.forEach((entry, i) => {
    check(() => {
      const agent = entry.slice(0, entry.indexOf(':'));
      if (!agents.has(agent)) throw invalid(`checks.regression[${i}]`, `unknown agent ${JSON.stringify(agent)} in ${JSON.stringify(entry)}`);
    });
  });
  check(() => {
    if (typeof plan.checks.redirects === 'string') {
      // Only the CLI reads the file (beside the plan); a name sent here would be a check that never runs.
      throw invalid('checks.redirects', `${JSON.stringify(plan.checks.redirects)} is a file name; the controller cannot read your files: send its rows ([{from, to, status}]), or create the cutover with switchyard cutover create --plan, which reads the file`);
    }
  });
  check(() => {
    if (plan.dns.ttl !== undefined && plan.dns.ttl > plan.checks.maxTtl) {
      throw invalid('dns.ttl', `${plan.dns.ttl} is above checks.maxTtl ${plan.checks.maxTtl}`);
    }
  });
  check(() => checkProviderTtl(plan, plan.dns.provider, ctx.dnsTtlLimits?.[plan.dns.provider]));
  // Paths the agents have not given yet are compared again when they do: each advance checks.
  // Only with both agents known: an overlap is told of roots on agents the plan can have.
  if (!findings.some((f) => f.field === 'staging.agent' || f.field === 'production.agent')) {
    for (const overlap of ownRootOverlaps(plan, ctx.agents)) check(() => {
      throw invalid(overlap.field, overlap.message);
    });
  }
  const [first, ...more] = findings;
  if (first !== undefined) throw keyFindingsError('SY_VALIDATION', 'plan', [first, ...more]);
  return plan;
}

/**
 * Reads a plan file (YAML, or JSON when named .json) for the CLI's --plan. Shapes and defaults are checked here
 * so a typo fails before any request; agents and providers are checked by the controller.
 * A `checks.redirects` CSV path is read relative to the plan file and sent as rows, because
 * the controller may run on another host than the file.
 */
export function loadPlanFile(path: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SwitchyardError('SY_VALIDATION', `plan ${path}: ${unreadableWhy(err)}`, { field: 'plan', cause: err });
  }
  let data: unknown;
  try {
    data = parseConfigText(text, path);
  } catch (err) {
    throw new SwitchyardError('SY_VALIDATION', (err as Error).message, { field: 'plan', cause: err });
  }
  const plan = validate(PlanSchema, data, `plan ${path}`, 'SY_VALIDATION');
  const redirects = plan.checks.redirects;
  if (typeof redirects === 'string') {
    const csvPath = isAbsolute(redirects) ? redirects : resolve(dirname(path), redirects);
    let csv: string;
    try {
      csv = readFileSync(csvPath, 'utf8');
    } catch (err) {
      throw new SwitchyardError('SY_VALIDATION', `plan ${path}: key checks.redirects: cannot read ${csvPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        field: 'checks.redirects',
        cause: err,
      });
    }
    plan.checks.redirects = parseRedirectsCsv(csv, csvPath);
  }
  return plan;
}

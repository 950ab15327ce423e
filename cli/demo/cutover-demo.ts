// The demo's cutover: a plan for the seeded shop, every step run through the controller's REST
// API with live progress, a real DNS query before and after, then the README's curl rollback.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createConnection } from 'mysql2/promise';
import type { DemoEnvironment } from './environment.js';
import { resolveA } from './dns-check.js';
import { addOrders } from './wordpress-fixture.js';
import { actAndWatch, formatCutover } from '../commands/cutover.js';
import { SwitchyardError } from '../../shared/errors.js';

interface CutoverBody {
  id: string;
  site: string;
  state: string;
  steps: Parameters<typeof formatCutover>[0]['steps'];
}

/**
 * POST with curl as a person would at 3 a.m. The token goes in on curl's stdin (`-H @-`), never
 * in its arguments: those are public to every user of the host (`ps`, /proc/PID/cmdline).
 */
export function curlPost(url: string, token: string, curl = 'curl'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(curl, ['-sS', '-X', 'POST', '-H', '@-', url], { encoding: 'utf8' }, (err, stdout) => (err === null ? resolve(stdout) : reject(err)));
    child.stdin?.end(`Authorization: Bearer ${token}\n`);
  });
}

export function demoPlan(env: DemoEnvironment): Record<string, unknown> {
  return {
    site: env.dnsName,
    staging: { agent: env.staging.agentName, origin: env.staging.origin, ip: env.staging.ip },
    production: { agent: env.production.agentName, origin: env.production.origin, ip: env.production.ip },
    database: { staging: env.staging.database, production: env.production.database },
    assets: [{ staging: 'uploads', production: 'uploads', delete: true }],
    rewrite: [{ from: env.staging.origin, to: env.production.origin, skipColumns: ['guid'] }],
    dns: { provider: env.dnsProvider, zone: env.dnsZone, name: env.dnsName, type: 'A' },
    checks: {
      pages: ['/', '/about/', '/shop/'],
      maxErrorRate: 0.02,
      maxResolverLatencyMs: 500,
      maxTtl: 300,
      ttlLeadHours: 48,
      // A demo cannot wait 15 minutes; a real plan would.
      monitorMinutes: 0.25,
      monitorWindowSeconds: 10,
      monitorIntervalSeconds: 1,
      minSamples: 5,
      propagationTimeoutSeconds: 30,
      allowDiffer: ['ENV:APP_URL', 'ENV:DB_NAME', 'ENV:DB_PASSWORD'],
    },
    productionOnlyRows: 'discard',
    fallbackHours: 24,
  };
}

export function writeDemoPlan(env: DemoEnvironment): string {
  const path = join(env.dir, 'plan.yaml');
  writeFileSync(path, stringify(demoPlan(env)));
  return path;
}

async function count(db: DemoEnvironment['staging']['db'], database: string, sql: string): Promise<number> {
  const c = await createConnection({ socketPath: db.socket, user: 'root', database });
  try {
    const [rows] = await c.query(sql);
    return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

export async function runDemoCutover(env: DemoEnvironment, say: (line: string) => void): Promise<string> {
  const opts = { url: env.controllerUrl, token: env.operatorToken };
  const before = await resolveA(env.dns.dnsServer, env.dnsName);
  say(`\nDNS before: ${env.dnsName} A ${before.addresses.join(', ')} (TTL ${before.ttl}) — staging`);

  const planPath = writeDemoPlan(env);
  const created = await env.client.post<CutoverBody>('/v1/cutovers', demoPlan(env));
  say(`\nPOST /v1/cutovers (plan ${planPath}) → ${created.id} ${created.state}`);

  // Presync while the shop is live; orders keep arriving during and after it.
  say('\n── preflight and presync (staging still live) ──');
  const site = await createConnection({ host: env.staging.db.host, port: env.staging.db.port, user: env.staging.db.site.user, password: env.staging.db.site.password, database: env.staging.database });
  let c = await actAndWatch(opts, created.id, async () => {
    await env.client.post(`/v1/cutovers/${created.id}/advance`, { until: 'presync' });
    await addOrders(site, 250, 'during-presync');
  }, say);
  if (c.state !== 'paused') {
    await site.end();
    say(formatCutover(c));
    throw new SwitchyardError('SY_PRECONDITION', `the demo cutover stopped at ${c.state}`);
  }
  await addOrders(site, 120, 'after-presync');
  await site.end();
  say('  · 370 orders were placed on staging during and after presync');

  say('\n── lock → sync → verify → rewrite → validate → switch → propagate → monitor → fallback ──');
  c = await actAndWatch(opts, created.id, () => env.client.post(`/v1/cutovers/${created.id}/advance`, { until: 'fallback' }), say);
  say(`\n${formatCutover(c)}`);
  if (c.state !== 'fallback') throw new SwitchyardError('SY_PRECONDITION', `the demo cutover stopped at ${c.state}`);

  const staged = await count(env.staging.db, env.staging.database, 'SELECT COUNT(*) AS n FROM wp_orders');
  const moved = await count(env.production.db, env.production.database, 'SELECT COUNT(*) AS n FROM wp_orders');
  say(`\nOrders: staging ${staged}, production ${moved} — ${staged === moved ? 'every order arrived' : 'MISMATCH'}`);
  const after = await resolveA(env.dns.dnsServer, env.dnsName);
  say(`DNS after switch (real query to ${env.dns.dnsServer}): ${env.dnsName} A ${after.addresses.join(', ')} (TTL ${after.ttl}) — production`);
  if (!after.addresses.includes(env.production.ip)) throw new SwitchyardError('SY_PRECONDITION', 'the record did not move to production');

  // The 3 a.m. path: nothing but curl.
  const url = `${env.controllerUrl}/v1/cutovers/${created.id}/rollback`;
  say('\n── rollback, by hand, as the README shows it ──');
  say(`$ printf 'Authorization: Bearer %s\\n' "$T" | curl -X POST -H @- ${url}`);
  c = await actAndWatch(opts, created.id, async () => {
    const answer = await curlPost(url, env.operatorToken);
    say(`  ${answer.slice(0, 160)}${answer.length > 160 ? '…' : ''}`);
  }, say);
  say(formatCutover(c));
  const back = await resolveA(env.dns.dnsServer, env.dnsName);
  say(`DNS after rollback: ${env.dnsName} A ${back.addresses.join(', ')} (TTL ${back.ttl}) — staging again`);
  if (!back.addresses.includes(env.staging.ip)) throw new SwitchyardError('SY_PRECONDITION', 'the record did not move back to staging');
  return created.id;
}

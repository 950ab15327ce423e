// After the switch, validation goes where DNS now points (the address the resolvers answered),
// not to the plan's IP and not through the controller host's own resolver cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { parsePlan } from '../../controller/cutover/plan.js';
import { postSwitchValidation } from '../../controller/validate/run-validation.js';
import { freePort } from '../../cli/devenv/process.js';

function site(ip: string, port: number, noindex: boolean): Promise<() => Promise<void>> {
  const srv = createServer((req, res) => {
    const origin = `http://www.example.test:${port}`;
    if (req.url === '/robots.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /wp-admin/\n');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><head><link rel="canonical" href="${origin}${req.url}">${noindex ? '<meta name="robots" content="noindex">' : ''}</head><body>ok</body></html>`);
  });
  return new Promise((resolve) => srv.listen(port, ip, () => resolve(() => new Promise((r) => srv.close(() => r())))));
}

test('post-switch validation asks the address DNS answered', async (t) => {
  const port = await freePort('127.0.0.3');
  // The plan's production IP serves a clean page; the address "DNS answered" serves noindex.
  const closeClean = await site('127.0.0.3', port, false);
  const closeBad = await site('127.0.0.5', port, true).catch(async (e) => { await closeClean(); throw e; });
  t.after(async () => { await closeClean(); await closeBad(); });
  const plan = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: `http://staging.example.test:${port}`, ip: '127.0.0.2' },
      production: { agent: 'prod-1', origin: `http://www.example.test:${port}`, ip: '127.0.0.3' },
      dns: { provider: 'p', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: ['/'], requestTimeoutMs: 2000, adminPaths: [] },
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['p'] },
  );
  const clean = await postSwitchValidation(plan, { resolvedProductionIp: '127.0.0.3' });
  assert.equal(clean.findings.filter((f) => f.status === 'fail' && f.check !== 'tls').length, 0, JSON.stringify(clean.findings.filter((f) => f.status === 'fail')));
  const bad = await postSwitchValidation(plan, { resolvedProductionIp: '127.0.0.5' });
  assert.ok(bad.findings.some((f) => f.status === 'fail' && /noindex/i.test(f.message)), JSON.stringify(bad.findings.map((f) => `${f.status} ${f.check}: ${f.message}`)));
});

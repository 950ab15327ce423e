// The report's human renderings: terminal text for `cutover report`, and the HTML page served at
// /v1/cutovers/:id/report.html — timeline, parity, findings grouped by status, and every value
// escaped (findings carry text straight from web pages).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildApp } from '../../controller/api/app.js';
import { hashToken } from '../../controller/api/auth.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/logger.js';
import { formatReportText } from '../../controller/report/text.js';
import { brief } from '../../controller/report/model.js';
import { escapeHtml, renderReportHtml } from '../../controller/report/html.js';
import { validationResult } from '../../controller/cutover/steps/validate.js';
import type { ValidationReport } from '../../controller/validate/index.js';
import { bearer, OPERATOR_TOKEN, VIEWER_TOKEN } from '../helpers/api-app.js';
import { fakeAgents, fakeParity } from '../helpers/api-fakes.js';
import { FakeWorld, fakeRollback, fakeSteps, newEngine, planInput, tempStore } from '../helpers/cutover-fakes.js';

const HOSTILE = '<script>alert("x")</script>';

function validationReport(): ValidationReport {
  return {
    startedAt: '2030-01-01T00:00:00.000Z',
    durationMs: 2300,
    mode: 'pinned',
    production: { origin: 'https://www.example.com', ip: '203.0.113.20' },
    staging: { origin: 'https://staging.example.com', ip: '203.0.113.10' },
    pages: ['/', '/about/'],
    pageTable: [{ path: '/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 }],
    skipped: [],
    findings: [
      { check: 'canonical', page: '/about/', status: 'fail', message: `<link rel=canonical> points to staging: https://staging.example.com/about/ ${HOSTILE}` },
      { check: 'redirect-chain', page: '/old/', status: 'warn', message: '2 redirects before the page; make it one hop' },
      { check: 'status', page: '/', status: 'pass', message: '200 as expected' },
      { check: 'tls-expiry', page: 'www.example.com', status: 'pass', message: '80 days left' },
    ],
    summary: { pass: 2, warn: 1, fail: 1 },
  };
}

function fullReport(): Record<string, unknown> {
  return {
    generatedAt: '2030-01-01T01:00:00.000Z',
    cutover: { id: 'co_1', site: 'example.com', state: 'failed', createdAt: '2030-01-01T00:00:00.000Z', createdBy: 'ci-operator', fallbackUntil: null, error: { code: 'SY_STEP_FAILED', message: 'validate failed' }, rollback: null },
    timings: { totalMs: 75_000 },
    steps: [
      { name: 'preflight', state: 'succeeded', attempt: 1, startedAt: '2030-01-01T00:00:00.000Z', endedAt: '2030-01-01T00:00:03.000Z', durationMs: 3000, summary: '10 passed', error: null },
      { name: 'validate', state: 'failed', attempt: 2, startedAt: '2030-01-01T00:01:00.000Z', endedAt: '2030-01-01T00:01:12.000Z', durationMs: 12000, summary: null, error: { code: 'SY_STEP_FAILED', message: '1 validation check failed' } },
      { name: 'switch', state: 'pending', attempt: 0, startedAt: null, endedAt: null, durationMs: null, summary: null, error: null },
    ],
    parity: {
      runtime: {
        staging: 'staging-1',
        production: 'prod-1',
        rows: [
          { key: 'php.version', category: 'php', staging: '8.2.1', production: '8.2.3', status: 'differs' },
          { key: 'os.name', category: 'os', staging: 'debian', production: 'debian', status: 'equal' },
        ],
        summary: { equal: 1, differs: 1, missing: 0, allowed: 0 },
      },
      database: { equal: false, seconds: 3, mode: 'guarded', objectsDiffering: [], tables: [{ table: 'wp_posts', equal: false, chunks: 40, differingChunks: 2, stagingRows: 1000, productionRows: 998, rowsCopied: 0, note: '', stagingCheck: 'reused: unchanged since sync (UPDATE_TIME)', productionCheck: 'checksummed: written since presync' }, { table: 'wp_options', equal: true, chunks: 1, differingChunks: 0, stagingRows: 10, productionRows: 10, rowsCopied: 0, note: '' }] },
      assets: [{ root: 'uploads', equal: true, staging: { digest: 'abcdef0123456789ff', files: 1200, dirs: 4, symlinks: 0, bytes: 3 * 1024 ** 3 }, production: { digest: 'abcdef0123456789ff', files: 1200, dirs: 4, symlinks: 0, bytes: 3 * 1024 ** 3 }, differenceCount: 0, differences: [] }],
    },
    preflightChecks: [{ name: 'ttl', status: 'warn', message: 'TTL low for only 2 h' }],
    validation: validationReport(),
    dns: { change: { name: 'www.example.com', type: 'A', before: { records: ['203.0.113.10'], ttl: 300 }, after: { records: ['203.0.113.20'], ttl: 300 }, appliedAt: '2030-01-01T00:02:00.000Z' }, snapshots: [] },
    propagation: { ok: true, elapsedMs: 4000, servers: [{ server: '127.0.0.1:5300', role: 'authoritative', answer: ['203.0.113.20'], latencyMs: 3, ok: true }] },
    monitor: null,
    fallback: { until: null, expired: false },
    audit: [{ id: 1, at: '2030-01-01T00:00:00.000Z', tokenName: 'ci-operator', action: 'create', cutoverId: 'co_1', detail: null }],
  };
}

test('text and html report: rows a side could not read are counted as unknown and say what and why', () => {
  const r = fullReport();
  const runtime = (r.parity as { runtime: Record<string, unknown> }).runtime;
  runtime.rows = [{ key: 'php.version', category: 'php', staging: '8.2.1', production: 'unknown', status: 'differs', unreadable: true }];
  runtime.summary = { equal: 0, differs: 1, missing: 0, allowed: 0, unknown: 1 };
  runtime.unreadable = [{ side: 'production', agent: 'prod-1', what: 'php (/usr/bin/php)', error: 'php -m: timed out after 10000 ms' }];
  const text = formatReportText(r);
  assert.match(text, /Runtime parity \(staging-1 → prod-1\): 0 equal, 1 differ \(1 of them unreadable\), 0 missing, 0 allowed$/m);
  assert.match(text, /^  unknown\s+php\.version\s+8\.2\.1 \| unknown$/m);
  assert.match(text, /^  could not read php \(\/usr\/bin\/php\) on prod-1: php -m: timed out after 10000 ms$/m);
  assert.match(renderReportHtml(r), /could not read php \(\/usr\/bin\/php\) on prod-1: php -m: timed out/);
});

test('text report: timeline, parity summaries, findings grouped by status with passes counted', () => {
  const text = formatReportText(fullReport());
  assert.match(text, /^cutover co_1 \(example\.com\): failed — created .* by ci-operator$/m);
  assert.match(text, /✔ preflight\s+succeeded\s+3\.0s\s+10 passed/);
  assert.match(text, /✘ validate\s+failed\s+12\.0s \(attempt 2\)\s+SY_STEP_FAILED: 1 validation check failed/);
  assert.match(text, /Runtime parity \(staging-1 → prod-1\): 1 equal, 1 differ, 0 missing, 0 allowed$/m);
  assert.match(text, /differs\s+php\.version\s+8\.2\.1 \| 8\.2\.3/);
  assert.doesNotMatch(text, /os\.name/, 'equal rows are counted, not listed');
  assert.match(text, /Database parity: DIFFERS — 2 tables, 41 chunks \(guarded\)/);
  // Which side verify read again, and why (UPDATE_TIME guard); older reports without it print nothing.
  assert.match(text, /checked\s+wp_posts: staging reused: unchanged since sync \(UPDATE_TIME\); production checksummed: written since presync/);
  assert.doesNotMatch(text, /checked\s+wp_options/);
  assert.match(text, /wp_posts: 2 of 40 chunks/);
  assert.match(text, /Assets parity uploads: equal — 1200 files, 3\.0 GiB/);
  assert.match(text, /Preflight checks: 0 failed, 1 warning, 0 passed/);
  assert.match(text, /Validation \(pinned, 2 pages, 2\.3s\): 1 failed, 1 warning, 2 passed/);
  const section = text.slice(text.indexOf('Validation ('));
  const fail = section.indexOf('  FAIL (1)');
  const warn = section.indexOf('  WARN (1)');
  assert.ok(fail > 0 && warn > fail, 'failures first, then warnings');
  assert.match(text, /canonical\s+\/about\/\s+<link rel=canonical> points to staging/);
  assert.match(text, /PASS \(2; --json lists them\)/);
  assert.match(text, /DNS: www\.example\.com A {2}203\.0\.113\.10 ttl 300 → 203\.0\.113\.20 ttl 300/);
  assert.match(text, /Propagation: complete after 4\.0s/);
});

test('text report: a fresh cutover with nothing run yet, and a section in an unknown shape shown raw', () => {
  const text = formatReportText({ cutover: { id: 'co_2', site: 's', state: 'planned' }, steps: [{ name: 'preflight', state: 'pending', attempt: 0, durationMs: null }], parity: { runtime: { something: 'else' } }, validation: null });
  assert.match(text, /cutover co_2 \(s\): planned/);
  assert.match(text, /· preflight\s+pending/);
  assert.match(text, /runtime parity \(raw\): \{"something":"else"\}/);
  assert.doesNotMatch(text, /Validation/);
});

test('HTML report: sections present, every value escaped, no script possible', () => {
  const html = renderReportHtml(fullReport());
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!html.includes(HOSTILE), 'hostile text never appears raw');
  assert.ok(html.includes(escapeHtml(HOSTILE)));
  assert.ok(!/<script/i.test(html), 'no script element at all');
  for (const s of ['<h2>Steps</h2>', '<h2>Parity</h2>', 'Runtime (staging-1 → prod-1)', 'wp_posts', '<h2>Preflight checks</h2>', 'written since presync', '<small>guarded</small>', 'Validation (pinned, 2 pages, 2.3s)', '<h3>Failed</h3>', '<h3>Warnings</h3>', 'Passed (2)', '<h2>DNS</h2>', 'Audit trail (1)']) {
    assert.ok(html.includes(s), `has ${s}`);
  }
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

async function engineApp(t: TestContext) {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world, { validate: { idempotent: true, run: async () => validationResult(validationReport()) } }), rollback: fakeRollback(world) });
  const config = validate(
    ControllerConfigSchema,
    {
      tokens: [
        { name: 'alice-viewer', role: 'viewer', hash: hashToken(VIEWER_TOKEN) },
        { name: 'ci-operator', role: 'operator', hash: hashToken(OPERATOR_TOKEN) },
      ],
      dnsProviders: { 'cf-main': { type: 'cloudflare', apiToken: { env: 'CF_TOKEN' } } },
    },
    'test controller config',
  );
  const app = buildApp({ config, logger: silentLogger(), agents: fakeAgents(), parity: fakeParity(), registry: new Registry(), cutovers: engine });
  t.after(async () => {
    await app.close();
    await engine.close();
  });
  await app.ready();
  return { app, engine };
}

test('GET /v1/cutovers/:id/report.html: a viewer reads the failed validation as a page; JSON report unchanged', async (t) => {
  const { app, engine } = await engineApp(t);
  const created = await app.inject({ method: 'POST', url: '/v1/cutovers', headers: bearer(OPERATOR_TOKEN), payload: planInput() });
  const id = (created.json() as { id: string }).id;
  await app.inject({ method: 'POST', url: `/v1/cutovers/${id}/advance`, headers: bearer(OPERATOR_TOKEN), payload: { until: 'switch' } });
  await engine.idle(id);

  const res = await app.inject({ url: `/v1/cutovers/${id}/report.html`, headers: bearer(VIEWER_TOKEN) });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
  assert.ok(!res.body.includes(HOSTILE));
  assert.ok(res.body.includes(escapeHtml(HOSTILE)));
  assert.match(res.body, /class="badge s-failed">failed<\/span>/);
  assert.ok(res.body.includes(`Cutover <code>${id}</code>`));

  const json = await app.inject({ url: `/v1/cutovers/${id}/report`, headers: bearer(VIEWER_TOKEN) });
  assert.equal((json.json() as { validation: ValidationReport }).validation.summary.fail, 1);

  assert.equal((await app.inject({ url: `/v1/cutovers/${id}/report.html` })).statusCode, 401);
  assert.equal((await app.inject({ url: '/v1/cutovers/co_nope/report.html', headers: bearer(VIEWER_TOKEN) })).statusCode, 404);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  assert.ok(doc.paths['/v1/cutovers/{id}/report.html']?.get);
});

test('a DNS record set in the report names its disabled records, which a restore puts back too', () => {
  assert.equal(brief({ name: 'www.example.com', type: 'A', ttl: 60, records: ['203.0.113.20'], disabled: ['203.0.113.99'] }), '203.0.113.20 (disabled: 203.0.113.99) ttl 60');
  assert.equal(brief({ name: 'www.example.com', type: 'A', ttl: 60, records: ['203.0.113.20'] }), '203.0.113.20 ttl 60');
});

test('a rollback that kept the live copy: text and HTML reports say where it is and how many rows each table holds', () => {
  const report = fullReport();
  const rollback: { state: string; reason: string; automatic: boolean; parts: Array<{ name: string; state: string; detail: Record<string, unknown> }> } = {
    state: 'done',
    reason: '5xx above the limit',
    automatic: true,
    parts: [
      { name: 'dns', state: 'done', detail: { restored: [] } },
      { name: 'database', state: 'done', detail: { agent: 'prod-1', schema: 'wp', tablesRestored: ['wp_posts'], servedCopy: { schema: 'wp__sy_served2', tables: [{ table: 'wp_posts', rows: 41 }, { table: `wp_${HOSTILE}`, rows: 3 }] } } },
    ],
  };
  report.cutover = { ...(report.cutover as object), state: 'rolled_back', rollback };
  const text = formatReportText(report);
  assert.match(text, /Rollback: done \(automatic\) — 5xx above the limit/);
  assert.match(text, /live copy kept in wp__sy_served2 .*: wp_posts 41 rows, .* 3 rows — reconcile, then drop it by hand/);
  const html = renderReportHtml(report);
  assert.ok(html.includes('Live copy kept in <span class="mono">wp__sy_served2</span>'));
  assert.ok(html.includes('<td><span class="mono">wp_posts</span></td><td class="num">41</td>'), 'the row count of each table');
  assert.ok(!html.includes(HOSTILE), 'a table name is escaped');

  // A retry's answer lists the first tables only, and says how many more the copy has.
  rollback.parts[1] = { name: 'database', state: 'done', detail: { agent: 'prod-1', schema: 'wp', swappedBackBy: 'an earlier attempt', servedCopy: { schema: 'wp__sy_served', keptAt: '2026-01-02T03:04:05.000Z', tables: [{ table: 'wp_posts', rows: 41 }], tablesLeftOff: 7 } } };
  assert.match(formatReportText(report), /live copy kept in wp__sy_served .*: wp_posts 41 rows, and 7 more tables — reconcile/);
  assert.ok(renderReportHtml(report).includes('and 7 more tables, not listed.'));

  // A rollback that dropped the copy (before the switch) says nothing of one.
  rollback.parts[1] = { name: 'database', state: 'done', detail: { agent: 'prod-1', schema: 'wp', tablesRestored: ['wp_posts'], liveCopy: 'dropped: DNS was never switched, so it served no traffic' } };
  assert.doesNotMatch(formatReportText(report), /live copy kept/);
});

test('a rollback that left staging frozen (a freeze its lock took over, or another cutover\'s) says so in the text and HTML reports, not only unlock-staging=done', () => {
  const report = fullReport();
  const restored = { readOnly: true, superReadOnly: '', flagFile: '/srv/staging/.maintenance', flagFileExisted: true, noDatabase: false };
  const rollback = {
    state: 'done',
    reason: 'requested by ops',
    automatic: false,
    parts: [{ name: 'unlock-staging', state: 'done', detail: { agent: 'staging-1', wasLocked: true, restored } as Record<string, unknown> }],
  };
  report.cutover = { ...(report.cutover as object), state: 'rolled_back', rollback };
  assert.match(formatReportText(report), /unlock-staging=done\n {2}staging left as its lock found it, still frozen: read_only=ON, maintenance flag \/srv\/staging\/\.maintenance up/);
  assert.ok(renderReportHtml(report).includes('staging left as its lock found it, still frozen: read_only=ON'));

  rollback.parts[0]!.detail = { agent: 'staging-1', wasLocked: false, heldBy: 'co_other', note: 'x' };
  assert.match(formatReportText(report), /staging left frozen: the freeze is cutover co_other's, not this one's/);

  // Staging put back to taking writes: nothing more is said.
  rollback.parts[0]!.detail = { agent: 'staging-1', wasLocked: true, restored: { ...restored, readOnly: false, flagFileExisted: false } };
  assert.doesNotMatch(formatReportText(report), /left (as|frozen)/);
  assert.ok(!renderReportHtml(report).includes('still frozen'));
});

test("HTML report's page table: a locked staging's row shows the record compared with and sets the maintenance page apart; a row from an older report shows its status as before", () => {
  const v = validationReport();
  v.pageTable = [
    { path: '/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
    { path: '/gone/', status: 410, stagingStatus: 410, redirects: 0, ttfbMs: 20, stagingTtfbMs: 18, stagingBaseline: 'lock', stagingRecordedAt: '2030-01-01T07:59:00.000Z', stagingMaintenanceStatus: 503 },
    { path: '/new/', status: 200, stagingStatus: null, redirects: 0, ttfbMs: 20, stagingTtfbMs: null, stagingBaseline: 'none', stagingNote: 'no record', stagingMaintenanceStatus: null },
  ];
  const html = renderReportHtml({ ...fullReport(), validation: v });
  assert.ok(html.includes('<td><code>/</code></td><td><span class="ptitle">-</span></td><td>200</td><td>200</td>'), html);
  assert.ok(html.includes('<td>410 <span class="muted">as lock recorded it (2030-01-01T07:59:00.000Z)</span><br><span class="muted">now its maintenance page (503), not compared</span></td>'), html);
  assert.ok(html.includes('<td><span class="muted">not compared: no record of it from before the freeze</span><br><span class="muted">now its maintenance page (no answer), not compared</span></td>'), html);
});

test("text report's page table: production's status and TTFB beside what staging's checks compared with, aligned, a locked staging's record and maintenance page said, rows capped", () => {
  const v = validationReport();
  v.pageTable = [
    { path: '/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
    { path: '/gone/', status: 410, stagingStatus: 410, redirects: 1, ttfbMs: 1200, stagingTtfbMs: 18, stagingBaseline: 'lock', stagingRecordedAt: '2030-01-01T07:59:00.000Z', stagingMaintenanceStatus: 503 },
    { path: '/new/', status: 200, stagingStatus: null, redirects: 0, ttfbMs: 20, stagingTtfbMs: null, stagingBaseline: 'none', stagingNote: 'no record', stagingMaintenanceStatus: null },
    { path: '/shop/', status: 200, stagingStatus: null, redirects: 0, ttfbMs: 25, stagingTtfbMs: 30, stagingBaseline: 'preflight', stagingLeftTo: 'https://shop.example.net/', stagingMaintenanceStatus: 503 },
    { path: '/down/', status: null, stagingStatus: 200, redirects: 0, ttfbMs: null, stagingTtfbMs: 30, error: 'connect ECONNREFUSED 203.0.113.20:443' },
  ];
  const text = formatReportText({ ...fullReport(), validation: v });
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  Pages (5)'));
  assert.ok(at > 0, text);
  assert.match(lines[at + 1]!, /^ {4}! = a page with a problem \(1, listed first\): /);
  const [head, down, ...rows] = lines.slice(at + 2, at + 8);
  assert.match(head!, /^ {6}path\s+production\s+TTFB\s+staging\s+TTFB$/);
  // The page production failed on comes first, marked; the rest keep the report's order.
  assert.match(down!, /^ {4}! \/down\/\s+error\s+-\s+200\s+30 ms\s+production: connect ECONNREFUSED 203\.0\.113\.20:443$/);
  // Aligned: each column starts at the same place on every row.
  const col = (l: string, v: string) => l.indexOf(v);
  assert.equal(col(rows[0]!, '200'), col(head!, 'production'));
  assert.equal(col(rows[1]!, '410'), col(head!, 'production'));
  assert.equal(rows[1]!.indexOf('1200 ms') + '1200 ms'.length, rows[0]!.indexOf('40 ms') + '40 ms'.length, 'TTFB right-aligned');
  assert.equal(rows[1]!.lastIndexOf('410'), col(head!, 'staging'));
  assert.match(rows[0]!, /^ {6}\/\s+200\s+40 ms\s+200\s+35 ms$/);
  assert.match(rows[1]!, /\/gone\/\s+410\s+1200 ms\s+410\s+18 ms\s+1 redirect; staging as lock recorded it \(2030-01-01T07:59:00\.000Z\); now its maintenance page \(503\), not compared$/);
  assert.match(rows[2]!, /\/new\/\s+200\s+20 ms\s+-\s+- {2}staging not compared: no record of it from before the freeze; now its maintenance page \(no answer\), not compared$/);
  assert.match(rows[3]!, /\/shop\/\s+200\s+25 ms\s+off-site\s+30 ms\s+staging redirected to https:\/\/shop\.example\.net\/; staging as preflight recorded it; now its maintenance page \(503\), not compared$/);

  // Bounded: a long page list prints its first rows and says how many were left off.
  v.pageTable = Array.from({ length: 40 }, (_, i) => ({ path: `/p${i}/`, status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 10, stagingTtfbMs: 10 }));
  const long = formatReportText({ ...fullReport(), validation: v });
  assert.match(long, /^ {2}Pages \(40\)/m);
  // No page with a problem: no mark column, no legend.
  assert.match(long, /^ {4}\/p24\/ /m);
  assert.doesNotMatch(long, /a page with a problem/);
  assert.doesNotMatch(long, /\/p25\//);
  assert.match(long, /^ {4}… 15 more pages left off, 0 of them with a problem \(--json lists them\)$/m);
});

test('text and HTML page tables: pages with a problem come first, so a failing page past the first 25 is shown, not only counted', () => {
  const v = validationReport();
  v.pageTable = Array.from({ length: 40 }, (_, i) => ({ path: `/p${i}/`, status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 10, stagingTtfbMs: 10 }));
  v.pageTable[30] = { ...v.pageTable[30]!, status: null, ttfbMs: null, error: 'connect ECONNREFUSED 203.0.113.20:443' };
  v.pageTable[33] = { ...v.pageTable[33]!, status: 500 };
  // Not compared (no record from before the freeze): production's status differing is no problem of itself.
  v.pageTable[34] = { ...v.pageTable[34]!, status: 404, stagingStatus: null, stagingBaseline: 'none', stagingNote: 'no record' };
  v.findings = [
    { check: 'canonical', page: '/p36/', status: 'fail', message: 'points to staging' },
    { check: 'redirect-chain', page: '/p38/', status: 'warn', message: '2 redirects' },
    { check: 'status', page: '/p39/', status: 'pass', message: '200 as expected' },
  ];
  const text = formatReportText({ ...fullReport(), validation: v });
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  Pages (40)'));
  assert.ok(at > 0, text);
  const paths = lines.slice(at + 3, at + 3 + 25).map((l) => l.slice(6).split(/\s+/)[0]);
  assert.deepEqual(lines.slice(at + 3, at + 3 + 25).map((l) => l[4]), [...Array<string>(4).fill('!'), ...Array<string>(21).fill(' ')], 'the four problem rows, and only they, are marked');
  assert.deepEqual(paths.slice(0, 6), ['/p30/', '/p33/', '/p36/', '/p38/', '/p0/', '/p1/'], text);
  assert.match(lines[at + 3]!, /^ {4}! \/p30\/\s+error\s.*production: connect ECONNREFUSED/);
  assert.match(lines[at + 5]!, /^ {4}! \/p36\/\s+200\s.*\s{2}canonical failed$/, 'a page whose only problem is a failed check says which');
  assert.match(lines[at + 6]!, /^ {4}! \/p38\/\s+200\s.*\s{2}redirect-chain warned$/);
  assert.ok(!paths.includes('/p34/') && !paths.includes('/p39/'), 'a page not compared, or with passes only, keeps its place');
  assert.match(text, /^ {4}… 15 more pages left off, 0 of them with a problem \(--json lists them\)$/m);

  const full = renderReportHtml({ ...fullReport(), validation: v });
  const html = full.slice(full.indexOf('<summary>Pages (40)</summary>'));
  const order = ['/p30/', '/p33/', '/p36/', '/p38/', '/p0/', '/p29/', '/p31/', '/p39/'].map((p) => html.indexOf(`<td><code>${p}</code></td>`));
  assert.ok(order.every((x, i) => x > 0 && (i === 0 || x > order[i - 1]!)), `HTML rows in order problems first: ${order.join(', ')}`);

  // More problem pages than rows shown: the ones left off are said.
  v.pageTable = v.pageTable.map((r) => ({ ...r, status: 503 }));
  assert.match(formatReportText({ ...fullReport(), validation: v }), /^ {4}… 15 more pages left off, 14 of them with a problem \(--json lists them\)$/m);
});

test("HTML page table: a page with a problem is marked in words, not colour alone, and listed before a good page", () => {
  const v = validationReport();
  // The good page comes first in the report; the bad one answers 500 where staging answers 200.
  v.pageTable = [
    { path: '/good/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 30, stagingTtfbMs: 30 },
    { path: '/bad/', status: 500, stagingStatus: 200, redirects: 0, ttfbMs: 30, stagingTtfbMs: 30 },
  ];
  v.findings = [];
  const full = renderReportHtml({ ...fullReport(), validation: v });
  const html = full.slice(full.indexOf('<summary>Pages (2)</summary>'));
  const rows = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>')).split('<tr').slice(1);
  assert.equal(rows.length, 2, html);
  assert.match(rows[0]!, /^ class="problem">/, 'the bad row carries the class');
  assert.match(rows[0]!, /<code>\/bad\/<\/code>/, 'and comes first');
  assert.match(rows[0]!, /<strong class="flag"><span aria-hidden="true">⚠ <\/span>problem<\/strong>/, 'with the word "problem" in it');
  assert.match(rows[1]!, /^><td><\/td><td><code>\/good\/<\/code>/, 'the good row is neither marked nor classed');
  assert.ok(full.includes('tr.problem td{'), 'the class is styled');
  assert.ok(full.includes('<details open><summary>Pages (2)</summary><p>1 page with a problem, listed first.</p>'), 'the table opens by itself');

  v.pageTable = [v.pageTable[0]!];
  const calm = renderReportHtml({ ...fullReport(), validation: v });
  assert.ok(calm.includes('<details><summary>Pages (1)</summary><table>') && !calm.includes('class="problem"'), 'no problem: closed, nothing marked');
});

test("page tables show each page's title, escaped and cut to a readable length, mark one that differs from staging's, and show a dash for a row recorded before titles were", () => {
  const v = validationReport();
  const long = `Winter sale — ${'very '.repeat(30)}long title`;
  v.pageTable = [
    { path: '/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35, title: 'Shop', stagingTitle: 'Shop', titleDiffers: false },
    { path: '/hostile/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35, title: HOSTILE, stagingTitle: 'Hostile', titleDiffers: true },
    { path: '/long/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35, title: long, stagingTitle: long, titleDiffers: false },
    { path: '/untitled/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35, title: null },
    // From a report before titles were recorded.
    { path: '/old/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
  ];
  v.findings = [];
  const report = { ...fullReport(), validation: v };

  const full = renderReportHtml(report);
  const html = full.slice(full.indexOf('<summary>Pages (5)</summary>'));
  assert.ok(html.includes('<th>path</th><th>title</th>'), html);
  assert.ok(!full.includes(HOSTILE), 'a title is escaped');
  // The differing title makes its row a problem, first, with staging's title beside it in words.
  assert.ok(
    html.includes(`<tr class="problem"><td>${'<strong class="flag"><span aria-hidden="true">⚠ </span>problem</strong>'}</td><td><code>/hostile/</code></td><td><span class="ptitle">${escapeHtml(HOSTILE)}<br><span class="flag">differs from staging's:</span> Hostile</span></td>`),
    html,
  );
  assert.ok(html.includes('<td><code>/</code></td><td><span class="ptitle">Shop</span></td><td>200</td>'), 'a title as staging has it is shown plainly');
  const cut = `${Array.from(long.replace(/\s+/g, ' ')).slice(0, 79).join('')}…`;
  assert.ok(html.includes(`<td><code>/long/</code></td><td><span class="ptitle"><span title="${escapeHtml(long)}">${escapeHtml(cut)}</span></span></td>`), 'a long title is cut, whole in its tooltip');
  assert.equal(Array.from(cut).length, 80);
  assert.ok(html.includes('<td><code>/untitled/</code></td><td><span class="ptitle"><span class="muted">(no title)</span></span></td>'));
  assert.ok(html.includes('<td><code>/old/</code></td><td><span class="ptitle">-</span></td><td>200</td>'), 'a row recorded before titles shows a dash');

  const text = formatReportText(report);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  Pages (5)'));
  assert.ok(at > 0, text);
  const [head, hostile, home, longRow, untitled, old] = lines.slice(at + 2, at + 8);
  assert.match(head!, /^ {6}path\s+title\s+production\s+TTFB\s+staging\s+TTFB$/);
  assert.match(hostile!, /^ {4}! \/hostile\/\s+<script>alert\("x"\)<\/script>\s+200\s+40 ms\s+200\s+35 ms {2}title differs from staging's: Hostile$/, text);
  assert.match(home!, /^ {6}\/\s+Shop\s+200\s+40 ms\s+200\s+35 ms$/);
  assert.ok(longRow!.includes(`${Array.from(long).slice(0, 39).join('')}…`) && !longRow!.includes(long), `cut to 40 characters: ${longRow}`);
  assert.match(untitled!, /^ {6}\/untitled\/\s+\(no title\)\s+200/);
  assert.match(old!, /^ {6}\/old\/\s+-\s+200/);
  assert.equal(head!.indexOf('production'), old!.indexOf('200'), 'the title column keeps the table aligned');

  // A report from before titles were recorded: no column of dashes in the terminal.
  v.pageTable = [v.pageTable[4]!];
  assert.doesNotMatch(formatReportText(report), /^ {4}path\s+title/m);
});

test("text page table: a page whose only problem is a failed check is marked like any other, with the check named; a legend says what the mark means, once", () => {
  const v = validationReport();
  // Both answer as staging does; only the canonical check failed on /about/.
  v.pageTable = [
    { path: '/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
    { path: '/about/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
  ];
  const text = formatReportText({ ...fullReport(), validation: v });
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  Pages (2)'));
  assert.ok(at > 0, text);
  const [legend, head, about, home] = lines.slice(at + 1, at + 5);
  assert.equal(legend, "    ! = a page with a problem (1, listed first): production error, status or title unlike staging's, or a failed or warned check");
  assert.equal(lines.filter((l) => l.includes('a page with a problem')).length, 1, 'the legend once');
  assert.match(about!, /^ {4}! \/about\/\s+200\s+40 ms\s+200\s+35 ms {2}canonical failed$/, text);
  assert.match(home!, /^ {6}\/\s+200\s+40 ms\s+200\s+35 ms$/, 'a good row is not marked');
  for (const row of [about!, home!]) assert.equal(row.indexOf('200'), head!.indexOf('production'), 'the mark keeps the columns aligned');
  assert.equal(head!.indexOf('path'), about!.indexOf('/about/'));
});

function postSwitchReport(): Record<string, unknown> {
  const v = validationReport();
  return {
    ...v,
    startedAt: '2030-01-01T00:03:00.000Z',
    durationMs: 1200,
    mode: 'dns',
    pages: ['/', '/about/'],
    skipped: ['assets', 'vitals'],
    pageTable: [
      { path: '/about/', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
      { path: '/', status: 503, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35 },
    ],
    findings: [
      { check: 'canonical', page: '/about/', status: 'fail', message: 'points to staging' },
      { check: 'status', page: '/', status: 'fail', message: `503 where staging answers 200 ${HOSTILE}` },
      { check: 'hsts', page: 'www.example.com', status: 'warn', message: 'no Strict-Transport-Security header' },
      { check: 'tls-expiry', page: 'www.example.com', status: 'pass', message: '80 days left' },
    ],
    summary: { pass: 1, warn: 1, fail: 2 },
  };
}

test('text report: the validation run again after the switch says when, its counts beside those before the switch, what failed or warned (and how it ended before) and on which pages', () => {
  const report = { ...fullReport(), postSwitchValidation: postSwitchReport(), monitor: { verdict: 'rollback', errorRate: 0.2 } };
  const text = formatReportText(report);
  const lines = text.split('\n');
  const at = lines.indexOf('Post-switch validation (dns, 2 pages, 1.2s) at 2030-01-01T00:03:00.000Z: 2 failed, 1 warning, 1 passed');
  assert.ok(at > 0, text);
  assert.ok(at > lines.findIndex((l) => l.startsWith('Propagation: ')) && at < lines.findIndex((l) => l.startsWith('Monitor: ')), 'after propagation, which runs it, before the monitor');
  assert.deepEqual(lines.slice(at + 1, at + 9), [
    '  before the switch (2030-01-01T00:00:00.000Z): 1 failed, 1 warning, 2 passed',
    '  skipped: assets, vitals',
    '  FAIL (2)',
    '    canonical  /about/  points to staging  (before the switch: failed)',
    `    status     /  503 where staging answers 200 ${HOSTILE}  (before the switch: passed)`,
    '  WARN (1)',
    '    hsts  www.example.com  no Strict-Transport-Security header  (before the switch: not run)',
    '  Pages with a problem (2): /about/ (canonical); / (production 503, staging 200, status)',
  ]);

  // Without a pre-switch validation to compare with, nothing is said of one.
  const alone = formatReportText({ ...report, validation: null });
  assert.match(alone, /^Post-switch validation \(dns, 2 pages, 1\.2s\) at 2030-01-01T00:03:00\.000Z: 2 failed/m);
  assert.doesNotMatch(alone, /before the switch/);

  // Not run (postSwitchValidation null, or a report from before it): no section; an unknown shape shown raw.
  assert.doesNotMatch(formatReportText(fullReport()), /Post-switch validation/);
  assert.doesNotMatch(formatReportText({ ...fullReport(), postSwitchValidation: null }), /Post-switch validation/);
  assert.match(formatReportText({ ...fullReport(), postSwitchValidation: { odd: true } }), /^post-switch validation \(raw\): \{"odd":true\}$/m);

  // Many pages with a problem: the first ten by path, the rest counted.
  const many = postSwitchReport();
  many.pageTable = Array.from({ length: 14 }, (_, i) => ({ path: `/p${i}/`, status: 500, stagingStatus: 200, redirects: 0, ttfbMs: 10, stagingTtfbMs: 10 }));
  assert.match(formatReportText({ ...fullReport(), postSwitchValidation: many }), /^ {2}Pages with a problem \(14\): \/p0\/ .*\/p9\/ \(production 500, staging 200\); and 4 more \(--json lists them\)$/m);
});

test('HTML report: the validation run again after the switch — when, counts beside those before, the failed and warned checks with how each ended before, the pages with a problem — escaped', () => {
  const html = renderReportHtml({ ...fullReport(), postSwitchValidation: postSwitchReport() });
  const at = html.indexOf('<h2>Post-switch validation (dns, 2 pages, 1.2s)</h2>');
  assert.ok(at > html.indexOf('<h2>DNS</h2>'), html);
  const section = html.slice(at);
  assert.ok(section.includes('<p class="muted">ran at <span class="mono">2030-01-01T00:03:00.000Z</span> · skipped: assets, vitals</p>'), section);
  assert.ok(section.includes(`<p>${'<span class="badge s-fail">fail</span>'} 2 failed <span class="badge s-warn">warn</span> 1 warning <span class="badge s-pass">pass</span> 1 passed</p>`), section);
  assert.ok(section.includes('<p class="muted">before the switch (<span class="mono">2030-01-01T00:00:00.000Z</span>): 1 failed, 1 warning, 2 passed</p>'), section);
  assert.ok(section.includes('<th>message</th><th>before the switch</th>'), section);
  assert.ok(section.includes('<td><code>canonical</code></td><td><code>/about/</code></td><td><span class="badge s-fail">fail</span></td><td>points to staging</td><td>failed</td>'), section);
  assert.ok(section.includes(`<td><code>status</code></td><td><code>/</code></td><td><span class="badge s-fail">fail</span></td><td>503 where staging answers 200 ${escapeHtml(HOSTILE)}</td><td>passed</td>`), section);
  assert.ok(section.includes('<td>no Strict-Transport-Security header</td><td>not run</td>'), section);
  assert.ok(!section.includes('80 days left'), 'passes are counted, not listed');
  assert.ok(section.includes('<p><span class="flag">Pages with a problem (2):</span> <code>/about/</code> (canonical); <code>/</code> (production 503, staging 200, status)</p>'), section);
  assert.ok(!html.includes(HOSTILE), 'a message is escaped');

  const alone = renderReportHtml({ ...fullReport(), validation: null, postSwitchValidation: postSwitchReport() });
  assert.ok(alone.includes('<h2>Post-switch validation') && !alone.includes('before the switch'), 'nothing to compare with: no comparison');
  assert.ok(!renderReportHtml(fullReport()).includes('Post-switch'), 'not run: no section');
});

test('text report: control characters from a page title or a finding (ESC sequences, BEL, CR) are never printed raw to the terminal', () => {
  const v = validationReport();
  const evil = 'Shop\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\rOK\u009b31m';
  v.pageTable = [{ path: '/x/\u001b[8m', status: 200, stagingStatus: 200, redirects: 0, ttfbMs: 40, stagingTtfbMs: 35, title: evil, stagingTitle: 'Shop', titleDiffers: true }];
  v.findings = [{ check: 'site-identity', page: '/x/\u001b[8m', status: 'warn', message: `title ${evil}` }];
  const text = formatReportText({ ...fullReport(), validation: v });
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
  assert.doesNotMatch(text, control, JSON.stringify(text.split('\n').find((l) => control.test(l))));
  assert.ok(text.includes('Shop\ufffd]52;c;cm0gLXJmIH4=\ufffd\ufffd[2J'), 'shown, made harmless');
});

/** A monitor step's evidence as the report holds it: a burst 2 min in, aged out of the final window by the end. */
function monitorEvidence(over: Record<string, unknown> = {}): Record<string, unknown> {
  const interval = (i: number, errors: number) => ({ windowStart: `2030-01-01T00:${String(2 + Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}.000Z`, intervalMs: 10_000, receivedAt: '2030-01-01T00:09:00.000Z', total: 100, errors, byStatus: errors > 1 ? { 502: errors - 1, 503: 1 } : { 503: 1 } });
  return {
    settings: { monitorSeconds: 900, windowSeconds: 300, intervalSeconds: 10, minSamples: 50, maxErrorRate: 0.02, pages: ['/'] },
    elapsedSeconds: 900,
    verdict: 'ok',
    scope: 'window',
    window: { from: '2030-01-01T00:10:00.000Z', to: '2030-01-01T00:15:00.000Z', total: 3000, errors: 0, errorRate: 0, log: { total: 2970, errors: 0 }, probes: { total: 30, errors: 0 } },
    peakWindow: { from: '2030-01-01T00:01:00.000Z', to: '2030-01-01T00:06:00.000Z', total: 3000, errors: 45, errorRate: 0.015, log: { total: 2970, errors: 44 }, probes: { total: 30, errors: 1 } },
    errorRate: 0,
    totals: { log: { total: 26_000, byClass: { '2xx': 25_955, '5xx': 45 }, byStatus: {}, unparsed: 0, probesSetApart: 90 }, probes: { total: 90, errors: 1 } },
    probes: [],
    failedProbes: [{ at: '2030-01-01T00:02:10.000Z', path: `/shop/${HOSTILE}`, status: null, latencyMs: null, error: 'timed out after 5000 ms' }],
    logErrorIntervals: Array.from({ length: 12 }, (_, i) => interval(i, i === 0 ? 34 : 1)),
    logErrorIntervalCount: 12,
    ...over,
  };
}

test("text report: the monitor shows the worst window's share beside the final one, and the access-log intervals with 5xx and the failed probes marked, the newest ones listed and all counted", () => {
  const text = formatReportText({ ...fullReport(), monitor: monitorEvidence() });
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Monitor: '));
  assert.equal(lines[at], 'Monitor: ok — 5xx share 0.00% in the final window, worst window 1.50% (45 of 3000), 26000 logged requests, over 900 s', text);
  assert.equal(lines[at + 1], '  worst window 2030-01-01T00:01:00.000Z → 2030-01-01T00:06:00.000Z');
  assert.equal(lines[at + 2], '  ! = an access-log interval that held 5xx, or a probe answered 5xx or not at all');
  assert.equal(lines[at + 3], "  Access-log intervals with 5xx (12; agent's clock):");
  // The newest ten of the twelve, oldest first; the two before them said, with where to read them.
  assert.equal(lines[at + 4], '    ! 2030-01-01T00:02:20.000Z +10.0s  1 of 100 5xx  503×1');
  assert.equal(lines[at + 13], '    ! 2030-01-01T00:03:50.000Z +10.0s  1 of 100 5xx  503×1');
  assert.equal(lines[at + 14], '    … 2 earlier intervals left off (--json lists the newest 12)');
  assert.equal(lines[at + 15], '  Failed probes (1):');
  assert.equal(lines[at + 16], `    ! 2030-01-01T00:02:10.000Z  /shop/${HOSTILE}  no answer: timed out after 5000 ms`);

  // More than the evidence keeps: the ones before those kept are only counted.
  const many = formatReportText({ ...fullReport(), monitor: monitorEvidence({ logErrorIntervalCount: 40, totals: { log: { total: 5 }, probes: { total: 90, errors: 31 } } }) });
  assert.match(many, /^ {2}Access-log intervals with 5xx \(40; agent's clock\):$/m);
  assert.match(many, /^ {4}… 30 earlier intervals left off \(--json lists the newest 12; the 28 before those only counted\)$/m);
  assert.match(many, /^ {2}Failed probes \(31\):$/m);
  assert.match(many, /^ {4}… 30 earlier failed probes left off \(only counted\)$/m);

  // A window over the limit is said so; a watch no window could judge says that instead of a share.
  const over = formatReportText({ ...fullReport(), monitor: monitorEvidence({ verdict: 'rollback', errorRate: 0.3, peakWindow: { ...(monitorEvidence().peakWindow as object), errors: 900, errorRate: 0.3 } }) });
  assert.match(over, /^Monitor: rollback — 5xx share 30\.00% in the final window, worst window 30\.00% \(900 of 3000\), over the 2\.00% limit,/m);
  const quiet = formatReportText({ ...fullReport(), monitor: monitorEvidence({ peakWindow: null, scope: 'watch', failedProbes: [], logErrorIntervals: [], logErrorIntervalCount: 0, totals: { log: { total: 20 }, probes: { total: 9, errors: 0 } } }) });
  assert.match(quiet, /^Monitor: ok — 5xx share 0\.00% over the whole watch \(no window had enough requests\), no window had enough requests to judge, 20 logged requests/m);
  assert.doesNotMatch(quiet, /^ {2}(! =|Access-log intervals|Failed probes)/m, 'nothing failed: no list, no legend');
});

test('text report: a monitor report from before failedProbes was kept lists the failures among the probes it kept', () => {
  const old = monitorEvidence({ failedProbes: undefined, logErrorIntervals: undefined, logErrorIntervalCount: undefined, peakWindow: undefined, probes: [{ at: '2030-01-01T00:14:50.000Z', path: '/', status: 200, latencyMs: 9, error: null }, { at: '2030-01-01T00:14:50.000Z', path: '/cart/', status: 500, latencyMs: 9, error: null }] });
  // As JSON: the keys left undefined above are absent, as in a report an older controller wrote.
  const text = formatReportText(JSON.parse(JSON.stringify({ ...fullReport(), monitor: old })));
  assert.match(text, /^Monitor: ok — 5xx share 0\.00% in the final window, 26000 logged requests, over 900 s$/m, 'no worst window in the report: none said');
  assert.match(text, /^ {2}Failed probes \(1\):\n {4}! 2030-01-01T00:14:50\.000Z {2}\/cart\/ {2}500$/m);
  assert.doesNotMatch(text, /Access-log intervals/);
});

test("HTML report: the monitor shows the worst window's share and when, and tables of the access-log intervals with 5xx and the failed probes, each row marked a problem, escaped", () => {
  const html = renderReportHtml({ ...fullReport(), monitor: monitorEvidence({ peakWindow: { ...(monitorEvidence().peakWindow as object), errors: 90, errorRate: 0.03 } }) });
  const section = html.slice(html.indexOf('<h2>Monitor</h2>'));
  assert.ok(section.includes('<span class="badge s-pass">pass</span> ok — 5xx share 0.00% in the final window, worst window 3.00% (90 of 3000), over the 2.00% limit, 26000 logged requests, over 900 s</p>'), section);
  assert.ok(section.includes('<p><strong class="flag"><span aria-hidden="true">⚠ </span>problem</strong> Worst window: 3.00% 5xx (90 of 3000 requests), <span class="mono">2030-01-01T00:01:00.000Z</span> → <span class="mono">2030-01-01T00:06:00.000Z</span></p>'), section);
  assert.ok(section.includes('<h3>Access-log intervals with 5xx (12)</h3>'), section);
  const tbody = (from: number) => section.slice(section.indexOf('<tbody>', from), section.indexOf('</tbody>', from));
  const intervals = tbody(section.indexOf('Access-log intervals')).split('<tr').slice(1);
  assert.equal(intervals.length, 12, 'all the evidence kept');
  assert.ok(intervals.every((r) => r.startsWith(' class="problem"><td><strong class="flag"><span aria-hidden="true">⚠ </span>problem</strong></td>')), intervals[0]);
  assert.ok(intervals[0]!.includes('<td><span class="mono">2030-01-01T00:02:00.000Z</span></td><td class="num">10.0s</td><td class="num">34</td><td class="num">100</td><td>502×33, 503×1</td>'), intervals[0]);
  const probes = tbody(section.indexOf('<h3>Failed probes (1)</h3>')).split('<tr').slice(1);
  assert.equal(probes.length, 1, section);
  assert.ok(probes[0]!.startsWith(' class="problem">') && probes[0]!.includes(`<code>/shop/${escapeHtml(HOSTILE)}</code>`) && probes[0]!.includes('<span class="err">no answer: timed out after 5000 ms</span>'), probes[0]);
  assert.ok(!html.includes(HOSTILE), 'a page path is escaped');
  // Under the limit: the worst window is not marked.
  const calm = renderReportHtml({ ...fullReport(), monitor: monitorEvidence() });
  assert.ok(calm.includes('<p>Worst window: 1.50% 5xx (45 of 3000 requests)'), calm.slice(calm.indexOf('<h2>Monitor</h2>')));
  const many = renderReportHtml({ ...fullReport(), monitor: monitorEvidence({ logErrorIntervalCount: 40 }) });
  assert.ok(many.includes('<h3>Access-log intervals with 5xx (40)</h3>') && many.includes('<p class="muted">the newest 12 listed; 28 before them only counted</p>'));
});

test('text and HTML reports: the fallback window of a rolled-back or released cutover is said to have ended, and when, not shown as open', () => {
  const report = fullReport();
  const until = '2030-01-02T00:00:00.000Z';
  report.cutover = { ...(report.cutover as object), state: 'fallback', error: null, fallbackUntil: until };
  assert.match(formatReportText(report), /^Fallback window until 2030-01-02T00:00:00\.000Z$/m, 'open: as before');
  assert.ok(renderReportHtml(report).includes(`<p>Fallback window until <span class="mono">${until}</span></p>`));

  report.cutover = {
    ...(report.cutover as object),
    state: 'rolled_back',
    rollback: { state: 'done', reason: 'changed our minds', automatic: false, startedAt: '2030-01-01T02:00:00.000Z', endedAt: '2030-01-01T02:00:05.000Z', parts: [{ name: 'dns', state: 'done' }] },
  };
  const text = formatReportText(report);
  assert.match(text, /^Fallback window \(until 2030-01-02T00:00:00\.000Z\) ended with the rollback at 2030-01-01T02:00:00\.000Z$/m);
  assert.doesNotMatch(text, /^Fallback window until/m);
  const html = renderReportHtml(report);
  assert.ok(html.includes(`<p>Fallback window (until <span class="mono">${until}</span>) ended with the rollback at <span class="mono">2030-01-01T02:00:00.000Z</span></p>`), html);
  assert.ok(!html.includes('<p>Fallback window until'));

  report.cutover = { ...(report.cutover as object), state: 'completed', rollback: null };
  report.audit = [
    { at: '2030-01-01T00:00:00.000Z', tokenName: 'ci-operator', action: 'create' },
    { at: '2030-01-01T03:00:00.000Z', tokenName: 'ci-operator', action: 'release' },
  ];
  assert.match(formatReportText(report), /^Fallback window \(until 2030-01-02T00:00:00\.000Z\) ended with the release at 2030-01-01T03:00:00\.000Z$/m);
  assert.ok(renderReportHtml(report).includes('ended with the release at <span class="mono">2030-01-01T03:00:00.000Z</span>'));
});

test('text and HTML reports: a fallback window past its end and not closed says it is over and that staging is still held', () => {
  const report = fullReport();
  const until = '2030-01-02T00:00:00.000Z';
  report.cutover = { ...(report.cutover as object), state: 'fallback', error: null, fallbackUntil: until, rollback: null };
  report.fallback = { until, expired: true, ended: null, open: false };
  const text = formatReportText(report);
  assert.match(text, /^Fallback window over since 2030-01-02T00:00:00\.000Z: staging is still held read-only and nothing is released on its own: release when sure, or roll back$/m, text);
  assert.doesNotMatch(text, /^Fallback window until/m);
  const html = renderReportHtml(report);
  assert.ok(html.includes(`<p>Fallback window over since <span class="mono">${until}</span>: staging is still held read-only`), html);
  // Closed by a release after it expired: ended, as before.
  report.cutover = { ...(report.cutover as object), state: 'completed' };
  report.fallback = { until, expired: true, ended: { by: 'release', at: '2030-01-02T01:00:00.000Z' }, open: false };
  assert.match(formatReportText(report), /^Fallback window \(until 2030-01-02T00:00:00\.000Z\) ended with the release at 2030-01-02T01:00:00\.000Z$/m);
});

test('text report: a rollback that only cancelled (before presync and lock) says so where its parts would be, not an empty line', () => {
  const report = fullReport();
  report.cutover = { ...(report.cutover as object), state: 'rolled_back', error: null, rollback: { state: 'done', reason: 'cancel', automatic: false, cancelled: true, startedAt: '2030-01-01T02:00:00.000Z', parts: [] } };
  const lines = formatReportText(report).split('\n');
  const at = lines.indexOf('Rollback: done — cancel');
  assert.ok(at >= 0, lines.join('\n'));
  assert.equal(lines[at + 1], '  cancelled: presync and lock had not run, so nothing was copied or frozen to put back');
});

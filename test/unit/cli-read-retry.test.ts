// `switchyard cutover status|report|list|rollback|release`, `agents` and `parity` against a stand-in
// controller on a flaky link: a dropped connection or a proxy's 502/503/504 is asked again a few
// times, shortly, and said on stderr; an answer (404) and a POST that is not idempotent (advance) are asked once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths.js';

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');

/** What the stand-in does with the n-th request (1-based) for one method and path. */
type Answer = 'drop' | number | { status: number; body: unknown };

interface StandIn {
  url: string;
  /** Every request as `METHOD path`, in order. */
  seen: string[];
}

async function standIn(t: TestContext, answer: (key: string, n: number) => Answer): Promise<StandIn> {
  const seen: string[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.method ?? ''} ${req.url ?? ''}`;
    seen.push(key);
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    req.resume();
    req.on('end', () => {
      const a = answer(key, n);
      if (a === 'drop') {
        req.socket.destroy();
        return;
      }
      const { status, body } = typeof a === 'number' ? { status: a, body: { title: 'away', detail: `stand-in ${a}` } } : a;
      res.writeHead(status, { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function cli(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, SWITCHYARD_URL: url, SWITCHYARD_TOKEN: 't' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

const cutover = (state: string) => ({ status: 200, body: { id: 'co_1', site: 'example.com', state, steps: [] } });

test('cutover status rides out a dropped connection and a 503, saying so on stderr, and prints the cutover', async (t) => {
  const controller = await standIn(t, (_key, n) => (n === 1 ? 'drop' : n === 2 ? 503 : cutover('paused')));
  const run = await cli(controller.url, ['cutover', 'status', 'co_1']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^cutover co_1 \(example\.com\): paused/);
  const notes = run.stderr.trim().split('\n');
  assert.equal(notes.length, 2, run.stderr);
  assert.match(notes[0]!, /^switchyard: GET \/v1\/cutovers\/co_1: cannot reach the controller .*; trying again in 0\.5 s \(try 2 of 5\)$/);
  assert.match(notes[1]!, /^switchyard: GET \/v1\/cutovers\/co_1: 503 away: stand-in 503; trying again in 1\.0 s \(try 3 of 5\)$/);
  assert.deepEqual(controller.seen, Array(3).fill('GET /v1/cutovers/co_1'));
});

test('cutover report and cutover list retry a 502/504 the same way; list resumes at the page that failed', async (t) => {
  const report = { status: 200, body: { generatedAt: '2026-01-01T00:00:00Z', cutover: { id: 'co_1' } } };
  const controller = await standIn(t, (key, n) => {
    if (key === 'GET /v1/cutovers/co_1/report') return n === 1 ? 502 : report;
    if (key === 'GET /v1/cutovers?limit=50') return { status: 200, body: { cutovers: [cutover('paused').body], next: '/v1/cutovers?limit=50&cursor=c1', nextCursor: 'c1' } };
    if (key === 'GET /v1/cutovers?limit=50&cursor=c1') return n === 1 ? 504 : { status: 200, body: { cutovers: [{ ...cutover('completed').body, id: 'co_0' }], next: null, nextCursor: null } };
    return 404;
  });
  const r = await cli(controller.url, ['cutover', 'report', 'co_1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { cutover: { id: string } }).cutover.id, 'co_1');
  assert.match(r.stderr, /^switchyard: GET \/v1\/cutovers\/co_1\/report: 502 away: stand-in 502; trying again/);

  const list = await cli(controller.url, ['cutover', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n'), ['co_1\texample.com\tpaused', 'co_0\texample.com\tcompleted']);
  assert.match(list.stderr, /^switchyard: GET \/v1\/cutovers\?limit=50&cursor=c1: 504 away/);
  assert.deepEqual(controller.seen.filter((k) => k.startsWith('GET /v1/cutovers?')), ['GET /v1/cutovers?limit=50', 'GET /v1/cutovers?limit=50&cursor=c1', 'GET /v1/cutovers?limit=50&cursor=c1']);
});

test('the retries are bounded: five tries, then one clear error line; a 404 is an answer and is asked once', async (t) => {
  const controller = await standIn(t, (key) => (key === 'GET /v1/cutovers/co_1' ? 'drop' : 404));
  const started = Date.now();
  const run = await cli(controller.url, ['cutover', 'status', 'co_1']);
  assert.notEqual(run.code, 0);
  assert.ok(Date.now() - started < 20_000, 'short pauses, not a watch\'s patience');
  assert.equal(controller.seen.length, 5);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.filter((l) => l.includes('trying again')).length, 4, run.stderr);
  assert.match(lines.at(-1)!, /^switchyard: cannot reach the controller at .* \[SY_CONTROLLER_UNREACHABLE\]$/);

  const missing = await cli(controller.url, ['cutover', 'status', 'co_typo']);
  assert.notEqual(missing.code, 0);
  assert.doesNotMatch(missing.stderr, /trying again/);
  assert.equal(controller.seen.filter((k) => k === 'GET /v1/cutovers/co_typo').length, 1);
});

test('a URL fetch will not open (a blocked port) is not asked again, by a read or by watch: one line naming why', async () => {
  for (const args of [['cutover', 'status', 'co_1'], ['cutover', 'watch', 'co_1']]) {
    const started = Date.now();
    const run = await cli('http://127.0.0.1:9', args);
    assert.notEqual(run.code, 0, args.join(' '));
    assert.doesNotMatch(run.stderr, /trying again/, args.join(' '));
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:9: bad port/, args.join(' '));
    assert.ok(Date.now() - started < 5_000, `${args.join(' ')} gave up at once`);
  }
});

test('a certificate the CLI does not trust is not asked again: one line naming why, from a read and from watch', async (t) => {
  const { createServer: createHttps } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const { makePki } = await import('../helpers/pki.js');
  const pki = await makePki(t);
  const tls = await pki.issue('controller', ['IP:127.0.0.1'], 'server');
  let seen = 0;
  const server = createHttps({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, (_req, res) => {
    seen++;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const args of [['cutover', 'status', 'co_1'], ['cutover', 'watch', 'co_1']]) {
    const started = Date.now();
    const run = await cli(url, args);
    assert.notEqual(run.code, 0, args.join(' '));
    assert.doesNotMatch(run.stderr, /trying again/, args.join(' '));
    assert.match(run.stderr, /cannot reach the controller at https:\/\/127\.0\.0\.1:\d+: [A-Z_]*(CERT|SIGNATURE|ISSUER)/, run.stderr);
    assert.ok(Date.now() - started < 5_000, `${args.join(' ')} gave up at once`);
  }
  assert.equal(seen, 0);
});

test('cutover list --all against a controller that sends no nextCursor (from before paging) stops after the first page', async (t) => {
  const page = { cutovers: [{ id: 'co_1', site: 'example.com', state: 'completed', createdAt: '2026-12-01T00:00:00.000Z' }] };
  const controller = await standIn(t, () => ({ status: 200, body: page }));
  const run = await cli(controller.url, ['cutover', 'list', '--all']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /co_1/);
  assert.equal(controller.seen.length, 1, controller.seen.join(', '));
});

test('rollback, idempotent by contract, is asked again after a drop; advance is never retried', async (t) => {
  const controller = await standIn(t, (key, n) => {
    if (key === 'POST /v1/cutovers/co_1/rollback') return n === 1 ? 'drop' : { status: 202, body: cutover('rolling_back').body };
    if (key === 'POST /v1/cutovers/co_1/advance') return 'drop';
    return 404;
  });
  const rb = await cli(controller.url, ['cutover', 'rollback', 'co_1', '--reason', 'flaky']);
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(rb.stdout.trim(), 'co_1\trolling_back');
  assert.match(rb.stderr, /^switchyard: POST \/v1\/cutovers\/co_1\/rollback: cannot reach the controller .*; trying again in 0\.5 s \(try 2 of 5\)\n$/);

  const adv = await cli(controller.url, ['cutover', 'advance', 'co_1', '--until', 'preflight']);
  assert.notEqual(adv.code, 0);
  assert.doesNotMatch(adv.stderr, /trying again/);
  assert.equal(controller.seen.filter((k) => k === 'POST /v1/cutovers/co_1/advance').length, 1, 'a run that may have started is not started twice');
});

test('release, a repeat of which answers the completed cutover, is asked again after a drop', async (t) => {
  const controller = await standIn(t, (key, n) => {
    if (key === 'POST /v1/cutovers/co_1/release') return n === 1 ? 'drop' : cutover('completed');
    return 404;
  });
  const run = await cli(controller.url, ['cutover', 'release', 'co_1']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'co_1\tcompleted');
  assert.match(run.stderr, /^switchyard: POST \/v1\/cutovers\/co_1\/release: cannot reach the controller .*; trying again in 0\.5 s \(try 2 of 5\)\n$/);
  assert.equal(controller.seen.filter((k) => k === 'POST /v1/cutovers/co_1/release').length, 2);
});

test('agents and parity, reads too, ride out a dropped connection and a 502/503/504 the same way', async (t) => {
  const parity = { status: 200, body: { staging: 'staging-1', production: 'prod-1', rows: [], summary: { equal: 0, differs: 0, missing: 0, allowed: 0 } } };
  const controller = await standIn(t, (key, n) => {
    if (key === 'GET /v1/agents') return n === 1 ? 'drop' : n === 2 ? 503 : { status: 200, body: { agents: [{ name: 'prod-1', address: '10.0.0.2:7701', reachable: true, latencyMs: 3 }] } };
    if (key === 'GET /v1/parity/runtime?staging=staging-1&production=prod-1') return n === 1 ? 502 : n === 2 ? 504 : parity;
    return 404;
  });
  const agents = await cli(controller.url, ['agents']);
  assert.equal(agents.code, 0, agents.stderr);
  assert.match(agents.stdout, /^prod-1\s+10\.0\.0\.2:7701\s+reachable \(3 ms\)$/m);
  const notes = agents.stderr.trim().split('\n');
  assert.equal(notes.length, 2, agents.stderr);
  assert.match(notes[0]!, /^switchyard: GET \/v1\/agents: cannot reach the controller .*; trying again in 0\.5 s \(try 2 of 5\)$/);
  assert.match(notes[1]!, /^switchyard: GET \/v1\/agents: 503 away: stand-in 503; trying again in 1\.0 s \(try 3 of 5\)$/);

  const p = await cli(controller.url, ['parity', '--staging', 'staging-1', '--production', 'prod-1', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal((JSON.parse(p.stdout) as { production: string }).production, 'prod-1');
  assert.match(p.stderr, /^switchyard: GET \/v1\/parity\/runtime\?staging=staging-1&production=prod-1: 502 away: stand-in 502; trying again in 0\.5 s \(try 2 of 5\)\n/);
  assert.match(p.stderr, /504 away: stand-in 504; trying again in 1\.0 s \(try 3 of 5\)\n$/);
  assert.equal(controller.seen.filter((k) => k.startsWith('GET /v1/parity/')).length, 3);

  // An answer is an answer: a 404 (no such agent) is asked once.
  const typo = await cli(controller.url, ['parity', '--staging', 'nope', '--production', 'prod-1']);
  assert.notEqual(typo.code, 0);
  assert.doesNotMatch(typo.stderr, /trying again/);
  assert.equal(controller.seen.filter((k) => k.includes('staging=nope')).length, 1);
});

test('parity --staging-host/--production-host ask for the server blocks of those hosts', async (t) => {
  const parity = { status: 200, body: { staging: 'staging-1', production: 'prod-1', rows: [], summary: { equal: 0, differs: 0, missing: 0, allowed: 0 } } };
  const controller = await standIn(t, (key) => (key.startsWith('GET /v1/parity/runtime?') ? parity : 404));
  const p = await cli(controller.url, ['parity', '--staging', 'staging-1', '--production', 'prod-1', '--staging-host', 'staging.example.com', '--production-host', 'www.example.com', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(controller.seen, ['GET /v1/parity/runtime?staging=staging-1&production=prod-1&stagingHost=staging.example.com&productionHost=www.example.com']);
});

test('parity --staging-ip/--production-ip pass each side\'s origin address on with the hosts', async (t) => {
  const parity = { status: 200, body: { staging: 'staging-1', production: 'prod-1', rows: [], summary: { equal: 0, differs: 0, missing: 0, allowed: 0 } } };
  const controller = await standIn(t, (key) => (key.startsWith('GET /v1/parity/runtime?') ? parity : 404));
  const hosts = ['--staging-host', 'staging.example.com', '--production-host', 'www.example.com'];
  const p = await cli(controller.url, ['parity', '--staging', 'staging-1', '--production', 'prod-1', ...hosts, '--staging-ip', '127.0.0.2', '--production-ip', '2001:db8::3', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(controller.seen.length, 1);
  const asked = new URL(`http://x${controller.seen[0]!.slice('GET '.length)}`).searchParams;
  assert.deepEqual([asked.get('stagingHost'), asked.get('productionHost'), asked.get('stagingIp'), asked.get('productionIp')], ['staging.example.com', 'www.example.com', '127.0.0.2', '2001:db8::3']);
});

test('parity --allow-differ may be repeated, and a cron key with commas in its schedule goes to the controller whole', async (t) => {
  const parity = { status: 200, body: { staging: 'staging-1', production: 'prod-1', rows: [], summary: { equal: 0, differs: 0, missing: 0, allowed: 0 } } };
  const controller = await standIn(t, (key) => (key.startsWith('GET /v1/parity/runtime?') ? parity : 404));
  const p = await cli(controller.url, ['parity', '--staging', 'staging-1', '--production', 'prod-1', '--allow-differ', 'cron.job.root:backup@0,30 * * * *', '--allow-differ', 'ENV:FOO,os.kernel', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(controller.seen.length, 1);
  const asked = new URL(`http://x${controller.seen[0]!.slice('GET '.length)}`).searchParams.getAll('allowDiffer');
  assert.deepEqual(asked, ['cron.job.root:backup@0,30 * * * *', 'ENV:FOO,os.kernel']);
});

test("parity: the controller's own 502/504 (an agent it asked did not answer) is its answer, said once, not a proxy's to wait out", async (t) => {
  const controller = await standIn(t, (key) => {
    if (key.includes('production=prod-down')) return { status: 502, body: { code: 'SY_AGENT_UNREACHABLE', title: 'Agent unreachable', detail: 'agent prod-down at 10.0.0.9:7701: ECONNREFUSED' } };
    if (key.includes('production=prod-hung')) return { status: 504, body: { code: 'SY_AGENT_TIMEOUT', title: 'Agent did not answer in time', detail: 'agent prod-hung: no answer in 10000 ms' } };
    return 404;
  });
  for (const agent of ['prod-down', 'prod-hung']) {
    const p = await cli(controller.url, ['parity', '--staging', 'staging-1', '--production', agent]);
    assert.notEqual(p.code, 0);
    assert.doesNotMatch(p.stderr, /trying again/, p.stderr);
    assert.match(p.stderr, agent === 'prod-down' ? /502 Agent unreachable: agent prod-down/ : /504 Agent did not answer in time: agent prod-hung/);
    assert.equal(controller.seen.filter((k) => k.includes(`production=${agent}`)).length, 1, `${agent}: asked once`);
  }
});

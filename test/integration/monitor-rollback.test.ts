// monitor against a REAL agent (gRPC on 127.0.0.3) tailing a temp access log, plus real probes of
// a small production web server on 127.0.0.3: a 5xx burst appended to the log rolls the cutover
// back automatically; a burst under minSamples does not. Every other step is a FAKE.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import { FakeWorld, fakeRollback, fakeSteps, newEngine, tempDir, tempStore, until } from '../helpers/cutover-fakes.js';
import { parsePlan } from '../../controller/cutover/plan.js';
import { monitorExecutor, propagateExecutor } from '../../controller/cutover/steps/index.js';
import type { DnsProvider } from '../../controller/dns/provider.js';
import type { AgentDirectory } from '../../controller/agents/agent-directory.js';
import { tinyDnsServer } from '../helpers/tiny-dns.js';
import type { CutoverEngine } from '../../controller/cutover/machine.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';

const HOST = '127.0.0.3';

const logLine = (status: number, path = '/') => `203.0.113.9 - - [01/Jan/2030:00:00:00 +0000] "GET ${path} HTTP/1.1" ${status} 512 "-" "Mozilla/5.0"\n`;

/** The production web server; with `log`, it writes every request there as nginx would (combined format). */
async function productionSite(t: TestContext, opts: { log?: string; status?: (n: number) => number } = {}): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.headers.host} ${req.url}`);
    const status = opts.status?.(hits.length) ?? 200;
    res.writeHead(status, { 'Content-Type': 'text/html' });
    res.end('<h1>ok</h1>');
    if (opts.log !== undefined) appendFileSync(opts.log, `${req.socket.remoteAddress} - - [01/Jan/2030:00:00:00 +0000] "${req.method} ${req.url} HTTP/1.1" ${status} 11 "-" "${req.headers['user-agent'] ?? '-'}"\n`);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { port: (server.address() as AddressInfo).port, hits };
}

/**
 * A TCP relay between the controller and the agent: `cut()` drops every connection through it and
 * refuses new ones (a network blip, the agent's host rebooting) until `restore()`.
 */
async function relay(t: TestContext, target: { host: string; port: number }): Promise<{ address: string; cut: () => void; restore: () => void }> {
  const open = new Set<Socket>();
  let down = false;
  const server = createTcpServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
      a.on('error', () => b.destroy());
      a.pipe(b);
    }
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  t.after(() => new Promise<void>((r) => {
    for (const s of open) s.destroy();
    server.close(() => r());
  }));
  return {
    address: `${HOST}:${(server.address() as AddressInfo).port}`,
    cut: () => {
      down = true;
      for (const s of open) s.destroy();
    },
    restore: () => {
      down = false;
    },
  };
}

async function setup(t: TestContext, checks: Record<string, unknown>, opts: { accessLog?: boolean; siteLogs?: boolean; status?: (n: number) => number; dnsAnswer?: () => string; viaRelay?: boolean } = {}): Promise<{ engine: CutoverEngine; store: CutoverStore; file: string; agents: AgentDirectory; world: FakeWorld; log: string; hits: string[]; port: number; id: string; link?: Awaited<ReturnType<typeof relay>> }> {
  const dir = tempDir(t, 'sy-monitor-');
  const log = join(dir, 'access.log');
  writeFileSync(log, logLine(500).repeat(200)); // history before the watch: must not count
  const agent = await startTestAgent(t, { name: 'prod-1', host: HOST, insecure: true, config: opts.accessLog === false ? {} : { accessLog: log } });
  const link = opts.viaRelay === true ? await relay(t, { host: HOST, port: agent.port }) : undefined;
  const agents = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: link?.address ?? agent.address }, { name: 'staging-1', address: agent.address }] });
  const site = await productionSite(t, { ...(opts.siteLogs === true ? { log } : {}), ...(opts.status === undefined ? {} : { status: opts.status }) });
  const plan = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: 'http://staging.example.test', ip: '127.0.0.2' },
      production: { agent: 'prod-1', origin: `http://www.example.test:${site.port}`, ip: HOST },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: opts.siteLogs === true ? ['/'] : ['/', '/about/'], maxErrorRate: 0.02, ...checks },
      fallbackHours: 1,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  const { store, file } = tempStore(t);
  const world = new FakeWorld();
  // With dnsAnswer: the real propagate, the zone's one server answering it (no resolvers).
  const propagate = opts.dnsAnswer === undefined ? {} : { propagate: await realPropagate(t, opts.dnsAnswer, agents) };
  const engine = newEngine(store, { executors: fakeSteps(world, { monitor: monitorExecutor({ agents }), ...propagate }), rollback: fakeRollback(world) });
  t.after(() => engine.close());
  const id = engine.create(plan, 'tester').id;
  return { engine, store, file, agents, world, log, hits: site.hits, port: site.port, id, ...(link === undefined ? {} : { link }) };
}

async function realPropagate(t: TestContext, answer: () => string, agents: AgentDirectory) {
  const auth = await tinyDnsServer(t, answer);
  const provider: DnsProvider = { name: 'pdns-test', kind: 'fake', authoritative: [auth], getRecordSet: async () => null, replaceRecordSet: async () => undefined };
  return propagateExecutor({ dns: new Map([['pdns-test', provider]]), config: { resolvers: [] } as never, agents }, { postSwitchValidation: false, intervalMs: 100 });
}

/** Waits until the monitor step has received counts from the agent: its tail is open. */
async function streamOpen(store: CutoverStore, id: string): Promise<void> {
  await until(() => {
    const ev = (store.steps.get(id, 'monitor')?.result as { evidence?: { monitor?: { accessLog?: { messages?: number } } } } | null)?.evidence?.monitor;
    return (ev?.accessLog?.messages ?? 0) >= 1;
  }, 10_000);
}

type MonitorEvidence = { verdict: string; window: { total: number; errors: number; log: { errors: number } }; totals: { log: { total: number; byClass: Record<string, number> }; probes: { total: number; errors: number } }; accessLog: { rotations: { kind: string }[] } };

test('a 5xx burst in the access log over maxErrorRate rolls the cutover back automatically', async (t) => {
  const { engine, store, world, log, hits, port, id } = await setup(t, { monitorMinutes: 0.5, monitorWindowSeconds: 5, monitorIntervalSeconds: 0.2, minSamples: 50 });
  const run = engine.advance(id, 'monitor', 'tester');
  await streamOpen(store, id);
  // Healthy traffic first, across a rename rotation, then the burst.
  appendFileSync(log, logLine(200).repeat(30));
  renameSync(log, `${log}.1`);
  writeFileSync(log, logLine(200).repeat(20) + logLine(503).repeat(40) + logLine(502).repeat(10));
  const started = Date.now();
  const view = await run.done;
  assert.ok(Date.now() - started < 10_000, 'rolled back well before monitorMinutes ended');
  assert.equal(view.state, 'rolled_back', JSON.stringify(view.error));
  const step = view.steps.find((s) => s.name === 'monitor')!;
  assert.equal(step.state, 'failed');
  assert.match(step.error?.message ?? '', /automatic rollback: 5xx share .* over maxErrorRate 2\.0%/);
  assert.ok(world.calls.includes('rollback:dns') && world.calls.includes('rollback:staging'));
  assert.equal(world.count('fallback'), 0);

  const rb = store.rollbacks.get(id)!;
  assert.equal(rb.automatic, true);
  assert.match(rb.reason, /5xx share/);
  const ev = (rb.evidence as { monitor: MonitorEvidence }).monitor;
  assert.equal(ev.verdict, 'rollback');
  assert.equal(ev.window.log.errors, 50);
  assert.equal(ev.totals.log.byClass['5xx'], 50, 'the 200 lines of history before the watch were not counted');
  assert.equal(ev.totals.log.byClass['2xx'], 50);
  assert.deepEqual(ev.accessLog.rotations.map((r) => r.kind), ['rename']);
  assert.ok(ev.totals.probes.total >= 2 && ev.totals.probes.errors === 0, 'the probes reached production and were fine');
  assert.ok(hits.includes(`www.example.test:${port} /about/`) && hits.includes(`www.example.test:${port} /`), 'probes carry the site Host header and the plan pages');
});

test('a 5xx burst under minSamples does not roll back; the watch ends with its evidence', async (t) => {
  const { engine, store, world, log, id } = await setup(t, { monitorMinutes: 0.05, monitorWindowSeconds: 2, monitorIntervalSeconds: 0.25, minSamples: 50 });
  const run = engine.advance(id, 'monitor', 'tester');
  await streamOpen(store, id);
  appendFileSync(log, logLine(500).repeat(10));
  const view = await run.done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const step = view.steps.find((s) => s.name === 'monitor')!;
  assert.equal(step.state, 'succeeded');
  assert.equal(store.rollbacks.get(id), undefined, 'no rollback happened');
  assert.equal(world.calls.filter((c) => c.startsWith('rollback:')).length, 0);
  const ev = (step.result as { evidence: { monitor: MonitorEvidence } }).evidence.monitor;
  assert.equal(ev.totals.log.byClass['5xx'], 10, 'the burst was seen');
  assert.ok(ev.totals.probes.total >= 4);
  assert.match((step.result as { summary?: string }).summary ?? '', /watched 3 s: 10 logged requests/);
});

test('without an access log on the agent, monitor says so and watches with probes alone', async (t) => {
  const { engine, id } = await setup(t, { monitorMinutes: 0.02, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.2, minSamples: 5 }, { accessLog: false });
  const view = await engine.advance(id, 'monitor', 'tester').done;
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const step = view.steps.find((s) => s.name === 'monitor')!;
  assert.match((step.result as { summary?: string }).summary ?? '', /access log not watched: .*has no accessLog in its config/);
  const ev = (step.result as { evidence: { monitor: MonitorEvidence & { accessLog: { connects: number; unavailable: string | null } } } }).evidence.monitor;
  assert.equal(ev.accessLog.connects, 1, 'a configuration gap is not retried');
  assert.ok(ev.totals.probes.total >= 4);
  assert.equal(ev.verdict, 'ok');
});

test('the probes, which production logs too, count once: one failed probe on a quiet site is not a 2-error window', async (t) => {
  // As in production (and the demo): the probed web server writes its access log, which the agent
  // tails. Counted in the log and as probes, ~30 probes a window looked like 60 requests with
  // the one 502 weighing 2 (3.3%, over 2%): a healthy site rolled back. Counted once, no 3 s
  // window reaches minSamples 50; the 6 s watch does, at 1 in ~60.
  const { engine, store, id } = await setup(t, { monitorMinutes: 0.1, monitorWindowSeconds: 3, monitorIntervalSeconds: 0.1, minSamples: 50 }, { siteLogs: true, status: (n) => (n === 5 ? 502 : 200) });
  const view = await engine.advance(id, 'monitor', 'tester').done;
  assert.equal(store.rollbacks.get(id), undefined, `rolled back: ${store.rollbacks.get(id)?.reason}`);
  assert.equal(view.state, 'paused', JSON.stringify(view.error));
  const step = view.steps.find((s) => s.name === 'monitor')!;
  const ev = (step.result as { evidence: { monitor: MonitorEvidence & { totals: { log: { probesSetApart: number } }; accessLog: { probeUserAgent: string; probesInLog: boolean } } } }).evidence.monitor;
  assert.equal(ev.totals.log.total, 0, 'no visitor but the probes: nothing else was logged');
  assert.ok(ev.totals.log.probesSetApart >= 40, `probes the agent set apart: ${ev.totals.log.probesSetApart}`);
  assert.ok(ev.totals.probes.errors === 1 && ev.totals.probes.total >= 50, JSON.stringify(ev.totals.probes));
  assert.match(ev.accessLog.probeUserAgent, /^switchyard-monitor\/[0-9a-f]{12}$/);
  assert.equal(ev.accessLog.probesInLog, false);
  assert.match((step.result as { summary?: string }).summary ?? '', /: 0 logged requests \(\d+ probe lines left out\), \d+ probes \(1 failed\); .*whole watch 1 5xx of \d+\)/);
});

test('a 5xx burst while DNS propagates (before monitor opens the log, across a rotation) is counted and rolls back', async (t) => {
  let switched = false;
  const { engine, store, world, log, id } = await setup(t, { monitorMinutes: 0.1, monitorWindowSeconds: 5, monitorIntervalSeconds: 0.2, minSamples: 50, propagationTimeoutSeconds: 30 }, { dnsAnswer: () => (switched ? HOST : '127.0.0.2') });
  const run = engine.advance(id, 'monitor', 'tester');
  // propagate runs (it takes the log's position as it starts); the zone still answers the old address.
  await until(() => store.steps.get(id, 'propagate')?.state === 'running', 10_000);
  await new Promise((r) => setTimeout(r, 500));
  // Visitors reach production and get errors, the log rotates, more errors, then the burst is over.
  appendFileSync(log, logLine(503).repeat(40) + logLine(200).repeat(10));
  renameSync(log, `${log}.1`);
  writeFileSync(log, logLine(502).repeat(20) + logLine(200).repeat(10));
  switched = true;
  const view = await run.done;
  assert.equal(view.state, 'rolled_back', JSON.stringify(view.error));
  assert.equal(view.steps.find((s) => s.name === 'propagate')?.state, 'succeeded');
  const step = view.steps.find((s) => s.name === 'monitor')!;
  assert.match(step.error?.message ?? '', /automatic rollback: 5xx share .* over maxErrorRate 2\.0%/);
  const ev = (store.rollbacks.get(id)!.evidence as { monitor: MonitorEvidence & { accessLog: { countedFrom: { agentStart: string } } } }).monitor;
  const taken = (view.steps.find((s) => s.name === 'propagate')!.result as { evidence: { accessLogStart: { inode: string; dev?: string } } }).evidence.accessLogStart;
  assert.deepEqual([taken.inode, taken.dev], [statSync(`${log}.1`).ino.toString(), statSync(`${log}.1`).dev.toString()], 'the switch position names the file\'s device too');
  assert.equal(ev.totals.log.byClass['5xx'], 60, 'the burst during propagate, in both files, and none of the 200 lines of history');
  assert.equal(ev.totals.log.byClass['2xx'], 20);
  assert.equal(ev.accessLog.countedFrom.agentStart, 'position');
  assert.equal(world.count('fallback'), 0);
});

test('rotated twice while DNS propagates, the first file gzip\'d since (delaycompress): both files\' 5xx are counted and roll back', async (t) => {
  let switched = false;
  const { engine, store, world, log, id } = await setup(t, { monitorMinutes: 0.1, monitorWindowSeconds: 5, monitorIntervalSeconds: 0.2, minSamples: 50, propagationTimeoutSeconds: 30 }, { dnsAnswer: () => (switched ? HOST : '127.0.0.2') });
  const run = engine.advance(id, 'monitor', 'tester');
  await until(() => store.steps.get(id, 'propagate')?.state === 'running', 10_000);
  await new Promise((r) => setTimeout(r, 500));
  appendFileSync(log, logLine(503).repeat(40) + logLine(200).repeat(10));
  renameSync(log, `${log}.1`);
  const aWritten = new Date(Date.now() - 2000);
  utimesSync(`${log}.1`, aWritten, aWritten);
  writeFileSync(log, logLine(502).repeat(20) + logLine(200).repeat(10));
  // The second rotation: .1 is compressed to .2.gz (mtime kept, as logrotate does), the log becomes .1.
  writeFileSync(`${log}.2.gz`, gzipSync(readFileSync(`${log}.1`)));
  utimesSync(`${log}.2.gz`, aWritten, aWritten);
  unlinkSync(`${log}.1`);
  renameSync(log, `${log}.1`);
  writeFileSync(log, logLine(200).repeat(10));
  switched = true;
  const view = await run.done;
  assert.equal(view.state, 'rolled_back', JSON.stringify(view.error));
  const ev = (store.rollbacks.get(id)!.evidence as { monitor: MonitorEvidence & { accessLog: { countedFrom: { agentStart: string } } } }).monitor;
  assert.equal(ev.totals.log.byClass['5xx'], 60, 'the burst in the compressed file and in the one between, none of the history');
  assert.equal(ev.totals.log.byClass['2xx'], 30);
  assert.equal(ev.accessLog.countedFrom.agentStart, 'position');
  assert.equal(world.count('fallback'), 0);
});

test('a 5xx burst written while the access-log stream is down is counted once it is reopened, and rolls back', async (t) => {
  const { engine, store, world, log, id, link } = await setup(t, { monitorMinutes: 0.25, monitorWindowSeconds: 10, monitorIntervalSeconds: 0.2, minSamples: 50 }, { viaRelay: true });
  const run = engine.advance(id, 'monitor', 'tester');
  await streamOpen(store, id);
  const logged = () => (store.steps.get(id, 'monitor')?.result as { evidence?: { monitor?: MonitorEvidence } } | null)?.evidence?.monitor?.totals.log.byClass ?? {};
  appendFileSync(log, logLine(200).repeat(30));
  await until(() => logged()['2xx'] === 30, 10_000);
  // The connection to the agent drops; the burst happens while the controller cannot hear it.
  link!.cut();
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync(log, logLine(503).repeat(60));
  await new Promise((r) => setTimeout(r, 1500));
  link!.restore();
  const view = await run.done;
  assert.equal(view.state, 'rolled_back', `the burst during the break was missed: ${JSON.stringify(view.steps.find((s) => s.name === 'monitor')?.result)}`);
  assert.match(view.steps.find((s) => s.name === 'monitor')!.error?.message ?? '', /automatic rollback: 5xx share .* over maxErrorRate 2\.0%/);
  const ev = (store.rollbacks.get(id)!.evidence as { monitor: MonitorEvidence & { accessLog: { connects: number; resumed: number; reopenedAtEnd: unknown[] } } }).monitor;
  assert.equal(ev.totals.log.byClass['5xx'], 60, 'every line of the burst, once');
  assert.equal(ev.totals.log.byClass['2xx'], 30, 'the lines before the break were not counted again');
  assert.ok(ev.accessLog.connects >= 2 && ev.accessLog.resumed >= 1, JSON.stringify(ev.accessLog));
  assert.deepEqual(ev.accessLog.reopenedAtEnd, []);
  assert.equal(world.count('fallback'), 0);
});

test('a controller restarted during the watch counts on from where its stored counts ended: a 5xx burst while it was down is counted once, and rolls back', async (t) => {
  const { engine, store, file, agents, world, log, id } = await setup(t, { monitorMinutes: 0.2, monitorWindowSeconds: 10, monitorIntervalSeconds: 0.2, minSamples: 50 });
  void engine.advance(id, 'monitor', 'tester');
  await streamOpen(store, id);
  const stored = () => (store.steps.get(id, 'monitor')?.result as { evidence?: { monitor?: MonitorEvidence & { accessLog: { countedTo?: { inode: string; dev?: string } | null } } } } | null)?.evidence?.monitor;
  appendFileSync(log, logLine(200).repeat(30));
  await until(() => stored()?.totals.log.byClass['2xx'] === 30, 10_000);
  // The controller stops (SIGTERM); the burst happens while no controller runs.
  await engine.close();
  assert.equal(store.cutovers.get(id)!.state, 'interrupted');
  assert.equal(stored()?.accessLog.countedTo?.inode, statSync(log).ino.toString(), 'where the stored counts end is stored with them');
  assert.equal(stored()?.accessLog.countedTo?.dev, statSync(log).dev.toString());
  appendFileSync(log, logLine(503).repeat(60));

  const { store2, world2, second } = restartController(t, file, world, agents);
  await until(() => ['rolled_back', 'paused', 'failed', 'rollback_failed'].includes(second.get(id).state), 20_000);
  const view = second.get(id);
  assert.equal(view.state, 'rolled_back', `the burst while the controller was down was missed: ${JSON.stringify(view.steps.find((s) => s.name === 'monitor')?.result)}`);
  const ev = (store2.rollbacks.get(id)!.evidence as { monitor: MonitorEvidence & { resumed: { accessLog: string }; accessLog: { countedFrom: { storedCountsEnd?: unknown; agentStart: string } } } }).monitor;
  assert.equal(ev.totals.log.byClass['5xx'], 60, 'every line of the burst, once');
  assert.equal(ev.totals.log.byClass['2xx'], 30, 'the stored counts carried on, their lines not counted again');
  assert.match(ev.resumed.accessLog, /counted on from where the interrupted watch's stored counts ended/);
  assert.equal(ev.accessLog.countedFrom.agentStart, 'position');
  assert.ok(world2.calls.includes('rollback:dns'));
});

test('a controller restarted during the watch goes on with the same window: 5xx seen before the restart weigh with those after it', async (t) => {
  // Two pages probed every 0.5 s: ~20 healthy probes in a 5 s window, so no window reaches
  // minSamples 100 on either side of the restart alone; together they do. The healthy history
  // keeps the whole watch under 2% throughout: only the window can see the burst.
  const { engine, store, file, agents, world, log, id } = await setup(t, { monitorMinutes: 0.4, monitorWindowSeconds: 5, monitorIntervalSeconds: 0.5, minSamples: 100 });
  void engine.advance(id, 'monitor', 'tester');
  await streamOpen(store, id);
  const stored = () => (store.steps.get(id, 'monitor')?.result as { evidence?: { monitor?: MonitorEvidence & { scope: string; windowSamples?: { source: string; errors: number }[] } } } | null)?.evidence?.monitor;
  appendFileSync(log, logLine(200).repeat(5000));
  await until(() => stored()?.totals.log.byClass['2xx'] === 5000, 10_000);
  // The healthy history leaves the window; then 30 of 40 requests fail, too few for the window alone.
  await new Promise((r) => setTimeout(r, 5500));
  appendFileSync(log, logLine(200).repeat(10) + logLine(503).repeat(30));
  await until(() => stored()?.totals.log.byClass['5xx'] === 30, 10_000);
  // Judged over the whole watch (the window holds too few): 30 of ~5000, fine.
  assert.deepEqual([stored()?.verdict, stored()?.scope], ['ok', 'watch'], JSON.stringify(stored()?.window));
  const storedWindow = stored()?.windowSamples;
  await engine.close();
  assert.equal(store.cutovers.get(id)!.state, 'interrupted');

  const { store2, world2, second } = restartController(t, file, world, agents);
  // 50 more after the restart (counted on from where the stored counts ended): 80 of ~110 requests in the window.
  appendFileSync(log, logLine(503).repeat(50));
  await until(() => ['rolled_back', 'paused', 'failed', 'rollback_failed'].includes(second.get(id).state), 30_000);
  const view = second.get(id);
  assert.equal(view.state, 'rolled_back', `the window after the restart left out the 5xx seen before it: ${JSON.stringify((view.steps.find((s) => s.name === 'monitor')?.result as { evidence?: { monitor?: { window?: unknown } } } | null)?.evidence?.monitor?.window)}`);
  const ev = (store2.rollbacks.get(id)!.evidence as { monitor: MonitorEvidence & { scope: string } }).monitor;
  assert.equal(ev.scope, 'window');
  assert.equal(ev.window.log.errors, 80, 'the 30 before the restart and the 50 after it, in one window');
  assert.equal(ev.totals.log.byClass['5xx'], 80);
  assert.ok(world2.calls.includes('rollback:dns'));
  assert.equal(storedWindow?.filter((s) => s.source === 'log').reduce((n, s) => n + s.errors, 0), 30, 'the window\'s samples were stored with the counts');
});

/** The controller started again on the state file after a stop: a new store, world and engine, the interrupted watch resumed. */
function restartController(t: TestContext, file: string, world: FakeWorld, agents: Parameters<typeof monitorExecutor>[0]['agents']) {
  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const world2 = new FakeWorld();
  world2.stagingLocked = world.stagingLocked;
  world2.dnsValue = world.dnsValue;
  const second = newEngine(store2, { executors: fakeSteps(world2, { monitor: monitorExecutor({ agents }) }), rollback: fakeRollback(world2) });
  t.after(() => second.close());
  second.resumeAfterRestart();
  return { store2, world2, second };
}

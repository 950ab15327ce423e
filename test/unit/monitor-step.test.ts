// The monitor step on its own (no engine): a FAKE production agent whose TailAccessLog stream the
// test drives, and a REAL little production web server on 127.0.0.1 for the probes.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePlan } from '../../controller/cutover/plan.js';
import { monitorExecutor, storedWatch } from '../../controller/cutover/steps/monitor.js';
import type { StepContext, StepResult } from '../../controller/cutover/executor.js';
import type { StatusCounts__Output } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { silentLogger } from '../../shared/logger.js';
import { fakeTailAccessLog, type FakeCall } from '../helpers/fake-access-log.js';
import { stepWallClockAhead } from '../helpers/clock-step.js';
import { stepContextFor } from '../helpers/cutover-fakes.js';

const HOST = '127.0.0.1';

/** A production agent whose access-log stream sends what `onOpen` schedules. */
function fakeAgents(onOpen: (call: FakeCall, n: number) => void, opts: { predatesExclusion?: boolean } = {}): { agents: never; calls: FakeCall[] } {
  const { client, calls } = fakeTailAccessLog(onOpen, opts);
  return { agents: { client: () => client } as never, calls };
}

function counts(total: number, fivexx: number): StatusCounts__Output {
  return {
    window_start: new Date().toISOString(),
    interval_ms: 100,
    total,
    by_class: fivexx > 0 ? { '2xx': total - fivexx, '5xx': fivexx } : { '2xx': total },
    by_status: {},
    unparsed: 0,
    rotations: [],
    path: '/var/log/site.log',
    excluded: 0,
    excluded_user_agent: '',
    start: '',
    unread: [],
    read_error: '',
    unplaced: [],
    // As an agent that predates counted_to sends them: a reopened stream starts at the log's end.
    counted_to: null,
  };
}

async function site(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

/** A port nothing listens on: every probe is refused, as with production's web server down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function planFor(port: number, checks: Record<string, unknown>) {
  return parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: 'http://staging.example.test', ip: '127.0.0.2' },
      production: { agent: 'prod-1', origin: `http://www.example.test:${port}`, ip: HOST },
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { maxErrorRate: 0.02, ...checks },
      fallbackHours: 1,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
}

const ctxFor = (plan: ReturnType<typeof planFor>, signal?: AbortSignal): StepContext => stepContextFor(plan, 'monitor', signal);

type MonitorEvidence = { verdict: string; window: { total: number; errors: number; log: { total: number; errors: number } } };
const monitorOf = (r: StepResult) => (r.evidence as { monitor: MonitorEvidence }).monitor;

test('a window once over maxErrorRate rolls back, even if the next probes bring the share under again', async (t) => {
  // Probes answer 200 slowly, so the agent's counts arrive while the first round is in flight.
  const prod = await site(t, (_req, res) => setTimeout(() => res.end('ok'), 400));
  const { agents } = fakeAgents((call, n) => {
    // 2 of 99 is 2.02%: over 2%. Two good probes later it is 2 of 101, 1.98%.
    if (n === 1) setTimeout(() => call.emit('data', counts(99, 2)), 100);
  });
  const plan = planFor(prod.port, { pages: ['/', '/a/'], monitorMinutes: 3 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 1, minSamples: 50 });
  const started = Date.now();
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.ok(result.rollback !== undefined, `no rollback: ${result.summary}`);
  assert.match(result.rollback.reason, /2 of 99 requests/);
  assert.equal(monitorOf(result).verdict, 'rollback');
  assert.equal(monitorOf(result).window.errors, 2);
  assert.ok(Date.now() - started < 2500, 'rolled back without waiting for the watch to end');
  // No round after the one in flight: the verdict is acted on, not probed over and over.
  assert.ok(prod.hits() <= 2, `probe requests: ${prod.hits()}`);
});

test('production down on a quiet site: no window fills up, so the watch so far is judged and rolls back', async (t) => {
  // One page (a sitemap-only plan probes just the home page) and windows that never reach
  // minSamples: 10 probes a window against 20 needed, as 30 a window against 50 with the defaults.
  const port = await deadPort();
  const { agents } = fakeAgents((call) => {
    // The agent is fine and the log is quiet: nothing reaches the dead web server.
    const timer = setInterval(() => call.emit('data', counts(0, 0)), 100);
    const stop = () => clearInterval(timer);
    call.cancel = stop;
    t.after(stop);
  });
  const plan = planFor(port, { pages: ['/'], monitorMinutes: 4 / 60, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.1, minSamples: 20 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.ok(result.rollback !== undefined, `no rollback: ${result.summary}`);
  assert.match(result.rollback.reason, /whole watch/);
  assert.match(result.rollback.reason, /5xx share 100\.0%/);
  const ev = monitorOf(result) as MonitorEvidence & { scope: string };
  assert.equal(ev.verdict, 'rollback');
  assert.equal(ev.scope, 'watch');
  assert.ok(ev.window.total >= 20 && ev.window.errors === ev.window.total, JSON.stringify(ev.window));
});

test('a quiet healthy site with one failed probe is judged over the watch and passes', async (t) => {
  let n = 0;
  const prod = await site(t, (_req, res) => {
    res.statusCode = ++n === 1 ? 502 : 200; // the first request meets a cold upstream
    res.end();
  });
  const { agents } = fakeAgents(() => undefined);
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 6 / 60, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  assert.match(result.summary ?? '', /whole watch 1 5xx of \d+/);
});

test('a wall-clock step during the watch neither ends it early nor empties the window', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const { agents } = fakeAgents(() => undefined);
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 2 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 5 });
  // NTP stepping the clock an hour ahead (or a VM resumed) half a second in.
  const clock = stepWallClockAhead(t, 500);
  const started = performance.now();
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  const took = performance.now() - started;
  clock.restore();
  assert.equal(result.rollback, undefined);
  assert.ok(took >= 1900, `the 2 s watch ended after ${Math.round(took)} ms`);
  const ev = monitorOf(result);
  assert.ok(ev.window.total >= 10, `the window kept the probes from before the step: ${JSON.stringify(ev.window)}`);
});

test('the summary says when the access log was not what was counted: other formats, a broken stream', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  // The agent's log is in some other format (JSON lines, say): every line unparsed.
  const { agents } = fakeAgents((call, n) => {
    const timer = setInterval(() => call.emit('data', { ...counts(0, 0), unparsed: 40, by_class: {} }), 100);
    const stop = () => clearInterval(timer);
    call.cancel = stop;
    t.after(stop);
    // The first stream breaks after a few messages (agent restarted); the feed reconnects.
    if (n === 1) setTimeout(() => {
      stop();
      call.emit('error', Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14, details: 'Connection dropped' }));
    }, 350);
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 2 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 5 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.equal(result.rollback, undefined);
  assert.match(result.summary ?? '', /0 logged requests/);
  assert.match(result.summary ?? '', /\d+ access-log lines not in combined format \(or over 64 KiB\), not counted/);
  assert.match(result.summary ?? '', /access-log stream broke 1 time/);
  // Its counts say nothing of where they end (an agent that predates counted_to): reopened at the end.
  assert.match(result.summary ?? '', /1 reopened at the log's end, lines written while it was down not counted \(agent prod-1 predates saying where its counts end \(counted_to\): upgrade it\)/);
});

test('a watch cut short by a restart resumes with only the time still owed, and says so', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const { agents } = fakeAgents(() => undefined);
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 10 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 5 });
  // The attempt the restart cut short had watched 9 of the 10 s (its evidence, as put each round).
  const previousAttempt = {
    cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null,
    result: { evidence: { monitor: { elapsedSeconds: 9, watchedSeconds: 9 } } },
  };
  const started = performance.now();
  const result = await monitorExecutor({ agents }).run({ ...ctxFor(plan), attempt: 2, previousAttempt } as StepContext);
  const took = performance.now() - started;
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  assert.ok(took >= 900 && took < 4000, `owed 1 s, watched ${Math.round(took)} ms`);
  const ev = (result.evidence as { monitor: { watchedSeconds: number; resumed?: { watchedBeforeSeconds: number; owedSeconds: number } } }).monitor;
  assert.deepEqual(ev.resumed && [ev.resumed.watchedBeforeSeconds, ev.resumed.owedSeconds], [9, 1]);
  assert.ok(ev.watchedSeconds >= 10, `watched ${ev.watchedSeconds} s in all`);
  assert.match(result.summary ?? '', /watched 10 s \(9 s before an interruption, 1 s after it/);

  // An attempt that had watched it all before the restart owes nothing.
  const done = { ...previousAttempt, result: { evidence: { monitor: { watchedSeconds: 10.4 } } } };
  const hits = prod.hits();
  const again = await monitorExecutor({ agents }).run({ ...ctxFor(plan), attempt: 3, previousAttempt: done } as StepContext);
  assert.match(again.summary ?? '', /already complete/);
  assert.equal(prod.hits(), hits, 'no probe sent for a watch already done');
});

test('a resumed watch cut short again before its first round still records the time watched before', async (t) => {
  // Probes hang: the first round never ends before the abort.
  const prod = await site(t, () => undefined);
  const { agents } = fakeAgents(() => undefined);
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 10 / 60, monitorIntervalSeconds: 1, minSamples: 5 });
  const previousAttempt = {
    cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 2, startedAt: null, endedAt: null, error: null,
    result: { evidence: { monitor: { watchedSeconds: 7 } } },
  };
  const abort = new AbortController();
  const ctx = { ...ctxFor(plan, abort.signal), attempt: 3, previousAttempt } as StepContext;
  const run = monitorExecutor({ agents }).run(ctx);
  await new Promise((r) => setTimeout(r, 100));
  const put = ctx.record.get('monitor') as { watchedSeconds: number } | undefined;
  abort.abort();
  await run;
  assert.ok(put !== undefined && put.watchedSeconds >= 7, `recorded before the first round: ${JSON.stringify(put)}`);
});

test('probes carry the user agent the agent is asked to leave out; an agent too old to do so is named', async (t) => {
  const agents: string[] = [];
  const prod = await site(t, (req, res) => {
    agents.push(req.headers['user-agent'] ?? '');
    res.end('ok');
  });
  const checks = { pages: ['/'], monitorMinutes: 0.6 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 5 };
  const emitting = (call: FakeCall): void => {
    const timer = setInterval(() => call.emit('data', counts(3, 0)), 100);
    const stop = () => clearInterval(timer);
    call.cancel = stop;
    t.after(stop);
  };
  const current = fakeAgents(emitting);
  const result = await monitorExecutor({ agents: current.agents }).run(ctxFor(planFor(prod.port, checks)));
  const asked = current.calls[0]!.request.exclude_user_agent;
  assert.match(asked ?? '', /^switchyard-monitor\/[0-9a-f]{12}$/);
  assert.ok(agents.length > 0 && agents.every((a) => a === asked), `probe user agents: ${[...new Set(agents)].join(', ')}`);
  assert.doesNotMatch(result.summary ?? '', /counted twice/);

  const old = fakeAgents(emitting, { predatesExclusion: true });
  const again = await monitorExecutor({ agents: old.agents }).run(ctxFor(planFor(prod.port, checks)));
  assert.match(again.summary ?? '', /agent prod-1 predates leaving the probes out of its access-log counts: probes answered were counted twice \(upgrade the agent\)/);
  assert.equal((again.evidence as { monitor: { accessLog: { probesInLog: boolean } } }).monitor.accessLog.probesInLog, true);
});

test('the switch position propagate took is asked for on the first stream only; an agent that predates it is noted, counting from monitor start', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const { agents, calls } = fakeAgents((call, n) => {
    // The first stream sends once and breaks; the reopened one keeps sending.
    if (n === 1) {
      setTimeout(() => call.emit('data', counts(1, 0)), 50);
      setTimeout(() => call.emit('end'), 100);
    } else {
      const timer = setInterval(() => call.emit('data', counts(0, 0)), 100);
      call.cancel = () => clearInterval(timer);
      t.after(() => clearInterval(timer));
    }
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 2.5 / 60, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const tailSha256 = 'ab'.repeat(32);
  const propagate = { state: 'succeeded', result: { evidence: { accessLogStart: { path: '/var/log/site.log', inode: '1234', offset: '5678', at: new Date().toISOString(), tailSha256 } } } };
  const ctx = { ...ctxFor(plan), record: { ...ctxFor(plan).record, step: (name: string) => (name === 'propagate' ? propagate : undefined) } } as unknown as StepContext;
  const result = await monitorExecutor({ agents }).run(ctx);
  assert.ok(calls.length >= 2, `streams opened: ${calls.length}`);
  const req = (i: number) => calls[i]!.request as { from_inode?: string; from_offset?: string; from_tail_sha256?: string };
  assert.equal(req(0).from_inode, '1234');
  assert.equal(req(0).from_offset, '5678');
  assert.equal(req(0).from_tail_sha256, tailSha256, 'without it, a log compressed or copied since the switch is not found again');
  assert.equal(req(1).from_inode, undefined, 'a reopened stream would count the lines since the switch twice');
  // The fake's counts carry no `start`, as an agent that predates from_inode answers.
  assert.match(result.summary ?? '', /agent prod-1 predates counting from the switch: access log counted from monitor's start only/);
});

test('the backlog since the switch is judged at once but leaves the window when counted live it would have, not a window after monitor starts', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearTimeout(x)));
  const { agents } = fakeAgents((call, n) => {
    if (n !== 1) return;
    // 100 healthy requests logged over the minute since the switch, then a live 2 of 50 (4%).
    timers.push(setTimeout(() => call.emit('data', { ...counts(100, 0), start: 'position' }), 50));
    timers.push(setTimeout(() => call.emit('data', { ...counts(50, 2), start: 'position' }), 250));
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.7 / 60, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const propagate = { state: 'succeeded', result: { evidence: { accessLogStart: { path: '/var/log/site.log', inode: '1234', offset: '5678', at: new Date(Date.now() - 60_000).toISOString() } } } };
  const ctx = { ...ctxFor(plan), record: { ...ctxFor(plan).record, step: (name: string) => (name === 'propagate' ? propagate : undefined) } } as unknown as StepContext;
  const result = await monitorExecutor({ agents }).run(ctx);
  // Kept a whole second after it arrived, the minute-old backlog would dilute 2 of 50 to 2 of 150+.
  assert.ok(result.rollback !== undefined, `no rollback: ${result.summary}`);
  assert.match(result.rollback.reason, /2\/50 in the access log/);
});

test('takeAccessLogStart keeps the fingerprint of the bytes before the position, and leaves it out when an older agent sends none', async () => {
  const { takeAccessLogStart } = await import('../../controller/cutover/steps/access-log-start.js');
  const answer = (tail: string) => ({ AccessLogPosition: (_req: unknown, _opts: unknown, cb: (err: Error | null, res?: unknown) => void) => cb(null, { path: '/var/log/site.log', inode: '12', offset: '34', at: '2030-01-01T00:00:00.000Z', tail_sha256: tail }) });
  assert.deepEqual(await takeAccessLogStart(() => answer('cd'.repeat(32)) as never, 'prod-1'), { path: '/var/log/site.log', inode: '12', offset: '34', at: '2030-01-01T00:00:00.000Z', tailSha256: 'cd'.repeat(32) });
  assert.deepEqual(await takeAccessLogStart(() => answer('') as never, 'prod-1'), { path: '/var/log/site.log', inode: '12', offset: '34', at: '2030-01-01T00:00:00.000Z' });
});

test('takeAccessLogStart: an agent without AccessLogPosition (UNIMPLEMENTED) is recorded as such, not an error', async () => {
  const { takeAccessLogStart } = await import('../../controller/cutover/steps/access-log-start.js');
  const client = { AccessLogPosition: (_req: unknown, _opts: unknown, cb: (err: Error | null, res?: unknown) => void) => cb(Object.assign(new Error('12 UNIMPLEMENTED: The server does not implement the method AccessLogPosition'), { code: 12 })) };
  const r = await takeAccessLogStart(() => client as never, 'prod-1');
  assert.match((r as { unavailable: string }).unavailable, /agent prod-1 predates AccessLogPosition/);
});

/** A watch counted from a switch a minute ago: the agent's first counts, from that position, carry `extra`. */
async function watchFromSwitch(t: TestContext, extra: Partial<StatusCounts__Output>): Promise<{ result: StepResult; switchAt: number; began: number }> {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearTimeout(x)));
  const { agents } = fakeAgents((call, n) => {
    if (n === 1) timers.push(setTimeout(() => call.emit('data', { ...counts(20, 0), start: 'position', ...extra }), 50));
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.4 / 60, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const switchAt = Date.now() - 60_000;
  const propagate = { state: 'succeeded', result: { evidence: { accessLogStart: { path: '/var/log/site.log', inode: '1234', offset: '5678', at: new Date(switchAt).toISOString() } } } };
  const ctx = { ...ctxFor(plan), record: { ...ctxFor(plan).record, step: (name: string) => (name === 'propagate' ? propagate : undefined) } } as unknown as StepContext;
  const began = Date.now();
  const result = await monitorExecutor({ agents }).run(ctx);
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  return { result, switchAt, began };
}

test('a rotated file the agent could not read is named in the summary and the evidence', async (t) => {
  const unread = '/var/log/site.log-20301231.xz: not read: 812 bytes compressed as .xz, which the agent does not decompress';
  const { result } = await watchFromSwitch(t, { unread: [unread] });
  const ev = (result.evidence as { monitor: { accessLog: { unread: { file: string }[] } } }).monitor;
  assert.deepEqual(ev.accessLog.unread.map((u) => u.file), [unread]);
  assert.match(result.summary ?? '', /1 rotated access-log file not read, its lines not counted \(\/var\/log\/site\.log-20301231\.xz: not read/);
});

test('a rotated-away log the agent could not place among its copies (files after it taken by mtime) is said in the summary and the evidence', async (t) => {
  const why = '/var/log/site.log rotated away (inode 77) was not found beside it (moved elsewhere, …): the files rotated after it were taken by their mtime (none), so lines of one in between may be missed or counted twice';
  const { result } = await watchFromSwitch(t, { unplaced: [why] });
  const ev = (result.evidence as { monitor: { accessLog: { unplaced: { why: string }[]; unplacedCount: number } } }).monitor;
  assert.deepEqual(ev.accessLog.unplaced.map((u) => u.why), [why]);
  assert.equal(ev.accessLog.unplacedCount, 1);
  assert.match(result.summary ?? '', /once the rotated access-log files in between were told by their mtime, not their names: lines of one may be missed or counted twice \(\/var\/log\/site\.log rotated away \(inode 77\)/);
});

test('intervals in which the agent could not read the log are said in the summary and the evidence', async (t) => {
  const message = "EACCES: permission denied, open '/var/log/site.log'";
  const prod = await site(t, (_req, res) => res.end('ok'));
  const { agents } = fakeAgents((call, n) => {
    if (n !== 1) return;
    const timer = setInterval(() => call.emit('data', { ...counts(0, 0), read_error: message }), 100);
    call.cancel = () => clearInterval(timer);
    t.after(() => clearInterval(timer));
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.5 / 60, monitorWindowSeconds: 1, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  const ev = (result.evidence as { monitor: { accessLog: { readErrors: { message: string; intervals: number }[] } } }).monitor;
  assert.equal(ev.accessLog.readErrors.length, 1, 'one entry for a run of the same error');
  assert.equal(ev.accessLog.readErrors[0]!.message, message);
  assert.ok(ev.accessLog.readErrors[0]!.intervals >= 2, JSON.stringify(ev.accessLog.readErrors));
  assert.match(result.summary ?? '', /the agent could not read the access log in \d+ intervals, nothing counted while so \(EACCES: permission denied/);
});

test('counted from the switch: the watch is said to span from the switch, and monitor\'s own start is given apart', async (t) => {
  const { result, switchAt, began } = await watchFromSwitch(t, {});
  const ev = (result.evidence as { monitor: { watch: { from: string; log: { total: number } }; monitorStartedAt: string } }).monitor;
  assert.equal(ev.watch.log.total, 20);
  assert.ok(Math.abs(Date.parse(ev.watch.from) - switchAt) < 2000, `watch.from ${ev.watch.from} is not the switch (${new Date(switchAt).toISOString()})`);
  assert.ok(Math.abs(Date.parse(ev.monitorStartedAt) - began) < 2000, `monitorStartedAt ${ev.monitorStartedAt}`);
});

/** A context whose propagate step took `accessLogStart` at the switch. */
function ctxWithSwitch(plan: ReturnType<typeof planFor>, accessLogStart: Record<string, unknown>, signal?: AbortSignal): StepContext {
  const base = ctxFor(plan, signal);
  const propagate = { state: 'succeeded', result: { evidence: { accessLogStart } } };
  return { ...base, record: { ...base.record, step: (name: string) => (name === 'propagate' ? propagate : undefined) } } as unknown as StepContext;
}

test('a watch resumed after a controller restart counts on from where its stored counts ended, with those counts, and says so', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearInterval(x)));
  const pos = (offset: number) => ({ inode: '4242', dev: '2049', offset: String(offset), tail_sha256: 'ef'.repeat(32) });
  // Attempt 1: the agent counts 30 healthy requests in two intervals, each saying where its lines end.
  let sent = 0;
  const first = fakeAgents((call) => {
    const timer = setInterval(() => {
      sent++;
      call.emit('data', { ...counts(sent <= 2 ? 15 : 0, 0), start: 'position', counted_to: pos(sent <= 2 ? 1000 * sent : 2000) });
    }, 50);
    timers.push(timer);
    call.cancel = () => clearInterval(timer);
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 3 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const switchPos = { path: '/var/log/site.log', inode: '4242', dev: '2049', offset: '0', at: new Date().toISOString() };
  const abort = new AbortController();
  const ctx1 = ctxWithSwitch(plan, switchPos, abort.signal);
  const run1 = monitorExecutor({ agents: first.agents }).run(ctx1);
  const stored = () => ctx1.record.get('monitor') as { totals: { log: { byClass: Record<string, number> } }; accessLog: { countedTo: { offset: string } | null } } | undefined;
  const until = async (ok: () => boolean) => {
    for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() - t0 > 5000) throw new Error('timed out');
  };
  await until(() => stored()?.totals.log.byClass['2xx'] === 30);
  // The controller stops: what the store holds is the last evidence put, as JSON.
  abort.abort();
  await run1;
  const kept = JSON.parse(JSON.stringify(stored())) as NonNullable<ReturnType<typeof stored>>;
  assert.equal(kept.totals.log.byClass['2xx'], 30);
  assert.deepEqual(kept.accessLog.countedTo && { ...kept.accessLog.countedTo, at: undefined }, { inode: '4242', dev: '2049', offset: '2000', tailSha256: 'ef'.repeat(32), at: undefined }, 'where the stored counts end');

  // Attempt 2, after the restart: 60 errors were logged while the controller was down.
  const second = fakeAgents((call) => {
    timers.push(setTimeout(() => call.emit('data', { ...counts(60, 60), start: 'position', counted_to: pos(8000) }), 50));
  });
  const previousAttempt = { cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null, result: { evidence: { monitor: kept } } };
  const result = await monitorExecutor({ agents: second.agents }).run({ ...ctxWithSwitch(plan, switchPos), attempt: 2, previousAttempt } as StepContext);
  const req = second.calls[0]!.request as Record<string, unknown>;
  assert.deepEqual([req.from_inode, req.from_offset, req.from_dev, req.from_tail_sha256], ['4242', '2000', '2049', 'ef'.repeat(32)], 'asked to go on from where the stored counts ended, not the switch nor the end');
  assert.ok(result.rollback !== undefined, `the burst while the controller was down was not judged: ${result.summary}`);
  const ev = (result.rollback.evidence as { monitor: { totals: { log: { byClass: Record<string, number> } }; resumed: { accessLog: string }; accessLog: { countedFrom: { storedCountsEnd?: { offset: string }; agentStart: string }; countedTo: { offset: string } } } }).monitor;
  assert.deepEqual(ev.totals.log.byClass, { '2xx': 30, '5xx': 60 }, 'the stored counts carried on, each line once');
  assert.match(ev.resumed.accessLog, /counted on from where the interrupted watch's stored counts ended: lines logged while the controller was down counted, none twice/);
  assert.equal(ev.accessLog.countedFrom.storedCountsEnd?.offset, '2000');
  assert.equal(ev.accessLog.countedFrom.agentStart, 'position');
  assert.equal(ev.accessLog.countedTo.offset, '8000');
});

test('a watch resumed before it stored any counts counts from the switch; one resumed from counts that say no position, from the end, and says why', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.3 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const switchPos = { path: '/var/log/site.log', inode: '4242', dev: '2049', offset: '77', at: new Date().toISOString(), tailSha256: 'ab'.repeat(32) };
  const interrupted = (evidence: unknown) => ({ cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null, result: evidence === null ? null : { evidence } });
  const none = fakeAgents(() => undefined);
  const a = await monitorExecutor({ agents: none.agents }).run({ ...ctxWithSwitch(plan, switchPos), attempt: 2, previousAttempt: interrupted(null) } as StepContext);
  const req = none.calls[0]!.request as Record<string, unknown>;
  assert.deepEqual([req.from_inode, req.from_offset, req.from_dev], ['4242', '77', '2049'], 'nothing was counted: from the switch');
  assert.match(a.summary ?? '', /access log to be counted on from the switch \(the interrupted watch had stored no counts\)/);

  const old = fakeAgents(() => undefined);
  const b = await monitorExecutor({ agents: old.agents }).run({ ...ctxWithSwitch(plan, switchPos), attempt: 2, previousAttempt: interrupted({ monitor: { watchedSeconds: 0.1, totals: { log: { total: 5, byClass: { '2xx': 5 } }, probes: { total: 1, errors: 0 } }, accessLog: { countedTo: null } } }) } as StepContext);
  assert.equal((old.calls[0]!.request as Record<string, unknown>).from_inode, undefined, 'no position to go on from: the end, not the switch (those lines were counted)');
  assert.match(b.summary ?? '', /access log counted from the resume: lines logged while the controller was down not counted \(the interrupted watch's counts did not say where their lines end/);
  assert.match(b.summary ?? '', /: 5 logged requests/, 'the stored counts are carried on');
});

test('the switch position\'s device is asked for with it, so a file of that inode on another filesystem is not taken for the log', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const { agents, calls } = fakeAgents(() => undefined);
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.2 / 60, monitorIntervalSeconds: 0.1, minSamples: 50 });
  await monitorExecutor({ agents }).run(ctxWithSwitch(plan, { path: '/var/log/site.log', inode: '1234', dev: '64769', offset: '5678', at: new Date().toISOString() }));
  const req = calls[0]!.request as Record<string, unknown>;
  assert.deepEqual([req.from_inode, req.from_dev], ['1234', '64769']);

  const { takeAccessLogStart } = await import('../../controller/cutover/steps/access-log-start.js');
  const answer = { AccessLogPosition: (_req: unknown, _opts: unknown, cb: (err: Error | null, res?: unknown) => void) => cb(null, { path: '/var/log/site.log', inode: '12', dev: '64769', offset: '34', at: '2030-01-01T00:00:00.000Z', tail_sha256: '' }) };
  assert.deepEqual(await takeAccessLogStart(() => answer as never, 'prod-1'), { path: '/var/log/site.log', inode: '12', dev: '64769', offset: '34', at: '2030-01-01T00:00:00.000Z' });
});

test('a rotated file named twice is one file in the summary, and the files named are capped', async (t) => {
  const xz = (day: number) => `/var/log/site.log-203012${String(day).padStart(2, '0')}.xz: not read: 812 bytes compressed as .xz, which the agent does not decompress`;
  const days = Array.from({ length: 25 }, (_, i) => i + 1);
  // The first named again with another reason, as a reopened stream may.
  const { result } = await watchFromSwitch(t, { unread: [...days.map(xz), '/var/log/site.log-20301201.xz: read 3 lines, then EIO'] });
  const ev = (result.evidence as { monitor: { accessLog: { unread: { file: string }[]; unreadCount: number } } }).monitor;
  assert.match(result.summary ?? '', /; 25 rotated access-log files not read, their lines not counted \(\/var\/log\/site\.log-20301201\.xz: not read[^;]*; [^;]*02\.xz[^;]*; [^;]*03\.xz[^;]*; and 22 more, the first 20 named in the evidence's accessLog\.unread\)/);
  assert.equal(ev.accessLog.unreadCount, 25);
  assert.deepEqual(ev.accessLog.unread.map((u) => u.file), days.slice(0, 20).map(xz), 'each file once, as first named, the first 20');
});

test('a watch resumed after a restart still says its carried counts hold the probes twice when the interrupted one\'s agent predated leaving them out', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.3 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const switchPos = { path: '/var/log/site.log', inode: '4242', dev: '2049', offset: '0', at: new Date().toISOString() };
  const kept = { watchedSeconds: 0.1, totals: { log: { total: 40, byClass: { '2xx': 40 } }, probes: { total: 20, errors: 0 } }, accessLog: { countedTo: { inode: '4242', dev: '2049', offset: '900' }, probesInLog: true } };
  const previousAttempt = { cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null, result: { evidence: { monitor: kept } } };
  // The agent, upgraded meanwhile, leaves the probes out now (or sends nothing after the restart).
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearInterval(x)));
  const current = fakeAgents((call) => {
    const timer = setInterval(() => call.emit('data', { ...counts(0, 0), start: 'position', counted_to: { inode: '4242', dev: '2049', offset: '900', tail_sha256: '' } }), 100);
    timers.push(timer);
    call.cancel = () => clearInterval(timer);
  });
  const result = await monitorExecutor({ agents: current.agents }).run({ ...ctxWithSwitch(plan, switchPos), attempt: 2, previousAttempt } as StepContext);
  assert.equal((result.evidence as { monitor: { accessLog: { probesInLog: boolean } } }).monitor.accessLog.probesInLog, true, 'the carried counts hold the probes');
  assert.match(result.summary ?? '', /the interrupted watch's access-log counts carried on hold the probes answered too \(agent prod-1 then predated leaving them out\): those were counted twice/);
  assert.doesNotMatch(result.summary ?? '', /upgrade the agent/, 'this attempt\'s agent leaves them out');

  // Stored again and resumed again: still carried.
  const again = await monitorExecutor({ agents: fakeAgents(() => undefined).agents }).run({ ...ctxWithSwitch(plan, switchPos), attempt: 3, previousAttempt: { ...previousAttempt, attempt: 2, result: { evidence: { monitor: { ...(result.evidence as { monitor: Record<string, unknown> }).monitor, watchedSeconds: 0.1 } } } } } as StepContext);
  assert.equal((again.evidence as { monitor: { accessLog: { probesInLog: boolean } } }).monitor.accessLog.probesInLog, true);
});

test('a watch counting from the log\'s end and cut short before any counts arrived goes on from where the log ended as it began, not from the end again', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 3 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const switchPos = { path: '/var/log/site.log', inode: '4242', dev: '2049', offset: '0', at: new Date().toISOString() };
  const interrupted = (attempt: number, evidence: unknown) => ({ cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt, startedAt: null, endedAt: null, error: null, result: { evidence } });
  // Where the log ends when each watch begins: it grows meanwhile.
  let end = 5000;
  const withPosition = (onOpen: Parameters<typeof fakeTailAccessLog>[0]) => {
    const { client, calls } = fakeTailAccessLog(onOpen);
    const position = (_req: unknown, _opts: unknown, cb: (err: Error | null, res?: unknown) => void) => cb(null, { path: '/var/log/site.log', inode: '4242', dev: '2049', offset: String(end), at: new Date().toISOString(), tail_sha256: 'cd'.repeat(32) });
    return { agents: { client: () => ({ ...client, AccessLogPosition: position }) } as never, calls };
  };
  // Attempt 2 resumes one whose counts said no position (an agent then too old): from the end. Its
  // agent sends nothing before the controller stops again.
  const quiet = withPosition(() => undefined);
  const abort = new AbortController();
  const ctx2 = { ...ctxWithSwitch(plan, switchPos, abort.signal), attempt: 2, previousAttempt: interrupted(1, { monitor: { watchedSeconds: 0.5, totals: { log: { total: 5, byClass: { '2xx': 5 } }, probes: { total: 1, errors: 0 } }, accessLog: { countedTo: null } } }) } as StepContext;
  const run2 = monitorExecutor({ agents: quiet.agents }).run(ctx2);
  const stored = () => ctx2.record.get('monitor') as { accessLog: { countedTo: { offset: string } | null; countedFrom: unknown } } | undefined;
  for (const t0 = Date.now(); quiet.calls.length === 0; await new Promise((r) => setTimeout(r, 20))) if (Date.now() - t0 > 5000) throw new Error('no stream opened');
  abort.abort();
  await run2;
  const kept = JSON.parse(JSON.stringify(stored())) as NonNullable<ReturnType<typeof stored>>;
  assert.equal((quiet.calls[0]!.request as Record<string, unknown>).from_offset, '5000', 'counted from where the log ended as the watch began');
  // 60 errors logged after that point: while attempt 2 waited for its first counts, and while the controller was down.
  end = 9000;
  const second = withPosition((call) => {
    const timer = setTimeout(() => call.emit('data', { ...counts(60, 60), start: 'position', counted_to: { inode: '4242', dev: '2049', offset: '9000', tail_sha256: '' } }), 50);
    t.after(() => clearTimeout(timer));
  });
  const result = await monitorExecutor({ agents: second.agents }).run({ ...ctxWithSwitch(plan, switchPos), attempt: 3, previousAttempt: interrupted(2, { monitor: kept }) } as StepContext);
  const req = second.calls[0]!.request as Record<string, unknown>;
  assert.deepEqual([req.from_inode, req.from_offset, req.from_dev], ['4242', '5000', '2049'], 'went on from attempt 2\'s start, not the log\'s end (9000)');
  assert.ok(result.rollback !== undefined, `the 60 errors were not counted: ${result.summary}`);
  assert.deepEqual(kept.accessLog.countedFrom, { monitorStartPosition: { inode: '4242', dev: '2049', offset: '5000', tailSha256: 'cd'.repeat(32), at: (kept.accessLog.countedFrom as { monitorStartPosition: { at: string } }).monitorStartPosition.at }, agentStart: null });
});

test('failed probes of a burst many rounds back stay in the evidence after the newest rounds push them out of the probes kept', async (t) => {
  let failedOnce = false;
  const prod = await site(t, (req, res) => {
    // One cold upstream on the first round, healthy ever after.
    res.statusCode = req.url === '/p7/' && !failedOnce ? 502 : 200;
    if (res.statusCode === 502) failedOnce = true;
    res.end();
  });
  const { agents } = fakeAgents(() => undefined);
  const pages = Array.from({ length: 40 }, (_, i) => `/p${i}/`);
  // Long enough for well over four rounds of 40 probes on a loaded machine (a round takes longer there).
  const plan = planFor(prod.port, { pages, monitorMinutes: 3 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 50 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  const ev = (result.evidence as { monitor: { totals: { probes: { total: number; errors: number } }; failedProbes: { path: string; status: number }[] } }).monitor;
  assert.ok(ev.totals.probes.total > 160, `rounds enough to trim the probes kept: ${ev.totals.probes.total} probes`);
  assert.equal(ev.totals.probes.errors, 1);
  assert.deepEqual(ev.failedProbes.map((p) => [p.path, p.status]), [['/p7/', 502]]);
});

test('a 5xx burst in the access log between probe rounds that ages out of the window is still in the evidence and the summary', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  let n = 0;
  const { agents } = fakeAgents((call) => {
    const timer = setInterval(() => {
      n++;
      call.emit('data', n === 3 ? { ...counts(100, 40), by_status: { 200: 60, 502: 38, 503: 2 } } : counts(100, 0));
    }, 100);
    call.cancel = () => clearInterval(timer);
    t.after(() => clearInterval(timer));
  });
  // A half window: the burst is judged (13% of it, under the limit here) and then ages out.
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 1.5 / 60, monitorWindowSeconds: 0.3, monitorIntervalSeconds: 0.1, minSamples: 50, maxErrorRate: 0.5 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  const ev = (result.evidence as { monitor: { window: { errors: number }; logErrorIntervals: { total: number; errors: number; byStatus: Record<string, number> }[]; logErrorIntervalCount: number } }).monitor;
  assert.equal(ev.window.errors, 0, 'the burst aged out of the final window');
  assert.equal(ev.logErrorIntervalCount, 1);
  assert.deepEqual(ev.logErrorIntervals.map((i) => [i.total, i.errors, i.byStatus]), [[100, 40, { 502: 38, 503: 2 }]]);
  assert.match(result.summary ?? '', /: \d+ logged requests \(40 of them 5xx\)/);
});

test('a 5xx burst logged in the watch\'s last seconds, counted by the agent after the last probe round, is judged before the watch passes', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const { agents } = fakeAgents((call) => {
    // The agent's interval is half a second: healthy twice, then the interval holding the watch's end is all 5xx.
    const timers = [500, 1000].map((ms) => setTimeout(() => call.emit('data', counts(100, 0)), ms));
    timers.push(setTimeout(() => call.emit('data', counts(100, 100)), 1500));
    call.cancel = () => timers.forEach((x) => clearTimeout(x));
    t.after(() => timers.forEach((x) => clearTimeout(x)));
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 1.2 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.5, minSamples: 50 });
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.ok(result.rollback !== undefined, `the burst at the end was not judged: ${result.summary}`);
  assert.match(result.rollback.reason, /100\/300 in the access log/);
});

test('at the watch\'s end the counts since the last ones are asked for at once, from where those ended: a passing watch ends on time, a burst in its last seconds still rolls back', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const position = (offset: number) => ({ inode: '77', dev: '2049', offset, tail_sha256: 'ab'.repeat(32) });
  /** A live stream sending every 2 s (the first at 1 s), and the stream asked for the last counts answering in 100 ms with `last`. */
  const watchEnding = async (last: StatusCounts__Output) => {
    const timers: NodeJS.Timeout[] = [];
    t.after(() => timers.forEach((x) => clearTimeout(x)));
    const { agents, calls } = fakeAgents((call, n) => {
      if (n === 1) {
        timers.push(setTimeout(() => call.emit('data', { ...counts(100, 0), start: 'end', counted_to: position(1000) }), 1000));
        // Not to be taken: the live stream was let go, its lines are the last stream's to count.
        timers.push(setTimeout(() => call.emit('data', { ...counts(100, 100), start: 'end', counted_to: position(2000) }), 3000));
      } else timers.push(setTimeout(() => call.emit('data', { ...last, start: 'position', counted_to: position(1500) }), 100));
    });
    const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 1.5 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 2, minSamples: 50 });
    const began = Date.now();
    const result = await monitorExecutor({ agents }).run(ctxFor(plan));
    return { result, calls, tookMs: Date.now() - began };
  };

  const passing = await watchEnding(counts(50, 0));
  assert.equal(passing.result.rollback, undefined, passing.result.rollback?.reason);
  assert.equal(passing.calls.length, 2, 'the last counts were asked for');
  const req = passing.calls[1]!.request as Record<string, unknown>;
  assert.deepEqual([req.from_inode, req.from_offset, req.from_dev, req.interval_ms], ['77', '1000', '2049', 100]);
  assert.ok(passing.calls[0]!.cancelled, 'the live stream was let go first');
  assert.ok(passing.tookMs < 2500, `a 1.5 s watch took ${passing.tookMs} ms: not an interval (2 s) more`);
  assert.match(passing.result.summary ?? '', /: 150 logged requests/);
  assert.doesNotMatch(passing.result.summary ?? '', /stream broke/, 'asking for the last counts is no break of the stream');
  const ev = (passing.result.evidence as { monitor: { accessLog: { countedTo: { offset: string } } } }).monitor;
  assert.equal(ev.accessLog.countedTo.offset, '1500', 'counted to where the last counts end');

  const burst = await watchEnding(counts(100, 100));
  assert.ok(burst.result.rollback !== undefined, `the burst at the end was not judged: ${burst.result.summary}`);
  assert.match(burst.result.rollback.reason, /100\/200 in the access log/);
  assert.ok(burst.tookMs < 2500, `took ${burst.tookMs} ms`);
});

test('a watch resumed after its end (all its time watched before the restart) asks for the counts since its stored ones before it passes: a burst in its last seconds rolls back', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearTimeout(x)));
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 10 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 2, minSamples: 50 });
  const storedEnd = { inode: '4242', dev: '2049', offset: '2000', tailSha256: 'ef'.repeat(32), at: new Date(Date.now() - 1500).toISOString() };
  // The interrupted attempt had watched all 10 s, its last stored counts 100 healthy requests.
  const previousAttempt = {
    cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null,
    result: { evidence: { monitor: { watchedSeconds: 10.2, totals: { log: { total: 100, byClass: { '2xx': 100 } }, probes: { total: 10, errors: 0 } }, accessLog: { countedTo: storedEnd } } } },
  };
  /** The agent answers the stream it is asked for with `last`, counted on from the stored end. */
  const resumedPastEnd = async (last: StatusCounts__Output) => {
    const { agents, calls } = fakeAgents((call) => timers.push(setTimeout(() => call.emit('data', { ...last, start: 'position', counted_to: { inode: '4242', dev: '2049', offset: '2600', tail_sha256: '' } }), 100)));
    const hits = prod.hits();
    const began = Date.now();
    const result = await monitorExecutor({ agents }).run({ ...ctxFor(plan), attempt: 2, previousAttempt } as StepContext);
    return { result, calls, probes: prod.hits() - hits, tookMs: Date.now() - began };
  };

  const burst = await resumedPastEnd(counts(60, 60));
  assert.equal(burst.calls.length, 1, 'the last counts were asked for');
  const req = burst.calls[0]!.request as Record<string, unknown>;
  assert.deepEqual([req.from_inode, req.from_offset, req.from_dev, req.from_tail_sha256, req.interval_ms], ['4242', '2000', '2049', 'ef'.repeat(32), 100], 'from where the stored counts ended, at the shortest interval');
  assert.ok(burst.result.rollback !== undefined, `the burst after the stored counts was not judged: ${burst.result.summary}`);
  assert.match(burst.result.rollback.reason, /60\/60 in the access log/);
  assert.equal(burst.probes, 0, 'no probe: the time to watch is over');
  assert.ok(burst.tookMs < 2000, `took ${burst.tookMs} ms`);

  const passing = await resumedPastEnd(counts(50, 0));
  assert.equal(passing.result.rollback, undefined, passing.result.rollback?.reason);
  assert.match(passing.result.summary ?? '', /^watched 10 s before an interruption: the watch was already complete; access log counted on from where the interrupted watch's stored counts ended: lines logged while the controller was down counted, none twice: 150 logged requests in all$/);
  const ev = (passing.result.evidence as { monitor: { accessLog: { countedTo: { offset: string } } } }).monitor;
  assert.equal(ev.accessLog.countedTo.offset, '2600', 'counted to where the last counts end');
});

test('last access-log counts asked for at the watch\'s end that do not come are said: the lines of its last seconds are not counted', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearTimeout(x)));
  const { agents, calls } = fakeAgents((call, n) => {
    if (n === 1) timers.push(setTimeout(() => call.emit('data', { ...counts(100, 0), start: 'end', counted_to: { inode: '77', dev: '2049', offset: 1000, tail_sha256: '' } }), 200));
    // The stream for the last counts stays silent.
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.5 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.3, minSamples: 50 });
  const began = Date.now();
  const result = await monitorExecutor({ agents }).run(ctxFor(plan));
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  assert.equal(calls.length, 2);
  assert.ok(calls[1]!.cancelled, 'given up');
  assert.ok(Date.now() - began < 0.5 * 1000 + 2300 + 1500, 'waited no longer than its timeout');
  assert.match(result.summary ?? '', /the access-log counts asked for at the watch's end did not come \(none came in 2\.3 s\): what was logged in its last seconds, since the counts before, is not counted/);
  const ev = (result.evidence as { monitor: { accessLog: { lastCountsMissed: string | null } } }).monitor;
  assert.equal(ev.accessLog.lastCountsMissed, 'none came in 2.3 s');
});

test('a watch resumed after a controller restart keeps the failed probes and the access-log intervals with 5xx of the burst before it, ahead of its own', async (t) => {
  let first = true;
  const prod = await site(t, (_req, res) => {
    // The resumed watch's first probe fails, the rest answer.
    res.statusCode = first ? 503 : 200;
    first = false;
    res.end();
  });
  const { agents } = fakeAgents((call) => {
    const timers = [100, 300].map((ms, i) => setTimeout(() => call.emit('data', i === 0 ? { ...counts(100, 5), by_status: { 200: 95, 504: 5 } } : counts(100, 0)), ms));
    call.cancel = () => timers.forEach((x) => clearTimeout(x));
    t.after(() => timers.forEach((x) => clearTimeout(x)));
  });
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 1 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 50, maxErrorRate: 0.5 });
  // What the interrupted attempt last put (as JSON, as the store holds it): the burst it saw before the restart.
  const burst = { at: '2030-01-01T00:00:01.000Z', path: '/', status: 502, latencyMs: 12, error: null };
  const down = { at: '2030-01-01T00:00:02.000Z', path: '/', status: null, latencyMs: null, error: 'connect ECONNREFUSED' };
  const logged = { windowStart: '2030-01-01T00:00:00.000Z', intervalMs: 100, receivedAt: '2030-01-01T00:00:00.150Z', total: 100, errors: 40, byStatus: { 502: 40 } };
  const kept = JSON.parse(JSON.stringify({ watchedSeconds: 0.5, totals: { log: { total: 100, byClass: { '2xx': 60, '5xx': 40 } }, probes: { total: 10, errors: 2 } }, accessLog: { countedTo: null }, failedProbes: [burst, down], logErrorIntervals: [logged], logErrorIntervalCount: 1 }));
  const previousAttempt = { cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null, result: { evidence: { monitor: kept } } };
  const result = await monitorExecutor({ agents }).run({ ...ctxFor(plan), attempt: 2, previousAttempt } as StepContext);
  assert.equal(result.rollback, undefined, result.rollback?.reason);
  const ev = (result.evidence as { monitor: { failedProbes: { at: string; path: string; status: number | null; error: string | null }[]; logErrorIntervals: { windowStart: string; errors: number; byStatus: Record<string, number> }[]; logErrorIntervalCount: number; totals: { probes: { errors: number } } } }).monitor;
  assert.deepEqual(ev.failedProbes.slice(0, 2), [burst, down], 'the burst before the restart is still in the evidence, first');
  assert.deepEqual(ev.failedProbes.slice(2).map((p) => p.status), [503], 'then the resumed watch\'s own');
  assert.equal(ev.totals.probes.errors, 3);
  assert.deepEqual(ev.logErrorIntervals.map((i) => [i.windowStart === logged.windowStart, i.errors, i.byStatus]), [[true, 40, { 502: 40 }], [false, 5, { 504: 5 }]]);
  assert.equal(ev.logErrorIntervalCount, 2, 'counted on from the interrupted watch\'s count');
});

test('the failed probes and access-log intervals a resumed watch carries are the newest 30 stored, entries that are not one left out, the interval count never under the list', () => {
  const probes = Array.from({ length: 35 }, (_, i) => ({ at: `2030-01-01T00:00:${String(i).padStart(2, '0')}.000Z`, path: `/p${i}/`, status: 502, latencyMs: 3, error: null }));
  const intervals = Array.from({ length: 35 }, (_, i) => ({ windowStart: `2030-01-01T00:00:${String(i).padStart(2, '0')}.000Z`, intervalMs: 10_000, receivedAt: '2030-01-01T00:01:00.000Z', total: 10, errors: 1, byStatus: { 500: 1 } }));
  const row = (monitor: Record<string, unknown>) => ({ cutoverId: 'co_x', name: 'monitor', state: 'interrupted', attempt: 1, startedAt: null, endedAt: null, error: null, result: { evidence: { monitor } } }) as never;
  const s = storedWatch(row({ failedProbes: [...probes, { path: '/no-time/' }, 'junk'], logErrorIntervals: [...intervals, { errors: 3 }], logErrorIntervalCount: 80 }))!;
  assert.equal(s.failedProbes.length, 30);
  assert.deepEqual([s.failedProbes[0]!.path, s.failedProbes.at(-1)!.path], ['/p5/', '/p34/'], 'the newest 30');
  assert.equal(s.logErrorIntervals.length, 30);
  assert.equal(s.logErrorIntervals[0]!.windowStart, intervals[5]!.windowStart);
  assert.equal(s.logErrorIntervalCount, 80);
  // A count the list outnumbers (hand-edited, or absent) is raised to the list.
  assert.equal(storedWatch(row({ logErrorIntervals: intervals.slice(0, 3) }))!.logErrorIntervalCount, 3);
  // A controller that predates keeping them stored none: nothing to carry.
  assert.deepEqual([storedWatch(row({ watchedSeconds: 3 }))!.failedProbes, storedWatch(row({ watchedSeconds: 3 }))!.logErrorIntervals], [[], []]);
});

test('the window and the worst window reach back only to the switch (or monitor\'s start), not a full window before it', async (t) => {
  const prod = await site(t, (_req, res) => res.end('ok'));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((x) => clearTimeout(x)));
  type Ev = { monitorStartedAt: string; window: { from: string; to: string }; peakWindow: { from: string; to: string } | null };
  const plan = planFor(prod.port, { pages: ['/'], monitorMinutes: 0.6 / 60, monitorWindowSeconds: 60, monitorIntervalSeconds: 0.1, minSamples: 3 });

  // Counted from the switch, 2 s before monitor began: the 60 s window starts at the switch.
  const switchAt = Date.now() - 2000;
  const fromSwitch = fakeAgents((call, n) => {
    if (n === 1) timers.push(setTimeout(() => call.emit('data', { ...counts(20, 0), start: 'position' }), 50));
  });
  const r1 = await monitorExecutor({ agents: fromSwitch.agents }).run(ctxWithSwitch(plan, { path: '/var/log/site.log', inode: '1234', offset: '5678', at: new Date(switchAt).toISOString() }));
  assert.equal(r1.rollback, undefined, r1.rollback?.reason);
  const e1 = (r1.evidence as { monitor: Ev }).monitor;
  for (const [name, w] of [['window', e1.window], ['peakWindow', e1.peakWindow]] as const) {
    assert.ok(w !== null, `${name} missing`);
    assert.ok(Date.parse(w.from) >= switchAt - 500, `${name} ${w.from} → ${w.to} starts before the switch at ${new Date(switchAt).toISOString()}`);
  }

  // Counted from monitor's start (no position at the switch): the window starts there.
  const fromStart = fakeAgents(() => undefined);
  const r2 = await monitorExecutor({ agents: fromStart.agents }).run(ctxFor(plan));
  assert.equal(r2.rollback, undefined, r2.rollback?.reason);
  const e2 = (r2.evidence as { monitor: Ev }).monitor;
  for (const [name, w] of [['window', e2.window], ['peakWindow', e2.peakWindow]] as const) {
    assert.ok(w !== null, `${name} missing`);
    assert.equal(w.from, e2.monitorStartedAt, `${name} ${w.from} → ${w.to} is not bounded by monitor's start`);
  }
});

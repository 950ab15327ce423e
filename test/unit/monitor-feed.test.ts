// The controller's side of TailAccessLog against a FAKE agent client the test drives.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { AccessLogFeed, type AccessLogFeedOptions } from '../../controller/cutover/steps/access-log-feed.js';
import type { StatusCounts__Output } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { until } from '../helpers/cutover-fakes.js';
import { fakeTailAccessLog, type FakeCall } from '../helpers/fake-access-log.js';
import { SwitchyardError, toGrpcError } from '../../shared/errors.js';

/** A cancelled call ends in a CANCELLED error, as grpc-js's do. */
function fakeClient(onOpen: (call: FakeCall, n: number) => void): { client: AccessLogFeedOptions['client']; calls: FakeCall[] } {
  const { client, calls } = fakeTailAccessLog(onOpen, { cancelFails: true });
  return { client: client as never, calls };
}

/** The fake stream's timers (read when it ends: they may be set later) stop when the feed cancels the call or the test ends. */
function stopTimersWith(t: TestContext, call: FakeCall, timers: () => Array<NodeJS.Timeout | undefined>): void {
  const stop = (): void => timers().forEach((x) => clearTimeout(x));
  const cancel = call.cancel;
  call.cancel = () => {
    stop();
    cancel();
  };
  t.after(stop);
}

const empty = (): StatusCounts__Output => ({ window_start: new Date().toISOString(), interval_ms: 100, total: 0, by_class: {}, by_status: {}, unparsed: 0, rotations: [], path: '/var/log/site.log', excluded: 0, excluded_user_agent: '', start: '', unread: [], read_error: '', counted_to: null, unplaced: [] });

test('a stream that goes silent (agent frozen, connection half-open) is noticed and reopened', async (t) => {
  const got: StatusCounts__Output[] = [];
  // The first stream sends twice and then nothing, never ending or failing; the next one works.
  const { client, calls } = fakeClient((call, n) => {
    const timer = setInterval(() => call.emit('data', empty()), 100);
    if (n === 1) setTimeout(() => clearInterval(timer), 250);
    stopTimersWith(t, call, () => [timer]);
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, reconnectMs: 50, onCounts: (c) => got.push(c) });
  t.after(() => feed.stop());
  feed.start();
  await until(() => calls.length >= 2, 5000);
  assert.equal(calls[0]!.cancelled, true, 'the silent stream was given up');
  await until(() => got.length >= 4, 5000);
  assert.equal(feed.state.unavailable, null);
  assert.ok(feed.state.errors.some((e) => /no access-log counts for/.test(e.message)), JSON.stringify(feed.state.errors));
  assert.equal(feed.state.errors.length, 1, 'the cancel of the silent stream is not a second error');
});

const noLog = (): Error => {
  const g = toGrpcError(new SwitchyardError('SY_PRECONDITION', 'access log /var/log/site.log: no such file', { field: 'accessLog' }));
  return Object.assign(new Error(g.details), g);
};

test('a log missing on a reconnect (caught mid-rotation) is asked for again; one missing from the start is not', async (t) => {
  const got: StatusCounts__Output[] = [];
  // Stream 1 works and then breaks; stream 2 finds the log gone (renamed, not yet re-created); stream 3 works.
  const { client, calls } = fakeClient((call, n) => {
    setImmediate(() => {
      if (n === 1) {
        call.emit('data', empty());
        call.emit('error', Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 }));
      } else if (n === 2) call.emit('error', noLog());
      else call.emit('data', empty());
    });
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, reconnectMs: 20, onCounts: (c) => got.push(c) });
  t.after(() => feed.stop());
  feed.start();
  await until(() => got.length >= 2, 5000);
  assert.equal(calls.length, 3);
  assert.equal(feed.state.unavailable, null);

  const never = fakeClient((call) => setImmediate(() => call.emit('error', noLog())));
  const missing = new AccessLogFeed({ agent: 'prod-1', client: never.client, intervalMs: 100, reconnectMs: 20, onCounts: () => undefined });
  t.after(() => missing.stop());
  missing.start();
  await until(() => missing.state.unavailable !== null, 5000);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(never.calls.length, 1, 'a log that was never there is not asked for again');
  assert.match(missing.state.unavailable!, /no such file/);
});

test('a stream asked to start at the switch position is given time to read the backlog before its first counts', async (t) => {
  const got: StatusCounts__Output[] = [];
  let silent = false;
  // The agent reads a long backlog (gzip'd rotations) before it sends anything; then every interval.
  const { client, calls } = fakeClient((call, n) => {
    let timer: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      call.emit('data', empty());
      timer = setInterval(() => silent || call.emit('data', empty()), 100);
    }, n === 1 ? 700 : 0);
    stopTimersWith(t, call, () => [first, timer]);
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, stallMs: 300, backlogStallMs: 3000, reconnectMs: 50, from: { inode: '12', offset: '34' }, onCounts: (c) => got.push(c) });
  t.after(() => feed.stop());
  feed.start();
  await until(() => got.length >= 3, 5000);
  assert.equal(calls.length, 1, 'given up while reading the backlog, it would be asked for all of it again');
  assert.deepEqual(feed.state.errors, []);
  // Once counts flow, the usual limit is back: a stream silent for 300 ms is given up, not after 3 s.
  silent = true;
  const quiet = Date.now();
  await until(() => calls.length >= 2, 5000);
  assert.ok(Date.now() - quiet < 2000, `reopened after ${Date.now() - quiet} ms`);
});

test('a stream reopened from the last counts is given up as soon as one that dies again silently, not after the backlog allowance', async (t) => {
  const at = { inode: '77', dev: '2049', offset: '1234', tail_sha256: 'cd'.repeat(32) };
  const opened: number[] = [];
  // Stream 1 sends counts and breaks; stream 2 never sends; stream 3 and on send every interval.
  const { client, calls } = fakeClient((call, n) => {
    opened.push(Date.now());
    let timer: NodeJS.Timeout | undefined;
    if (n === 1) {
      setImmediate(() => {
        call.emit('data', { ...empty(), start: 'position', counted_to: at });
        call.emit('error', Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 }));
      });
    } else if (n >= 3) timer = setInterval(() => call.emit('data', { ...empty(), start: 'position', counted_to: at }), 100);
    stopTimersWith(t, call, () => [timer]);
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, stallMs: 300, backlogStallMs: 5000, reconnectMs: 50, from: { inode: '12', offset: '34' }, onCounts: () => undefined });
  t.after(() => feed.stop());
  feed.start();
  await until(() => calls.length >= 3, 8000);
  assert.equal(calls[1]!.cancelled, true, 'the silent stream was given up');
  assert.equal((calls[1]!.request as Record<string, unknown>).from_inode, '77', 'it went on from the last counts');
  const silentFor = opened[2]! - opened[1]!;
  assert.ok(silentFor < 2000, `the silent reopened stream was given up after ${silentFor} ms, not the 5 s allowed a backlog`);
  await until(() => feed.state.messages >= 3, 5000);
  assert.equal(feed.state.resumed, 1, 'stream 3 went on from the last counts');
  assert.ok(feed.state.errors.some((e) => /no access-log counts for [\d.]+ s/.test(e.message)), JSON.stringify(feed.state.errors));
});

test('a stream reopened after a long outage still gets time to read what was written meanwhile', async (t) => {
  const at = { inode: '77', dev: '2049', offset: '1234', tail_sha256: 'cd'.repeat(32) };
  const { client, calls } = fakeClient((call, n) => {
    let timer: NodeJS.Timeout | undefined;
    let first: NodeJS.Timeout | undefined;
    if (n === 1) {
      setImmediate(() => {
        call.emit('data', { ...empty(), start: 'position', counted_to: at });
        call.emit('error', Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 }));
      });
    } else if (n === 2) setImmediate(() => call.emit('error', Object.assign(new Error('14 UNAVAILABLE: agent down'), { code: 14 })));
    else {
      // The agent reads what was written during the outage before its first counts.
      first = setTimeout(() => {
        call.emit('data', { ...empty(), start: 'position', counted_to: at });
        timer = setInterval(() => call.emit('data', { ...empty(), start: 'position', counted_to: at }), 100);
      }, 600);
    }
    stopTimersWith(t, call, () => [first, timer]);
  });
  // Down for 1 s (reconnectMs) between stream 2's failure and stream 3.
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, stallMs: 300, backlogStallMs: 5000, reconnectMs: 1000, from: { inode: '12', offset: '34' }, onCounts: () => undefined });
  t.after(() => feed.stop());
  feed.start();
  await until(() => feed.state.messages >= 3, 8000);
  assert.equal(calls.length, 3, 'the stream reading the outage was not given up after 300 ms');
});

test('a rotated file the agent names again on a reopened stream is kept once', async (t) => {
  const a = '/var/log/site.log-20301230.xz';
  const { client } = fakeClient((call, n) => {
    setImmediate(() => {
      if (n === 1) {
        call.emit('data', { ...empty(), unread: [`${a}: read 3 lines, then EIO`] });
        call.emit('error', Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 }));
      } else call.emit('data', { ...empty(), unread: [`${a}: not read: EIO`, '/var/log/site.log.2.gz: not read: EACCES'] });
    });
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, reconnectMs: 20, onCounts: () => undefined });
  t.after(() => feed.stop());
  feed.start();
  await until(() => feed.state.messages >= 2, 5000);
  assert.deepEqual(feed.state.unread.map((u) => u.file), [`${a}: read 3 lines, then EIO`, '/var/log/site.log.2.gz: not read: EACCES']);
  assert.equal(feed.state.unreadCount, 2);
});

test('the rotations kept are the newest MAX_ROTATIONS_KEPT; all of them are counted', async (t) => {
  const { MAX_ROTATIONS_KEPT } = await import('../../controller/cutover/steps/access-log-feed.js');
  // A log rotated by size on a busy site: a rotation in most intervals, two in some.
  const kinds = Array.from({ length: 75 }, (_, i) => `rename-${i}`);
  const { client } = fakeClient((call) => {
    setImmediate(() => {
      for (let i = 0; i < kinds.length; i += 3) call.emit('data', { ...empty(), rotations: kinds.slice(i, i + 3) });
    });
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client, intervalMs: 100, onCounts: () => undefined });
  t.after(() => feed.stop());
  feed.start();
  await until(() => feed.state.messages >= 25, 5000);
  assert.equal(MAX_ROTATIONS_KEPT, 20);
  assert.equal(feed.state.rotationCount, 75);
  assert.deepEqual(feed.state.rotations.map((r) => r.kind), kinds.slice(-20), 'the newest, oldest first');
});

// The controller's side of TailAccessLog against a FAKE agent client the test drives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { AccessLogFeed, type AccessLogFeedOptions } from '../../controller/cutover/steps/access-log-feed.js';
import type { StatusCounts__Output } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { until } from '../helpers/cutover-fakes.js';

interface FakeCall extends EventEmitter {
  cancel(): void;
  cancelled: boolean;
}

function fakeClient(onOpen: (call: FakeCall, n: number) => void): { client: AccessLogFeedOptions['client']; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const client = {
    TailAccessLog: () => {
      const call = new EventEmitter() as FakeCall;
      call.cancelled = false;
      call.cancel = () => {
        call.cancelled = true;
        // What grpc-js does: a cancelled call ends in a CANCELLED error.
        setImmediate(() => call.emit('error', Object.assign(new Error('1 CANCELLED: Cancelled on client'), { code: 1 })));
      };
      calls.push(call);
      onOpen(call, calls.length);
      return call;
    },
  };
  return { client: client as never, calls };
}

const empty = (): StatusCounts__Output => ({ window_start: new Date().toISOString(), interval_ms: 100, total: 0, by_class: {}, by_status: {}, unparsed: 0, rotations: [], path: '/var/log/site.log' });

test('a stream that goes silent (agent frozen, connection half-open) is noticed and reopened', async (t) => {
  const got: StatusCounts__Output[] = [];
  // The first stream sends twice and then nothing, never ending or failing; the next one works.
  const { client, calls } = fakeClient((call, n) => {
    const timer = setInterval(() => call.emit('data', empty()), 100);
    if (n === 1) setTimeout(() => clearInterval(timer), 250);
    const cancel = call.cancel;
    call.cancel = () => {
      clearInterval(timer);
      cancel();
    };
    t.after(() => clearInterval(timer));
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

// Reopening the access-log stream where the last counts ended: the agent's counted_to against real
// files, and the controller's feed asking for it against a FAKE agent client.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTailer } from '../../agent/monitor/log-tailer.js';
import { accessLogPosition, streamStatusCounts } from '../../agent/monitor/access-log-stream.js';
import { AccessLogFeed, type AccessLogFeedOptions } from '../../controller/cutover/steps/access-log-feed.js';
import type { StatusCounts } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import type { StatusCounts__Output } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { until } from '../helpers/cutover-fakes.js';
import { fakeTailAccessLog } from '../helpers/fake-access-log.js';

const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;

function tempLog(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-resume-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, line(500).repeat(5)); // before the watch: never counted
  return log;
}

/** One stream until `until` says it has enough; returns what it sent. */
async function stream(log: string, from: { inode: bigint; offset: number; tailSha256?: string; dev?: bigint } | undefined, enough: (got: StatusCounts[]) => boolean, during?: () => void): Promise<StatusCounts[]> {
  const got: StatusCounts[] = [];
  const abort = new AbortController();
  const running = streamStatusCounts({ path: log, intervalMs: 100, send: (c) => got.push(c), signal: abort.signal, ...(from === undefined ? {} : { from }) });
  await until(() => got.length >= 1, 5000);
  during?.();
  await until(() => enough(got), 5000);
  abort.abort();
  await running;
  return got;
}

const sum = (got: StatusCounts[], cls: string) => got.reduce((n, c) => n + ((c.by_class as Record<string, number> | undefined)?.[cls] ?? 0), 0);
const resumeFrom = (c: StatusCounts) => {
  const at = c.counted_to!;
  return { inode: BigInt(at.inode!), offset: Number(at.offset), tailSha256: at.tail_sha256!, dev: BigInt(at.dev!) };
};

test('a stream reopened from the last counts\' counted_to counts what was written while it was down, a half-written line and a rotation included, each line once', async (t) => {
  const log = tempLog(t);
  // Stream 1 counts two lines; a third is half written when its last counts are sent.
  const first = await stream(log, undefined, (got) => sum(got, '2xx') === 2 && got.at(-1)!.counted_to !== undefined && Number(got.at(-1)!.counted_to!.offset) > 0, () => appendFileSync(log, line(200).repeat(2) + line(503).slice(0, 20)));
  const last = first.at(-1)!;
  assert.equal(last.counted_to!.inode, statSync(log, { bigint: true }).ino.toString());
  assert.equal(last.counted_to!.dev, statSync(log, { bigint: true }).dev.toString());
  assert.equal(Number(last.counted_to!.offset), line(500).length * 5 + line(200).length * 2, 'up to the half-written line, not into it');
  // While no stream is open: the line is finished, a burst follows, the log rotates, more errors.
  appendFileSync(log, line(503).slice(20) + line(503).repeat(5));
  renameSync(log, `${log}.1`);
  writeFileSync(log, line(502).repeat(4));
  const second = await stream(log, resumeFrom(last), (got) => sum(got, '5xx') >= 10);
  assert.equal(second[0]!.start, 'position');
  await new Promise((r) => setTimeout(r, 250));
  const all = [...first, ...second];
  assert.equal(sum(all, '5xx'), 10, 'the finished line, the burst, the new log');
  assert.equal(sum(all, '2xx'), 2, 'none counted twice');
  assert.equal(all.reduce((n, c) => n + (c.unparsed ?? 0), 0), 0, 'the half-written line was not taken for a line of its own');

  // Reopened again with nothing new: nothing counted twice, the position is the new log's.
  const third = await stream(log, resumeFrom(second.at(-1)!), (got) => got.length >= 2);
  assert.equal(third[0]!.start, 'position');
  assert.equal(third.reduce((n, c) => n + (c.total ?? 0), 0), 0);
  assert.equal(third.at(-1)!.counted_to!.inode, statSync(log, { bigint: true }).ino.toString());
});

test('counted_to while the log is rotated away and not yet re-created goes on with the new log, not the old one again', async (t) => {
  const log = tempLog(t);
  const seen: string[] = [];
  const tailer = new LogTailer(log, { onLines: (l) => seen.push(...l), pollMs: 60_000 });
  t.after(() => tailer.close());
  await tailer.start();
  appendFileSync(log, 'a\nb\n');
  renameSync(log, `${log}.1`);
  await tailer.poll();
  assert.deepEqual(seen, ['a', 'b']);
  const at = await tailer.snapshot((p) => p);
  assert.equal(at?.ino, statSync(`${log}.1`, { bigint: true }).ino);
  writeFileSync(log, 'c\n');
  const again: string[] = [];
  const resumed = new LogTailer(log, { onLines: (l) => again.push(...l), pollMs: 60_000, resume: { ino: at!.ino, dev: at!.dev, offset: at!.offset, tailSha256: at!.tailSha256, rotatedPaths: [`${log}.1`] } });
  t.after(() => resumed.close());
  assert.equal(await resumed.start(), 'position');
  await resumed.poll();
  assert.deepEqual(again, ['c']);

  // Another device's file with that inode is not it.
  const elsewhere = new LogTailer(log, { onLines: () => undefined, pollMs: 60_000, resume: { ino: at!.ino, dev: at!.dev + 1n, offset: at!.offset, rotatedPaths: [`${log}.1`] } });
  t.after(() => elsewhere.close());
  assert.match(await elsewhere.start(), /^end: /);
});

const counts = (over: Partial<StatusCounts__Output> = {}): StatusCounts__Output => ({ window_start: new Date().toISOString(), interval_ms: 100, total: 0, by_class: {}, by_status: {}, unparsed: 0, rotations: [], path: '/var/log/site.log', excluded: 0, excluded_user_agent: '', start: 'end', unread: [], read_error: '', counted_to: null, unplaced: [], ...over });

test('the feed reopens a broken stream from the last counted_to; from an agent that sends none, at the end, and says so', async (t) => {
  const at = { inode: '77', dev: '2049', offset: '1234', tail_sha256: 'cd'.repeat(32) };
  const { client, calls } = fakeTailAccessLog((call, n) => {
    setImmediate(() => {
      if (n === 1) {
        call.emit('data', counts({ counted_to: { ...at, offset: '1000' } }));
        call.emit('data', counts({ counted_to: at }));
        call.emit('error', Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 }));
      } else call.emit('data', counts({ start: 'position', counted_to: { ...at, offset: '2000' } }));
    });
  });
  const feed = new AccessLogFeed({ agent: 'prod-1', client: client as unknown as AccessLogFeedOptions['client'], intervalMs: 100, reconnectMs: 20, from: { inode: '5', offset: '6' }, onCounts: () => undefined });
  t.after(() => feed.stop());
  feed.start();
  await until(() => feed.state.messages >= 3, 5000);
  const req = (i: number) => calls[i]!.request as Record<string, unknown>;
  assert.equal(req(0).from_inode, '5', 'the first stream starts at the switch position');
  assert.deepEqual([req(1).from_inode, req(1).from_offset, req(1).from_tail_sha256, req(1).from_dev], ['77', '1234', at.tail_sha256, '2049']);
  assert.equal(feed.state.resumed, 1);
  assert.deepEqual(feed.state.reopenedAtEnd, []);

  const old = fakeTailAccessLog((call, n) => {
    setImmediate(() => {
      call.emit('data', counts({ start: '' }));
      if (n === 1) call.emit('end');
    });
  });
  const oldFeed = new AccessLogFeed({ agent: 'prod-1', client: old.client as unknown as AccessLogFeedOptions['client'], intervalMs: 100, reconnectMs: 20, onCounts: () => undefined });
  t.after(() => oldFeed.stop());
  oldFeed.start();
  await until(() => oldFeed.state.messages >= 2, 5000);
  assert.equal((old.calls[1]!.request as Record<string, unknown>).from_inode, undefined);
  assert.equal(oldFeed.state.resumed, 0);
  assert.match(oldFeed.state.reopenedAtEnd[0]?.why ?? '', /predates saying where its counts end/);
});

test('the switch position carries the log\'s device: counted from it on that device; on another (renumbered by a reboot) only while the file holds the position\'s bytes', async (t) => {
  const log = tempLog(t);
  const at = await accessLogPosition(log);
  const st = statSync(log, { bigint: true });
  assert.deepEqual([at.inode, at.dev, at.offset], [st.ino.toString(), st.dev.toString(), line(500).length * 5]);
  const from = { inode: BigInt(at.inode), offset: at.offset, tailSha256: at.tail_sha256 };
  const here = await stream(log, { ...from, dev: BigInt(at.dev) }, (got) => sum(got, '5xx') >= 1, () => appendFileSync(log, line(503)));
  assert.equal(here[0]!.start, 'position');

  // After a reboot that renumbered the device: the same bytes, so the same file, counted on from the position.
  const rebooted = await stream(log, { ...from, dev: BigInt(at.dev) + 1n }, (got) => got.length >= 2);
  assert.equal(rebooted[0]!.start, 'position');
  assert.equal(sum(rebooted, '5xx'), 1, 'the line written after the position');

  // Another file under that inode on the other device (other bytes): not taken for it, nor read as all newer.
  writeFileSync(log, line(404).repeat(10));
  assert.equal(statSync(log, { bigint: true }).ino, st.ino);
  const elsewhere = await stream(log, { ...from, dev: BigInt(at.dev) + 1n }, (got) => got.length >= 2);
  assert.match(elsewhere[0]!.start ?? '', /^end: /);
  assert.equal(sum(elsewhere, '4xx'), 0);
});

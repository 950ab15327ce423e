import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccessLogLine, statusClass } from '../../agent/monitor/access-log-parser.js';
import { StatusCounter } from '../../agent/monitor/status-counter.js';
import { VALIDATE_USER_AGENT } from '../../shared/user-agents.js';

test('combined format: nginx and apache lines give their status and size', () => {
  const nginx = '203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] "GET /shop/?a=1 HTTP/1.1" 503 1234 "https://www.example.com/" "Mozilla/5.0 (X11; Linux x86_64)"';
  assert.deepEqual(parseAccessLogLine(nginx), { remote: '203.0.113.7', time: '10/Oct/2024:13:55:36 +0000', request: 'GET /shop/?a=1 HTTP/1.1', status: 503, bytes: 1234, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' });
  const apache = '2001:db8::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
  assert.equal(parseAccessLogLine(apache)?.status, 200);
});

test('common format, "-" size, escaped quotes and appended fields still parse', () => {
  assert.deepEqual(parseAccessLogLine('127.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "HEAD / HTTP/1.1" 304 -'), {
    remote: '127.0.0.1', time: '01/Jan/2025:00:00:00 +0000', request: 'HEAD / HTTP/1.1', status: 304, bytes: null, userAgent: null,
  });
  const escaped = '10.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "GET /a\\"b HTTP/1.1" 404 12 "-" "curl \\"x\\""';
  assert.equal(parseAccessLogLine(escaped)?.status, 404);
  const extra = '10.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/2.0" 500 0 "-" "ua" rt=0.123 upstream=127.0.0.1:9000';
  assert.equal(parseAccessLogLine(extra)?.status, 500);
  // nginx logs garbage requests as a quoted hex blob with 400.
  assert.equal(parseAccessLogLine('10.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "\\x16\\x03\\x01" 400 157 "-" "-"')?.status, 400);
});

test('lines in other formats are not guessed at', () => {
  for (const line of [
    '',
    'error: upstream timed out',
    '{"status":500,"path":"/"}',
    '10.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/1.1" 5000 12',
    '10.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/1.1" 099 12',
    '10.0.0.1 - - 01/Jan/2025:00:00:00 "GET / HTTP/1.1" 200 12',
  ]) {
    assert.equal(parseAccessLogLine(line), null, line);
  }
  assert.equal(statusClass(502), '5xx');
  assert.equal(statusClass(101), '1xx');
});

test('the counter groups by class and status, counts the unparsed, and restarts per interval', () => {
  const t0 = new Date('2030-01-01T00:00:00Z');
  const c = new StatusCounter(t0);
  const l = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"`;
  c.addLines([l(200), l(200), l(301), l(404), l(502), l(503), 'junk']);
  c.rotated('rename');
  const first = c.take(new Date('2030-01-01T00:00:10Z'), '/var/log/site.log');
  assert.deepEqual(first, {
    window_start: '2030-01-01T00:00:00.000Z',
    interval_ms: 10_000,
    total: 6,
    by_class: { '2xx': 2, '3xx': 1, '4xx': 1, '5xx': 2 },
    by_status: { 200: 2, 301: 1, 404: 1, 502: 1, 503: 1 },
    unparsed: 1,
    rotations: ['rename'],
    path: '/var/log/site.log',
    excluded: 0,
    excluded_user_agent: '',
    unread: [],
    read_error: '',
    unplaced: [],
  });
  const second = c.take(new Date('2030-01-01T00:00:20Z'), '/var/log/site.log');
  assert.equal(second.window_start, '2030-01-01T00:00:10.000Z');
  assert.equal(second.total, 0);
  assert.deepEqual(second.by_class, {});
  assert.deepEqual(second.rotations, []);
});

test('lines from the user agent the controller names (its own probes) are set apart, not counted', () => {
  const c = new StatusCounter(new Date('2030-01-01T00:00:00Z'), 'switchyard-monitor/0a1b2c');
  const l = (s: number, ua: string) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "${ua}"`;
  c.addLines([l(502, 'switchyard-monitor/0a1b2c'), l(200, 'switchyard-monitor/0a1b2c'), l(200, 'Mozilla/5.0'), l(503, 'switchyard-monitor/ffffff'), '10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" 200 1']);
  const counts = c.take(new Date('2030-01-01T00:00:10Z'), '/var/log/site.log');
  // Another watch's probes and a common-format line (no user agent) are visitors as far as this one knows.
  assert.deepEqual([counts.total, counts.excluded, counts.excluded_user_agent], [3, 2, 'switchyard-monitor/0a1b2c']);
  assert.deepEqual(counts.by_class, { '2xx': 2, '5xx': 1 });
  assert.equal(c.take(new Date('2030-01-01T00:00:20Z'), '/var/log/site.log').excluded, 0, 'restarts per interval');
});

test("the controller's validation requests (propagate's, after the switch) are set apart with its probes; without a named user agent (an older controller) they count", () => {
  const l = (s: number, ua: string) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "${ua}"`;
  const lines = [l(200, VALIDATE_USER_AGENT), l(200, VALIDATE_USER_AGENT), l(503, 'Mozilla/5.0'), l(200, 'switchyard-monitor/0a1b2c')];
  const c = new StatusCounter(new Date('2030-01-01T00:00:00Z'), 'switchyard-monitor/0a1b2c');
  c.addLines(lines);
  const counts = c.take(new Date('2030-01-01T00:00:10Z'), '/var/log/site.log');
  assert.deepEqual([counts.total, counts.excluded, counts.by_class], [1, 3, { '5xx': 1 }], 'one visitor, and a 5xx share of 100%, not 33%');
  const old = new StatusCounter(new Date('2030-01-01T00:00:00Z'));
  old.addLines(lines);
  assert.equal(old.take(new Date('2030-01-01T00:00:10Z'), '/var/log/site.log').total, 4);
});

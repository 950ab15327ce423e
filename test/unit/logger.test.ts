import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../shared/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

test('secret-looking keys are redacted at any depth, other values kept', () => {
  const { lines, logger } = capture();
  logger.child({ component: 'x' }).info({ db: { host: 'h', password: 'pw-123' }, deep: { a: { b: { apiKey: 'k-456', token: 't-789' } } }, n: 1 }, 'msg');
  const out = lines.join('');
  for (const secret of ['pw-123', 'k-456', 't-789']) assert.ok(!out.includes(secret), `${secret} redacted`);
  const rec = JSON.parse(out) as { db: { host: string; password: string }; component: string; n: number };
  assert.equal(rec.db.host, 'h');
  assert.equal(rec.db.password, '[REDACTED]');
  assert.equal(rec.component, 'x');
  assert.equal(rec.n, 1);
});

test('errors keep their serializer output (message and stack)', () => {
  const { lines, logger } = capture();
  logger.error({ err: new Error('boom') }, 'failed');
  const rec = JSON.parse(lines.join('')) as { err: { message: string; stack: string } };
  assert.equal(rec.err.message, 'boom');
  assert.match(rec.err.stack, /Error: boom/);
});

test("a child logger's own fields are scrubbed too", () => {
  const { lines, logger } = capture();
  logger.child({ component: 'db', password: 'CHILD-SECRET', conn: { apiToken: 'NESTED-SECRET', host: 'h' } }).info('x');
  const out = lines.join('');
  assert.ok(!out.includes('CHILD-SECRET'), out);
  assert.ok(!out.includes('NESTED-SECRET'), out);
  const rec = JSON.parse(out) as { component: string; password: string; conn: { host: string } };
  assert.equal(rec.component, 'db');
  assert.equal(rec.password, '[REDACTED]');
  assert.equal(rec.conn.host, 'h');
});

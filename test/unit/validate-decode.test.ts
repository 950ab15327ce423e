// Content-Encoding undone within the page limit: what decodes, what is cut, what is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { decodeBody, pinnedFetch } from '../../controller/validate/pinned-client.js';

const text = 'hello world, '.repeat(100);

test('gzip, deflate and br decode whole within the limit; an unknown encoding is left as it came', async () => {
  for (const [enc, body] of [['gzip', gzipSync(text)], ['x-gzip', gzipSync(text)], ['deflate', deflateSync(text)], [' BR ', brotliCompressSync(text)]] as const) {
    const r = await decodeBody(body, enc, 1 << 20, false);
    assert.equal(r.body.toString(), text, enc);
    assert.equal(r.truncated, false, enc);
  }
  assert.deepEqual(await decodeBody(Buffer.from('x'), 'zstd', 10, false), { body: Buffer.from('x'), truncated: false });
});

// Some servers send Content-Encoding: deflate as a raw deflate stream, without the zlib header
// the encoding names; browsers and curl decode it, so a page that shows fine must not fail here.
test('deflate sent raw (no zlib header) decodes like the zlib-wrapped form, within the same limit and cut the same way', async () => {
  for (const level of [0, 1, 6, 9]) {
    const r = await decodeBody(deflateRawSync(text, { level }), 'deflate', 1 << 20, false);
    assert.equal(r.body.toString(), text, `level ${level}`);
    assert.equal(r.truncated, false);
  }
  const bomb = await decodeBody(deflateRawSync(Buffer.alloc(32 * 1024 * 1024)), 'deflate', 1024 * 1024, false);
  assert.deepEqual([bomb.body.length, bomb.truncated], [1024 * 1024, true]);
  const raw = deflateRawSync(text);
  const cut = await decodeBody(raw.subarray(0, Math.floor(raw.length / 2)), 'deflate', 1 << 20, true);
  assert.equal(cut.truncated, true);
  assert.ok(text.startsWith(cut.body.toString()), cut.body.toString());
  await assert.rejects(decodeBody(raw.subarray(0, Math.floor(raw.length / 2)), 'deflate', 1 << 20, false), /unexpected end of file/);
});

test('the limit holds for the decoded size: a small gzip of much more is cut at the limit, exactly the limit is not cut', async () => {
  const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
  const r = await decodeBody(bomb, 'gzip', 1024 * 1024, false);
  assert.equal(r.body.length, 1024 * 1024);
  assert.equal(r.truncated, true);
  const exact = await decodeBody(gzipSync(Buffer.alloc(4096, 0x61)), 'gzip', 4096, false);
  assert.deepEqual([exact.body.length, exact.truncated], [4096, false]);
});

test('a body cut on the wire decodes as far as it goes; a whole body that ends mid-stream is an error; no body is no error', async () => {
  const gz = gzipSync(text);
  const cut = await decodeBody(gz.subarray(0, Math.floor(gz.length / 2)), 'gzip', 1 << 20, true);
  assert.equal(cut.truncated, true);
  assert.ok(text.startsWith(cut.body.toString()), cut.body.toString());
  await assert.rejects(decodeBody(gz.subarray(0, Math.floor(gz.length / 2)), 'gzip', 1 << 20, false), /unexpected end of file/);
  await assert.rejects(decodeBody(Buffer.from('not gzip'), 'gzip', 1 << 20, false), /incorrect header check/);
  assert.deepEqual(await decodeBody(Buffer.alloc(0), 'gzip', 10, false), { body: Buffer.alloc(0), truncated: false });
});

// A validate step cancelled by a rollback starts its queued pages with the signal already
// aborted: the request destroyed before it had an error listener then emitted 'socket hang up'
// with none, an uncaught exception that would end the controller process.
test('a fetch started with its signal already aborted ends cancelled, with no stray error', async (t) => {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const stray: unknown[] = [];
  const onUncaught = (err: unknown) => stray.push(err);
  process.prependListener('uncaughtException', onUncaught);
  t.after(() => process.removeListener('uncaughtException', onUncaught));
  const abort = new AbortController();
  abort.abort();
  const r = await pinnedFetch(`http://127.0.0.1:${port}/`, { signal: abort.signal, timeoutMs: 2000 });
  assert.equal(r.ok, false);
  assert.equal(r.ok === false && r.error, 'cancelled');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(stray.map(String), []);
});

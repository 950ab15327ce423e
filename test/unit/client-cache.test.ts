import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientCache } from '../../shared/grpc/client-cache.js';

class Fake {
  closed = 0;
  constructor(readonly name: string) {}
  close(): void {
    this.closed++;
  }
}

test('a peer client is made once per key and reused until closed', () => {
  const cache = new ClientCache<Fake>(60_000, 8);
  let made = 0;
  const a1 = cache.get('a', () => new Fake(`a${++made}`));
  const a2 = cache.get('a', () => new Fake(`a${++made}`));
  assert.equal(a1, a2);
  assert.equal(made, 1);
  cache.closeAll();
  assert.equal(a1.closed, 1);
  const a3 = cache.get('a', () => new Fake(`a${++made}`));
  assert.notEqual(a3, a1, 'a closed client is never handed out again');
  cache.closeAll();
});

test('beyond the limit the least recently used client is closed', () => {
  const cache = new ClientCache<Fake>(60_000, 2);
  const a = cache.get('a', () => new Fake('a'));
  const b = cache.get('b', () => new Fake('b'));
  cache.get('a', () => new Fake('a-again'));
  const c = cache.get('c', () => new Fake('c'));
  assert.equal(b.closed, 1, 'b was used least recently');
  assert.equal(a.closed, 0);
  assert.equal(c.closed, 0);
  assert.equal(cache.size, 2);
  cache.closeAll();
  assert.equal(a.closed, 1);
  assert.equal(c.closed, 1);
});

test('a client left unused for the idle time is closed', async () => {
  const cache = new ClientCache<Fake>(30, 8);
  const a = cache.get('a', () => new Fake('a'));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(a.closed, 1);
  assert.equal(cache.size, 0);
});

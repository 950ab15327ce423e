import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkCache, chunkCount, chunkRange, newTablePlan, sameSum } from '../../agent/db/chunk-cache.js';

const k = (n: number) => [Buffer.from(String(n))];

test('boundaries split the key space into contiguous chunks, open at both ends', () => {
  const p = newTablePlan('ddl', ['id'], [k(10), k(20)]);
  assert.equal(chunkCount(p), 3);
  assert.deepEqual(chunkRange(p, 0), { lower: undefined, upper: k(10) });
  assert.deepEqual(chunkRange(p, 1), { lower: k(10), upper: k(20) });
  assert.deepEqual(chunkRange(p, 2), { lower: k(20), upper: undefined });
  assert.equal(p.prod.length, 3);
  assert.equal(p.staging.length, 3);
  const one = newTablePlan('ddl', [], []);
  assert.equal(chunkCount(one), 1);
  assert.deepEqual(chunkRange(one, 0), { lower: undefined, upper: undefined });
});

test('a sum is only equal to a known sum with the same rows and checksum', () => {
  assert.equal(sameSum({ rows: 2, checksum: 'crcmul:5' }, { rows: 2, checksum: 'crcmul:5' }), true);
  assert.equal(sameSum({ rows: 2, checksum: 'crcmul:5' }, { rows: 3, checksum: 'crcmul:5' }), false);
  assert.equal(sameSum({ rows: 2, checksum: 'crcmul:5' }, { rows: 2, checksum: 'md5:5' }), false);
  assert.equal(sameSum(undefined, { rows: 0, checksum: 'crcmul:0' }), false);
});

test('the cache forgets a schema as a whole', () => {
  const c = new ChunkCache();
  c.set('shop', { tables: new Map([['t', newTablePlan('ddl', ['id'], [])]]) });
  assert.equal(c.get('shop')?.tables.size, 1);
  c.forget('shop');
  assert.equal(c.get('shop'), undefined);
});

// Production-only rows a preflight recorded in the live copy ('last'), with no copy since to take
// them aside — another cutover of the site ran preflight while this one waited to sync. Sync's
// repair replaces the chunks holding them with staging's: they must be kept aside first, where
// keep merges them from, not lost with the repair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents } from '../helpers/db-pair.js';
import type { PreflightReport__Output } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';
import type { MergeReport__Output } from '../../shared/proto-gen/switchyard/v1/MergeReport.js';

test('sync after a preflight of the live copy: the production-only rows it recorded are kept in __sy_last before the repair replaces their chunks, and keep merges them back', async (t) => {
  const { s, p, prodAgent, peer } = await twoAgents(t, async ({ s: stag, p: prod }) => {
    for (const c of [stag, prod]) {
      await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      await c.query('CREATE TABLE shop.hits (page VARCHAR(20) NOT NULL, n INT NOT NULL) ENGINE=InnoDB');
      await c.query("INSERT INTO shop.hits VALUES ('/', 1)");
    }
  });
  const copy = () => streamCall(prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  await copy();
  // Written on production since the copy (webhooks), then found by a preflight.
  await p.query("INSERT INTO shop.orders VALUES (11, 'webhook'), (12, 'order')");
  await p.query("INSERT INTO shop.hits VALUES ('/shop/', 7)");
  const report = await unaryCall<object, PreflightReport__Output>(prodAgent.client, 'PreflightDatabase', { peer });
  assert.equal(Number(report.production_only_rows), 3);
  // Staging changes meanwhile: the chunks holding the recorded rows differ either way.
  await s.query("UPDATE shop.orders SET v = 'A' WHERE id = 1");
  await s.query("INSERT INTO shop.hits VALUES ('/about/', 2)");

  const sync = (await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 })).find((e) => e.parity)!.parity!;
  assert.ok(sync.tables.some((x) => Number(x.differing_chunks) > 0 || Number(x.rows_copied) > 0), 'the repair ran');
  assert.deepEqual((await p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0], [{ id: 1, v: 'A' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }], "the live table is staging's");
  assert.deepEqual((await p.query('SELECT id, v FROM shop__sy_last.orders ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }], 'the recorded rows were kept aside first');
  assert.deepEqual((await p.query('SELECT page, n FROM shop__sy_last.hits'))[0], [{ page: '/shop/', n: 7 }]);
  assert.deepEqual((await p.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop__sy_last' AND TABLE_NAME LIKE '\\_\\_sy\\_%'"))[0], [], 'the notes went once the agent was told');

  // Run again: nothing joins twice (a row without a key would be kept twice).
  await streamCall(prodAgent.client, 'SyncDatabase', { peer, parallelism: 2 });
  assert.deepEqual((await p.query('SELECT page, n FROM shop__sy_last.hits'))[0], [{ page: '/shop/', n: 7 }]);

  const merged = await unaryCall<object, MergeReport__Output>(prodAgent.client, 'MergeProductionOnlyRows', { target_schema: 'shop', mode: 'keep' });
  assert.equal(Number(merged.rows_merged), 3);
  assert.equal(Number(merged.rows_not_found), 0);
  assert.deepEqual((await p.query('SELECT id, v FROM shop.orders WHERE id > 10 ORDER BY id'))[0], [{ id: 11, v: 'webhook' }, { id: 12, v: 'order' }]);
  assert.deepEqual((await p.query("SELECT page, n FROM shop.hits WHERE page = '/shop/'"))[0], [{ page: '/shop/', n: 7 }]);
});

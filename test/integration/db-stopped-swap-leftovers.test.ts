// What a swap or a DB rollback that stopped part-way leaves on production, and who clears it: a
// rollback stopped past its RENAME TABLE left the copy it swapped out in <db>__sy_trash, and a
// first copy into a schema production did not have left that schema behind, empty, when its
// RENAME failed. Production must end as it was, holding nothing of ours but what it is told about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { streamCall, unaryCall } from '../helpers/db-fixture.js';
import { twoAgents, type DbServers } from '../helpers/db-pair.js';
import { GrpcSourcePeer, type SourcePeer } from '../../agent/db/peer.js';
import { pullDatabase } from '../../agent/db/pull.js';
import { silentLogger } from '../../shared/logger.js';

const STAGING = [{ id: 1, v: 'staging' }];
const PRODUCTION = [{ id: 1, v: 'production' }, { id: 2, v: 'production' }];

/** Staging's shop and production's differ, so whose tables are live is seen in their rows. */
async function shops({ s, p }: DbServers): Promise<void> {
  for (const [c, rows] of [[s, STAGING], [p, PRODUCTION]] as const) {
    await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    for (const r of rows) await c.query('INSERT INTO shop.orders VALUES (?, ?)', [r.id, r.v]);
  }
}

const schemas = async (p: Connection): Promise<string[]> =>
  ((await p.query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shop%' ORDER BY 1")) as unknown as [Array<{ s: string }>])[0].map((r) => r.s);
const tablesOf = async (p: Connection, schema: string): Promise<string[]> =>
  ((await p.query('SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [schema])) as unknown as [Array<{ n: string }>])[0].map((r) => r.n).sort();
const orders = async (p: Connection) => (await p.query('SELECT id, v FROM shop.orders ORDER BY id'))[0];

type Env = Awaited<ReturnType<typeof twoAgents>>;

/**
 * A DB rollback after a copy, stopped past its RENAME TABLE: a client reading `__sy_prev`'s ledger
 * holds up the DROP of `__sy_prev` that follows it (and the DROP of `__sy_trash` after that).
 */
async function rollbackStoppedPastRename(env: Env): Promise<void> {
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  const x = await env.production.rootConnection();
  try {
    await x.query('START TRANSACTION');
    await x.query('SELECT COUNT(*) FROM shop__sy_prev.__sy_kept');
    await assert.rejects(unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }), /gave up waiting for a lock/);
  } finally {
    await x.query('ROLLBACK');
    await x.end();
  }
  assert.deepEqual(await orders(env.p), PRODUCTION, "the RENAME ran: production's own tables are live");
  assert.ok((await tablesOf(env.p, 'shop__sy_trash')).includes('orders'), 'the copy it swapped out waits in the trash');
}

test('a DB rollback stopped after its RENAME TABLE, before it dropped the copy it swapped out: the retried rollback drops <db>__sy_trash, and production ends clean', async (t) => {
  const env = await twoAgents(t, shops, { productionDatabase: { lockWaitSeconds: 1 } });
  await rollbackStoppedPastRename(env);
  await assert.rejects(unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }), /production's tables are live already/);
  assert.deepEqual(await schemas(env.p), ['shop'], 'no shop__sy_trash (nor shop__sy_prev) left');
  assert.deepEqual(await orders(env.p), PRODUCTION);
});

test('a DB rollback stopped after it dropped <db>__sy_prev, before <db>__sy_trash: the retried rollback, or the next preflight, drops the tables its ledger names and never one it does not name', async (t) => {
  const env = await twoAgents(t, shops, { productionDatabase: { lockWaitSeconds: 1 } });
  const { p } = env;
  await rollbackStoppedPastRename(env);
  // Stopped a statement later: `__sy_prev` dropped (nothing of production's is in it: its tables are back).
  await p.query('DROP DATABASE shop__sy_prev');
  // A table no step of ours put there: not ours to drop.
  await p.query('CREATE TABLE shop__sy_trash.operator_notes (id INT PRIMARY KEY) ENGINE=InnoDB');
  await p.query('INSERT INTO shop__sy_trash.operator_notes VALUES (1)');
  await assert.rejects(unaryCall(env.prodAgent.client, 'RollbackDatabase', { target_schema: 'shop' }), /nothing kept aside for shop/);
  assert.deepEqual(await tablesOf(p, 'shop__sy_trash'), ['operator_notes'], "the retried rollback dropped the copy's table and its ledger, nothing else");
  assert.deepEqual((await p.query('SELECT id FROM shop__sy_trash.operator_notes'))[0], [{ id: 1 }]);
  assert.deepEqual(await orders(p), PRODUCTION);
  // A copy, and a rerun copy that moves the live tables through the trash: only its own go.
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  await streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 });
  assert.deepEqual(await orders(p), STAGING);
  assert.deepEqual(await tablesOf(p, 'shop__sy_trash'), ['operator_notes'], 'the rerun copy dropped the tables it swapped out, not the trash whole');
  assert.deepEqual((await p.query('SELECT id FROM shop__sy_trash.operator_notes'))[0], [{ id: 1 }]);
  // One of a name the rerun moves there stops it, named, before anything changes.
  await p.query('CREATE TABLE shop__sy_trash.orders (id INT PRIMARY KEY) ENGINE=InnoDB');
  await assert.rejects(streamCall(env.prodAgent.client, 'PullDatabase', { peer: env.peer, parallelism: 2 }), /shop__sy_trash holds a table no step of ours put there, named as one this step moves there to drop: orders; nothing was changed/);
  assert.deepEqual(await orders(p), STAGING);
  assert.deepEqual(await tablesOf(p, 'shop__sy_trash'), ['operator_notes', 'orders']);

  // The same left without the operator's table: preflight, the settle step of a new cutover, drops it whole.
  const again = await twoAgents(t, shops, { productionDatabase: { lockWaitSeconds: 1 } });
  await rollbackStoppedPastRename(again);
  await again.p.query('DROP DATABASE shop__sy_prev');
  await unaryCall(again.prodAgent.client, 'PreflightDatabase', { peer: again.peer });
  assert.deepEqual(await schemas(again.p), ['shop'], 'no shop__sy_trash left');
  await streamCall(again.prodAgent.client, 'PullDatabase', { peer: again.peer, parallelism: 2 });
  assert.deepEqual(await orders(again.p), STAGING);
});

test('a first copy into a schema production does not have, whose RENAME TABLE fails: no empty schema is left behind, and the rerun succeeds', async (t) => {
  const env = await twoAgents(t, async ({ s }) => {
    await s.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB');
    await s.query("INSERT INTO shop.orders VALUES (1, 'staging')");
  }, { databases: { staging: ['shop'], production: [] } });
  const { p, production, peer } = env;
  assert.deepEqual(await schemas(p), [], 'production has no shop schema');
  // The copy's RENAME waits on a client that read the loaded shadow table (between the load and
  // the swap, when the copy closes staging's snapshot), and gives up after lockWaitSeconds.
  const x = await production.rootConnection();
  t.after(() => x.end());
  const source = new GrpcSourcePeer({ ...peer, peer_server_name: '', peer_name: '' }, { insecure: true });
  t.after(() => source.close());
  const held: SourcePeer = Object.assign(Object.create(source) as SourcePeer, {
    closeSnapshot: async (id: string) => {
      await x.query('START TRANSACTION');
      await x.query('SELECT COUNT(*) FROM shop__sy_shadow.orders');
      await source.closeSnapshot(id);
    },
  });
  const target = { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password, lockWaitSeconds: 1 };
  try {
    await assert.rejects(pullDatabase({ target, peer: held, sourceSchema: 'shop', targetSchema: 'shop', parallelism: 2, logger: silentLogger() }), /gave up waiting for a lock|Lock wait timeout/);
  } finally {
    await x.query('ROLLBACK');
  }
  const left = await schemas(p);
  assert.ok(!left.includes('shop'), `no shop schema left behind: ${left.join(', ')}`);
  assert.ok(!left.includes('shop__sy_prev'), `no record of production's (no) tables left: ${left.join(', ')}`);

  await streamCall(env.prodAgent.client, 'PullDatabase', { peer, parallelism: 2 });
  assert.deepEqual(await orders(p), STAGING);
  assert.deepEqual(await schemas(p), ['shop', 'shop__sy_prev'], 'the rerun is a first copy, its (empty) record of production kept aside');
});

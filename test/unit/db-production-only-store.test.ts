// The record of production-only rows in the agent's state file: keys and where the copy keeps
// the rows survive a restart, and a record made before the agent said where reads as unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMigrations, openDatabase } from '../../shared/state/sqlite.js';
import { DB_MIGRATIONS } from '../../agent/db/freeze.js';
import { ProductionOnlyStore } from '../../agent/db/preflight.js';

test('the state file keeps production-only keys and where the copy keeps their rows', () => {
  const db = openDatabase(':memory:', DB_MIGRATIONS);
  const store = new ProductionOnlyStore(db);
  assert.equal(store.keptIn('shop'), undefined);
  store.set('shop', 'orders', [[Buffer.from('7')], [Buffer.from('8')]], 'prev');
  store.set('shop', 'wp_options', [[Buffer.from('12')]], 'prev');
  const again = new ProductionOnlyStore(db);
  assert.equal(again.keptIn('shop'), 'prev');
  assert.deepEqual([...again.get('shop').get('orders')!].map((k) => k[0]!.toString()), ['7', '8']);
  store.set('shop', 'orders', [[Buffer.from('9')]], 'last');
  store.set('shop', 'wp_options', [[Buffer.from('12')]], 'last');
  assert.equal(again.keptIn('shop'), 'last');
  store.clear('shop');
  assert.equal(again.keptIn('shop'), undefined);
  assert.equal(again.get('shop').size, 0);
  // A record from before kept_in existed.
  db.prepare("INSERT INTO db_production_only (schema_name, table_name, keys, recorded_at) VALUES ('shop', 't', '[]', 'x')").run();
  assert.equal(again.keptIn('shop'), undefined);
});

test('in memory too', () => {
  const store = new ProductionOnlyStore();
  store.set('shop', 'orders', [[Buffer.from('7')]], 'last');
  assert.equal(store.keptIn('shop'), 'last');
  store.clear('shop');
  assert.equal(store.keptIn('shop'), undefined);
});

test('a table without a key is recorded as row hashes under the algorithm that made them, in the state file and in memory', () => {
  for (const store of [new ProductionOnlyStore(openDatabase(':memory:', DB_MIGRATIONS)), new ProductionOnlyStore()]) {
    store.set('shop', 'orders', [[Buffer.from('7')]], 'prev');
    store.set('shop', 'hits', [[Buffer.from('18446744073709551615'), Buffer.from('2')]], 'prev', 'crcchain');
    assert.equal(store.rowHash('shop', 'orders'), '');
    assert.equal(store.rowHash('shop', 'hits'), 'crcchain');
    assert.deepEqual(store.get('shop').get('hits')!.map((k) => k.map((v) => v!.toString())), [['18446744073709551615', '2']]);
    store.clear('shop');
    assert.equal(store.rowHash('shop', 'hits'), '');
  }
});

const places = (store: ProductionOnlyStore) => store.records('shop').map((r) => [r.table, r.keptIn, r.keys.map((k) => k[0]!.toString()).join(',')]);

test('a copy swapped in after preflight says where the rows recorded as \'last\' landed; a later one changes nothing', () => {
  for (const store of [new ProductionOnlyStore(openDatabase(':memory:', DB_MIGRATIONS)), new ProductionOnlyStore()]) {
    store.set('shop', 'orders', [[Buffer.from('7')]], 'last');
    store.landed('shop', false);
    assert.equal(store.keptIn('shop'), 'last-kept');
    store.landed('shop', false);
    assert.deepEqual(places(store), [['orders', 'last-kept', '7']]);
    // Found later in the live tables, the next copy moves them beside the first: one record, both keys (8 replaced).
    store.set('shop', 'orders', [[Buffer.from('8')], [Buffer.from('9')]], 'last');
    store.set('shop', 'wp_options', [[Buffer.from('3')]], 'last');
    store.landed('shop', false);
    assert.deepEqual(places(store), [['orders', 'last-kept', '7,8,9'], ['wp_options', 'last-kept', '3']]);
    store.set('shop', 'orders', [[Buffer.from('8')]], 'last');
    store.landed('shop', false);
    assert.deepEqual(places(store), [['orders', 'last-kept', '7,9,8'], ['wp_options', 'last-kept', '3']]);
    // After a rollback the next copy is a first one again: production's tables, rows and all, go to __sy_prev.
    store.clear('shop');
    store.set('shop', 'orders', [[Buffer.from('7')]], 'last');
    store.landed('shop', true);
    assert.equal(store.keptIn('shop'), 'prev');
    store.landed('shop', false);
    assert.equal(store.keptIn('shop'), 'prev');
  }
});

test('preflight run again forgets only the records of rows still in the live tables; a rollback moves the live ones to __sy_last', () => {
  for (const store of [new ProductionOnlyStore(openDatabase(':memory:', DB_MIGRATIONS)), new ProductionOnlyStore()]) {
    store.set('shop', 'orders', [[Buffer.from('1')]], 'prev');
    store.set('shop', 'orders', [[Buffer.from('2')]], 'last-kept');
    store.set('shop', 'orders', [[Buffer.from('3')]], 'last');
    // A copy is in place: the 'prev' rows are in __sy_prev, not to be found again.
    store.forgetLive('shop', true);
    assert.deepEqual(places(store), [['orders', 'last-kept', '2'], ['orders', 'prev', '1']]);
    store.set('shop', 'orders', [[Buffer.from('3')]], 'last');
    store.rolledBack('shop');
    assert.deepEqual(places(store), [['orders', 'last-kept', '2,3'], ['orders', 'prev', '1']]);
    assert.equal(store.keepsLast('shop'), true);
    // No copy in place (rolled back): production's own rows are live again, to be found again.
    store.forgetLive('shop', false);
    assert.deepEqual(places(store), [['orders', 'last-kept', '2,3']]);
  }
});

test('a state file from before records had a place per table opens with its records', () => {
  const db = openDatabase(':memory:', DB_MIGRATIONS.filter((m) => m.id < 305));
  db.prepare("INSERT INTO db_production_only (schema_name, table_name, keys, recorded_at, kept_in, row_hash) VALUES ('shop', 'orders', ?, 'x', 'last-kept', '')").run(JSON.stringify([[Buffer.from('7').toString('hex')]]));
  applyMigrations(db, DB_MIGRATIONS);
  const store = new ProductionOnlyStore(db);
  assert.deepEqual(places(store), [['orders', 'last-kept', '7']]);
  store.set('shop', 'orders', [[Buffer.from('8')]], 'last');
  assert.equal(store.records('shop').length, 2);
});

test('a record joining another keeps each key’s own time: "newer" is per key, not the time of the move', () => {
  const db = openDatabase(':memory:', DB_MIGRATIONS);
  const store = new ProductionOnlyStore(db);
  const k = (s: string) => [Buffer.from(s)];
  store.set('shop', 'orders', [k('11')], 'last-kept', '', ['2026-01-01T00:00:00.000Z']);
  store.set('shop', 'orders', [k('20'), k('11')], 'last', '', ['2026-01-03T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
  store.set('shop', 'hits', [[Buffer.from('5'), Buffer.from('1')]], 'last-kept', 'crcchain', ['2026-01-01T00:00:00.000Z']);
  store.set('shop', 'hits', [[Buffer.from('5'), Buffer.from('2')], [Buffer.from('6'), Buffer.from('1')]], 'last', 'crcchain', ['2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
  store.landed('shop', false);
  const orders = store.records('shop').find((r) => r.table === 'orders')!;
  assert.equal(orders.keptIn, 'last-kept');
  assert.deepEqual(orders.keys.map((x) => x[0]!.toString()), ['20', '11']);
  assert.deepEqual(orders.keyTimes, ['2026-01-03T00:00:00.000Z', '2026-01-02T00:00:00.000Z'], 'the moved record’s 11 replaced the older one, each with its time');
  assert.equal(orders.recordedAt, '2026-01-03T00:00:00.000Z', 'the latest key’s time, not the move’s');
  const hits = store.records('shop').find((r) => r.table === 'hits')!;
  assert.deepEqual(hits.keys.map((x) => `${x[0]!.toString()}x${x[1]!.toString()}`), ['5x3', '6x1']);
  assert.deepEqual(hits.keyTimes, ['2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
  // A record from before key times were kept: every key takes the record's time.
  db.prepare("INSERT INTO db_production_only (schema_name, table_name, keys, recorded_at, kept_in) VALUES ('shop', 't', ?, '2025-05-05T00:00:00.000Z', 'prev')").run(JSON.stringify([['31'], ['32']]));
  assert.deepEqual(store.records('shop').find((r) => r.table === 't')!.keyTimes, ['2025-05-05T00:00:00.000Z', '2025-05-05T00:00:00.000Z']);
});

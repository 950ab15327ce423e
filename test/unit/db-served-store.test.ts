import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMigrations, openDatabase } from '../../shared/state/sqlite.js';
import { DB_MIGRATIONS } from '../../agent/db/freeze.js';
import { ServedStore } from '../../agent/db/served-store.js';

test('a served name is recorded before the move and marked once the live tables reach it; a rollback taking the name again replaces the record', () => {
  const store = new ServedStore();
  store.kept('shop', 'shop__sy_served', 'co_1');
  assert.equal(store.unmoved('shop', 'shop__sy_served'), true, 'recorded, not yet moved into');
  store.moved('shop', 'shop__sy_served');
  assert.equal(store.unmoved('shop', 'shop__sy_served'), false);
  assert.equal(store.unmoved('shop', 'shop__sy_served2'), false, 'a name never recorded is not the agent\'s');
  // The operator dropped it; another rollback takes the name, and is stopped before its move.
  store.kept('shop', 'shop__sy_served', '');
  assert.equal(store.unmoved('shop', 'shop__sy_served'), true, 'the earlier holder\'s record is gone with it');
  assert.equal(store.find('shop', 'co_1'), undefined);
});

test('forget drops the record of a schema nothing was moved into, though a later rollback recorded another name since; never that of a copy the move reached', () => {
  const store = new ServedStore();
  store.kept('shop', 'shop__sy_served', 'co_1');
  store.moved('shop', 'shop__sy_served');
  store.kept('shop', 'shop__sy_served2', 'co_2'); // stopped before its move
  store.kept('shop', 'shop__sy_served3', 'co_3');
  store.forget('shop', 'shop__sy_served2');
  assert.equal(store.find('shop', 'co_2'), undefined, 'the leftover\'s record goes');
  store.forget('shop', 'shop__sy_served');
  assert.equal(store.find('shop', 'co_1')?.served, 'shop__sy_served', 'a moved copy stays recorded');
  assert.equal(store.find('shop', 'co_3')?.served, 'shop__sy_served3');
});

test('prune forgets the records whose served schema the server no longer holds, of that schema only, and keeps the others', () => {
  const store = new ServedStore();
  store.kept('shop', 'shop__sy_served', 'co_1');
  store.kept('shop', 'shop__sy_served2', 'co_2');
  store.kept('blog', 'blog__sy_served', 'co_3');
  assert.deepEqual(store.prune('shop', new Set(['shop__sy_served2'])), ['shop__sy_served']);
  assert.equal(store.find('shop', 'co_1'), undefined);
  assert.equal(store.find('shop', 'co_2')?.served, 'shop__sy_served2');
  assert.equal(store.find('blog', 'co_3')?.served, 'blog__sy_served', 'another schema\'s records are its own rollbacks\' to prune');
  assert.deepEqual(store.prune('shop', new Set(['shop__sy_served2'])), []);
});

test('records written before the move was recorded count as moved: a copy an operator emptied since is never taken for a leftover', () => {
  const db = openDatabase(':memory:', DB_MIGRATIONS.filter((m) => m.id < 308));
  db.prepare("INSERT INTO db_served (schema_name, served_schema, attempt, served_at) VALUES ('shop', 'shop__sy_served', 'co_1', '2026-01-02T03:04:05.000Z')").run();
  applyMigrations(db, DB_MIGRATIONS);
  const store = new ServedStore(db);
  assert.equal(store.unmoved('shop', 'shop__sy_served'), false);
  assert.equal(store.find('shop', 'co_1')?.servedAt, '2026-01-02T03:04:05.000Z');
});

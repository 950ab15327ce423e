import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { SwitchyardError } from '../../shared/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, applyMigrations } from '../../shared/state/sqlite.js';

test('migrations apply once, in order, and state survives reopening the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nested', 'state.sqlite');
  const migrations = [
    { id: 2, name: 'add-note', sql: 'ALTER TABLE items ADD COLUMN note TEXT' },
    { id: 1, name: 'items', sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)' },
  ];
  const db = openDatabase(file, migrations);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.prepare('INSERT INTO items (v, note) VALUES (?, ?)').run('a', 'n');
  db.close();

  const again = openDatabase(file, migrations);
  assert.deepEqual(applyMigrations(again, migrations), []);
  assert.deepEqual(again.prepare('SELECT v, note FROM items').all(), [{ v: 'a', note: 'n' }]);
  again.close();
});

test('a failing migration leaves no half-applied schema', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 's.sqlite');
  assert.throws(() => openDatabase(file, [{ id: 1, name: 'bad', sql: 'CREATE TABLE a (x INT); CREATE TABLE broken (' }]));
  const db = openDatabase(file, []);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='a'").all();
  assert.deepEqual(tables, []);
  db.close();
});

test('a state file that cannot be made or written is refused naming stateFile and what to do', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A file where a directory of the path should be: mkdir's raw EEXIST named no key.
  writeFileSync(join(dir, 'plain'), 'x');
  const underFile = join(dir, 'plain', 'agent.sqlite');
  assert.throws(
    () => openDatabase(underFile, []),
    (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.equal(err.code, 'SY_CONFIG_INVALID');
      assert.equal(err.field, 'stateFile');
      assert.match(err.message, /^stateFile .*plain\/agent\.sqlite: a path component of .*plain is a file, not a directory/);
      return true;
    },
  );
  // The directory where the file belongs.
  assert.throws(() => openDatabase(dir, []), /stateFile .*: is a directory; stateFile names the file itself/);
});

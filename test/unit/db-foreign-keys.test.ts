// Which tables a re-copy must take along: those tied to it by FOREIGN KEYs, read from the DDL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referencedTables, tiedByForeignKeys } from '../../agent/db/compare.js';
import type { Table } from '../../agent/db/inspect.js';

const table = (name: string, createSql: string): Table => ({ name, createSql, columns: [], keyColumns: [], keyName: '', approxRows: 0, approxBytes: 0, autoIncrement: '' });

test('referencedTables: same-schema parents as SHOW CREATE TABLE writes them; another schema\'s are not ours', () => {
  const ddl =
    'CREATE TABLE `c` (\n  `a` int,\n  CONSTRAINT `f1` FOREIGN KEY (`a`) REFERENCES `p` (`id`),\n  CONSTRAINT `f2` FOREIGN KEY (`b`) REFERENCES `odd``name` (`id`) ON DELETE CASCADE,\n  CONSTRAINT `f3` FOREIGN KEY (`c`) REFERENCES `other_db`.`x` (`id`)\n) ENGINE=InnoDB';
  assert.deepEqual(referencedTables(ddl), ['p', 'odd`name']);
  assert.deepEqual(referencedTables('CREATE TABLE `t` (`id` int) ENGINE=InnoDB'), []);
});

test('tiedByForeignKeys: parents and children, transitively, from either side; unrelated tables stay', () => {
  const fk = (name: string, parent: string) => table(name, `CREATE TABLE \`${name}\` (CONSTRAINT \`f\` FOREIGN KEY (\`x\`) REFERENCES \`${parent}\` (\`id\`))`);
  const plain = (name: string) => table(name, `CREATE TABLE \`${name}\` (\`id\` int)`);
  const staging = [plain('orders'), fk('items', 'orders'), fk('notes', 'items'), plain('other'), plain('gone_fk')];
  // Production's own definition still ties gone_fk to orders (staging dropped that constraint).
  const production = [plain('orders'), fk('items', 'orders'), fk('notes', 'items'), plain('other'), fk('gone_fk', 'orders')];
  assert.deepEqual(tiedByForeignKeys([staging[0]!], staging, production).map((t) => t.name).sort(), ['gone_fk', 'items', 'notes']);
  assert.deepEqual(tiedByForeignKeys([staging[2]!], staging, production).map((t) => t.name).sort(), ['gone_fk', 'items', 'orders']);
  assert.deepEqual(tiedByForeignKeys([staging[3]!], staging, production), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferrableIndexes } from '../../agent/db/defer-indexes.js';
import type { Table } from '../../agent/db/inspect.js';

const table = (name: string, createSql: string): Table => ({ name, createSql, columns: [], keyColumns: ['id'], keyName: 'PRIMARY', approxRows: 0, approxBytes: 0, autoIncrement: '' });

const posts = table(
  'posts',
  [
    'CREATE TABLE `posts` (',
    '  `id` int(11) NOT NULL,',
    '  `title` text NOT NULL,',
    '  `slug` varchar(50) NOT NULL,',
    '  `body` text NOT NULL,',
    '  PRIMARY KEY (`id`),',
    '  UNIQUE KEY `slug` (`slug`),',
    '  KEY `title_id` (`title`(50),`id`) COMMENT \'listing, (by id)\',',
    '  KEY `we``ird` (`slug`) USING BTREE,',
    '  FULLTEXT KEY `body` (`body`)',
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
  ].join('\n'),
);

test('plain secondary keys are deferred with their full definition; unique and fulltext keys stay', () => {
  assert.deepEqual(deferrableIndexes(posts, [posts]), [
    { name: '`title_id`', definition: "KEY `title_id` (`title`(50),`id`) COMMENT 'listing, (by id)'" },
    { name: '`we``ird`', definition: 'KEY `we``ird` (`slug`) USING BTREE' },
  ]);
});

test('tables in a foreign key, on either end, keep every index', () => {
  const child = table('comments', 'CREATE TABLE `comments` (\n  `id` int(11) NOT NULL,\n  `post` int(11) NOT NULL,\n  PRIMARY KEY (`id`),\n  KEY `post` (`post`),\n  CONSTRAINT `fk` FOREIGN KEY (`post`) REFERENCES `posts` (`id`)\n) ENGINE=InnoDB');
  assert.deepEqual(deferrableIndexes(child, [posts, child]), []);
  assert.deepEqual(deferrableIndexes(posts, [posts, child]), []);
});

test('shadow tables load without background statistics and get their own setting back', async () => {
  const { statsPause } = await import('../../agent/db/pause-stats.js');
  assert.deepEqual(statsPause(posts), { off: 'STATS_AUTO_RECALC=0', restore: 'STATS_AUTO_RECALC=DEFAULT' });
  const own = table('t', "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=latin1 STATS_AUTO_RECALC=1 COMMENT='STATS_AUTO_RECALC=0'");
  assert.deepEqual(statsPause(own), { off: 'STATS_AUTO_RECALC=0', restore: 'STATS_AUTO_RECALC=1' });
  assert.equal(statsPause(table('t', own.createSql.replace('RECALC=1 ', 'RECALC=0 '))), undefined, 'already off: nothing to restore');
  assert.equal(statsPause(table('t', own.createSql.replace('InnoDB', 'Aria'))), undefined, 'not InnoDB');
  assert.equal(statsPause(table('t', `${own.createSql}\n PARTITION BY HASH (\`id\`)\nPARTITIONS 2`)), undefined, 'partitioned');
});

test('a table with generated columns is loaded as created: no ALTER after the load (it would lose UPDATE_TIME)', async () => {
  const { statsPause } = await import('../../agent/db/pause-stats.js');
  const gen: Table = { ...posts, columns: [{ name: 'v', dataType: 'int', columnType: 'int(11)', charset: null, collation: null, generated: true, nullable: true }] };
  assert.deepEqual(deferrableIndexes(gen, [gen]), []);
  assert.equal(statsPause(gen), undefined);
});

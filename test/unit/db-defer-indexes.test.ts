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

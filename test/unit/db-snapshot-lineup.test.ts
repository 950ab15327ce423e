// Which way the snapshot's readers are lined up, by what the server answers (snapshot.ts,
// blockDdl). The ways themselves run on a real server in db-snapshot.test.ts; here, answers our
// MariaDB 10.11 cannot give: BACKUP STAGE as a syntax error, as MySQL and MariaDB < 10.4 answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { blockDdl } from '../../agent/db/snapshot.js';
import { silentLogger } from '../../shared/logger.js';

/** A connection that records its statements and fails those `fail` names with an errno. */
function recordingConnection(fail: Record<string, number>): { conn: Connection; sent: string[]; values: unknown[] } {
  const sent: string[] = [];
  const values: unknown[] = [];
  const conn = {
    async query(sql: string, params?: unknown) {
      sent.push(sql);
      values.push(params);
      const errno = Object.entries(fail).find(([prefix]) => sql.startsWith(prefix))?.[1];
      if (errno !== undefined) throw Object.assign(new Error(`errno ${errno} for ${sql}`), { errno });
      return [[], []];
    },
  } as unknown as Connection;
  return { conn, sent, values };
}

const locks = (sent: string[]) => sent.filter((s) => !s.startsWith('SET SESSION'));

test('a server that takes BACKUP STAGE is lined up with it, and no read lock is asked for', async () => {
  const { conn, sent } = recordingConnection({});
  assert.equal(await blockDdl(conn, silentLogger(), true), 'backup-stage');
  assert.deepEqual(locks(sent), ['BACKUP STAGE START', 'BACKUP STAGE BLOCK_DDL']);
});

test('a server without BACKUP STAGE (a syntax error, 1064) goes on to FLUSH TABLES WITH READ LOCK, waiting at most 5 s', async () => {
  const { conn, sent, values } = recordingConnection({ 'BACKUP STAGE': 1064 });
  assert.equal(await blockDdl(conn, silentLogger(), true), 'ftwrl');
  assert.deepEqual(locks(sent), ['BACKUP STAGE START', 'FLUSH TABLES WITH READ LOCK']);
  const before = sent.indexOf('FLUSH TABLES WITH READ LOCK') - 1;
  assert.equal(sent[before], 'SET SESSION lock_wait_timeout = ?');
  assert.deepEqual(values[before], [5], "the site's writes queue behind a pending read lock: a short wait");
});

test('a server that has BACKUP STAGE but cannot give it now gets no read lock: one reader', async () => {
  for (const errno of [1205 /* lock wait timeout */, 1227 /* no RELOAD */]) {
    const { conn, sent } = recordingConnection({ 'BACKUP STAGE START': errno });
    assert.equal(await blockDdl(conn, silentLogger(), true), undefined, `errno ${errno}`);
    assert.ok(!sent.includes('FLUSH TABLES WITH READ LOCK'), `errno ${errno}: no read lock asked for`);
  }
  // BLOCK_DDL refused after START was taken: the stage is ended, not left held.
  const { conn, sent } = recordingConnection({ 'BACKUP STAGE BLOCK_DDL': 1205 });
  assert.equal(await blockDdl(conn, silentLogger(), true), undefined);
  assert.deepEqual(locks(sent), ['BACKUP STAGE START', 'BACKUP STAGE BLOCK_DDL', 'BACKUP STAGE END']);
});

test('a read lock refused (no RELOAD) leaves one reader', async () => {
  const { conn } = recordingConnection({ 'BACKUP STAGE': 1064, 'FLUSH TABLES': 1227 });
  assert.equal(await blockDdl(conn, silentLogger(), true), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'mysql2/promise';
import { withTwoMariaDbs } from '../helpers/mariadb.js';

test('the harness starts two separate servers: read_only on staging never touches production', async (t) => {
  const { staging, production } = await withTwoMariaDbs(t, { staging: ['shop'], production: ['shop'] });
  assert.notEqual(staging.port === production.port && staging.host === production.host, true);
  const sRoot = await staging.rootConnection();
  await sRoot.query('SET GLOBAL read_only = ON');
  await sRoot.end();

  const site = (db: typeof staging) => createConnection({ host: db.host, port: db.port, user: db.site.user, password: db.site.password, database: 'shop' });
  const s = await site(staging);
  const p = await site(production);
  t.after(async () => { await s.end(); await p.end(); });
  await p.query('CREATE TABLE t (id INT PRIMARY KEY)');
  await p.query('INSERT INTO t VALUES (1)');
  await assert.rejects(s.query('CREATE TABLE t (id INT PRIMARY KEY)'), /read-only|read_only/i);
  const [rows] = await p.query('SELECT COUNT(*) AS n FROM t');
  assert.equal((rows as Array<{ n: number }>)[0]!.n, 1);
});

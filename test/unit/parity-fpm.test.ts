import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFpmFacts } from '../../agent/facts/fpm.js';
import { envDigest } from '../../agent/facts/env.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import type { ParityTable } from '../../shared/parity.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { PhpFpmFacts__Output } from '../../shared/proto-gen/switchyard/v1/PhpFpmFacts.js';
import { capturingLogger, mockFacts, overTheWire, testAgentConfig } from '../helpers/facts.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const names = { stagingName: 'staging-1', productionName: 'prod-1' };

function row(table: ParityTable, key: string) {
  const r = table.rows.find((x) => x.key === key);
  assert.ok(r, `row ${key} is missing; rows: ${table.rows.map((x) => x.key).join(' ')}`);
  return r;
}

/** A pool file's facts as the agent sends them. */
async function pool(t: { after: (fn: () => void) => void }, lines: string[], salt = SALT): Promise<PhpFpmFacts__Output> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fpm-parity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'pool.d'));
  writeFileSync(join(dir, 'pool.d/www.conf'), lines.join('\n'));
  const { logger } = capturingLogger();
  return overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [join(dir, 'pool.d/*.conf')] }), salt, logger)).php_fpm!;
}

function host(name: string, php_fpm: PhpFpmFacts__Output, ini: Record<string, string>): Facts__Output {
  const base = mockFacts(name);
  return { ...base, php: { ...base.php!, ini }, php_fpm };
}

test("a setting one pool overrides and the other leaves to php.ini is compared with php.ini's value, which the row says it is", async (t) => {
  const staging = await pool(t, ['[www]', 'php_admin_value[memory_limit] = 512M', 'php_value[max_execution_time] = 30', 'php_admin_flag[display_errors] = off', 'php_value[error_log] = /var/log/php/www.log']);
  // Production's pool sets nothing of the kind: only process settings.
  const production = await pool(t, ['[www]', 'pm = dynamic', 'pm.max_children = 10']);
  const ini = { memory_limit: '512M', max_execution_time: '30', display_errors: '' };
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', production, ini), names);
  assert.deepEqual(
    ['memory_limit', 'max_execution_time', 'display_errors'].map((n) => {
      const r = row(table, `php.fpm.www:${n}`);
      return [r.key, r.staging, r.production, r.status];
    }),
    [
      ['php.fpm.www:memory_limit', '512M', '512M (CLI php.ini)', 'equal'],
      ['php.fpm.www:max_execution_time', '30', '30 (CLI php.ini)', 'equal'],
      ['php.fpm.www:display_errors', 'off', 'off (CLI php.ini)', 'equal'],
    ],
  );
  // A setting the agent does not read from php.ini is not made up: still on one side only.
  assert.deepEqual([row(table, 'php.fpm.www:error_log').production, row(table, 'php.fpm.www:error_log').status], [null, 'missing']);

  // Less in production's php.ini than staging's pool is a difference; more is allowed, as for pool values.
  const lower = compareRuntimeFacts(host('s', staging, {}), host('p', production, { ...ini, memory_limit: '256M' }), names);
  assert.deepEqual([row(lower, 'php.fpm.www:memory_limit').production, row(lower, 'php.fpm.www:memory_limit').status], ['256M (CLI php.ini)', 'differs']);
  const higher = compareRuntimeFacts(host('s', staging, {}), host('p', production, { ...ini, memory_limit: '1G' }), names);
  assert.equal(row(higher, 'php.fpm.www:memory_limit').status, 'allowed');

  // Either way round: production's pool sets it, staging's php.ini has it.
  const reverse = compareRuntimeFacts(host('s', production, { memory_limit: '128M' }), host('p', staging, {}), names);
  assert.deepEqual([row(reverse, 'php.fpm.www:memory_limit').staging, row(reverse, 'php.fpm.www:memory_limit').status], ['128M (CLI php.ini)', 'allowed']);
});

test("php.ini unreadable on a side leaves the pool's fallback unknown there; a pool that side does not define at all stays missing", async (t) => {
  const staging = await pool(t, ['[www]', 'php_admin_value[memory_limit] = 512M']);
  const production = await pool(t, ['[www]', 'pm = dynamic']);
  const base = host('p', production, {});
  const broken = { ...base, php: { ...base.php!, ini: {}, ini_error: 'php -r: timed out after 5000 ms' } };
  const t1 = compareRuntimeFacts(host('s', staging, {}), broken, names);
  const mem = row(t1, 'php.fpm.www:memory_limit');
  assert.deepEqual([mem.production, mem.status, mem.unreadable], ['unknown', 'differs', true]);

  const other = await pool(t, ['[api]', 'pm = dynamic']);
  const t2 = compareRuntimeFacts(host('s', staging, {}), host('p', other, { memory_limit: '512M' }), names);
  assert.deepEqual([row(t2, 'php.fpm.www:memory_limit').production, row(t2, 'php.fpm.www:memory_limit').status], [null, 'missing']);
});

test('env[...] values in a pool travel and compare as digests whatever their name; php_value settings stay values unless their name looks secret', async (t) => {
  const lines = (appEnv: string) => ['[www]', `env[APP_ENV] = ${appEnv}`, 'env[DATABASE_URL] = "mysql://shop:Pl41n-Pw@db/shop"', 'php_value[memory_limit] = 256M'];
  const staging = await pool(t, lines('staging'));
  const production = await pool(t, lines('production'));
  const byName = new Map(staging.settings.map((s) => [s.name, s]));
  assert.deepEqual({ ...byName.get('APP_ENV') }, { pool: 'www', name: 'APP_ENV', value: '', digest: envDigest(SALT, 'staging'), flag: false, env: true, file: byName.get('APP_ENV')!.file });
  assert.equal(byName.get('DATABASE_URL')?.digest, envDigest(SALT, 'mysql://shop:Pl41n-Pw@db/shop'));
  assert.equal(byName.get('memory_limit')?.value, '256M');
  assert.equal(staging.env_read, true);
  assert.ok(!JSON.stringify(staging).includes('Pl41n-Pw') && !JSON.stringify(staging).includes('"staging"'));

  const table = compareRuntimeFacts(host('s', staging, {}), host('p', production, {}), names);
  const appEnv = row(table, 'php.fpm.www:env[APP_ENV]');
  assert.deepEqual([appEnv.staging, appEnv.production, appEnv.status], [envDigest(SALT, 'staging').slice(0, 12), envDigest(SALT, 'production').slice(0, 12), 'differs']);
  assert.equal(row(table, 'php.fpm.www:env[DATABASE_URL]').status, 'equal');
  assert.equal(row(table, 'php.fpm.www:memory_limit').staging, '256M');
  assert.ok(!JSON.stringify(table).includes('Pl41n-Pw'));
  assert.equal(compareRuntimeFacts(host('s', staging, {}), host('p', production, {}), { ...names, allowDiffer: ['php.fpm.www:env[APP_ENV]'] }).rows.find((r) => r.key === 'php.fpm.www:env[APP_ENV]')?.status, 'allowed');

  // Without a salt an env value is unknown, never shown.
  const unsalted = await collectFpmFacts([byName.get('APP_ENV')!.file], '');
  assert.deepEqual(unsalted.facts.unreadable!.map((u) => [u.pool, u.name]), [['www', 'env[APP_ENV]'], ['www', 'env[DATABASE_URL]']]);
  assert.ok(!JSON.stringify(unsalted).includes('Pl41n-Pw'));

  // An agent from before env[...] rows: staging's are unknown on its side, not missing, and the table says why.
  const old = compareRuntimeFacts(host('s', staging, {}), host('p', { ...production, settings: production.settings.filter((s) => !s.env), env_read: false }, {}), names);
  assert.deepEqual([row(old, 'php.fpm.www:env[APP_ENV]').production, row(old, 'php.fpm.www:env[APP_ENV]').unreadable], ['unknown', true]);
  assert.equal(row(old, 'php.fpm.www:memory_limit').status, 'equal');
  assert.ok(old.unreadable?.some((u) => u.side === 'production' && u.what === 'php-fpm pool env[…] values'));
});

test('a boolean setting a pool sets with php_value (Off, 0, On) equals the same boolean from php.ini or a php_flag line on the other side', async (t) => {
  const staging = await pool(t, ['[www]', 'php_admin_value[display_errors] = Off', 'php_value[allow_url_fopen] = 0', 'php_value[short_open_tag] = On', 'php_value[file_uploads] = Off']);
  // Production leaves three to php.ini, which PHP stores as "" and "1", and says the last with php_flag.
  const production = await pool(t, ['[www]', 'pm = dynamic', 'php_flag[file_uploads] = off']);
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', production, { display_errors: '', allow_url_fopen: '', short_open_tag: '1' }), names);
  assert.deepEqual(
    ['display_errors', 'allow_url_fopen', 'short_open_tag', 'file_uploads'].map((n) => {
      const r = row(table, `php.fpm.www:${n}`);
      return [n, r.production, r.status];
    }),
    [
      ['display_errors', 'off (CLI php.ini)', 'equal'],
      ['allow_url_fopen', 'off (CLI php.ini)', 'equal'],
      ['short_open_tag', 'on (CLI php.ini)', 'equal'],
      ['file_uploads', 'off', 'equal'],
    ],
  );
  // A real difference still is one.
  const on = compareRuntimeFacts(host('s', staging, {}), host('p', production, { display_errors: '1', allow_url_fopen: '', short_open_tag: '1' }), names);
  assert.deepEqual([row(on, 'php.fpm.www:display_errors').production, row(on, 'php.fpm.www:display_errors').status], ['on (CLI php.ini)', 'differs']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { collectFpmFacts } from '../../agent/facts/fpm.js';
import { SMALL_FILE_CAP } from '../../agent/facts/small-file.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { capturingLogger, overTheWire, tempDir, testAgentConfig, writeLines } from '../helpers/facts.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

const settingsOf = (facts: { settings?: Array<{ pool?: string; name?: string; value?: string }> }) =>
  facts.settings!.map((s) => [s.pool, s.name, s.value]);

test('include= lines are followed in the order FPM reads them: globs, the pool section carried into and out of an included file', async (t) => {
  const dir = tempDir(t);
  const fpm = join(dir, 'php/8.2/fpm');
  const main = writeLines(join(fpm, 'php-fpm.conf'), ['[global]', 'pid = /run/php/php8.2-fpm.pid', `include=${fpm}/pool.d/*.conf`]);
  writeLines(join(fpm, 'pool.d/a.conf'), ['[www]', 'php_value[memory_limit] = 128M', `include = "${fpm}/sites/*.conf" ; per-site tuning`, 'php_value[max_input_vars] = 5000']);
  // No section header: FPM goes on in the includer's [www]; it ends in [api], and so does a.conf after the include.
  writeLines(join(fpm, 'sites/shop.conf'), ['php_admin_value[memory_limit] = 512M', '[api]', 'php_value[date.timezone] = UTC']);
  writeLines(join(fpm, 'pool.d/b.conf'), ['[www]', 'php_value[upload_max_filesize] = 64M']);
  const { facts, notes } = await collectFpmFacts([main], SALT);
  assert.deepEqual(facts.files, [main, join(fpm, 'pool.d/a.conf'), join(fpm, 'sites/shop.conf'), join(fpm, 'pool.d/b.conf')]);
  assert.deepEqual(settingsOf(facts), [
    ['www', 'memory_limit', '512M'],
    ['api', 'date.timezone', 'UTC'],
    ['api', 'max_input_vars', '5000'],
    ['www', 'upload_max_filesize', '64M'],
  ]);
  assert.deepEqual(facts.pools, ['www', 'api']);
  assert.deepEqual(facts.unreadable, []);
  assert.deepEqual(notes, []);
});

test('one install whose php-fpm.conf includes two directories defining one pool is one pool, listed twice or not; two installs still are not', async (t) => {
  const dir = tempDir(t);
  for (const v of ['8.1', '8.2']) {
    const fpm = join(dir, `php/${v}/fpm`);
    writeLines(join(fpm, 'php-fpm.conf'), ['[global]', `include=${fpm}/pool.d/*.conf`, `include=${fpm}/sites-enabled/*.conf`]);
    writeLines(join(fpm, 'pool.d/www.conf'), ['[www]', `php_value[memory_limit] = ${v === '8.1' ? '128M' : '256M'}`]);
    writeLines(join(fpm, 'sites-enabled/www-extra.conf'), ['[www]', 'php_value[max_input_vars] = 3000']);
  }
  // The pool directory listed before php-fpm.conf: the include still ties it to its install.
  const one = await collectFpmFacts([join(dir, 'php/8.2/fpm/pool.d/*.conf'), join(dir, 'php/8.2/fpm/php-fpm.conf')], SALT);
  assert.deepEqual(settingsOf(one.facts), [['www', 'memory_limit', '256M'], ['www', 'max_input_vars', '3000']]);
  assert.deepEqual(one.facts.unreadable, []);
  const two = await collectFpmFacts([join(dir, 'php/*/fpm/php-fpm.conf'), join(dir, 'php/*/fpm/pool.d/*.conf')], SALT);
  assert.deepEqual(two.facts.settings, []);
  assert.deepEqual(two.facts.unreadable!.map((u) => u.pool), ['www']);
  assert.match(two.facts.unreadable![0]!.error!, new RegExp(`${join(dir, 'php/8.1/fpm')} and ${join(dir, 'php/8.2/fpm')} \\(two PHP-FPM installs\\?\\)`));
});

test("a relative include= is taken from FPM's prefix (/usr/local of the Docker images' /usr/local/etc/php-fpm.conf); where the path does not tell it, unknown with the reason", async (t) => {
  const dir = tempDir(t);
  const local = join(dir, 'usr/local');
  const main = writeLines(join(local, 'etc/php-fpm.conf'), ['[global]', 'include=etc/php-fpm.d/*.conf']);
  writeLines(join(local, 'etc/php-fpm.d/www.conf'), ['[www]', 'php_value[memory_limit] = 256M']);
  const docker = await collectFpmFacts([main], SALT);
  assert.deepEqual(settingsOf(docker.facts), [['www', 'memory_limit', '256M']]);
  assert.deepEqual(docker.facts.unreadable, []);

  const pool = writeLines(join(dir, 'pools/www.conf'), ['[www]', 'php_value[memory_limit] = 256M', 'include=pool.d/*.conf']);
  const unknown = await collectFpmFacts([pool], SALT);
  assert.deepEqual(unknown.facts.unreadable!.map((u) => [u.file, u.pool]), [[`${pool}:3`, '']]);
  assert.match(unknown.facts.unreadable![0]!.error!, /include=pool\.d\/\*\.conf is relative to PHP-FPM's --prefix.*phpFpmPools/);
});

test('an include loop and includes nested deeper than FPM allows are unknown with the reason, never followed for ever', async (t) => {
  const dir = tempDir(t);
  const a = writeLines(join(dir, 'loop/a.conf'), ['[www]', 'php_value[memory_limit] = 256M', `include=${dir}/loop/b.conf`]);
  const b = writeLines(join(dir, 'loop/b.conf'), [`include=${dir}/loop/a.conf`]);
  const loop = await collectFpmFacts([a], SALT);
  assert.deepEqual(loop.facts.files, [a, b]);
  assert.deepEqual(loop.facts.unreadable!.map((u) => u.file), [`${b}:1`]);
  assert.match(loop.facts.unreadable![0]!.error!, new RegExp(`includes ${a} again.*refuses`));

  // d0 → d1 → … → d5: FPM reads php-fpm.conf and four levels of includes, no more.
  const depth = [0, 1, 2, 3, 4, 5].map((i) => writeLines(join(dir, `deep/d${i}.conf`), i === 5 ? ['[deep]', 'php_value[memory_limit] = 1G'] : [`include=${dir}/deep/d${i + 1}.conf`]));
  const deep = await collectFpmFacts([depth[0]!], SALT);
  assert.deepEqual(deep.facts.files, depth.slice(0, 5));
  assert.deepEqual(deep.facts.settings, []);
  assert.deepEqual(deep.facts.unreadable!.map((u) => u.file), [`${depth[4]}:1`]);
  assert.match(deep.facts.unreadable![0]!.error!, /nested more than 5 files deep/);
});

test('an included file that cannot be read makes that side unknown, not without pools; one matching nothing is a note, as FPM only warns', async (t) => {
  const dir = tempDir(t);
  const big = writeLines(join(dir, 'sites/big.conf'), ['[www]', 'php_value[memory_limit] = 2G', ';'.repeat(SMALL_FILE_CAP)]);
  const stagingMain = writeLines(join(dir, 'staging/php-fpm.conf'), ['[global]', `include=${dir}/sites/*.conf`, `include=${dir}/none/*.conf`, `include=${dir}/absent.conf`]);
  const prodPool = writeLines(join(dir, 'prod/www.conf'), ['[www]', 'php_value[memory_limit] = 2G']);
  const { facts, notes } = await collectFpmFacts([stagingMain], SALT);
  assert.deepEqual(facts.unreadable!.map((u) => u.file), [big]);
  assert.match(facts.unreadable![0]!.error!, /over the 1048576-byte limit/);
  assert.ok(notes.includes(`php-fpm: ${stagingMain}:3: include=${dir}/none/*.conf matches no file`));
  assert.ok(notes.includes(`php-fpm: ${stagingMain}:4: include=${dir}/absent.conf matches no file`));

  const { logger } = capturingLogger();
  const s = overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [stagingMain] }), SALT, logger));
  const p = overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [prodPool] }), SALT, logger));
  const table = compareRuntimeFacts(s, p, { stagingName: 'staging-1', productionName: 'prod-1' });
  const mem = table.rows.find((r) => r.key === 'php.fpm.www:memory_limit')!;
  assert.deepEqual([mem.staging, mem.production, mem.status, mem.unreadable], ['unknown', '2G', 'differs', true]);
  assert.ok(table.unreadable?.some((u) => u.side === 'staging' && u.what === `php-fpm pools (${big})`));
});

test('the default file list reads php-fpm.conf where it is and is silent where another layout keeps it; a configured file that is not there is still unreadable', async (t) => {
  const dir = tempDir(t);
  const fpm = join(dir, 'php/8.2/fpm');
  const main = writeLines(join(fpm, 'php-fpm.conf'), ['[global]', `include=${fpm}/sites/*.conf`]);
  writeLines(join(fpm, 'sites/www.conf'), ['[www]', 'php_value[memory_limit] = 256M']);
  const absent = join(dir, 'etc/php-fpm.conf');
  const defaults = await collectFpmFacts([main, absent], SALT, { absentIsEmpty: true });
  assert.deepEqual(settingsOf(defaults.facts), [['www', 'memory_limit', '256M']]);
  assert.deepEqual(defaults.facts.unreadable, []);
  const configured = await collectFpmFacts([main, absent], SALT);
  assert.deepEqual(configured.facts.unreadable!.map((u) => [u.file, u.error]), [[absent, 'cannot read: ENOENT']]);
});

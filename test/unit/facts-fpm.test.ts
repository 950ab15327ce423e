import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { collectFpmFacts, parseFpmPoolFile } from '../../agent/facts/fpm.js';
import { envDigest } from '../../agent/facts/env.js';
import { SMALL_FILE_CAP } from '../../agent/facts/small-file.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { expandGlob } from '../../agent/facts/glob.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { capturingLogger, overTheWire, tempDir, testAgentConfig, writeLines } from '../helpers/facts.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

const WWW = [
  '; Start a new pool named www.',
  '[www]',
  'user = www-data',
  'pm.max_children = 5',
  '  ;php_admin_value[memory_limit] = 32M',
  '# php_value[memory_limit] = 16M',
  'php_admin_value[memory_limit] = 512M ; raised for imports',
  '   php_value [ upload_max_filesize ]=  "64M"  ',
  "php_value[error_log] = '/var/log/fpm-$pool.log'",
  'php_admin_flag[display_errors] = Off',
  'php_flag[log_errors] = 1',
  'env[DB_PASSWORD] = digested-never-shown',
  '',
  '[example.com]',
  'php_value[date.timezone] = Europe/Berlin\r',
];

test('pool files parse as FPM reads them: ; and # comments, spaces, quotes, inline comments, flags as on/off, one [section] per pool', () => {
  const { facts, notes } = parseFpmPoolFile(WWW.join('\n'), '/etc/php/8.2/fpm/pool.d/www.conf');
  assert.deepEqual(
    facts.map((l) => [l.pool, l.name, l.value, l.admin, l.flag]),
    [
      ['www', 'memory_limit', '512M', true, false],
      ['www', 'upload_max_filesize', '64M', false, false],
      ['www', 'error_log', '/var/log/fpm-$pool.log', false, false],
      ['www', 'display_errors', 'off', true, true],
      ['www', 'log_errors', 'on', false, true],
      ['www', 'DB_PASSWORD', 'digested-never-shown', false, false],
      ['example.com', 'date.timezone', 'Europe/Berlin', false, false],
    ],
  );
  assert.deepEqual(notes, []);
  // [global] is php-fpm.conf's own section; a setting there (or before any section) is no pool's.
  const g = parseFpmPoolFile('[global]\nphp_value[memory_limit] = 1G\n[www]\nphp_value[memory_limit] = 2G\n', '/x.conf');
  assert.deepEqual(g.facts.map((l) => [l.pool, l.value]), [['www', '2G']]);
  assert.deepEqual(g.notes, ['php-fpm: /x.conf:2: php_value outside a pool section, skipped']);
});

test('pool files by glob: sections of one pool merge across its files (last wins, admin over plain), settings that may hold a secret travel as digests', async (t) => {
  const dir = tempDir(t);
  const pool = join(dir, 'php/8.2/fpm/pool.d');
  writeLines(join(pool, 'www.conf'), WWW);
  writeLines(join(pool, 'zz-site.conf'), [
    '[www]',
    'php_value[upload_max_filesize] = 128M',
    'php_value[memory_limit] = 64M', // a plain value does not beat php_admin_value
    'php_value[session.save_path] = "tcp://redis:6379?auth=Sup3r-S3cret"',
    'php_admin_value[mysqli.default_pw] = hunter2-pw',
  ]);
  writeLines(join(pool, 'notes.txt'), ['[www]', 'php_value[memory_limit] = 1M']);
  const { logger, lines } = capturingLogger();
  const facts = await collectFacts(testAgentConfig({ phpFpmPools: [join(dir, 'php/*/fpm/pool.d/*.conf')] }), SALT, logger);
  const fpm = overTheWire(facts).php_fpm!;
  assert.deepEqual(fpm.files, [join(pool, 'www.conf'), join(pool, 'zz-site.conf')]);
  const byName = new Map(fpm.settings.map((s) => [`${s.pool}:${s.name}`, s]));
  assert.equal(byName.get('www:memory_limit')?.value, '512M');
  assert.equal(byName.get('www:upload_max_filesize')?.value, '128M');
  assert.equal(byName.get('www:upload_max_filesize')?.file, join(pool, 'zz-site.conf'));
  assert.equal(byName.get('example.com:date.timezone')?.value, 'Europe/Berlin');
  assert.deepEqual({ ...byName.get('www:session.save_path') }, { pool: 'www', name: 'session.save_path', value: '', digest: envDigest(SALT, 'tcp://redis:6379?auth=Sup3r-S3cret'), flag: false, file: join(pool, 'zz-site.conf'), env: false });
  assert.equal(byName.get('www:mysqli.default_pw')?.digest, envDigest(SALT, 'hunter2-pw'));
  assert.deepEqual([byName.get('www:DB_PASSWORD')?.env, byName.get('www:DB_PASSWORD')?.digest], [true, envDigest(SALT, 'digested-never-shown')]);
  assert.deepEqual(fpm.unreadable, []);
  const everything = JSON.stringify(facts) + lines.join('\n');
  for (const secret of ['Sup3r-S3cret', 'hunter2-pw', 'digested-never-shown']) assert.ok(!everything.includes(secret), `${secret} leaked`);
  // Without a salt a secret setting is not digested but unknown (and still not shown).
  const unsalted = await collectFpmFacts([join(pool, 'zz-site.conf')], '');
  assert.deepEqual(unsalted.facts.unreadable!.map((u) => [u.pool, u.name]), [['www', 'session.save_path'], ['www', 'mysqli.default_pw']]);
  assert.ok(!JSON.stringify(unsalted).includes('Sup3r-S3cret'));
});

test('a pool two FPM installs define is unknown (naming both directories and phpFpmPools); a configured file that is not there is unreadable', async (t) => {
  const dir = tempDir(t);
  writeLines(join(dir, 'php/8.1/fpm/pool.d/www.conf'), ['[www]', 'php_value[memory_limit] = 128M']);
  writeLines(join(dir, 'php/8.2/fpm/pool.d/www.conf'), ['[www]', 'php_value[memory_limit] = 256M', '[api]', 'php_value[memory_limit] = 1G']);
  const missing = join(dir, 'php-fpm.d/site.conf');
  const { facts, notes } = await collectFpmFacts([join(dir, 'php/*/fpm/pool.d/*.conf'), missing, join(dir, 'nothing/*.conf')], SALT);
  assert.deepEqual(facts.settings!.map((s) => [s.pool, s.name, s.value]), [['api', 'memory_limit', '1G']]);
  assert.deepEqual(facts.unreadable!.map((u) => [u.file, u.pool]), [[missing, ''], ['', 'www']]);
  assert.equal(facts.unreadable![0]!.error, 'cannot read: ENOENT');
  assert.match(facts.unreadable![1]!.error!, new RegExp(`${join(dir, 'php/8.1/fpm/pool.d')} and ${join(dir, 'php/8.2/fpm/pool.d')}.*phpFpmPools`));
  assert.equal(notes.length, 2);
});

test('glob: * and ? within a component, no dot files, sorted; a wildcard matching nothing is no error', async (t) => {
  const dir = tempDir(t);
  for (const f of ['b.conf', 'a.conf', '.hidden.conf', 'a.conf.bak', 'x1.conf']) writeLines(join(dir, 'd', f), ['']);
  mkdirSync(join(dir, 'd', 'sub.conf'));
  assert.deepEqual((await expandGlob(join(dir, 'd/*.conf'))).files, ['a.conf', 'b.conf', 'x1.conf'].map((f) => join(dir, 'd', f)));
  assert.deepEqual((await expandGlob(join(dir, 'd/x?.conf'))).files, [join(dir, 'd/x1.conf')]);
  assert.deepEqual(await expandGlob(join(dir, 'none/*/x.conf')), { files: [], errors: [] });
});

test('parity: a pool memory_limit lower on production differs though php.ini is the same; more is allowed; allowDiffer takes the key; an unreadable pool is unknown, not missing', async (t) => {
  const dir = tempDir(t);
  const stagingPool = writeLines(join(dir, 'staging/www.conf'), ['[www]', 'php_admin_value[memory_limit] = 512M', 'php_value[upload_max_filesize] = 64M', 'php_value[date.timezone] = UTC', 'php_value[session.save_path] = "tcp://r:6379?auth=a"']);
  const prodPool = writeLines(join(dir, 'prod/www.conf'), ['[www]', 'php_admin_value[memory_limit] = 256M', 'php_value[upload_max_filesize] = 128M', 'php_value[date.timezone] = UTC', 'php_value[session.save_path] = "tcp://r:6379?auth=b"']);
  const { logger } = capturingLogger();
  const s = overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [stagingPool] }), SALT, logger));
  const p = overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [prodPool] }), SALT, logger));
  const names = { stagingName: 'staging-1', productionName: 'prod-1' };
  const table = compareRuntimeFacts(s, p, names);
  const fpm = table.rows.filter((r) => r.key.startsWith('php.fpm.'));
  assert.deepEqual(
    fpm.map((r) => [r.key, r.staging, r.production, r.status]),
    [
      ['php.fpm.www:date.timezone', 'UTC', 'UTC', 'equal'],
      ['php.fpm.www:memory_limit', '512M', '256M', 'differs'],
      ['php.fpm.www:session.save_path', envDigest(SALT, 'tcp://r:6379?auth=a').slice(0, 12), envDigest(SALT, 'tcp://r:6379?auth=b').slice(0, 12), 'differs'],
      ['php.fpm.www:upload_max_filesize', '64M', '128M', 'allowed'],
    ],
  );
  assert.ok(fpm.every((r) => r.category === 'php'));
  const allowed = compareRuntimeFacts(s, p, { ...names, allowDiffer: ['php.fpm.www:memory_limit', 'php.fpm.*:session.save_path'] });
  assert.equal(allowed.rows.find((r) => r.key === 'php.fpm.www:memory_limit')?.status, 'allowed');
  assert.equal(allowed.rows.find((r) => r.key === 'php.fpm.www:session.save_path')?.status, 'allowed');

  // A setting one pool overrides and the other does not, on a host without a PHP CLI to read php.ini with, is on one side only.
  const noCli = { present: false, binary: 'php', version: '', modules: [], error: '', ini: {}, ini_error: '', ini_defaults: [], ini_forced: [] };
  const onlyStaging = compareRuntimeFacts(s, { ...p, php: noCli, php_fpm: { ...p.php_fpm!, settings: p.php_fpm!.settings.filter((x) => x.name !== 'date.timezone') } }, names);
  assert.equal(onlyStaging.rows.find((r) => r.key === 'php.fpm.www:date.timezone')?.status, 'missing');

  // Production's pool files unreadable: staging's rows are unknown there, and the table says why.
  const broken = { ...p, php_fpm: { files: [], settings: [], unreadable: [{ file: '/etc/php/8.2/fpm/pool.d', pool: '', name: '', error: 'cannot read: EACCES' }], pools: [], env_read: true, ini_path: '', ini_scan_dir: '', ini_files: [], ini: {}, ini_default: {}, ini_error: '', ini_env: '', serving: '', serving_from: '' } };
  const u = compareRuntimeFacts(s, broken, names);
  const mem = u.rows.find((r) => r.key === 'php.fpm.www:memory_limit')!;
  assert.deepEqual([mem.production, mem.status, mem.unreadable], ['unknown', 'differs', true]);
  assert.deepEqual(u.unreadable?.filter((x) => x.what.startsWith('php-fpm')), [{ side: 'production', agent: 'prod-1', what: 'php-fpm pools (/etc/php/8.2/fpm/pool.d)', error: 'cannot read: EACCES' }]);

  // An agent before php_fpm: unknown on its side where the other has rows, nothing said where neither has.
  const old = compareRuntimeFacts(s, { ...p, php_fpm: null }, names);
  assert.equal(old.rows.find((r) => r.key === 'php.fpm.www:memory_limit')?.unreadable, true);
  assert.equal(compareRuntimeFacts({ ...s, php_fpm: null }, { ...p, php_fpm: null }, names).unreadable?.filter((x) => x.what.startsWith('php-fpm')).length, 0);
});

test('an APM licence key and a password on the sendmail_path command line set in a pool travel as digests, never as values', async (t) => {
  const dir = tempDir(t);
  const pool = join(dir, 'pool.d');
  writeLines(join(pool, 'www.conf'), [
    '[www]',
    'php_value[newrelic.license] = "0123S3cretLicence4567"',
    'php_admin_value[sendmail_path] = "/usr/sbin/ssmtp -t -au mailer -ap S3cret-Mail-Pw"',
    'php_value[memory_limit] = 256M',
  ]);
  const { logger, lines } = capturingLogger();
  const facts = await collectFacts(testAgentConfig({ phpFpmPools: [join(pool, '*.conf')] }), SALT, logger);
  const fpm = overTheWire(facts).php_fpm!;
  const byName = new Map(fpm.settings.map((s) => [s.name, s]));
  assert.equal(byName.get('newrelic.license')?.digest, envDigest(SALT, '0123S3cretLicence4567'));
  assert.equal(byName.get('sendmail_path')?.digest, envDigest(SALT, '/usr/sbin/ssmtp -t -au mailer -ap S3cret-Mail-Pw'));
  assert.equal(byName.get('memory_limit')?.value, '256M');
  const everything = JSON.stringify(facts) + lines.join('\n');
  for (const secret of ['S3cretLicence', 'S3cret-Mail-Pw']) assert.ok(!everything.includes(secret), `${secret} leaked`);
});

test('a pool file over 1 MiB is unreadable with the reason, not read whole into memory; the other pools still count', async (t) => {
  const dir = tempDir(t);
  const big = writeLines(join(dir, 'pool.d/big.conf'), ['[big]', 'php_value[memory_limit] = 2G', ';'.repeat(SMALL_FILE_CAP)]);
  writeLines(join(dir, 'pool.d/www.conf'), ['[www]', 'php_value[memory_limit] = 256M']);
  const { facts, notes } = await collectFpmFacts([join(dir, 'pool.d/*.conf')], SALT);
  assert.deepEqual(facts.settings!.map((s) => [s.pool, s.name, s.value]), [['www', 'memory_limit', '256M']]);
  assert.deepEqual(facts.unreadable!.map((u) => [u.file, u.pool]), [[big, '']]);
  assert.match(facts.unreadable![0]!.error!, /over the 1048576-byte limit/);
  assert.equal(notes.length, 1);
});

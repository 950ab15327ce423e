import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuntimeFacts, upstreamVersion } from '../../controller/parity/runtime.js';
import { RuntimeParityService } from '../../controller/parity/service.js';
import { formatParityTable } from '../../shared/parity-format.js';
import type { ParityTable } from '../../shared/parity.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { TlsCertificateFacts__Output } from '../../shared/proto-gen/switchyard/v1/TlsCertificateFacts.js';
import { mockFacts, NO_VHOSTS } from '../helpers/facts.js';

const names = { stagingName: 'staging-1', productionName: 'prod-1' };

function row(table: ParityTable, key: string) {
  const r = table.rows.find((x) => x.key === key);
  assert.ok(r, `row ${key} is missing; rows: ${table.rows.map((x) => x.key).join(' ')}`);
  return r;
}

function withDb(f: Facts__Output, variables: Record<string, string>): Facts__Output {
  return { ...f, database: { ...f.database!, variables: { ...f.database!.variables, ...variables } } };
}

const DIGEST_A = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + '0123';
const DIGEST_B = 'b'.repeat(12) + 'fedcba9876543210'.repeat(3) + '3210';

test('two identical hosts are equal everywhere except what is host-specific by nature', () => {
  const t = compareRuntimeFacts(mockFacts('staging-1'), mockFacts('prod-1'), names);
  assert.equal(t.staging, 'staging-1');
  assert.equal(t.production, 'prod-1');
  assert.equal(row(t, 'os.distro').status, 'equal');
  assert.equal(row(t, 'mysql.version').status, 'equal');
  assert.equal(row(t, 'php.module.gd').status, 'equal');
  assert.equal(row(t, 'nginx.version').status, 'equal');
  assert.equal(row(t, 'os.hostname').status, 'allowed');
  assert.deepEqual(t.summary, { equal: t.rows.length - 1, differs: 0, missing: 0, allowed: 1, unknown: 0 });
});

test('a different value differs, a one-sided key is missing, an absent module reads "absent"', () => {
  const s = withDb(mockFacts('s'), { innodb_strict_mode: 'ON' });
  const base = withDb(mockFacts('p'), { sql_mode: 'ANSI' });
  const p: Facts__Output = { ...base, php: { ...base.php!, modules: ['core', 'mysqli', 'zend opcache'] } };
  const t = compareRuntimeFacts(s, p, names);
  assert.deepEqual(
    { ...row(t, 'mysql.sql_mode') },
    { key: 'mysql.sql_mode', category: 'database', staging: 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION', production: 'ANSI', status: 'differs' },
  );
  assert.equal(row(t, 'mysql.innodb_strict_mode').status, 'missing');
  assert.equal(row(t, 'mysql.innodb_strict_mode').production, null);
  const gd = row(t, 'php.module.gd');
  assert.deepEqual([gd.staging, gd.production, gd.status], ['present', 'absent', 'differs']);
  assert.equal(t.summary.differs, 2);
  assert.equal(t.summary.missing, 1);
});

test('software missing on one side makes its rows missing rather than absent', () => {
  const t = compareRuntimeFacts(mockFacts('s'), mockFacts('p', { php: { present: false, binary: 'php', version: '', modules: [], error: '', ini: {}, ini_error: '', ini_defaults: [], ini_forced: [] } }), names);
  assert.equal(row(t, 'php.version').status, 'missing');
  assert.equal(row(t, 'php.module.gd').production, null);
  assert.equal(row(t, 'php.module.gd').status, 'missing');
});

function withIni(f: Facts__Output, ini: Record<string, string>): Facts__Output {
  return { ...f, php: { ...f.php!, ini: { ...f.php!.ini, ...ini } } };
}

test('php settings: a lower memory_limit, another time zone or a disabled function differs; sizes compare by bytes', () => {
  const s = withIni(mockFacts('s'), { memory_limit: '256M', upload_max_filesize: '64M', post_max_size: '1G' });
  const p = withIni(mockFacts('p'), { memory_limit: '128M', upload_max_filesize: '67108864', post_max_size: '1024m', 'date.timezone': 'Europe/Berlin', disable_functions: 'exec,proc_open' });
  const t = compareRuntimeFacts(s, p, names);
  assert.deepEqual({ ...row(t, 'php.ini.memory_limit') }, { key: 'php.ini.memory_limit', category: 'php', staging: '256M', production: '128M', status: 'differs' });
  assert.equal(row(t, 'php.ini.date.timezone').status, 'differs');
  assert.equal(row(t, 'php.ini.disable_functions').status, 'differs');
  assert.equal(row(t, 'php.ini.upload_max_filesize').status, 'equal');
  assert.equal(row(t, 'php.ini.post_max_size').status, 'equal');
  assert.equal(t.summary.differs, 3);
  assert.equal(compareRuntimeFacts(s, p, { ...names, allowDiffer: ['php.ini.memory_limit', 'php.ini.date.timezone', 'php.ini.disable_functions'] }).summary.differs, 0);
});

test('php settings unreadable on a side are flagged unreadable there (differs: not proven equal); an agent too old to send them is named, unless neither sends them', () => {
  const s = mockFacts('s');
  const broken = mockFacts('p', { php: { ...s.php!, ini: {}, ini_error: 'php -r <settings script>: exited with 255' } });
  const t = compareRuntimeFacts(s, broken, names);
  for (const key of ['php.ini.memory_limit', 'php.ini']) {
    assert.deepEqual([row(t, key).status, row(t, key).unreadable], ['differs', true], key);
    assert.match(row(t, key).production ?? '', /^unknown/, key);
  }
  assert.equal(t.summary.unknown, t.rows.filter((r) => r.unreadable === true).length);
  assert.ok(t.summary.differs >= t.summary.unknown, 'unreadable rows count among differs, so a script summing differs and missing does not pass them');
  assert.equal(row(t, 'php.version').unreadable, undefined, 'rows that were read carry no flag');
  assert.deepEqual(t.unreadable, [{ side: 'production', agent: 'prod-1', what: 'php settings (/usr/bin/php)', error: 'php -r <settings script>: exited with 255' }]);

  const old = mockFacts('p', { php: { ...s.php!, ini: {}, ini_error: '', ini_defaults: [], ini_forced: [] } });
  const o = compareRuntimeFacts(s, old, names);
  assert.deepEqual([row(o, 'php.ini.memory_limit').status, row(o, 'php.ini.memory_limit').unreadable], ['differs', true]);
  assert.equal(o.summary.differs, o.summary.unknown, 'only the unreadable rows differ');
  assert.deepEqual(o.unreadable, [{ side: 'production', agent: 'prod-1', what: 'php settings', error: 'not reported by this agent 0.1.0 — upgrade it' }]);
  const bothOld = compareRuntimeFacts(old, old, names);
  assert.deepEqual(bothOld.unreadable, []);
  assert.equal(bothOld.summary.unknown, 0);
});

test('allowDiffer takes exact keys and ENV:NAME for that variable in any env file, also when on one side only', () => {
  const s = withDb(mockFacts('s', { env: [
    { file: '/srv/staging/.env', name: 'APP_URL', digest: DIGEST_A, label: '' },
    { file: '/srv/staging/.env', name: 'MAIL_HOST', digest: DIGEST_A, label: '' },
  ] }), { time_zone: 'UTC' });
  const p = mockFacts('p', { env: [{ file: '/var/www/site/.env', name: 'APP_URL', digest: DIGEST_B, label: '' }] });
  const without = compareRuntimeFacts(s, p, names);
  assert.equal(row(without, 'mysql.time_zone').status, 'differs');
  assert.equal(row(without, 'env..env:APP_URL').status, 'differs');

  const t = compareRuntimeFacts(s, p, { ...names, allowDiffer: ['mysql.time_zone', 'ENV:APP_URL', 'ENV:MAIL_HOST'] });
  assert.equal(row(t, 'mysql.time_zone').status, 'allowed');
  assert.equal(row(t, 'env..env:APP_URL').status, 'allowed');
  assert.equal(row(t, 'env..env:MAIL_HOST').status, 'allowed', 'a staging-only variable the plan lists');
  assert.equal(row(without, 'env..env:MAIL_HOST').status, 'missing');
  assert.equal(t.summary.differs, 0);
  assert.equal(t.summary.missing, 0);
});

test('a variable renamed between server versions is one row: tx_isolation (5.7) meets transaction_isolation (8.0); other settings stay apart', () => {
  const s = withDb(mockFacts('s'), { tx_isolation: 'REPEATABLE-READ', ft_min_word_len: '4' });
  const p = withDb(mockFacts('p'), { transaction_isolation: 'REPEATABLE-READ', innodb_ft_min_token_size: '3' });
  const t = compareRuntimeFacts(s, p, names);
  const iso = row(t, 'mysql.transaction_isolation');
  assert.deepEqual([iso.staging, iso.production, iso.status], ['REPEATABLE-READ', 'REPEATABLE-READ', 'equal']);
  assert.equal(t.rows.find((r) => r.key === 'mysql.tx_isolation'), undefined, 'no one-sided row under the old name');
  // Two different settings, not a rename: each is on one side only.
  assert.equal(row(t, 'mysql.ft_min_word_len').status, 'missing');
  assert.equal(row(t, 'mysql.innodb_ft_min_token_size').status, 'missing');
  // Another level under the other name still differs.
  const d = compareRuntimeFacts(s, withDb(mockFacts('p'), { transaction_isolation: 'READ-COMMITTED' }), names);
  assert.equal(row(d, 'mysql.transaction_isolation').status, 'differs');
  // A server reporting both names (5.7.20+, MariaDB 11.1+) gives one row, from the current name.
  const both = compareRuntimeFacts(withDb(mockFacts('s'), { tx_isolation: 'READ-COMMITTED', transaction_isolation: 'REPEATABLE-READ' }), p, names);
  assert.equal(row(both, 'mysql.transaction_isolation').status, 'equal');
  assert.equal(both.rows.filter((r) => r.key.endsWith('_isolation')).length, 1);
  // A plan that allowed the old name still allows the row.
  assert.equal(row(compareRuntimeFacts(s, withDb(mockFacts('p'), { transaction_isolation: 'READ-COMMITTED' }), { ...names, allowDiffer: ['mysql.tx_isolation'] }), 'mysql.transaction_isolation').status, 'allowed');
});

test('allowDiffer also accepts a key on one side only: a variable one server version lacks, software the site does not use; unlisted stays missing', () => {
  const s = withDb(mockFacts('s', {
    web_servers: [...mockFacts('s').web_servers, { kind: 'apache', binary: '/usr/sbin/apache2ctl', version: '2.4.57', modules: ['core_module', 'rewrite_module'], error: '', ...NO_VHOSTS }],
  }), { innodb_ft_min_token_size: '3', tx_isolation: 'REPEATABLE-READ' });
  const p = withDb(mockFacts('p'), { sql_require_primary_key: 'OFF' });
  const none = compareRuntimeFacts(s, p, names);
  for (const key of ['mysql.innodb_ft_min_token_size', 'mysql.transaction_isolation', 'mysql.sql_require_primary_key', 'apache.version', 'apache.module.rewrite_module']) {
    assert.equal(row(none, key).status, 'missing', key);
  }
  const t = compareRuntimeFacts(s, p, { ...names, allowDiffer: ['mysql.innodb_ft_min_token_size', 'mysql.sql_require_primary_key', 'apache.*'] });
  assert.deepEqual([row(t, 'mysql.sql_require_primary_key').staging, row(t, 'mysql.sql_require_primary_key').status], [null, 'allowed']);
  assert.equal(row(t, 'mysql.innodb_ft_min_token_size').status, 'allowed');
  assert.equal(row(t, 'apache.version').status, 'allowed');
  assert.equal(row(t, 'apache.module.rewrite_module').status, 'allowed');
  assert.equal(row(t, 'mysql.transaction_isolation').status, 'missing', 'not listed');
  assert.equal(t.summary.missing, 1);
  // ~patch compares two versions; a version on one side only is not a patch release.
  const noPhp = mockFacts('p', { php: { present: false, binary: 'php', version: '', modules: [], error: '', ini: {}, ini_error: '', ini_defaults: [], ini_forced: [] } });
  assert.equal(row(compareRuntimeFacts(mockFacts('s'), noPhp, { ...names, allowDiffer: ['php.version~patch'] }), 'php.version').status, 'missing');
});

test('host-specific OS rows (kernel, distro, agent and Node.js versions) are informational; another platform or architecture differs', () => {
  const p = mockFacts('p');
  p.os = { ...p.os!, kernel: '6.1.0-21-amd64', distro: 'Debian GNU/Linux 12 (bookworm) 12.5', agent_version: '0.1.1', node_version: '20.11.0' };
  const t = compareRuntimeFacts(mockFacts('s'), p, names);
  for (const key of ['os.kernel', 'os.distro', 'os.agent_version', 'os.node_version', 'os.hostname']) assert.equal(row(t, key).status, 'allowed', key);
  assert.equal(t.summary.differs, 0);
  assert.equal(row(t, 'os.kernel').production, '6.1.0-21-amd64', 'still shown');
  p.os = { ...p.os, platform: 'freebsd', arch: 'arm64' };
  const other = compareRuntimeFacts(mockFacts('s'), p, names);
  assert.equal(row(other, 'os.platform').status, 'differs');
  assert.equal(row(other, 'os.arch').status, 'differs');
  // What the site sees of the host is still judged in its own rows.
  const php = compareRuntimeFacts(mockFacts('s'), mockFacts('p', { php: { ...p.php!, ini: { ...p.php!.ini, 'date.timezone': 'Europe/Paris' } } }), names);
  assert.equal(row(php, 'php.ini.date.timezone').status, 'differs');
});

test('allowDiffer: KEY~patch allows a patch release only, * matches any run of characters', () => {
  const s = mockFacts('s');
  const withVersions = (php: string, db: string, modules: string[]) => mockFacts('p', { php: { ...s.php!, version: php, modules }, database: { ...s.database!, version: db } });
  const allow = { ...names, allowDiffer: ['php.version~patch', 'mysql.version~patch', 'php.module.*'] };
  const patch = compareRuntimeFacts(s, withVersions('8.2.20', '10.11.11-MariaDB-0+deb12u1', ['core', 'mysqli', 'zend opcache', 'intl']), allow);
  assert.equal(row(patch, 'php.version').status, 'allowed');
  assert.equal(row(patch, 'mysql.version').status, 'allowed');
  assert.equal(row(patch, 'php.module.gd').status, 'allowed', 'absent on production, allowed by php.module.*');
  assert.equal(row(patch, 'php.module.intl').status, 'allowed');
  const minor = compareRuntimeFacts(s, withVersions('8.3.1', '11.4.2-MariaDB', s.php!.modules), allow);
  assert.equal(row(minor, 'php.version').status, 'differs');
  assert.equal(row(minor, 'mysql.version').status, 'differs');
  // 10.1 is not 10.11: the minor is compared as a number string, whole.
  assert.equal(row(compareRuntimeFacts(s, withVersions('8.2.18', '10.1.48-MariaDB', s.php!.modules), allow), 'mysql.version').status, 'differs');
  assert.equal(row(compareRuntimeFacts(s, withVersions('8.3.1', s.database!.version, s.php!.modules), { ...names, allowDiffer: ['php.mod*', 'php.versio'] }), 'php.version').status, 'differs');
  const dots = compareRuntimeFacts(s, withVersions('8.2.18', s.database!.version, ['core', 'gd', 'mysqli', 'zend_opcache']), { ...names, allowDiffer: ['php.module.zend opcache'] });
  assert.equal(row(dots, 'php.module.zend opcache').status, 'allowed');
  assert.equal(row(dots, 'php.module.zend_opcache').status, 'differs', 'a key is matched whole, not as a pattern of its own');
});

test('os facts a side failed to collect are unreadable there, named with its note, not a key on one side only', () => {
  const p = mockFacts('p', { os: null, notes: ['os: failed: EMFILE: too many open files'] });
  const t = compareRuntimeFacts(mockFacts('s'), p, names);
  assert.deepEqual([row(t, 'os.platform').production, row(t, 'os.platform').status, row(t, 'os.platform').unreadable], ['unknown', 'differs', true]);
  assert.equal(t.summary.missing, 0);
  assert.deepEqual(t.unreadable, [{ side: 'production', agent: 'prod-1', what: 'os facts', error: 'failed: EMFILE: too many open files' }]);
});

test('env digests compare in full yet are shown as 12 hex chars, in the table and in its text', () => {
  const nearTwin = DIGEST_A.slice(0, 60) + 'ffff';
  const s = mockFacts('s', { env: [{ file: '/a/.env', name: 'DB_PASSWORD', digest: DIGEST_A, label: '' }, { file: '/a/.env', name: 'APP_KEY', digest: DIGEST_B, label: '' }] });
  const p = mockFacts('p', { env: [{ file: '/b/.env', name: 'DB_PASSWORD', digest: nearTwin, label: '' }, { file: '/b/.env', name: 'APP_KEY', digest: DIGEST_B, label: '' }] });
  const t = compareRuntimeFacts(s, p, names);
  const pw = row(t, 'env..env:DB_PASSWORD');
  assert.equal(pw.status, 'differs', 'a difference past the shown prefix still differs');
  assert.equal(pw.staging, DIGEST_A.slice(0, 12));
  assert.equal(row(t, 'env..env:APP_KEY').status, 'equal');
  const text = formatParityTable(t);
  for (const out of [JSON.stringify(t), text]) {
    for (const d of [DIGEST_A, DIGEST_B, nearTwin]) assert.equal(out.includes(d.slice(0, 13)), false, 'more than 12 digest chars shown');
  }
});

test('an env file a side could not read makes its variables unreadable there, named with the note, not one-sided', () => {
  const s = mockFacts('s', { env: [{ file: '/srv/staging/.env', name: 'APP_KEY', digest: DIGEST_A, label: '' }, { file: '/srv/staging/.env', name: 'DB_HOST', digest: DIGEST_B, label: '' }, { file: '/srv/staging/extra.env', name: 'X', digest: DIGEST_A, label: '' }] });
  const p = mockFacts('p', { env: [{ file: '/srv/www/extra.env', name: 'X', digest: DIGEST_A, label: '' }], notes: ['env: /srv/www/.env: cannot read: EACCES'] });
  const t = compareRuntimeFacts(s, p, names);
  for (const key of ['env..env:APP_KEY', 'env..env:DB_HOST']) {
    assert.deepEqual([row(t, key).production, row(t, key).status, row(t, key).unreadable], ['unknown', 'differs', true], key);
  }
  assert.equal(row(t, 'env.extra.env:X').status, 'equal', 'a file read on both sides is compared as before');
  assert.equal(t.summary.missing, 0);
  assert.equal(t.summary.unknown, 2);
  assert.deepEqual(t.unreadable, [{ side: 'production', agent: 'prod-1', what: 'env file /srv/www/.env', error: 'cannot read: EACCES' }]);
  // The whole env collector failing leaves every env row unknown on that side.
  const failed = compareRuntimeFacts(s, mockFacts('p', { notes: ['env: failed: EMFILE: too many open files'] }), names);
  assert.deepEqual(failed.rows.filter((r) => r.category === 'env').map((r) => [r.status, r.unreadable]), [['differs', true], ['differs', true], ['differs', true]]);
  assert.deepEqual(failed.unreadable, [{ side: 'production', agent: 'prod-1', what: 'env files', error: 'failed: EMFILE: too many open files' }]);
});

test('two env files of one basename on a side are told apart by their directory', () => {
  const f = mockFacts('s', { env: [{ file: '/srv/app/.env', name: 'X', digest: DIGEST_A, label: '' }, { file: '/srv/api/.env', name: 'X', digest: DIGEST_B, label: '' }] });
  const t = compareRuntimeFacts(f, f, names);
  assert.equal(row(t, 'env.app/.env:X').status, 'equal');
  assert.equal(row(t, 'env.api/.env:X').status, 'equal');
});

const envVar = (file: string, name: string, digest: string, label = '') => ({ file, name, digest, label });

test('same-named env files line up by path on both sides, whatever the order and though one side lacks one', () => {
  const s = mockFacts('s', { env: [envVar('/srv/a/.env', 'X', DIGEST_A), envVar('/srv/b/.env', 'X', DIGEST_A), envVar('/srv/b/.env', 'Y', DIGEST_B)] });
  // Production lists b first and has no a/.env; its b/.env has another Y.
  const p = mockFacts('p', { env: [envVar('/srv/b/.env', 'Y', DIGEST_A), envVar('/srv/b/.env', 'X', DIGEST_A)] });
  const t = compareRuntimeFacts(s, p, names);
  assert.deepEqual(t.rows.filter((r) => r.category === 'env').map((r) => [r.key, r.status]), [
    ['env.a/.env:X', 'missing'],
    ['env.b/.env:X', 'equal'],
    ['env.b/.env:Y', 'differs'],
  ]);
  // Both sides with both files, listed in opposite orders, under other roots: all equal, by file.
  const p2 = mockFacts('p', { env: [envVar('/var/www/b/.env', 'Y', DIGEST_B), envVar('/var/www/b/.env', 'X', DIGEST_A), envVar('/var/www/a/.env', 'X', DIGEST_A)] });
  const t2 = compareRuntimeFacts(s, p2, names);
  assert.deepEqual(t2.rows.filter((r) => r.category === 'env').map((r) => [r.key, r.status]), [
    ['env.a/.env:X', 'equal'],
    ['env.b/.env:X', 'equal'],
    ['env.b/.env:Y', 'equal'],
  ]);
});

test('env files with a configured name line up by it, wherever each side keeps them', () => {
  const s = mockFacts('s', { env: [envVar('/srv/staging/.env', 'X', DIGEST_A, 'app'), envVar('/srv/staging/api/.env', 'X', DIGEST_B, 'api')] });
  const p = mockFacts('p', { env: [envVar('/var/www/html/api/.env', 'X', DIGEST_B, 'api'), envVar('/var/www/html/.env', 'X', DIGEST_B, 'app')] });
  const t = compareRuntimeFacts(s, p, names);
  assert.deepEqual(t.rows.filter((r) => r.category === 'env').map((r) => [r.key, r.status]), [
    ['env.api:X', 'equal'],
    ['env.app:X', 'differs'],
  ]);
  // A named file production could not read: its rows are unknown there under the same name.
  const unread = compareRuntimeFacts(s, mockFacts('p', { env_unreadable: [{ file: '/var/www/html/.env', code: 'EACCES', label: 'app', user: 'switchyard' }] }), names);
  assert.deepEqual([row(unread, 'env.app:X').production, row(unread, 'env.app:X').unreadable], ['unknown', true]);
});

test('an unreadable env file is learnt from the facts\' field, with no note needed; an older agent\'s note still counts', () => {
  const s = mockFacts('s', { env: [envVar('/srv/staging/.env', 'APP_KEY', DIGEST_A)] });
  const p = mockFacts('p', { env_unreadable: [{ file: '/srv/www/.env', code: 'EACCES', label: '', user: 'switchyard' }] });
  const t = compareRuntimeFacts(s, p, names);
  assert.deepEqual([row(t, 'env..env:APP_KEY').production, row(t, 'env..env:APP_KEY').status, row(t, 'env..env:APP_KEY').unreadable], ['unknown', 'differs', true]);
  assert.deepEqual(t.unreadable, [{ side: 'production', agent: 'prod-1', what: 'env file /srv/www/.env', error: 'cannot read: EACCES' }]);
  assert.equal(t.summary.missing, 0);
  // A note that merely looks like one (a skipped line) is not an unreadable file.
  const old = compareRuntimeFacts(s, mockFacts('p', { notes: ['env: /srv/www/.env: cannot read: EACCES', 'env: /srv/www/.env:3: not a KEY=VALUE line, skipped'] }), names);
  assert.deepEqual(old.unreadable, t.unreadable);
});

test('locale: production lacking the locale staging runs with differs; the default itself is informational; more on production is allowed', () => {
  const locale = (lang: string, available: string[], error = '') => ({ lang, lc_all: '', available, error });
  const s = mockFacts('s', { locale: locale('de_DE.UTF-8', ['C', 'C.utf8', 'POSIX', 'de_DE.utf8']) });
  const p = mockFacts('p', { locale: locale('C.UTF-8', ['C', 'C.utf8', 'POSIX']) });
  const t = compareRuntimeFacts(s, p, names);
  assert.deepEqual(t.rows.filter((r) => r.category === 'locale').map((r) => [r.key, r.staging, r.production, r.status]), [
    ['locale.available.de_DE.utf8', 'yes', 'no', 'differs'],
    ['locale.LANG', 'de_DE.UTF-8', 'C.UTF-8', 'allowed'],
  ]);
  assert.equal(row(compareRuntimeFacts(s, p, { ...names, allowDiffer: ['locale.available.*'] }), 'locale.available.de_DE.utf8').status, 'allowed');
  // Production with it too: equal, whatever production's own default is.
  assert.equal(row(compareRuntimeFacts(s, mockFacts('p', { locale: locale('C.UTF-8', ['C', 'de_DE.utf8']) }), names), 'locale.available.de_DE.utf8').status, 'equal');
  // Staging without its own default, production with it: more there is no risk.
  const lacking = mockFacts('s', { locale: locale('en_GB.UTF-8', ['C']) });
  assert.equal(row(compareRuntimeFacts(lacking, mockFacts('p', { locale: locale('C.UTF-8', ['en_GB.utf8']) }), names), 'locale.available.en_GB.utf8').status, 'allowed');
  // C, POSIX and C.UTF-8 are built in: nothing to compare.
  for (const builtIn of ['C', 'POSIX', 'C.UTF-8']) {
    const c = compareRuntimeFacts(mockFacts('s', { locale: locale(builtIn, []) }), mockFacts('p', { locale: locale('C', []) }), names);
    assert.deepEqual(c.rows.filter((r) => r.key.startsWith('locale.available.')), [], builtIn);
  }
});

test('locale: locale -a failing on production, or an agent too old to tell, is unreadable there, not "no"', () => {
  const s = mockFacts('s', { locale: { lang: 'de_DE.UTF-8', lc_all: '', available: ['de_DE.utf8'], error: '' } });
  const failed = compareRuntimeFacts(s, mockFacts('p', { locale: { lang: 'de_DE.UTF-8', lc_all: '', available: [], error: 'locale -a: timed out after 10000 ms' } }), names);
  const r = row(failed, 'locale.available.de_DE.utf8');
  assert.deepEqual([r.production, r.status, r.unreadable], ['unknown: locale -a: timed out after 10000 ms', 'differs', true]);
  assert.deepEqual(failed.unreadable, [{ side: 'production', agent: 'prod-1', what: 'locales (locale -a)', error: 'locale -a: timed out after 10000 ms' }]);
  const old = compareRuntimeFacts(s, mockFacts('p', { locale: null }), names);
  assert.deepEqual([row(old, 'locale.available.de_DE.utf8').production, row(old, 'locale.available.de_DE.utf8').unreadable], ['unknown', true]);
  assert.match(old.unreadable?.[0]?.error ?? '', /not reported by this agent 0\.1\.0 — upgrade it/);
  assert.equal(row(old, 'locale.LANG').status, 'allowed', 'the informational row of one side only does not fail');
});

test('TLS: issuer and SANs are parity, a re-issued fingerprint or expiry is only informational', () => {
  const cert = (issuer: string, fingerprint: string, validTo: string): TlsCertificateFacts__Output => ({
    host: 'www.example.com', port: 443, connect_to: '127.0.0.1', error: '', subject: 'CN=www.example.com', issuer,
    sans: ['DNS:www.example.com', 'DNS:example.com'], valid_from: '2024-01-01T00:00:00.000Z', valid_to: validTo,
    key_type: 'RSA', key_bits: 2048, fingerprint_sha256: fingerprint,
  });
  const s = mockFacts('s', { tls: [cert("C=US, O=Let's Encrypt, CN=R3", 'AA:BB', '2024-08-01T00:00:00.000Z')] });
  const p = mockFacts('p', { tls: [{ ...cert('CN=Self Signed', 'CC:DD', '2024-09-01T00:00:00.000Z'), sans: ['DNS:example.com', 'DNS:www.example.com'] }] });
  const t = compareRuntimeFacts(s, p, names);
  assert.equal(row(t, 'tls.www.example.com.issuer').status, 'differs');
  assert.equal(row(t, 'tls.www.example.com.sans').status, 'equal', 'SAN order is not a difference');
  assert.equal(row(t, 'tls.www.example.com.key_type').staging, 'RSA 2048');
  assert.equal(row(t, 'tls.www.example.com.fingerprint').status, 'allowed');
  assert.equal(row(t, 'tls.www.example.com.valid_to').status, 'allowed');
});

test('free disk space is shown but never differs', () => {
  const p = mockFacts('p', { disks: [{ root: 'uploads', path: '/data/uploads', free_bytes: '1024', total_bytes: '2048', error: '' }] });
  const t = compareRuntimeFacts(mockFacts('s'), p, names);
  const d = row(t, 'disk.uploads.free_bytes');
  assert.deepEqual([d.staging, d.production, d.status], ['50.0 GiB', '1.0 KiB', 'allowed']);
});

test('the text table groups by category, marks differing rows and ends with the summary', () => {
  const t = compareRuntimeFacts(mockFacts('s'), withDb(mockFacts('p'), { sql_mode: 'ANSI' }), names);
  const text = formatParityTable(t);
  const lines = text.split('\n');
  const diff = lines.find((l) => l.includes('mysql.sql_mode'));
  assert.ok(diff, text);
  assert.match(diff, /^≠ mysql\.sql_mode\s+STRICT_TRANS_TABLES,\s+ANSI\s+differs$/);
  // A long value wraps after a comma onto the next line instead of being cut.
  assert.match(lines[lines.indexOf(diff) + 1]!, /^\s+NO_ENGINE_SUBSTITUTION$/);
  assert.ok(lines.indexOf('[database]') < lines.indexOf(diff) && lines.indexOf('[os]') < lines.indexOf('[database]'));
  assert.match(lines.find((l) => l.includes('mysql.version'))!, /^  mysql\.version .* equal$/);
  assert.match(text, new RegExp(`${t.rows.length} rows: ${t.summary.equal} equal, 1 differs, 0 missing, 1 allowed to differ$`));
});

test('the service sends both agents one fresh salt per comparison', async () => {
  const calls: Array<[string, string]> = [];
  const svc = new RuntimeParityService({
    facts: async (name, salt) => {
      calls.push([name, salt]);
      return mockFacts(name);
    },
  });
  const t1 = await svc.compare('staging-1', 'prod-1', { allowDiffer: [] });
  await svc.compare('staging-1', 'prod-1', {});
  assert.equal(t1.summary.differs, 0);
  assert.deepEqual(calls.map((c) => c[0]).sort(), ['prod-1', 'prod-1', 'staging-1', 'staging-1']);
  assert.match(calls[0]![1], /^[0-9a-f]{32}$/);
  assert.equal(calls[0]![1], calls[1]![1]);
  assert.notEqual(calls[0]![1], calls[2]![1]);
});

test('a distribution package revision of the same release is equal; another release differs', () => {
  assert.equal(upstreamVersion('10.11.6-MariaDB-0+deb12u1'), '10.11.6-MariaDB');
  assert.equal(upstreamVersion('8.0.36-0ubuntu0.22.04.1'), '8.0.36');
  assert.equal(upstreamVersion('8.1.2-1ubuntu2.14'), '8.1.2');
  assert.equal(upstreamVersion('8.2.18'), '8.2.18');
  assert.equal(upstreamVersion('nginx-custom'), 'nginx-custom');
  const at = (db: string, php: string, nginx: string): Facts__Output => {
    const f = mockFacts('x');
    return { ...f, database: { ...f.database!, version: db }, php: { ...f.php!, version: php }, web_servers: f.web_servers.map((w) => ({ ...w, version: nginx })) };
  };
  const same = compareRuntimeFacts(at('10.11.6-MariaDB-0+deb12u1', '8.1.2-1ubuntu2.14', '1.22.1'), at('10.11.6-MariaDB-0+deb12u2', '8.1.2-1ubuntu2.18', '1.22.1'), names);
  for (const key of ['mysql.version', 'php.version']) assert.equal(row(same, key).status, 'equal', key);
  assert.equal(row(same, 'mysql.version').production, '10.11.6-MariaDB-0+deb12u2', 'shown as each side reports it');
  const other = compareRuntimeFacts(at('10.11.6-MariaDB-0+deb12u1', '8.1.2-1ubuntu2.14', '1.22.1'), at('10.11.7-MariaDB-0+deb12u1', '8.1.3', '1.24.0'), names);
  for (const key of ['mysql.version', 'php.version', 'nginx.version']) assert.equal(row(other, key).status, 'differs', key);
  // MySQL against MariaDB of the same number is not the same server.
  assert.equal(row(compareRuntimeFacts(at('8.0.36-MariaDB', '8.2.18', '1.22.1'), at('8.0.36', '8.2.18', '1.22.1'), names), 'mysql.version').status, 'differs');
});

test('limits: production with more (or no limit) is allowed, with less differs — memory, uploads, time, connections, packet size', () => {
  const s = withDb(withIni(mockFacts('s'), { memory_limit: '256M', upload_max_filesize: '64M', max_execution_time: '30', max_input_vars: '1000' }), { max_connections: '151', max_allowed_packet: '16777216' });
  const bigger = withDb(withIni(mockFacts('p'), { memory_limit: '-1', upload_max_filesize: '128M', max_execution_time: '0', max_input_vars: '5000' }), { max_connections: '500', max_allowed_packet: '67108864' });
  const up = compareRuntimeFacts(s, bigger, names);
  for (const key of ['php.ini.memory_limit', 'php.ini.upload_max_filesize', 'php.ini.max_execution_time', 'php.ini.max_input_vars', 'mysql.max_connections', 'mysql.max_allowed_packet']) {
    assert.equal(row(up, key).status, 'allowed', key);
  }
  const smaller = withDb(withIni(mockFacts('p'), { memory_limit: '128M', upload_max_filesize: '64M', max_execution_time: '30', max_input_vars: '1000' }), { max_connections: '100', max_allowed_packet: '16777216' });
  const down = compareRuntimeFacts(s, smaller, names);
  assert.deepEqual(down.rows.filter((r) => r.status === 'differs').map((r) => r.key).sort(), ['mysql.max_connections', 'php.ini.memory_limit']);
  // No limit on staging, a limit on production: less.
  const unlimited = withIni(mockFacts('s'), { memory_limit: '-1', max_execution_time: '0' });
  const limited = withIni(mockFacts('p'), { memory_limit: '512M', max_execution_time: '300' });
  const t = compareRuntimeFacts(unlimited, limited, names);
  for (const key of ['php.ini.memory_limit', 'php.ini.max_execution_time']) assert.equal(row(t, key).status, 'differs', key);
  // Not a limit: another time zone is never "more".
  assert.equal(row(compareRuntimeFacts(withIni(mockFacts('s'), { 'date.timezone': 'UTC' }), withIni(mockFacts('p'), { 'date.timezone': 'Europe/Berlin' }), names), 'php.ini.date.timezone').status, 'differs');
});

// A setting one side's pool leaves to php.ini is compared with the php.ini PHP-FPM loads (its own
// tree: Debian /etc/php/X.Y/fpm, RHEL /etc/php.ini + php.d, the Docker images' /usr/local/etc/php),
// not the CLI's, whose memory_limit is often -1. Fixture trees stand for the hosts' /.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { collectFacts } from '../../agent/facts/collect.js';
import { collectFpmIni, fpmIniDefaults } from '../../agent/facts/fpm-ini.js';
import { parsePhpIniText } from '../../agent/facts/php-ini-text.js';
import { CLI_FORCED, parsePhpIni, PHP_PARITY_INI } from '../../agent/facts/php.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import type { ParityTable } from '../../shared/parity.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { PhpFpmFacts__Output } from '../../shared/proto-gen/switchyard/v1/PhpFpmFacts.js';
import { capturingLogger, fakeBin, mockFacts, overTheWire, testAgentConfig } from '../helpers/facts.js';

const names = { stagingName: 'staging-1', productionName: 'prod-1' };
const WANTED = new Set(['memory_limit', 'display_errors', 'error_reporting', 'date.timezone', 'disable_functions', 'opcache.jit', 'short_open_tag']);

function row(table: ParityTable, key: string) {
  const r = table.rows.find((x) => x.key === key);
  assert.ok(r, `row ${key} is missing; rows: ${table.rows.map((x) => x.key).join(' ')}`);
  return r;
}

/** A host's tree under a temporary root: path (relative to /) → content. */
function tree(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-fpm-ini-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** The php_fpm facts an agent reading `pools` (under `root`) sends. */
async function fpmFacts(root: string, pools: string): Promise<PhpFpmFacts__Output> {
  const { logger } = capturingLogger();
  // The host's own systemd units stay out of it: FPM's unit, if any, is the tree's.
  const systemdUnitDirs = [join(root, 'etc/systemd/system'), join(root, 'lib/systemd/system')];
  return overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [join(root, pools)] }), '', logger, { systemdUnitDirs })).php_fpm!;
}

function host(name: string, php_fpm: PhpFpmFacts__Output, cliIni: Record<string, string>, defaults: string[] = []): Facts__Output {
  const base = mockFacts(name);
  return { ...base, php: { ...base.php!, ini: cliIni, ini_defaults: defaults }, php_fpm };
}

const SITE_POOL = '[www]\nphp_admin_value[memory_limit] = 512M\nphp_admin_flag[display_errors] = off\nphp_value[error_reporting] = 22527\n';
const BARE_POOL = '[www]\npm = dynamic\npm.max_children = 5\n';

test("php.ini text is read as PHP reads it: comments, quotes, On/Off as 1/'', E_* expressions as numbers, the last line winning, [PATH=] sections left out", () => {
  const text = [
    '[PHP]',
    '; memory_limit = 1G',
    'memory_limit = 128M ; the default',
    'memory_limit = 256M',
    'display_errors = Off',
    'short_open_tag = On',
    'error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT',
    'date.timezone = "Europe/Berlin" ; quoted',
    "disable_functions = 'exec;system'",
    'opcache.jit = tracing',
    '[PATH=/srv/www/legacy]',
    'memory_limit = 2G',
    '[Date]',
    'unrelated = 1',
  ].join('\r\n');
  assert.deepEqual(Object.fromEntries(parsePhpIniText(text, WANTED)), {
    memory_limit: '256M',
    display_errors: '',
    short_open_tag: '1',
    error_reporting: '22527',
    'date.timezone': 'Europe/Berlin',
    disable_functions: 'exec;system',
    'opcache.jit': 'tracing',
  });
});

test("Debian: a setting production's pool leaves unset is compared with /etc/php/X.Y/fpm/php.ini and conf.d (later files win), not the CLI's php.ini", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const root = tree(t, {
    'etc/php/8.2/fpm/pool.d/www.conf': BARE_POOL,
    'etc/php/8.2/fpm/php.ini': '[PHP]\nmemory_limit = 128M\ndisplay_errors = On\nerror_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT\n',
    'etc/php/8.2/fpm/conf.d/10-opcache.ini': 'zend_extension=opcache.so\n',
    'etc/php/8.2/fpm/conf.d/99-site.ini': 'memory_limit = 256M\n',
    // The CLI's own php.ini, which FPM never reads.
    'etc/php/8.2/cli/php.ini': 'memory_limit = -1\n',
  });
  const production = await fpmFacts(root, 'etc/php/8.2/fpm/pool.d/*.conf');
  assert.equal(production.ini_path, join(root, 'etc/php/8.2/fpm/php.ini'));
  assert.deepEqual(production.ini_files, [join(root, 'etc/php/8.2/fpm/php.ini'), join(root, 'etc/php/8.2/fpm/conf.d/10-opcache.ini'), join(root, 'etc/php/8.2/fpm/conf.d/99-site.ini')]);
  assert.deepEqual(production.ini, { memory_limit: '256M', display_errors: '1', error_reporting: '22527' });

  // The CLI reports memory_limit -1 and display_errors off: taken for FPM's, both would pass.
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', production, { memory_limit: '-1', display_errors: '', error_reporting: '22527' }), names);
  assert.deepEqual(
    ['memory_limit', 'display_errors', 'error_reporting'].map((n) => {
      const r = row(table, `php.fpm.www:${n}`);
      return [n, r.production, r.status];
    }),
    [
      ['memory_limit', '256M (fpm php.ini)', 'differs'],
      ['display_errors', 'on (fpm php.ini)', 'differs'],
      ['error_reporting', '22527 (fpm php.ini)', 'equal'],
    ],
  );
});

test("PHPRC and PHP_INI_SCAN_DIR that FPM's systemd unit sets (drop-ins, EnvironmentFile=) move the php.ini it loads; the row compares that one", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const files = {
    'etc/php/8.2/fpm/pool.d/www.conf': BARE_POOL,
    'etc/php/8.2/fpm/php.ini': 'memory_limit = 512M\ndisplay_errors = Off\n',
    'etc/php/8.2/fpm/conf.d/10-opcache.ini': 'opcache.enable = 1\n',
    'srv/site/ini/php.ini': 'memory_limit = 128M\ndisplay_errors = Off\n',
    'srv/site/php.d/99-site.ini': 'display_errors = On\n',
    // A pool's env[PHPRC] is the workers' getenv(), not what the master loaded php.ini by.
    'etc/php/8.2/fpm/pool.d/zz-env.conf': '[www]\nenv[PHPRC] = /nowhere\n',
  };
  const root = tree(t, files);
  // The package's unit; the admin's drop-in and environment file.
  writeFileSync(join(mkdirp(join(root, 'lib/systemd/system')), 'php8.2-fpm.service'), '[Service]\nType=notify\nExecStart=/usr/sbin/php-fpm8.2 --nodaemonize --fpm-config /etc/php/8.2/fpm/php-fpm.conf\n');
  writeFileSync(join(mkdirp(join(root, 'etc/systemd/system/php8.2-fpm.service.d')), 'site.conf'), `[Service]\nEnvironment=PHP_INI_SCAN_DIR=:${join(root, 'srv/site/php.d')} OTHER=x\nEnvironmentFile=-${join(root, 'etc/default/php-fpm')}\n`);
  writeFileSync(join(mkdirp(join(root, 'etc/default')), 'php-fpm'), `# site php.ini\nPHPRC="${join(root, 'srv/site/ini')}"\nAPP_KEY=never-read\n`);
  const production = await fpmFacts(root, 'etc/php/8.2/fpm/pool.d/*.conf');
  assert.equal(production.ini_path, join(root, 'srv/site/ini/php.ini'));
  assert.equal(production.ini_scan_dir, `${join(root, 'etc/php/8.2/fpm/conf.d')}:${join(root, 'srv/site/php.d')}`);
  assert.deepEqual(production.ini_files, [join(root, 'srv/site/ini/php.ini'), join(root, 'etc/php/8.2/fpm/conf.d/10-opcache.ini'), join(root, 'srv/site/php.d/99-site.ini')]);
  assert.equal(production.ini_env, `PHP_INI_SCAN_DIR=:${join(root, 'srv/site/php.d')} PHPRC=${join(root, 'srv/site/ini')} (php8.2-fpm.service)`);
  assert.ok(!JSON.stringify(production).includes('never-read'));
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', production, { memory_limit: '512M' }), names);
  assert.deepEqual(
    ['memory_limit', 'display_errors'].map((n) => [row(table, `php.fpm.www:${n}`).production, row(table, `php.fpm.www:${n}`).status]),
    [
      ['128M (fpm php.ini)', 'differs'],
      ['on (fpm php.ini)', 'differs'],
    ],
  );

  // An empty PHP_INI_SCAN_DIR scans nothing; PHPRC naming a file loads that file.
  writeFileSync(join(root, 'etc/systemd/system/php8.2-fpm.service.d/site.conf'), `[Service]\nEnvironment=PHP_INI_SCAN_DIR= PHPRC=${join(root, 'srv/site/php.d/99-site.ini')}\n`);
  const bare = await fpmFacts(root, 'etc/php/8.2/fpm/pool.d/*.conf');
  assert.deepEqual([bare.ini_path, bare.ini_scan_dir, bare.ini_files], [join(root, 'srv/site/php.d/99-site.ini'), '', [join(root, 'srv/site/php.d/99-site.ini')]]);

  // A unit the agent cannot read leaves the php.ini unknown, saying why.
  writeFileSync(join(root, 'etc/systemd/system/php8.2-fpm.service.d/site.conf'), Buffer.alloc(1024 * 1024 + 1, 0x20));
  const unread = await fpmFacts(root, 'etc/php/8.2/fpm/pool.d/*.conf');
  assert.match(unread.ini_error, /over the 1048576-byte limit.* — PHPRC and PHP_INI_SCAN_DIR there decide which php\.ini FPM loads/);
});

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

test("RHEL (/etc/php.ini + /etc/php.d) and Docker (/usr/local/etc/php/conf.d, no php.ini) layouts are found from the pool files' paths", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const rhel = tree(t, { 'etc/php-fpm.d/www.conf': BARE_POOL, 'etc/php.ini': 'memory_limit = 128M\n', 'etc/php.d/50-site.ini': 'memory_limit = 512M\n' });
  const rp = await fpmFacts(rhel, 'etc/php-fpm.d/*.conf');
  assert.deepEqual([rp.ini_path, rp.ini_scan_dir, rp.ini], [join(rhel, 'etc/php.ini'), join(rhel, 'etc/php.d'), { memory_limit: '512M' }]);
  assert.equal(row(compareRuntimeFacts(host('s', staging, {}), host('p', rp, { memory_limit: '64M' }), names), 'php.fpm.www:memory_limit').production, '512M (fpm php.ini)');

  const docker = tree(t, { 'usr/local/etc/php-fpm.d/www.conf': BARE_POOL, 'usr/local/etc/php/conf.d/docker-php-memlimit.ini': 'memory_limit = 1G\n' });
  const dp = await fpmFacts(docker, 'usr/local/etc/php-fpm.d/*.conf');
  assert.deepEqual([dp.ini_path, dp.ini_files, dp.ini_error], [join(docker, 'usr/local/etc/php/php.ini'), [join(docker, 'usr/local/etc/php/conf.d/docker-php-memlimit.ini')], '']);
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', dp, { memory_limit: '128M', display_errors: '1', error_reporting: '32767' }, ['display_errors']), names);
  assert.deepEqual([row(table, 'php.fpm.www:memory_limit').production, row(table, 'php.fpm.www:memory_limit').status], ['1G (fpm php.ini)', 'allowed']);
  // Unset in FPM's files, the CLI's own php.ini sets it: PHP's default is not known, so unknown, with why.
  const er = row(table, 'php.fpm.www:error_reporting');
  assert.deepEqual([er.production, er.unreadable], ['unknown', true]);
  assert.ok((table.unreadable ?? []).some((u) => u.side === 'production' && u.what === 'php-fpm php.ini setting error_reporting' && /not set in PHP-FPM's .*php\.ini/.test(u.error)), JSON.stringify(table.unreadable));
});

test("a setting FPM's files leave unset takes PHP's built-in default, as the CLI of the same release reports it", async (t) => {
  const root = tree(t, { 'etc/php/8.2/fpm/php.ini': 'memory_limit = 128M\n' });
  const ini = (await collectFpmIni([join(root, 'etc/php/8.2/fpm/pool.d/www.conf')])).facts;
  const php = { present: true, version: '8.2.18', ini: { memory_limit: '-1', display_errors: '1', 'date.timezone': 'UTC' }, ini_defaults: ['memory_limit', 'display_errors'] };
  // memory_limit is set in FPM's php.ini; date.timezone is the CLI php.ini's, no default.
  assert.deepEqual(fpmIniDefaults(ini, php), { display_errors: '1' });
  // Another PHP release's CLI: its defaults are not FPM 8.2's.
  assert.deepEqual(fpmIniDefaults(ini, { ...php, version: '8.3.1' }), {});

  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const production = { ...(await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': BARE_POOL, 'etc/php/8.2/fpm/php.ini': 'memory_limit = 128M\n' }), 'etc/php/8.2/fpm/pool.d/*.conf')), ini_default: { display_errors: '1' } };
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', production, { display_errors: '1' }, ['display_errors']), names);
  assert.deepEqual([row(table, 'php.fpm.www:display_errors').production, row(table, 'php.fpm.www:display_errors').status], ['on (PHP default)', 'differs']);
});

test("the CLI settings script's answer says which settings are at PHP's default and which the CLI forces; a bare settings object gives neither", () => {
  assert.deepEqual(parsePhpIni('{"ini":{"memory_limit":"-1","display_errors":"1","session.save_path":"x"},"defaults":["display_errors","session.save_path"]}'), {
    ini: { memory_limit: '-1', display_errors: '1' },
    defaults: ['display_errors'],
    forced: [],
  });
  // Only settings the CLI does force, and that are in the answer, are taken for forced.
  assert.deepEqual(parsePhpIni('{"ini":{"max_execution_time":"0","max_input_time":"60","memory_limit":"-1"},"defaults":[],"forced":["max_execution_time","memory_limit","output_buffering"]}'), {
    ini: { max_execution_time: '0', max_input_time: '60', memory_limit: '-1' },
    defaults: [],
    forced: ['max_execution_time'],
  });
  assert.deepEqual(parsePhpIni('{"memory_limit":"256M"}'), { ini: { memory_limit: '256M' }, defaults: [], forced: [] });
});

test("no FPM php.ini found: a setting the PHP CLI forces and no php.ini sets is unknown, not the CLI's forced value; one a php.ini sets is the CLI php.ini's", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': '[www]\nphp_value[max_execution_time] = 0\nphp_value[max_input_time] = 60\n' }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const elsewhere = await fpmFacts(tree(t, { 'srv/pools/www.conf': BARE_POOL }), 'srv/pools/*.conf');
  assert.equal(elsewhere.ini_path, '');
  // The CLI reports max_execution_time 0 (forced: FPM's default is 30) and max_input_time 60 from its php.ini.
  const cli = { ...host('p', elsewhere, { max_execution_time: '0', max_input_time: '60' }) };
  const production = { ...cli, php: { ...cli.php!, ini_forced: ['max_execution_time'] } };
  const table = compareRuntimeFacts(host('s', staging, {}), production, names);
  const met = row(table, 'php.fpm.www:max_execution_time');
  assert.deepEqual([met.production, met.unreadable, met.status === 'equal'], ['unknown', true, false]);
  assert.deepEqual(
    (table.unreadable ?? []).filter((u) => u.side === 'production' && u.what === 'php-fpm php.ini setting max_execution_time').map((u) => u.error),
    ["the PHP CLI forces it; FPM's php.ini was not found"],
  );
  const mit = row(table, 'php.fpm.www:max_input_time');
  assert.deepEqual([mit.production, mit.status], ['60 (CLI php.ini)', 'equal']);
});

test("Debian FPM of another PHP release than the CLI: a setting FPM's files leave unset is unknown because the releases differ, naming both", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const production = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': BARE_POOL, 'etc/php/8.2/fpm/php.ini': 'memory_limit = 128M\n' }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const p = host('p', production, { memory_limit: '-1', error_reporting: '32767', display_errors: '1' }, ['error_reporting']);
  const table = compareRuntimeFacts(host('s', staging, {}), { ...p, php: { ...p.php!, version: '8.3.1' } }, names);
  const er = row(table, 'php.fpm.www:error_reporting');
  assert.deepEqual([er.production, er.unreadable], ['unknown', true]);
  const why = (table.unreadable ?? []).find((u) => u.side === 'production' && u.what === 'php-fpm php.ini setting error_reporting')?.error ?? '';
  assert.match(why, /PHP's default for it is not known \(PHP-FPM is 8\.2 and the PHP CLI 8\.3\.1: other releases, so PHP's default cannot be read from the CLI\)$/);
  assert.doesNotMatch(why, /php\.ini sets it|forces it/);
});

test("two FPM installs' pool files read: FPM's php.ini is unknown, said once; no FPM php.ini found: the CLI's, labelled so", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const root = tree(t, {
    'etc/php/8.1/fpm/pool.d/www.conf': BARE_POOL,
    'etc/php/8.1/fpm/php.ini': 'memory_limit = 128M\n',
    'etc/php/8.2/fpm/pool.d/api.conf': '[api]\npm = ondemand\n',
    'etc/php/8.2/fpm/php.ini': 'memory_limit = 512M\n',
  });
  const two = await fpmFacts(root, 'etc/php/*/fpm/pool.d/*.conf');
  assert.match(two.ini_error, /two PHP-FPM installs .*8\.1\/fpm\/php\.ini and .*8\.2\/fpm\/php\.ini/);
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', two, { memory_limit: '512M' }), names);
  assert.deepEqual(['memory_limit', 'display_errors'].map((n) => [row(table, `php.fpm.www:${n}`).production, row(table, `php.fpm.www:${n}`).unreadable]), [['unknown', true], ['unknown', true]]);
  assert.equal((table.unreadable ?? []).filter((u) => u.what === 'php-fpm php.ini').length, 1);

  // A pool directory of no known layout: the CLI's php.ini is all there is, and the row says so.
  const elsewhere = await fpmFacts(tree(t, { 'srv/pools/www.conf': BARE_POOL }), 'srv/pools/*.conf');
  assert.equal(elsewhere.ini_path, '');
  assert.equal(row(compareRuntimeFacts(host('s', staging, {}), host('p', elsewhere, { memory_limit: '512M' }), names), 'php.fpm.www:memory_limit').production, '512M (CLI php.ini)');
});

/** nginx -T of a host serving www.example.com: `pass` is its fastcgi_pass, through an upstream when `upstream`. */
function nginxDump(pass: string, upstream = false): string {
  return [
    '# configuration file /etc/nginx/nginx.conf:',
    'events {}',
    'http {',
    upstream ? `  upstream php { server ${pass}; }` : '',
    '  include /etc/nginx/sites-enabled/*;',
    '}',
    '# configuration file /etc/nginx/sites-enabled/site:',
    'server {',
    '  listen 443 ssl;',
    '  server_name www.example.com;',
    `  location ~ \\.php$ { include snippets/fastcgi-php.conf; fastcgi_pass ${upstream ? 'php' : pass}; }`,
    '}',
    '# configuration file /etc/nginx/sites-enabled/other:',
    'server {',
    '  listen 443 ssl;',
    '  server_name other.example.com;',
    '  location ~ \\.php$ { fastcgi_pass unix:/run/php/php8.1-fpm.sock; }',
    '}',
    '',
  ].join('\n');
}

/** php_fpm facts of an agent asked for www.example.com on a host whose nginx -T prints `dump`. */
async function servedFacts(t: Parameters<typeof fakeBin>[0], root: string, dump: string, site = true): Promise<PhpFpmFacts__Output> {
  const path = fakeBin(t, { nginx: `if [ "$1" = -V ]; then echo 'nginx version: nginx/1.22.1' >&2; else /bin/cat <<'EOF'\n${dump}EOF\nfi` });
  const opts = { tools: { path }, systemdUnitDirs: [join(root, 'etc/systemd/system')], ...(site ? { site: { host: 'www.example.com', address: '', ports: ['443'] } } : {}) };
  return overTheWire(await collectFacts(testAgentConfig({ phpFpmPools: [join(root, 'etc/php/*/fpm/pool.d/*.conf')], binaries: { php: 'no-php-here', nginx: 'nginx', apache: 'no-apache-here' } }), '', capturingLogger().logger, opts)).php_fpm!;
}

test("two FPM installs side by side: the one whose pool listens where nginx's fastcgi_pass for the site points serves it — its pools and php.ini are compared; when that cannot be told, the row says why", async (t) => {
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const root = tree(t, {
    // The old install, left enabled, listed first.
    'etc/php/8.1/fpm/pool.d/www.conf': '[www]\nlisten = /run/php/php8.1-fpm.sock\nphp_admin_value[memory_limit] = 64M\n',
    'etc/php/8.1/fpm/php.ini': 'memory_limit = 64M\ndisplay_errors = On\n',
    'etc/php/8.2/fpm/pool.d/www.conf': '[www]\nlisten = /var/run/php/php$pool-8.2.sock\nphp_admin_value[memory_limit] = 512M\n',
    'etc/php/8.2/fpm/php.ini': 'memory_limit = 128M\ndisplay_errors = Off\n',
  });
  const served = await servedFacts(t, root, nginxDump('unix:/run/php/phpwww-8.2.sock'));
  assert.equal(served.serving, join(root, 'etc/php/8.2/fpm/pool.d'));
  assert.equal(served.serving_from, `nginx passes www.example.com's PHP to unix:/run/php/phpwww-8.2.sock: pool www (listen = /var/run/php/phpwww-8.2.sock, ${join(root, 'etc/php/8.2/fpm/pool.d/www.conf')})`);
  assert.deepEqual([served.ini_path, served.ini_error, served.unreadable], [join(root, 'etc/php/8.2/fpm/php.ini'), '', []]);
  const table = compareRuntimeFacts(host('s', staging, {}), host('p', served, {}), names);
  assert.deepEqual(
    ['memory_limit', 'display_errors'].map((n) => [row(table, `php.fpm.www:${n}`).production, row(table, `php.fpm.www:${n}`).status]),
    [
      ['512M', 'equal'],
      ['off (fpm php.ini)', 'equal'],
    ],
  );
  assert.deepEqual([row(table, 'php.fpm.serving').production, row(table, 'php.fpm.serving').status], [`${join(root, 'etc/php/8.2/fpm/pool.d')} (${served.serving_from})`, 'allowed']);

  // Through an upstream, on TCP: 127.0.0.1:9000 reaches a pool listening on every address at 9000.
  writeFileSync(join(root, 'etc/php/8.1/fpm/pool.d/www.conf'), '[www]\nlisten = 9000\nphp_admin_value[memory_limit] = 64M\n');
  const tcp = await servedFacts(t, root, nginxDump('127.0.0.1:9000', true));
  assert.deepEqual([tcp.serving, tcp.ini_path], [join(root, 'etc/php/8.1/fpm/pool.d'), join(root, 'etc/php/8.1/fpm/php.ini')]);

  // No pool listens where nginx passes: unknown, the row saying why.
  const none = await servedFacts(t, root, nginxDump('unix:/run/php/php8.3-fpm.sock'));
  assert.equal(none.serving, '');
  assert.match(none.serving_from, /^unknown: PHP-FPM installs .*8\.1.* and .*8\.2.*, and nginx passes www\.example\.com's PHP to unix:\/run\/php\/php8\.3-fpm\.sock, where none of their pools listens$/);
  assert.ok(none.unreadable.some((u) => u.pool === 'www' && /which one serves the site is unknown: .*none of their pools listens — set phpFpmPools/.test(u.error)), JSON.stringify(none.unreadable));
  const unknown = compareRuntimeFacts(host('s', staging, {}), host('p', none, {}), names);
  assert.deepEqual([row(unknown, 'php.fpm.www:memory_limit').production, row(unknown, 'php.fpm.www:memory_limit').unreadable], ['unknown', true]);
  assert.match(row(unknown, 'php.fpm.serving').production!, /^unknown \(PHP-FPM installs/);

  // Asked for no site (GET /v1/agents/:name/facts): which install serves is not told.
  const noSite = await servedFacts(t, root, nginxDump('unix:/run/php/phpwww-8.2.sock'), false);
  assert.match(noSite.serving_from, /where nginx passes the site's PHP is not known: the request named no site$/);
});

test("an FPM php.ini that cannot be read makes the fallback unknown rather than the CLI's value", async (t) => {
  const root = tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': BARE_POOL });
  // A FIFO where php.ini should be: not read (it would block), and not taken for "no php.ini".
  execFileSync('mkfifo', [join(root, 'etc/php/8.2/fpm/php.ini')]);
  const production = await fpmFacts(root, 'etc/php/8.2/fpm/pool.d/*.conf');
  assert.match(production.ini_error, /php\.ini: not a regular file/);
  const staging = await fpmFacts(tree(t, { 'etc/php/8.2/fpm/pool.d/www.conf': SITE_POOL }), 'etc/php/8.2/fpm/pool.d/*.conf');
  const mem = row(compareRuntimeFacts(host('s', staging, {}), host('p', production, { memory_limit: '512M' }), names), 'php.fpm.www:memory_limit');
  assert.deepEqual([mem.production, mem.unreadable], ['unknown', true]);
});

test("every compared setting the PHP CLI forces over php.ini is read from the files, and never taken for PHP's default", () => {
  // php_cli.c HARDCODED_INI: the CLI's ini_get gives these whatever php.ini says (max_input_time -1, where FPM's default is 60).
  const hardcoded = ['html_errors', 'register_argc_argv', 'implicit_flush', 'output_buffering', 'max_execution_time', 'max_input_time'];
  assert.deepEqual(hardcoded.filter((n) => (PHP_PARITY_INI as readonly string[]).includes(n) && !CLI_FORCED.includes(n)), []);
});

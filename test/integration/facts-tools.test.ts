// Host tools are asked for facts through fakes: shell scripts named like the real binary,
// first on PATH, printing what the real ones print. The real php/nginx are not installed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { collectPhpFacts } from '../../agent/facts/php.js';
import { collectWebServerFacts } from '../../agent/facts/webserver.js';
import { collectDiskFacts } from '../../agent/facts/disk.js';
import { collectTlsFacts } from '../../agent/facts/tls.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { capturingLogger, fakeBin, testAgentConfig } from '../helpers/facts.js';
import { NGINX_T_STAGING } from '../helpers/nginx-dump.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import { writeFileSync } from 'node:fs';

// The settings script gets the names it wants as $3; this php answers one it was not asked for,
// holding a password, which must not leave the agent.
const FAKE_PHP = `case "$1" in
  -r) case "$2" in
    *PHP_VERSION*) printf '8.2.18' ;;
    *) printf '{"memory_limit":"256M","date.timezone":"UTC","disable_functions":"exec","session.save_path":"tcp://redis:6379?auth=Redis-Pa55-91c2"}' ;;
  esac ;;
  -m) printf '[PHP Modules]\\nCore\\ngd\\nmysqli\\nZend OPcache\\n\\n[Zend Modules]\\nZend OPcache\\n\\n' ;;
  *) exit 2 ;;
esac`;

// -T answers as an nginx whose configuration holds no server block; -V as below.
const FAKE_NGINX = `if [ "$1" = "-T" ]; then printf '# configuration file /etc/nginx/nginx.conf:\\nevents {}\\nhttp {}\\n'; echo 'nginx: configuration file /etc/nginx/nginx.conf test is successful' >&2; exit 0; fi
[ "$1" = "-V" ] || exit 2
echo 'nginx version: nginx/1.22.1' >&2
echo "configure arguments: --with-cc-opt='-g -O2' --with-http_ssl_module --with-http_v2_module" >&2`;

const FAKE_APACHE = `case "$1" in
  -v) printf 'Server version: Apache/2.4.57 (Debian)\\nServer built:   2023-04-13T03:26:51\\n' ;;
  -M) echo 'AH00534: apache2: Configuration error: No MPM loaded.' >&2; exit 1 ;;
esac`;

test('php absent from the host is a note, not a failure', async (t) => {
  const empty = fakeBin(t, {});
  const { facts, notes } = await collectPhpFacts('php', { path: empty });
  assert.deepEqual(facts, { present: false, binary: 'php' });
  assert.deepEqual(notes, ['php not found on this host']);
});

test('a fake php first on PATH is asked for its version and modules', async (t) => {
  const dir = fakeBin(t, { php: FAKE_PHP });
  const { facts, notes } = await collectPhpFacts('php', { path: `${dir}:/usr/bin:/bin` });
  assert.deepEqual(facts, {
    present: true,
    binary: join(dir, 'php'),
    version: '8.2.18',
    modules: ['core', 'gd', 'mysqli', 'zend opcache'],
    ini: { memory_limit: '256M', 'date.timezone': 'UTC', disable_functions: 'exec' },
    ini_defaults: [],
    ini_forced: [],
  });
  assert.deepEqual(notes, []);
  assert.equal(JSON.stringify(facts).includes('Redis-Pa55'), false, 'a setting not asked for never leaves the host');
});

test('php settings that cannot be read leave version and modules, with ini_error and a note', async (t) => {
  const dir = fakeBin(t, { php: FAKE_PHP.replace(`*) printf '{"memory_limit"`, `*) echo 'PHP Warning: broken' >&2; exit 3; printf '{"memory_limit"`) });
  const { facts, notes } = await collectPhpFacts('php', { path: dir });
  assert.equal(facts.version, '8.2.18');
  assert.equal(facts.error, undefined);
  assert.deepEqual(facts.modules, ['core', 'gd', 'mysqli', 'zend opcache']);
  assert.match(facts.ini_error!, /php -r <settings script> \["memory_limit",.*\]: exited with 3: PHP Warning: broken$/);
  assert.deepEqual(notes, [`php: settings unknown: ${facts.ini_error}`]);
});

test('a php that fails is reported with its error and the command', async (t) => {
  const dir = fakeBin(t, { php: 'echo "PHP Fatal error: broken ini" >&2; exit 255' });
  const { facts, notes } = await collectPhpFacts('php', { path: dir });
  assert.equal(facts.present, true);
  assert.match(facts.error!, /php -r echo PHP_VERSION;: exited with 255: PHP Fatal error: broken ini|php -m: exited with 255/);
  assert.equal(notes.length, 1);
});

test('a php that hangs is cut off by the deadline', async (t) => {
  const dir = fakeBin(t, { php: 'exec /bin/sleep 30' });
  const started = Date.now();
  const { facts } = await collectPhpFacts('php', { path: dir, timeoutMs: 300 });
  assert.match(facts.error!, /timed out after 300 ms/);
  assert.ok(Date.now() - started < 5_000);
});

test('web servers: fake nginx reports modules, fake apache keeps its version when -M fails, absent ones are noted', async (t) => {
  const dir = fakeBin(t, { nginx: FAKE_NGINX, apache2ctl: FAKE_APACHE });
  const both = await collectWebServerFacts({ nginx: 'nginx', apache: 'apache2ctl' }, { path: dir });
  assert.deepEqual(both.facts[0], { kind: 'nginx', binary: join(dir, 'nginx'), version: '1.22.1', modules: ['http_ssl_module', 'http_v2_module'], vhosts: [], vhosts_read: true, vhosts_total: 0, vhosts_site: '' });
  assert.equal(both.facts[1]!.kind, 'apache');
  assert.equal(both.facts[1]!.version, '2.4.57');
  assert.match(both.facts[1]!.error!, /No MPM loaded/);
  assert.deepEqual(both.notes, [`apache: modules unknown: ${both.facts[1]!.error}`]);

  const none = await collectWebServerFacts({ nginx: '/nonexistent/nginx', apache: '/nonexistent/apache2ctl' }, { path: fakeBin(t, {}) });
  assert.deepEqual(none.facts, []);
  assert.deepEqual(none.notes, ['nginx: /nonexistent/nginx not found on this host', 'apache: /nonexistent/apache2ctl not found on this host']);
});

test('disk: a temp root has free space, a missing root is an error', async (t) => {
  const dir = fakeBin(t, {});
  const { facts, notes } = await collectDiskFacts({ uploads: { path: dir, allowExternalSymlinks: false }, gone: { path: join(dir, 'nope'), allowExternalSymlinks: false } });
  assert.equal(facts[0]!.root, 'uploads');
  assert.ok(BigInt(facts[0]!.free_bytes as string) > 0n);
  assert.ok(BigInt(facts[0]!.total_bytes as string) >= BigInt(facts[0]!.free_bytes as string));
  assert.deepEqual(facts[1], { root: 'gone', path: join(dir, 'nope'), error: `${join(dir, 'nope')} does not exist` });
  assert.deepEqual(notes, [`disk: gone: ${join(dir, 'nope')} does not exist`]);
});

test('tls: a server that never completes the handshake becomes an error field after the deadline', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.2', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const { facts, notes } = await collectTlsFacts([{ host: 'www.example.test', port, connectTo: '127.0.0.2' }], 300);
  assert.equal(facts[0]!.error, `no TLS handshake with 127.0.0.2:${port} within 300 ms`);
  assert.equal(notes[0], `tls: www.example.test:${port} via 127.0.0.2: no TLS handshake with 127.0.0.2:${port} within 300 ms`);
});

test('collectFacts never throws for a broken source: an unreachable database is an error field and a note', async (t) => {
  const dir = fakeBin(t, { php: FAKE_PHP });
  const { logger } = capturingLogger();
  const facts = await collectFacts(
    testAgentConfig({ name: 'lonely', database: { host: '127.0.0.2', port: 1, user: 'nobody' }, binaries: { php: 'php', nginx: '/nonexistent/nginx', apache: '/nonexistent/apache2ctl' } }),
    'salt-salt-salt-salt',
    logger,
    { tools: { path: dir } },
  );
  assert.equal(facts.agent_name, 'lonely');
  assert.equal(facts.php!.version, '8.2.18');
  assert.equal(facts.os!.distro !== '' || facts.notes!.some((n) => n.startsWith('os:')), true);
  assert.equal(facts.database!.configured, true);
  assert.equal(facts.database!.reachable, false);
  assert.match(facts.database!.error!, /ECONNREFUSED/);
  assert.ok(facts.notes!.some((n) => n.startsWith('database: 127.0.0.2:1: ')));
});

test('web servers: nginx -T on PATH gives every server block, secrets digested; nginx -T failing leaves the version and says why', async (t) => {
  const dumpDir = fakeBin(t, {});
  writeFileSync(join(dumpDir, 'dump.txt'), NGINX_T_STAGING);
  const nginx = `case "$1" in
  -V) echo 'nginx version: nginx/1.22.1' >&2 ;;
  -T) /bin/cat '${join(dumpDir, 'dump.txt')}'; echo 'nginx: configuration file /etc/nginx/nginx.conf test is successful' >&2 ;;
  *) exit 2 ;;
esac`;
  const got = await collectWebServerFacts({ nginx: 'nginx', apache: '/nonexistent/apache2ctl' }, { path: fakeBin(t, { nginx }) }, 'salt-1');
  const ws = got.facts[0]!;
  assert.equal(ws.vhosts_read, true);
  assert.deepEqual(ws.vhosts!.map((v) => v.server_names!.join(' ')), ['_', 'staging.example.com', 'staging.example.com']);
  assert.ok(ws.vhosts![2]!.directives!.some((d) => d.name === 'client_max_body_size' && d.value === '64m'));
  assert.ok(!JSON.stringify(got).includes('s3cr3t'), 'the fastcgi_param password left the agent');

  const failing = `case "$1" in
  -V) echo 'nginx version: nginx/1.22.1' >&2 ;;
  *) echo 'nginx: [emerg] cannot load certificate key "/etc/ssl/private/site.key": Permission denied' >&2; exit 1 ;;
esac`;
  const denied = await collectWebServerFacts({ nginx: 'nginx', apache: '/nonexistent/apache2ctl' }, { path: fakeBin(t, { nginx: failing }) }, 'salt-1');
  assert.equal(denied.facts[0]!.version, '1.22.1');
  assert.equal(denied.facts[0]!.vhosts_read, false);
  assert.match(denied.facts[0]!.vhosts_error!, /-T: exited with 1: nginx: \[emerg\] cannot load certificate key/);
  assert.ok(denied.notes.some((n) => /^nginx: server blocks unknown: .*cannot load certificate key/.test(n)));
});

test("web servers over GetFacts: a request naming the site gets that site's server blocks only; one without (an older controller) gets every block", async (t) => {
  const dumpDir = fakeBin(t, {});
  writeFileSync(join(dumpDir, 'dump.txt'), NGINX_T_STAGING.replace('AUTHFILE', '/nonexistent/htpasswd'));
  const nginx = `case "$1" in
  -V) echo 'nginx version: nginx/1.22.1' >&2 ;;
  -T) /bin/cat '${join(dumpDir, 'dump.txt')}' ;;
  *) exit 2 ;;
esac`;
  const path = fakeBin(t, { nginx });
  const agent = await startTestAgent(t, {
    name: 'staging-1',
    insecure: true,
    getFacts: async (salt, site) => ({ agent_name: 'staging-1', web_servers: (await collectWebServerFacts({ nginx: 'nginx', apache: '/nonexistent/apache2ctl' }, { path }, salt, site)).facts }),
  });
  const dir = testDirectory(t, { insecure: true, agents: [{ name: 'staging-1', address: agent.address }] });
  const blocks = async (site?: { host: string; address?: string; ports: string[] }) => {
    const ws = (await dir.facts('staging-1', 'salt-1', site)).web_servers[0]!;
    return { at: ws.vhosts.map((v) => `${v.file}:${v.line}`), total: ws.vhosts_total, site: ws.vhosts_site };
  };
  assert.deepEqual(await blocks({ host: 'staging.example.com', address: '127.0.0.2', ports: ['443', '80'] }), {
    at: ['/etc/nginx/sites-enabled/shop:1', '/etc/nginx/sites-enabled/shop:7'],
    total: 3,
    site: 'staging.example.com',
  });
  // Another host: the default servers nginx would answer it with on its ports, nothing else.
  assert.deepEqual((await blocks({ host: 'other.example.com', ports: ['80'] })).at, ['/etc/nginx/sites-enabled/default:1']);
  assert.deepEqual(await blocks(), { at: ['/etc/nginx/sites-enabled/default:1', '/etc/nginx/sites-enabled/shop:1', '/etc/nginx/sites-enabled/shop:7'], total: 3, site: '' });
});

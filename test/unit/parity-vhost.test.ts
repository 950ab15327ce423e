// The site's nginx server block in runtime parity: picked by each side's origin host, staging's
// host read as production's, secrets by digest, and a missing block one row that says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { replaceHost, serverNameMatches } from '../../controller/parity/vhost.js';
import { vhostFacts } from '../../agent/facts/nginx-vhosts.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { VirtualHostFacts__Output } from '../../shared/proto-gen/switchyard/v1/VirtualHostFacts.js';
import { mockFacts } from '../helpers/facts.js';
import { NGINX_T_STAGING, productionDump } from '../helpers/nginx-dump.js';

const HOSTS = { staging: 'staging.example.com', production: 'www.example.com' };
const SALT = 'comparison-salt';

async function withDump(agent: string, dump: string): Promise<Facts__Output> {
  const base = mockFacts(agent);
  const vhosts = (await vhostFacts(dump.replace('AUTHFILE', '/nonexistent-in-tests'), SALT)) as VirtualHostFacts__Output[];
  // The htpasswd is unreadable on both sides alike; the rows about it are not what these tests judge.
  for (const v of vhosts) v.directives = v.directives.filter((d) => d.name !== 'auth_basic_user_file');
  return { ...base, web_servers: [{ ...base.web_servers[0]!, vhosts, vhosts_read: true, vhosts_error: '' }] };
}

function vhostRows(s: Facts__Output, p: Facts__Output) {
  const table = compareRuntimeFacts(s, p, { stagingName: 'staging-1', productionName: 'prod-1', hosts: HOSTS });
  return { table, rows: table.rows.filter((r) => r.key.startsWith('web.vhost')) };
}

test('vhost parity: the same site under the other host name is equal row by row, the TLS block as web.vhost and the redirect as web.vhost[80]', async () => {
  const { rows } = vhostRows(await withDump('staging-1', NGINX_T_STAGING), await withDump('prod-1', productionDump()));
  const by = new Map(rows.map((r) => [r.key, r]));
  assert.ok(rows.length > 15, `${rows.length} rows`);
  assert.deepEqual(rows.filter((r) => r.status !== 'equal').map((r) => r.key), []);
  assert.equal(by.get('web.vhost.server_name')!.staging, 'staging.example.com');
  assert.equal(by.get('web.vhost.server_name')!.production, 'www.example.com');
  assert.equal(by.get('web.vhost.root')!.production, '/srv/www/shop/current');
  assert.equal(by.get('web.vhost.client_max_body_size')!.staging, '64m');
  assert.equal(by.get('web.vhost.location[~ \\.php$].fastcgi_read_timeout')!.staging, '300');
  assert.equal(by.get('web.vhost.location[/].try_files')!.staging, '$uri $uri/ /index.php?$args');
  assert.equal(by.get('web.vhost[80].return')!.production, '301 https://www.example.com$request_uri');
  // The default_server block of another name is no part of the site.
  assert.ok(!rows.some((r) => r.staging === '/var/www/html' || r.production === '/var/www/html'));
  // Secrets are shown as a short digest, never the value.
  const password = by.get('web.vhost.location[~ \\.php$].fastcgi_param.DB_PASSWORD')!;
  assert.match(password.staging!, /^\[[0-9a-f]{12}\]$/);
  assert.ok(!JSON.stringify(rows).includes('s3cr3t'));
});

test('vhost parity: a smaller upload limit, a lost location directive, a redirect to the staging host and another secret differ', async () => {
  const production = await withDump(
    'prod-1',
    productionDump([
      ['client_max_body_size 64m;', 'client_max_body_size 2m;'],
      ['fastcgi_read_timeout 300;', ''],
      ['return 301 https://www.example.com$request_uri;', 'return 301 https://staging.example.com$request_uri;'],
      ['"s3cr3t-Pa55 word"', '"other-Pa55"'],
    ]),
  );
  const { rows, table } = vhostRows(await withDump('staging-1', NGINX_T_STAGING), production);
  const bad = Object.fromEntries(rows.filter((r) => r.status !== 'equal').map((r) => [r.key, r.status]));
  assert.deepEqual(bad, {
    'web.vhost.client_max_body_size': 'differs',
    'web.vhost.location[~ \\.php$].fastcgi_read_timeout': 'missing',
    'web.vhost[80].return': 'differs',
    'web.vhost.location[~ \\.php$].fastcgi_param.DB_PASSWORD': 'differs',
  });
  assert.ok(table.summary.differs >= 3);
});

test('vhost parity: no server block for production\'s host is one unknown row naming why, not a crash nor a row per directive', async () => {
  const production = await withDump('prod-1', productionDump().replaceAll('www.example.com', 'shop.example.net'));
  const { rows, table } = vhostRows(await withDump('staging-1', NGINX_T_STAGING), production);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.key, 'web.vhost');
  assert.equal(rows[0]!.unreadable, true);
  assert.equal(rows[0]!.status, 'differs');
  assert.match(rows[0]!.staging!, /^staging\.example\.com: \/etc\/nginx\/sites-enabled\/shop:1, \/etc\/nginx\/sites-enabled\/shop:7$/);
  assert.match(rows[0]!.production!, /^unknown: no server block has server_name www\.example\.com \(3 server block\(s\) in nginx -T\)$/);
  assert.deepEqual(table.unreadable!.filter((u) => u.what.startsWith('nginx')).map((u) => [u.side, u.what]), [['production', 'nginx server block for www.example.com']]);

  // nginx -T failing on staging (a key only root may read) is said the same way.
  const base = mockFacts('staging-1');
  const failed = { ...base, web_servers: [{ ...base.web_servers[0]!, vhosts: [], vhosts_read: false, vhosts_error: '/usr/sbin/nginx -T: exited with 1: nginx: [emerg] cannot load certificate key' }] };
  const again = vhostRows(failed, await withDump('prod-1', productionDump()));
  assert.equal(again.rows.length, 1);
  assert.match(again.rows[0]!.staging!, /cannot load certificate key/);
  // Without the hosts nothing of the server blocks is compared.
  const noHosts = compareRuntimeFacts(failed, production, { stagingName: 's', productionName: 'p' });
  assert.ok(!noHosts.rows.some((r) => r.key.startsWith('web.vhost')));
});

test('server_name matching and host replacement follow nginx names, not substrings', () => {
  assert.ok(serverNameMatches('*.example.com', 'www.example.com'));
  assert.ok(serverNameMatches('.example.com', 'example.com'));
  assert.ok(serverNameMatches('~^(www|shop)\\.example\\.com$', 'www.example.com'));
  assert.ok(!serverNameMatches('example.com', 'www.example.com'));
  assert.equal(replaceHost('https://example.com/ www.example.com ~^example\\.com$', 'example.com', 'new.example.org'), 'https://new.example.org/ www.example.com ~^new\\.example\\.org$');
});

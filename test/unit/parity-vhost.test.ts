// The site's nginx server block in runtime parity: picked by each side's origin host, staging's
// host read as production's, secrets by digest, and a missing block one row that says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { replaceHost, serverNameMatch, serverNameMatches } from '../../controller/parity/vhost.js';
import { siteVhostFacts, vhostFacts } from '../../agent/facts/nginx-vhosts.js';
import { matchSite } from '../../shared/nginx-site.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { VirtualHostFacts__Output } from '../../shared/proto-gen/switchyard/v1/VirtualHostFacts.js';
import { mockFacts } from '../helpers/facts.js';
import { NGINX_T_STAGING, productionDump } from '../helpers/nginx-dump.js';
import { RuntimeParityService } from '../../controller/parity/service.js';
import { bearer, buildTestApp, VIEWER_TOKEN } from '../helpers/api-app.js';
import { fakeAgents } from '../helpers/api-fakes.js';
import type { ParityTable } from '../../shared/parity.js';

const HOSTS = { staging: 'staging.example.com', production: 'www.example.com' };
const SALT = 'comparison-salt';

async function withDump(agent: string, dump: string): Promise<Facts__Output> {
  const base = mockFacts(agent);
  const vhosts = (await vhostFacts(dump.replace('AUTHFILE', '/nonexistent-in-tests'), SALT)) as VirtualHostFacts__Output[];
  // The htpasswd is unreadable on both sides alike; the rows about it are not what these tests judge.
  for (const v of vhosts) v.directives = v.directives.filter((d) => d.name !== 'auth_basic_user_file');
  return { ...base, web_servers: [{ ...base.web_servers[0]!, vhosts, vhosts_read: true, vhosts_error: '' }] };
}

function vhostRows(s: Facts__Output, p: Facts__Output, hosts: typeof HOSTS = HOSTS) {
  const table = compareRuntimeFacts(s, p, { stagingName: 'staging-1', productionName: 'prod-1', hosts });
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

test('vhost parity: no server block for production\'s host, nor one listening on its ports, is one unknown row naming why, not a crash nor a row per directive', async () => {
  const production = await withDump('prod-1', productionDump().replaceAll('www.example.com', 'shop.example.net').replaceAll('listen 80', 'listen 8080').replaceAll(':443', ':8443').replace('listen 443', 'listen 8443'));
  const { rows, table } = vhostRows(await withDump('staging-1', NGINX_T_STAGING), production);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.key, 'web.vhost');
  assert.equal(rows[0]!.unreadable, true);
  assert.equal(rows[0]!.status, 'differs');
  assert.match(rows[0]!.staging!, /^staging\.example\.com: \/etc\/nginx\/sites-enabled\/shop:1, \/etc\/nginx\/sites-enabled\/shop:7$/);
  assert.match(rows[0]!.production!, /^unknown: no server block has server_name www\.example\.com, nor listens on port 443 or 80 to answer it by default \(3 server block\(s\) in nginx -T\)$/);
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

test('vhost parity: with no server_name for the host on a port, the default server of that listen is compared, the row saying which block and why', async () => {
  const staging = await withDump('staging-1', NGINX_T_STAGING);
  // A one-site production host: its TLS block answers any name as the default server of :443.
  const single = await withDump('prod-1', productionDump([
    ['listen 443 ssl http2;', 'listen 443 ssl http2 default_server;'],
    ['server_name www.example.com; # the shop', 'server_name _;'],
  ]));
  const { rows } = vhostRows(staging, single);
  const by = new Map(rows.map((r) => [r.key, r]));
  assert.equal(by.get('web.vhost.root')!.status, 'equal');
  assert.equal(by.get('web.vhost.location[~ \\.php$].fastcgi_read_timeout')!.status, 'equal');
  assert.equal(by.get('web.vhost[80].return')!.status, 'equal');
  const name = by.get('web.vhost.server_name')!;
  assert.equal(name.production, '_ (no server_name on *:443 matches www.example.com: nginx answers with its default_server, /etc/nginx/sites-enabled/shop:7)');
  assert.equal(name.status, 'differs', 'a block serving the site by default is not named for it');

  // No name anywhere: the first block on :443 (none marked) and the default_server of :80.
  const renamed = await withDump('prod-1', productionDump().replaceAll('www.example.com', 'shop.example.net'));
  const other = new Map(vhostRows(staging, renamed).rows.map((r) => [r.key, r]));
  assert.equal(other.get('web.vhost.server_name')!.production, 'shop.example.net (no server_name on *:443 matches www.example.com: nginx answers with the first block listening there (none is default_server), /etc/nginx/sites-enabled/shop:7)');
  assert.equal(other.get('web.vhost[80].server_name')!.production, '_ (no server_name on *:80 matches www.example.com: nginx answers with its default_server, /etc/nginx/sites-enabled/default:1)');
  assert.equal(other.get('web.vhost[80].root')!.production, '/var/www/html');
  assert.equal(other.get('web.vhost.root')!.status, 'equal');
  // Only the origin's own ports count: an https origin on 443 alone leaves :80 out.
  const only443 = vhostRows(staging, renamed, { ...HOSTS, ports: { production: ['443'] } } as typeof HOSTS);
  assert.ok(!only443.rows.some((r) => r.key.startsWith('web.vhost[80]') && r.production !== null));
});

test('vhost parity: a listen on each side\'s own origin address compares equal; the port, options or another address still differ', async () => {
  const hosts = { ...HOSTS, addresses: { staging: '127.0.0.2', production: '127.0.0.3' } } as typeof HOSTS;
  const onIp = (addr: string): Array<[string, string]> => [['listen 443 ssl http2;', `listen ${addr};`]];
  const staging = await withDump('staging-1', NGINX_T_STAGING.replace('listen 443 ssl http2;', 'listen 127.0.0.2:443 ssl http2;'));
  const own = vhostRows(staging, await withDump('prod-1', productionDump(onIp('127.0.0.3:443 ssl http2'))), hosts);
  const listen = own.rows.find((r) => r.key === 'web.vhost.listen')!;
  assert.deepEqual([listen.staging, listen.production, listen.status], ['127.0.0.2:443 ssl http2; [::]:443 ssl http2', '127.0.0.3:443 ssl http2; [::]:443 ssl http2', 'equal']);
  assert.deepEqual(own.rows.filter((r) => r.status !== 'equal').map((r) => r.key), []);
  for (const other of ['127.0.0.3:443 ssl', '443 ssl http2']) {
    const rows = vhostRows(staging, await withDump('prod-1', productionDump(onIp(other))), hosts).rows;
    assert.equal(rows.find((r) => r.key === 'web.vhost.listen')?.status, 'differs', other);
  }
  // On another address or port, nothing answers production's address on :443 over IPv4 (the
  // block's [::]:443 takes IPv6 only): the port's row says so.
  for (const other of ['127.0.0.4:443 ssl http2', '127.0.0.3:8443 ssl http2']) {
    const rows = vhostRows(staging, await withDump('prod-1', productionDump(onIp(other))), hosts).rows;
    const name = rows.find((r) => r.key === 'web.vhost.server_name')!;
    assert.deepEqual([name.production, name.status], ['none: no server block answers www.example.com on port 443 at 127.0.0.3', 'differs'], other);
    assert.equal(rows.find((r) => r.key === 'web.vhost.listen')?.status, 'missing', other);
  }
  // An IPv6 origin address matches however it is spelt.
  const v6 = { ...HOSTS, addresses: { staging: '2001:db8::2', production: '2001:db8:0:0::3' } } as typeof HOSTS;
  const s6 = await withDump('staging-1', NGINX_T_STAGING.replace('listen [::]:443 ssl http2;', 'listen [2001:db8:0::2]:443 ssl http2;'));
  const p6 = await withDump('prod-1', productionDump([['listen [::]:443 ssl http2;', 'listen [2001:db8::3]:443 ssl http2;']]));
  assert.equal(vhostRows(s6, p6, v6).rows.find((r) => r.key === 'web.vhost.listen')?.status, 'equal');
});

test("vhost parity over GET /v1/parity/runtime: stagingIp and productionIp make a listen on each side's own address equal, as preflight judges it", async (t) => {
  const staging = await withDump('staging-1', NGINX_T_STAGING.replace('listen 443 ssl http2;', 'listen 127.0.0.2:443 ssl http2;'));
  const production = await withDump('prod-1', productionDump([['listen 443 ssl http2;', 'listen 127.0.0.3:443 ssl http2;']]));
  const agents = fakeAgents([
    { name: 'staging-1', address: '127.0.0.2:7701', facts: staging },
    { name: 'prod-1', address: '127.0.0.3:7701', facts: production },
  ]);
  const app = await buildTestApp(t, { agents, parity: new RuntimeParityService(agents) });
  const listenRow = async (query: string) => {
    const res = await app.inject({ url: `/v1/parity/runtime?staging=staging-1&production=prod-1&stagingHost=staging.example.com&productionHost=www.example.com${query}`, headers: bearer(VIEWER_TOKEN) });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as ParityTable).rows.find((r) => r.key === 'web.vhost.listen');
  };
  const own = await listenRow('&stagingIp=127.0.0.2&productionIp=127.0.0.3');
  // Each agent was asked for its own host's server blocks, at its own address.
  assert.deepEqual(agents.factsCalls.map((c) => [c.name, c.site]), [
    ['staging-1', { host: 'staging.example.com', address: '127.0.0.2', ports: ['443', '80'] }],
    ['prod-1', { host: 'www.example.com', address: '127.0.0.3', ports: ['443', '80'] }],
  ]);
  assert.deepEqual([own?.staging, own?.production, own?.status], ['127.0.0.2:443 ssl http2; [::]:443 ssl http2', '127.0.0.3:443 ssl http2; [::]:443 ssl http2', 'equal']);
  // Without the addresses the two listens are two addresses.
  assert.equal((await listenRow(''))?.status, 'differs');
  // With another one, no block listens at production's address: nothing answers it there.
  assert.equal((await listenRow('&stagingIp=127.0.0.2&productionIp=127.0.0.4'))?.status, 'missing');
});

test('vhost parity: a server_name regex in PCRE spelling JS reads alike is matched; one JS would read otherwise is unknown, not missing nor a default server', async () => {
  const staging = await withDump('staging-1', NGINX_T_STAGING);
  const named = await withDump('prod-1', productionDump([
    ['server_name www.example.com;', String.raw`server_name ~^(?P<sub>www|shop)\.example\.com$;`],
    ['server_name www.example.com; # the shop', String.raw`server_name ~^(?P<sub>www|shop)\.example\.com$;`],
  ]));
  const by = new Map(vhostRows(staging, named).rows.map((r) => [r.key, r]));
  assert.equal(by.get('web.vhost.root')!.status, 'equal');
  assert.equal(by.get('web.vhost[80].return')!.status, 'equal');
  assert.equal(by.get('web.vhost.server_name')!.production, String.raw`~^(?P<sub>www|shop)\.example\.com$`);

  const atomic = await withDump('prod-1', productionDump([['server_name www.example.com; # the shop', String.raw`server_name ~^(?>www|shop)\.example\.com$;`]]));
  const { rows } = vhostRows(staging, atomic);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.unreadable, true);
  assert.equal(rows[0]!.production, String.raw`unknown: cannot tell whether server_name ~^(?>www|shop)\.example\.com$ matches www.example.com: the group '(?>w…' is PCRE syntax JS does not read the same way (/etc/nginx/sites-enabled/shop:7)`);
});

test('server_name matching and host replacement follow nginx names, not substrings', () => {
  assert.ok(serverNameMatches('*.example.com', 'www.example.com'));
  assert.ok(serverNameMatches('.example.com', 'example.com'));
  assert.ok(serverNameMatches('~^(www|shop)\\.example\\.com$', 'www.example.com'));
  assert.ok(!serverNameMatches('example.com', 'www.example.com'));
  assert.equal(replaceHost('https://example.com/ www.example.com ~^example\\.com$', 'example.com', 'new.example.org'), 'https://new.example.org/ www.example.com ~^new\\.example\\.org$');
  // nginx compiles a regex caseless only when it holds a capital, and never lowercases it: \S is not \s.
  assert.equal(serverNameMatch(String.raw`~^\S+\.example\.com$`, 'www.example.com'), true);
  assert.equal(serverNameMatch(String.raw`~^(?<sub>www)\.EXAMPLE\.com$`, 'www.example.com'), true);
  assert.equal(serverNameMatch(String.raw`~^(www\.)?example\.com$`, 'shop.example.com'), false);
  // PCRE constructs JS reads otherwise, or not at all, are unknown, with the construct named.
  for (const [re, what] of [
    [String.raw`~^www\.example\.com\z`, String.raw`\z`],
    [String.raw`~^[[:alnum:]]+\.example\.com$`, "the POSIX class '[:'"],
    [String.raw`~^w++\.example\.com$`, 'the possessive quantifier'],
    [String.raw`~^(?i)WWW\.example\.com$`, "the group '(?i)…'"],
    [String.raw`~^[]w]+\.example\.com$`, "']' first in a class"],
    [String.raw`~^(www)\.\1$`, String.raw`\1`],
    [String.raw`~^w{,3}\.example\.com$`, "'{'"],
  ] as const) {
    const m = serverNameMatch(re, 'www.example.com');
    assert.ok(typeof m === 'object' && m.unknown.startsWith(what), `${re}: ${JSON.stringify(m)}`);
  }
});

test('vhost parity by port: a same-named block on another port (an :8080 admin, a unix socket) is no part of the site', async () => {
  const extra = (host: string, root: string) => `
server {
	listen 8080;
	server_name ${host};
	root ${root};
}

server {
	listen unix:/run/nginx-internal.sock;
	server_name ${host};
	root ${root}-internal;
}
`;
  const staging = await withDump('staging-1', NGINX_T_STAGING.replace('# configuration file /etc/nginx/snippets/', `${extra('staging.example.com', '/srv/admin')}\n# configuration file /etc/nginx/snippets/`));
  const production = await withDump('prod-1', productionDump([['# configuration file /etc/nginx/snippets/', `${extra('www.example.com', '/srv/admin-v2')}\n# configuration file /etc/nginx/snippets/`]]));
  const { rows } = vhostRows(staging, production);
  assert.deepEqual(rows.filter((r) => /\[(8080|unix)\]/.test(r.key)).map((r) => r.key), []);
  assert.deepEqual(rows.filter((r) => r.status !== 'equal').map((r) => r.key), []);
  assert.equal(rows.find((r) => r.key === 'web.vhost.root')!.staging, '/srv/www/shop/current');
});

test('vhost parity by port: a block listening on the side\'s own address hides the wildcard\'s blocks there, as nginx does; the port is named', async () => {
  const hosts = { ...HOSTS, addresses: { staging: '127.0.0.2', production: '127.0.0.3' } } as typeof HOSTS;
  const staging = await withDump('staging-1', NGINX_T_STAGING);
  // www.example.com's block listens on *:443, but connections to 127.0.0.3:443 only ever see the
  // blocks listening on 127.0.0.3:443: the catch-all there answers the site, not the shop.
  const catchAll = `server {\n\tlisten 127.0.0.3:443 ssl default_server;\n\tserver_name _;\n\troot /var/www/parked;\n}\n\n`;
  const production = await withDump('prod-1', productionDump([['# configuration file /etc/nginx/sites-enabled/shop:\n', `# configuration file /etc/nginx/sites-enabled/shop:\n${catchAll}`]]));
  const by = new Map(vhostRows(staging, production, hosts).rows.map((r) => [r.key, r]));
  assert.equal(by.get('web.vhost.root')!.production, '/var/www/parked');
  assert.equal(by.get('web.vhost.root')!.status, 'differs');
  assert.match(by.get('web.vhost.server_name')!.production!, /^_ \(no server_name on 127\.0\.0\.3:443 matches www\.example\.com: nginx answers with its default_server, \/etc\/nginx\/sites-enabled\/shop:1\)$/);
  // Port 80 is still the redirect, named for the host, compared under its port.
  assert.equal(by.get('web.vhost[80].return')!.status, 'equal');

  // Nothing answering on :80 on production is said in the port's own server_name row.
  const no80 = await withDump('prod-1', productionDump([['listen 80;', 'listen 8081;'], ['listen 80 default_server;', 'listen 8082 default_server;']]));
  const row = vhostRows(staging, no80, hosts).rows.find((r) => r.key === 'web.vhost[80].server_name')!;
  assert.deepEqual([row.production, row.status], ['none: no server block answers www.example.com on port 80 at 127.0.0.3', 'differs']);
});

test('vhost parity: listen forms — [::]:443 ipv6only=off answers IPv4, *:443 is 443, a host name is compared as written with a note', async () => {
  const hosts = { ...HOSTS, addresses: { staging: '127.0.0.2', production: '127.0.0.3' } } as typeof HOSTS;
  const staging = await withDump('staging-1', NGINX_T_STAGING);
  // One dual-stack socket: nginx answers IPv4 connections there too.
  const dual = await withDump('prod-1', productionDump([
    ['listen 443 ssl http2;\n', ''],
    ['listen [::]:443 ssl http2;', 'listen [::]:443 ssl http2 ipv6only=off default_server;'],
    ['server_name www.example.com; # the shop', 'server_name _;'],
  ]));
  const by = new Map(vhostRows(staging, dual, hosts).rows.map((r) => [r.key, r]));
  assert.equal(by.get('web.vhost.root')!.status, 'equal');
  assert.match(by.get('web.vhost.server_name')!.production!, /no server_name on \[::\]:443 matches www\.example\.com: nginx answers with its default_server/);

  // The same sockets spelt otherwise are equal; other options still differ.
  const spelt = await withDump('prod-1', productionDump([['listen 443 ssl http2;', 'listen *:443 http2 ssl;'], ['listen [::]:443 ssl http2;', 'listen [::]:443 ssl http2 ipv6only=on;']]));
  const listen = vhostRows(staging, spelt, hosts).rows.find((r) => r.key === 'web.vhost.listen')!;
  assert.deepEqual([listen.production, listen.status], ['*:443 http2 ssl; [::]:443 ssl http2 ipv6only=on', 'equal']);

  // A host name is not looked up: compared as written (staging's host read as production's), said so.
  const named = (host: string): Array<[string, string]> => [['listen 443 ssl http2;', `listen ${host}:443 ssl http2;`]];
  const sNamed = await withDump('staging-1', NGINX_T_STAGING.replace('listen 443 ssl http2;', 'listen staging.example.com:443 ssl http2;'));
  const row = vhostRows(sNamed, await withDump('prod-1', productionDump(named('www.example.com'))), hosts).rows.find((r) => r.key === 'web.vhost.listen')!;
  assert.equal(row.status, 'equal');
  assert.match(row.production!, /^www\.example\.com:443 ssl http2; \[::\]:443 ssl http2 \(www\.example\.com: a host name, compared as written and taken as the side's address, not looked up\)$/);
  const other = vhostRows(sNamed, await withDump('prod-1', productionDump(named('origin.example.com'))), hosts).rows.find((r) => r.key === 'web.vhost.listen')!;
  assert.equal(other.status, 'differs');
});

test("vhost parity: the blocks an agent sends for the site alone give the same rows as every block; another site's secrets are not sent", async () => {
  const narrowed = async (agent: string, dump: string, host: string, address: string | undefined, ports: string[]): Promise<Facts__Output> => {
    const base = mockFacts(agent);
    const { vhosts, total } = await siteVhostFacts(dump.replace('AUTHFILE', '/nonexistent-in-tests'), SALT, { host, ...(address === undefined ? {} : { address }), ports });
    for (const v of vhosts) v.directives = v.directives!.filter((d) => d.name !== 'auth_basic_user_file');
    return { ...base, web_servers: [{ ...base.web_servers[0]!, vhosts: vhosts as VirtualHostFacts__Output[], vhosts_read: true, vhosts_error: '', vhosts_total: total, vhosts_site: host }] };
  };
  const catchAll = `server {\n\tlisten 127.0.0.3:443 ssl default_server;\n\tserver_name _;\n\troot /var/www/parked;\n}\n\n`;
  const admin = `server {\n\tlisten 8080;\n\tserver_name www.example.com;\n\tfastcgi_param ADMIN_TOKEN "t0ken-admin";\n}\n\n`;
  const productions: Record<string, string> = {
    same: productionDump(),
    renamed: productionDump().replaceAll('www.example.com', 'shop.example.net'),
    elsewhere: productionDump().replaceAll('www.example.com', 'shop.example.net').replaceAll('listen 80', 'listen 8080').replaceAll('443', '8443'),
    catchAll: productionDump([['# configuration file /etc/nginx/sites-enabled/shop:\n', `# configuration file /etc/nginx/sites-enabled/shop:\n${catchAll}`]]),
    admin: productionDump([['# configuration file /etc/nginx/sites-enabled/shop:\n', `# configuration file /etc/nginx/sites-enabled/shop:\n${admin}`]]),
    atomic: productionDump([['server_name www.example.com; # the shop', String.raw`server_name ~^(?>www|shop)\.example\.com$;`]]),
    regexFirst: productionDump([['server_name www.example.com;', String.raw`server_name ~^(?P<sub>www|shop)\.example\.com$;`]]),
  };
  for (const [addresses, label] of [[undefined, 'no addresses'], [{ staging: '127.0.0.2', production: '127.0.0.3' }, 'addresses']] as const) {
    const hosts = { ...HOSTS, ...(addresses === undefined ? {} : { addresses }) } as typeof HOSTS;
    const staging = await withDump('staging-1', NGINX_T_STAGING);
    const sNarrow = await narrowed('staging-1', NGINX_T_STAGING, HOSTS.staging, addresses?.staging, ['443', '80']);
    for (const [name, dump] of Object.entries(productions)) {
      const all = vhostRows(staging, await withDump('prod-1', dump), hosts);
      const some = vhostRows(sNarrow, await narrowed('prod-1', dump, HOSTS.production, addresses?.production, ['443', '80']), hosts);
      assert.deepEqual(some.rows, all.rows, `${name}, ${label}`);
      assert.deepEqual(some.table.unreadable, all.table.unreadable, `${name}, ${label}`);
    }
  }
  const admin8080 = await narrowed('prod-1', productions.admin!, HOSTS.production, '127.0.0.3', ['443', '80']);
  const sent = admin8080.web_servers[0]!;
  assert.deepEqual([sent.vhosts.length, sent.vhosts_total], [2, 4]);
  assert.ok(!JSON.stringify(sent).includes('ADMIN_TOKEN'), "the :8080 block's parameters stayed on the agent");
});

test("server_name example.com and .example.com in two blocks on one port are one exact name: nginx keeps the first block's (conflicting server name), whichever form is longer", () => {
  const block = (names: string[], line: number) => ({ server_names: names, listen: ['443 ssl'], file: '/etc/nginx/sites-enabled/site', line });
  const exactFirst = [block(['example.com'], 1), block(['.example.com'], 10)];
  const dotFirst = [block(['.example.com'], 1), block(['example.com'], 10)];
  for (const blocks of [exactFirst, dotFirst]) {
    const m = matchSite(blocks, { host: 'example.com', ports: ['443'] });
    assert.ok(!('why' in m), JSON.stringify(m));
    assert.deepEqual(m.ports, [{ port: '443', index: 0 }], `first of ${blocks.map((b) => b.server_names[0]).join(', ')}`);
  }
  // A longer leading wildcard still wins over a shorter one, as nginx's wildcard search does.
  const wild = matchSite([block(['*.example.com'], 1), block(['*.www.example.com'], 10)], { host: 'a.www.example.com', ports: ['443'] });
  assert.ok(!('why' in wild));
  assert.equal(wild.ports[0]!.index, 1);
});

// The server blocks of a captured `nginx -T`: includes followed, every directive placed, and the
// values that may hold a secret digested on the agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverBlocks, tokenize } from '../../agent/facts/nginx-conf.js';
import { vhostFacts } from '../../agent/facts/nginx-vhosts.js';
import { envDigest } from '../../agent/facts/env.js';
import { NGINX_T_STAGING } from '../helpers/nginx-dump.js';

test('nginx -T: server blocks are found through include globs, in the order nginx reads them, upstream servers are not blocks', () => {
  const blocks = serverBlocks(NGINX_T_STAGING);
  assert.deepEqual(blocks.map((b) => `${b.file}:${b.line}`), ['/etc/nginx/sites-enabled/default:1', '/etc/nginx/sites-enabled/shop:1', '/etc/nginx/sites-enabled/shop:7']);
  const php = blocks[2]!.directives.find((d) => d.name === 'location' && d.args[0] === '~')!;
  assert.deepEqual(php.args, ['~', '\\.php$']);
  // The snippet's lines stand where its include stood.
  assert.deepEqual(php.children!.map((d) => d.name), ['fastcgi_split_path_info', 'fastcgi_index', 'fastcgi_param', 'fastcgi_pass', 'fastcgi_read_timeout', 'fastcgi_param', 'fastcgi_param']);
});

test('nginx tokenizer: quotes, comments, ${var} and a block brace glued to a word', () => {
  assert.deepEqual(
    tokenize('set $a "x;y # z"; # gone\nreturn 200 ${a}b;location /x{ }').map((t) => t.text),
    ['set', '$a', 'x;y # z', ';', 'return', '200', '${a}b', ';', 'location', '/x', '{', '}'],
  );
});

test('nginx vhost facts: directives by context and parameter, secrets only as salted digests', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-htpasswd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'htpasswd'), 'staff:$apr1$abc$hash\n');
  const dump = NGINX_T_STAGING.replace('AUTHFILE', join(dir, 'htpasswd'));
  const hosts = await vhostFacts(dump, 'salt-1');
  assert.equal(hosts.length, 3);
  const shop = hosts[2]!;
  assert.deepEqual(shop.server_names, ['staging.example.com']);
  assert.deepEqual(shop.listen, ['443 ssl http2', '[::]:443 ssl http2']);
  const find = (context: string, name: string, param = '') => shop.directives!.find((d) => d.context === context && d.name === name && d.param === param);
  assert.equal(find('', 'client_max_body_size')!.value, '64m');
  assert.equal(find('', 'add_header', 'X-Frame-Options')!.value, 'SAMEORIGIN');
  assert.equal(find('location[/]', 'try_files')!.value, '$uri $uri/ /index.php?$args');
  assert.equal(find('location[~ \\.php$]', 'fastcgi_param', 'SCRIPT_FILENAME')!.value, '$document_root$fastcgi_script_name');
  assert.equal(find('', 'ssl_certificate_key')!.secret, false, 'a path to a key is no secret');
  const password = find('location[~ \\.php$]', 'fastcgi_param', 'DB_PASSWORD')!;
  assert.deepEqual([password.secret, password.value], [true, envDigest('salt-1', 's3cr3t-Pa55 word')]);
  const auth = find('location[/admin]', 'proxy_set_header', 'Authorization')!;
  assert.deepEqual([auth.secret, auth.value], [true, envDigest('salt-1', 'Basic dXNlcjpwYXNz')]);
  const users = find('location[/admin]', 'auth_basic_user_file')!;
  assert.deepEqual([users.secret, users.value], [true, envDigest('salt-1', 'staff:$apr1$abc$hash\n')]);
  const wire = JSON.stringify(hosts);
  for (const secret of ['s3cr3t', 'dXNlcjpwYXNz', 'apr1']) assert.ok(!wire.includes(secret), `${secret} left the agent`);
});

test('nginx vhost facts: an unreadable auth_basic_user_file is said, and no salt means no digest at all', async () => {
  const hosts = await vhostFacts(NGINX_T_STAGING.replace('AUTHFILE', '/nonexistent/htpasswd'), '');
  const shop = hosts[2]!;
  const users = shop.directives!.find((d) => d.name === 'auth_basic_user_file')!;
  assert.match(users.error!, /\/nonexistent\/htpasswd: cannot read: ENOENT/);
  const password = shop.directives!.find((d) => d.param === 'DB_PASSWORD')!;
  assert.deepEqual([password.secret, password.value], [true, '']);
  assert.match(password.error!, /no env_salt/);
});

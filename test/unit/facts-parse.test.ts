import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prettyName } from '../../agent/facts/os.js';
import { parsePhpModules } from '../../agent/facts/php.js';
import { parseApacheModules, parseApacheVersion, parseNginxV } from '../../agent/facts/webserver.js';

test('os-release PRETTY_NAME, quoted or not', () => {
  assert.equal(prettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(prettyName("PRETTY_NAME='Alpine Linux v3.19'"), 'Alpine Linux v3.19');
  assert.equal(prettyName('PRETTY_NAME=Arch\n'), 'Arch');
  assert.equal(prettyName('PRETTY_NAME="say \\"hi\\""'), 'say "hi"');
  assert.equal(prettyName('NAME=x\n'), undefined);
});

test('php -m: both sections, headers dropped, lower-cased and de-duplicated', () => {
  const out = '[PHP Modules]\nCore\ndate\ngd\nZend OPcache\n\n[Zend Modules]\nZend OPcache\n\n';
  assert.deepEqual(parsePhpModules(out), ['core', 'date', 'gd', 'zend opcache']);
});

test('nginx -V: version and feature flags, not build flags; added modules by directory name', () => {
  const out = [
    'nginx version: nginx/1.22.1',
    'built with OpenSSL 3.0.11 19 Sep 2023',
    'TLS SNI support enabled',
    "configure arguments: --with-cc-opt='-g -O2 -ffile-prefix-map=/build=.' --with-ld-opt='-Wl,-z,relro' --prefix=/usr/share/nginx --with-http_ssl_module --with-http_v2_module --with-pcre-jit --with-threads --add-dynamic-module=/build/nginx/debian/modules/http-geoip2 --add-module=/src/ngx_brotli/",
  ].join('\n');
  assert.deepEqual(parseNginxV(out), {
    version: '1.22.1',
    modules: ['http-geoip2', 'http_ssl_module', 'http_v2_module', 'ngx_brotli', 'pcre-jit', 'threads'],
  });
  assert.equal(parseNginxV('nginx version: openresty/1.21.4.1\n').version, '1.21.4.1');
});

test('apache2ctl -v and -M', () => {
  assert.equal(parseApacheVersion('Server version: Apache/2.4.57 (Debian)\nServer built:   2023-04-13T03:26:51\n'), '2.4.57');
  assert.deepEqual(
    parseApacheModules('Loaded Modules:\n core_module (static)\n so_module (static)\n rewrite_module (shared)\n php_module (shared)\n'),
    ['core_module', 'php_module', 'rewrite_module', 'so_module'],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentConfig } from '../../agent/config.js';
import { loadControllerConfig } from '../../controller/config.js';
import { resolveSecret } from '../../shared/config/secret.js';
import { SwitchyardError } from '../../shared/errors.js';

function tmpFile(t: { after: (fn: () => void) => void }, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function expectKey(fn: () => unknown, key: string, why: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_CONFIG_INVALID');
    assert.equal(err.field, key);
    assert.match(err.message, new RegExp(`key ${key.replace(/[.[\]]/g, '\\$&')}:`));
    assert.match(err.message, why);
    return true;
  });
}

test('a valid agent config loads with defaults filled in', (t) => {
  const p = tmpFile(t, 'agent.yaml', 'name: staging-1\nlisten: { host: 127.0.0.2, port: 7701 }\ninsecure: true\nassets:\n  uploads: { path: /srv/uploads }\n');
  const cfg = loadAgentConfig(p);
  assert.equal(cfg.name, 'staging-1');
  assert.equal(cfg.assets.uploads?.allowExternalSymlinks, false);
  assert.equal(cfg.logLevel, 'info');
});

test("an asset root's watch limit is a whole number of entries, named when it is not", (t) => {
  const ok = tmpFile(t, 'agent.yaml', 'name: staging-1\nassets:\n  uploads: { path: /srv/uploads, watchMaxEntries: 250000 }\n');
  assert.equal(loadAgentConfig(ok).assets.uploads?.watchMaxEntries, 250000);
  const bad = tmpFile(t, 'agent.yaml', 'name: staging-1\nassets:\n  uploads: { path: /srv/uploads, watchMaxEntries: -1 }\n');
  expectKey(() => loadAgentConfig(bad), 'assets.uploads.watchMaxEntries', /0|minimum|>=/);
});

test('an env file is a path or { path, name }; a mistake in the object form names its own key', (t) => {
  const ok = tmpFile(t, 'agent.yaml', 'name: staging-1\nenvFiles: [ /srv/www/.env, { path: /srv/www/api/.env, name: api } ]\n');
  assert.deepEqual(loadAgentConfig(ok).envFiles, ['/srv/www/.env', { path: '/srv/www/api/.env', name: 'api' }]);
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\nenvFiles: [ { path: /srv/www/.env } ]\n')), 'envFiles[0].name', /required/);
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\nenvFiles: [ { path: /srv/www/.env, name: "a:b" } ]\n')), 'envFiles[0].name', /expected string to match/);
});

test('env files whose rows would share a label are refused at load, naming the key: one name twice, a name an unnamed file is labelled by, one path twice', (t) => {
  const load = (files: string) => () => loadAgentConfig(tmpFile(t, 'agent.yaml', `name: s\nenvFiles: ${files}\n`));
  expectKey(load('[ { path: /srv/a/.env, name: app }, { path: /srv/b/.env, name: app } ]'), 'envFiles[1].name', /"app" is envFiles\[0\]\.name already/);
  // Unnamed /srv/www/app.env is labelled `app.env` (or `www/app.env` beside another app.env): a file named either merges with it.
  expectKey(load('[ /srv/www/app.env, { path: /srv/api/.env, name: app.env } ]'), 'envFiles[1].name', /unnamed envFiles\[0\] \(\/srv\/www\/app\.env\)/);
  expectKey(load('[ { path: /srv/api/.env, name: www/.env }, /srv/www/.env ]'), 'envFiles[0].name', /unnamed envFiles\[1\]/);
  expectKey(load('[ /srv/www/.env, { path: /srv/www/.env, name: web } ]'), 'envFiles[1].path', /listed already as envFiles\[0\]/);
  expectKey(load('[ /srv/www/.env, /srv/www/.env ]'), 'envFiles[1]', /listed already/);
  // Names that no unnamed file can be labelled by load as before.
  assert.equal(loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\nenvFiles: [ /srv/www/.env, { path: /srv/api/.env, name: api } ]\n')).envFiles.length, 2);
});

test('cron: users default to none; a user name that would leave the spool directory, or a relative crontab path, is refused naming the key', (t) => {
  assert.deepEqual(loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { files: [/etc/crontab] }\n')).cron, { files: ['/etc/crontab'], users: [] });
  assert.deepEqual(loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { users: [www-data] }\n')).cron?.users, ['www-data']);
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { users: [../../etc/shadow] }\n')), 'cron.users[0]', /expected string to match/);
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { users: [.x] }\n')), 'cron.users[0]', /expected string to match/);
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { files: [etc/crontab] }\n')), 'cron.files[0]', /expected string to match/);
});

test('cron: run-parts and systemd directories are absolute paths, [] reading none; a relative one is refused naming the key', (t) => {
  assert.deepEqual(loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { partsDirs: [/etc/cron.daily], timerDirs: [] }\n')).cron, { partsDirs: ['/etc/cron.daily'], timerDirs: [], users: [] });
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { partsDirs: [etc/cron.daily] }\n')), 'cron.partsDirs[0]', /expected string to match/);
  expectKey(() => loadAgentConfig(tmpFile(t, 'agent.yaml', 'name: s\ncron: { timerDirs: [systemd] }\n')), 'cron.timerDirs[0]', /expected string to match/);
});

test('a wrong type is refused naming the key', (t) => {
  const p = tmpFile(t, 'agent.yaml', 'name: staging-1\nlisten: { host: 127.0.0.2, port: "seven" }\n');
  expectKey(() => loadAgentConfig(p), 'listen.port', /integer/);
});

test('an unknown key is refused naming it', (t) => {
  const p = tmpFile(t, 'controller.yaml', 'listen: { port: 7700 }\nagentz: []\n');
  expectKey(() => loadControllerConfig(p), 'agentz', /unknown key/);
});

test('a trustedProxies entry that is not an address or CIDR range stops the load naming the key', (t) => {
  const p = tmpFile(t, 'controller.yaml', 'tokens: []\ntrustedProxies: [10.0.0.0/8, "proxy.example"]\n');
  expectKey(() => loadControllerConfig(p), 'trustedProxies[1]', /proxy\.example/);
  const ok = tmpFile(t, 'ok.yaml', 'tokens: []\ntrustedProxies: [10.0.0.0/8, "::1"]\n');
  assert.deepEqual(loadControllerConfig(ok).trustedProxies, ['10.0.0.0/8', '::1']);
});

test('a bad nested entry is named with its index', (t) => {
  const p = tmpFile(t, 'controller.yaml', 'tokens:\n  - { name: ops, role: admin, hash: "sha256:00" }\n');
  assert.throws(() => loadControllerConfig(p), (err: unknown) => err instanceof SwitchyardError && /tokens\[0\]\.(role|hash)/.test(err.message));
});

test('invalid YAML names the line', (t) => {
  const p = tmpFile(t, 'agent.yaml', 'name: a\nlisten: [unclosed\n');
  assert.throws(() => loadAgentConfig(p), /line \d+/);
});

test('a missing file is a clear error', () => {
  assert.throws(() => loadAgentConfig('/nonexistent/agent.yaml'), /agent\.yaml: no such file/);
});

test('secrets resolve from env and file, and a missing env var names the key, not a value', (t) => {
  const f = tmpFile(t, 'pw', 's3cret-from-file\n');
  assert.equal(resolveSecret({ file: f }, 'database.password'), 's3cret-from-file');
  assert.equal(resolveSecret({ env: 'SY_TEST_PW' }, 'database.password', { SY_TEST_PW: 'from-env' }), 'from-env');
  assert.throws(() => resolveSecret({ env: 'SY_TEST_MISSING' }, 'database.password', {}), /database\.password: environment variable SY_TEST_MISSING is not set/);
});

test('a config error never shows a secret: not a password, not a token inside the object around it, not a URL password', (t) => {
  const cases: Array<[() => unknown, string]> = [
    [() => loadAgentConfig(tmpFile(t, 'a1.yaml', 'name: s1\ndatabase: { user: u, password: 98765432 }\n')), '98765432'],
    [() => loadAgentConfig(tmpFile(t, 'a2.yaml', 'name: s1\ndatabase: "mysql://u:hunter2secret@h/db"\n')), 'hunter2secret'],
    [() => loadControllerConfig(tmpFile(t, 'c1.yaml', 'tokens: []\ndnsProviders:\n  cf: { type: cloudflare, apiToken: { env: NOPE_X, value: cfSECRETtoken123 } }\n')), 'cfSECRETtoken123'],
  ];
  for (const [fn, secret] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.equal(err.code, 'SY_CONFIG_INVALID');
      assert.ok(!err.message.includes(secret), err.message);
      return true;
    });
  }
});

test('a mistyped secret reference shows its shape, never what is inside it', (t) => {
  const agent = (password: string) => () => loadAgentConfig(tmpFile(t, 'a.yaml', `name: s1\ndatabase: { user: u, password: ${password} }\n`));
  const controller = (apiKey: string) => () => loadControllerConfig(tmpFile(t, 'c.yaml', `tokens: []\ndnsProviders:\n  p: { type: powerdns, url: http://127.0.0.1:8081, apiKey: ${apiKey} }\n`));
  const cases: Array<[() => unknown, string, RegExp]> = [
    [agent('[hunter2secret]'), 'database.password', /got an array/],
    [agent('{ plain: hunter2secret }'), 'database.password', /got an object with keys plain/],
    [agent('{ env: DB_PW, fallback: hunter2secret }'), 'database.password', /got an object with keys env, fallback/],
    [agent('{ file: /etc/pw, default: hunter2secret }'), 'database.password', /got an object with keys file, default/],
    [controller('{ literal: hunter2secret }'), 'dnsProviders.p.apiKey', /got an object with keys literal/],
  ];
  for (const [fn, key, shape] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof SwitchyardError, String(err));
      assert.equal(err.code, 'SY_CONFIG_INVALID');
      assert.ok(!err.message.includes('hunter2secret'), err.message);
      assert.ok(err.message.includes(`key ${key}:`), err.message);
      assert.match(err.message, shape);
      return true;
    });
  }
});

test('a token pasted where its hash belongs is refused without echoing it', (t) => {
  const token = 'sy_Q2xW9eRtY7uIo0pAsDfGhJkLzXcVbNm1234567890ab';
  const p = tmpFile(t, 'c.yaml', `tokens:\n  - { name: alice, role: operator, hash: ${token} }\n`);
  assert.throws(() => loadControllerConfig(p), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.ok(!err.message.includes(token.slice(3, 20)), err.message);
    assert.match(err.message, /key tokens\[0\]\.hash: .*the token itself/);
    return true;
  });
});

test('an error inside a DNS provider names its key, not just the provider', (t) => {
  const c = (body: string) => () => loadControllerConfig(tmpFile(t, 'c.yaml', `tokens: []\ndnsProviders:\n  p: ${body}\n`));
  expectKey(c('{ type: cloudflare, apiToken: x, bogus: 1 }'), 'dnsProviders.p.bogus', /unknown key/);
  expectKey(c('{ type: cloudflare }'), 'dnsProviders.p.apiToken', /required/);
  expectKey(c('{ type: powerdns, url: 5, apiKey: k }'), 'dnsProviders.p.url', /expected string \(got 5\)/);
  expectKey(c('{ type: route53 }'), 'dnsProviders.p.type', /one of cloudflare, powerdns/);
});

// Caught at start-up, not at the switch: fetch refuses a URL with credentials (its error carries
// the URL), and one without a scheme fails only when the first DNS call is made.
test('a DNS provider URL must be http(s) without user:password@, and the password is not echoed', (t) => {
  const c = (body: string) => () => loadControllerConfig(tmpFile(t, 'c.yaml', `tokens: []\ndnsProviders:\n  p: ${body}\n`));
  expectKey(c('{ type: powerdns, url: "127.0.0.1:8081", apiKey: k }'), 'dnsProviders.p.url', /match/);
  expectKey(c('{ type: powerdns, url: "ftp://127.0.0.1:8081", apiKey: k }'), 'dnsProviders.p.url', /match/);
  expectKey(c('{ type: cloudflare, apiToken: x, baseUrl: "https://api.cloudflare.com client/v4" }'), 'dnsProviders.p.baseUrl', /match/);
  assert.throws(c('{ type: powerdns, url: "http://admin:pdnsPW42@127.0.0.1:8081", apiKey: k }'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.match(err.message, /dnsProviders\.p\.url/);
    assert.doesNotMatch(err.message, /pdnsPW42/);
    return true;
  });
  for (const ok of ['http://127.0.0.1:8081', 'https://pdns.example/api', 'http://[::1]:8081/']) {
    assert.equal(c(`{ type: powerdns, url: "${ok}", apiKey: k }`)().dnsProviders.p!.type, 'powerdns');
  }
});

test('a pattern in a config error reads as written (only the first letter is lower-cased)', (t) => {
  expectKey(() => loadAgentConfig(tmpFile(t, 'a.yaml', 'name: "bad name!"\n')), 'name', /\[A-Za-z0-9\]/);
});

test("a Cloudflare provider's minTtl (30 on Enterprise zones) is checked at start-up, named when out of range", (t) => {
  const c = (body: string) => loadControllerConfig(tmpFile(t, 'c.yaml', `tokens: []\ndnsProviders:\n  cf: ${body}\n`));
  const cf = c('{ type: cloudflare, apiToken: x, minTtl: 30 }').dnsProviders.cf;
  assert.equal(cf?.type === 'cloudflare' ? cf.minTtl : undefined, 30);
  expectKey(() => c('{ type: cloudflare, apiToken: x, minTtl: 10 }'), 'dnsProviders.cf.minTtl', /greater or equal to 30 \(got 10\)/);
});

test('a controller or agent config named .json must be JSON: a trailing comma is refused naming the file, line and column, not read as YAML', (t) => {
  const refused = (load: () => unknown, path: string, line: number, column: number) =>
    assert.throws(load, (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.equal(err.code, 'SY_CONFIG_INVALID');
      assert.equal(err.message, `${path}: not valid JSON at line ${line}, column ${column}: expected a double-quoted property name; a trailing comma? JSON allows none`);
      return true;
    });
  const controllerText = '{\n  "tokens": [],\n  "dnsProviders": {},\n}\n';
  const controller = tmpFile(t, 'controller.json', controllerText);
  refused(() => loadControllerConfig(controller), controller, 4, 1);
  const agentText = '{\n  "name": "staging-1",\n  "assets": { "uploads": { "path": "/srv/uploads", } }\n}\n';
  const agent = tmpFile(t, 'agent.JSON', agentText);
  refused(() => loadAgentConfig(agent), agent, 3, 52);
  // Valid JSON loads as before, and a YAML file keeps YAML's flow syntax, trailing comma and all.
  assert.equal(loadAgentConfig(tmpFile(t, 'agent.json', agentText.replace('", }', '" }'))).assets.uploads?.path, '/srv/uploads');
  assert.deepEqual(loadControllerConfig(tmpFile(t, 'controller.json', controllerText.replace('{},', '{}'))).tokens, []);
  assert.equal(loadAgentConfig(tmpFile(t, 'agent.yaml', agentText)).name, 'staging-1');
  assert.deepEqual(loadControllerConfig(tmpFile(t, 'controller.yaml', controllerText)).tokens, []);
});

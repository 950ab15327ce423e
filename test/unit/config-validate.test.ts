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

test('a wrong type is refused naming the key', (t) => {
  const p = tmpFile(t, 'agent.yaml', 'name: staging-1\nlisten: { host: 127.0.0.2, port: "seven" }\n');
  expectKey(() => loadAgentConfig(p), 'listen.port', /integer/);
});

test('an unknown key is refused naming it', (t) => {
  const p = tmpFile(t, 'controller.yaml', 'listen: { port: 7700 }\nagentz: []\n');
  expectKey(() => loadControllerConfig(p), 'agentz', /unknown key/);
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

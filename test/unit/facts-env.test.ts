import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { collectEnvFacts, digestEnvText, envDigest } from '../../agent/facts/env.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { SwitchyardError } from '../../shared/errors.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { capturingLogger, overTheWire, testAgentConfig } from '../helpers/facts.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-env-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('dotenv lines parse as dotenv does: export, quotes, escapes, comments, multi-line, last wins', () => {
  const text = [
    '# a comment',
    '',
    'PLAIN=abc',
    'export EXPORTED=exp',
    '  SPACED = spaced value   ',
    'INLINE=val # trailing comment',
    'HASH=abc#def',
    'DQ="say \\"hi\\"\\nthere" # comment after quotes',
    "SQ='single $literal \\n # not a comment'",
    'BT=`back tick`',
    'EMPTY=',
    'EMPTY_QUOTED=""',
    'MULTI="line1',
    '  line2  ',
    'line3"',
    'DUP=first',
    'this line has no equals sign',
    'DUP=second',
    'CRLF=windows\r',
    'UNTERMINATED="never closed',
  ].join('\n');
  const { facts, notes } = digestEnvText(text, '/srv/app/.env', SALT);
  const expected: Array<[string, string]> = [
    ['PLAIN', 'abc'],
    ['EXPORTED', 'exp'],
    ['SPACED', 'spaced value'],
    ['INLINE', 'val'],
    ['HASH', 'abc#def'],
    ['DQ', 'say "hi"\nthere'],
    ['SQ', 'single $literal \\n # not a comment'],
    ['BT', 'back tick'],
    ['EMPTY', ''],
    ['EMPTY_QUOTED', ''],
    ['MULTI', 'line1\n  line2  \nline3'],
    ['DUP', 'second'],
    ['CRLF', 'windows'],
  ];
  assert.deepEqual(facts.map((f) => f.name), expected.map(([n]) => n));
  for (const [name, value] of expected) {
    assert.equal(facts.find((f) => f.name === name)!.digest, envDigest(SALT, value), `value of ${name}`);
  }
  assert.ok(facts.every((f) => f.file === '/srv/app/.env'));
  assert.deepEqual(notes, [
    'env: /srv/app/.env:17: not a KEY=VALUE line, skipped',
    'env: /srv/app/.env:20: UNTERMINATED has an unterminated " quote, skipped',
  ]);
  assert.equal(notes.join('\n').includes('equals sign'), false, 'a skipped line is never echoed');
  assert.equal(notes.join('\n').includes('never closed'), false, 'a skipped value is never echoed');
});

test('digests: same value and salt agree, another salt or value does not, and they are HMAC-SHA256 hex', () => {
  const a = envDigest(SALT, 'hunter2');
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal(envDigest(SALT, 'hunter2'), a);
  assert.notEqual(envDigest(`${SALT}1`, 'hunter2'), a);
  assert.notEqual(envDigest(SALT, 'hunter3'), a);
  // Known vector: HMAC-SHA256(key "key", "The quick brown fox jumps over the lazy dog").
  assert.equal(envDigest('key', 'The quick brown fox jumps over the lazy dog'), 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
});

test('a missing salt is refused with SY_VALIDATION on env_salt, before any file is read', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, '.env'), 'A=1\n');
  const check = (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_VALIDATION' && err.field === 'env_salt';
  await assert.rejects(collectEnvFacts([join(dir, '.env')], ''), check);
  await assert.rejects(collectFacts(testAgentConfig({ envFiles: [join(dir, '.env')] }), '', capturingLogger().logger), check);
});

test('secret values appear nowhere: not in facts, not in notes, not in the log', async (t) => {
  const dir = tempDir(t);
  const secrets = ['Sup3r-S3cret-Pa55', 'sk_live_abcdef123456', 'multi\nline-secret-tail'];
  writeFileSync(join(dir, '.env'), `DB_PASSWORD=${secrets[0]}\nexport STRIPE_KEY="${secrets[1]}"\nCERT="${secrets[2]}"\n`);
  writeFileSync(join(dir, 'broken.env'), `${secrets[0]}\nOK=1\n`);
  const { logger, lines } = capturingLogger();
  const facts = await collectFacts(
    testAgentConfig({ envFiles: [join(dir, '.env'), join(dir, 'broken.env'), join(dir, 'absent.env')] }),
    SALT,
    logger,
  );
  assert.deepEqual(facts.env!.map((e) => e.name), ['DB_PASSWORD', 'STRIPE_KEY', 'CERT', 'OK']);
  assert.equal(facts.env![0]!.digest, envDigest(SALT, secrets[0]!));
  assert.ok(facts.notes!.includes(`env: ${join(dir, 'broken.env')}:1: not a KEY=VALUE line, skipped`));
  assert.ok(facts.notes!.includes(`env: ${join(dir, 'absent.env')}: cannot read: ENOENT`));
  const everything = JSON.stringify(facts) + lines.join('');
  for (const s of [...secrets, 'line-secret-tail']) assert.equal(everything.includes(s), false, `secret leaked: ${s}`);
});

test('an env file production cannot read: its variables compare as unreadable there, not as staging-only', async (t) => {
  const staging = tempDir(t);
  const production = tempDir(t);
  writeFileSync(join(staging, '.env'), 'APP_KEY=base64:abc\nDB_HOST=db\n');
  // A directory where the file should be: unreadable whatever user the test runs as (root reads a chmod 000 file).
  mkdirSync(join(production, '.env'));
  const { logger } = capturingLogger();
  const s = overTheWire(await collectFacts(testAgentConfig({ envFiles: [join(staging, '.env')] }), SALT, logger));
  const p = overTheWire(await collectFacts(testAgentConfig({ envFiles: [join(production, '.env')] }), SALT, logger));
  const table = compareRuntimeFacts(s, p, { stagingName: 's', productionName: 'p' });
  const env = table.rows.filter((r) => r.category === 'env');
  assert.deepEqual(env.map((r) => [r.key, r.production, r.status, r.unreadable]), [
    ['env..env:APP_KEY', 'unknown', 'differs', true],
    ['env..env:DB_HOST', 'unknown', 'differs', true],
  ]);
  assert.deepEqual(table.unreadable?.filter((u) => u.what.startsWith('env')), [{ side: 'production', agent: 'p', what: `env file ${join(production, '.env')}`, error: 'cannot read: EISDIR' }]);
});

test('an env file the agent cannot read travels in its own field, naming the user it read as; the note stays for people and older controllers', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, '.env'));
  const { logger } = capturingLogger();
  const facts = overTheWire(await collectFacts(testAgentConfig({ envFiles: [{ path: join(dir, '.env'), name: 'app' }] }), SALT, logger));
  assert.deepEqual(facts.env_unreadable, [{ file: join(dir, '.env'), code: 'EISDIR', label: 'app', user: userInfo().username }]);
  assert.ok(facts.notes.includes(`env: ${join(dir, '.env')}: cannot read: EISDIR`));
});

test('same-named env files collected on two hosts line up by file, with one missing and another order on production', async (t) => {
  const staging = tempDir(t);
  const production = tempDir(t);
  for (const d of ['a', 'b']) mkdirSync(join(staging, d));
  mkdirSync(join(production, 'b'));
  writeFileSync(join(staging, 'a', '.env'), 'ONLY_A=1\nSHARED=a\n');
  writeFileSync(join(staging, 'b', '.env'), 'ONLY_B=1\nSHARED=b\n');
  writeFileSync(join(production, 'b', '.env'), 'ONLY_B=1\nSHARED=b\n');
  // Named files: the names line up whatever the paths.
  writeFileSync(join(staging, 'api.env'), 'KEY=1\n');
  writeFileSync(join(production, 'b', 'settings.env'), 'KEY=2\n');
  const { logger } = capturingLogger();
  const s = overTheWire(await collectFacts(testAgentConfig({ envFiles: [join(staging, 'a', '.env'), join(staging, 'b', '.env'), { path: join(staging, 'api.env'), name: 'api' }] }), SALT, logger));
  const p = overTheWire(await collectFacts(testAgentConfig({ envFiles: [{ path: join(production, 'b', 'settings.env'), name: 'api' }, join(production, 'b', '.env')] }), SALT, logger));
  const table = compareRuntimeFacts(s, p, { stagingName: 's', productionName: 'p' });
  assert.deepEqual(table.rows.filter((r) => r.category === 'env').map((r) => [r.key, r.status]), [
    ['env.a/.env:ONLY_A', 'missing'],
    ['env.a/.env:SHARED', 'missing'],
    ['env.api:KEY', 'differs'],
    ['env.b/.env:ONLY_B', 'equal'],
    ['env.b/.env:SHARED', 'equal'],
  ]);
});

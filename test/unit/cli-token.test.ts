import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommanderError } from 'commander';
import { parse } from 'yaml';
import { registerTokenCommand } from '../../cli/commands/token.js';
import { hashToken } from '../../controller/api/auth.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { SwitchyardError } from '../../shared/errors.js';

function program(lines: string[]): Command {
  const p = new Command().exitOverride().configureOutput({ writeErr: (s) => void lines.push(s), writeOut: (s) => void lines.push(s) });
  registerTokenCommand(p, { out: (line) => void lines.push(line) });
  return p;
}

test('token new prints the token once and a controller.yaml entry holding only its hash', async () => {
  const lines: string[] = [];
  await program(lines).parseAsync(['token', 'new', '--name', 'ci', '--role', 'operator'], { from: 'user' });
  const text = lines.join('\n');
  const tokens = text.match(/sy_[A-Za-z0-9_-]{43}/g) ?? [];
  assert.equal(tokens.length, 1, 'the token appears exactly once');
  const token = tokens[0]!;
  const yaml = text.slice(text.indexOf('- name:'));
  const entries = parse(yaml) as unknown[];
  assert.deepEqual(entries, [{ name: 'ci', role: 'operator', hash: hashToken(token) }]);
  // The snippet is what the controller loads.
  const config = validate(ControllerConfigSchema, { tokens: entries }, 'controller.yaml');
  assert.equal(config.tokens[0]?.hash, hashToken(token));
});

test('token new refuses a role other than viewer or operator, and a name the config would reject', async () => {
  const lines: string[] = [];
  await assert.rejects(program(lines).parseAsync(['token', 'new', '--name', 'ci', '--role', 'admin'], { from: 'user' }), (err: unknown) => err instanceof CommanderError && /admin/.test(err.message));
  await assert.rejects(program([]).parseAsync(['token', 'new', '--name', 'ci'], { from: 'user' }), CommanderError);
  await assert.rejects(
    program([]).parseAsync(['token', 'new', '--name', 'has space', '--role', 'viewer'], { from: 'user' }),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_VALIDATION' && err.field === 'name',
  );
});

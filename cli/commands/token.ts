// `switchyard token new`: makes a bearer token for the controller's REST API. The token is
// printed once and never stored; controller.yaml holds only its hash, so a leaked config
// file does not grant access.
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ControllerConfigSchema } from '../../controller/config.js';
import { generateToken, hashToken, type Role, type TokenEntry } from '../../controller/api/auth.js';
import { validate } from '../../shared/config/load.js';
import { SwitchyardError } from '../../shared/errors.js';
import { UsageError } from '../usage-error.js';

export interface TokenIo {
  out: (line: string) => void;
}

export interface NewToken {
  token: string;
  entry: TokenEntry;
}

/** A fresh token and its controller.yaml entry, checked against the same schema the controller loads. */
export function newToken(name: string, role: Role): NewToken {
  const token = generateToken();
  try {
    const entry = validate(ControllerConfigSchema.properties.tokens.items, { name, role, hash: hashToken(token) }, 'token', 'SY_VALIDATION');
    return { token, entry };
  } catch (err) {
    // Only --name and --role reach the schema: what it refuses is a flag's value.
    if (err instanceof SwitchyardError && err.code === 'SY_VALIDATION') throw new UsageError(err.message.replace(/^token: key (name|role):/, '--$1:'), err.field ?? 'name', err);
    throw err;
  }
}

export function registerTokenCommand(program: Command, io: TokenIo = { out: (line) => process.stdout.write(`${line}\n`) }): void {
  const token = program.command('token').description('bearer tokens for the controller REST API');
  token
    .command('new')
    .description('make a token; prints it once and the controller.yaml entry holding only its hash')
    .requiredOption('--name <name>', 'who or what uses the token (shown in the audit log)')
    .addOption(new Option('--role <role>', 'viewer reads; operator also acts').choices(['viewer', 'operator']).makeOptionMandatory())
    .action((o: { name: string; role: Role }) => {
      const { token: value, entry } = newToken(o.name, o.role);
      io.out(`Token for ${entry.name} (${entry.role}); it is shown only this once:`);
      io.out('');
      io.out(`  ${value}`);
      io.out('');
      io.out('Add this under `tokens:` in controller.yaml and restart the controller:');
      io.out('');
      io.out(stringify([entry]).trimEnd());
    });
}

// A secret in a config file is a literal string, or a reference to an environment variable or
// a file, so that config files can be committed and secrets kept out of them.
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { SwitchyardError } from '../errors.js';

export const SecretRef = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object({ env: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { description: 'a literal string, {env: NAME} or {file: PATH}' },
);
export type SecretRef = Static<typeof SecretRef>;

/** Resolves a secret reference; `key` names the config key for the error message. */
export function resolveSecret(ref: SecretRef, key: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') {
      throw new SwitchyardError('SY_SECRET_UNRESOLVED', `${key}: environment variable ${ref.env} is not set`, { field: key });
    }
    return v;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new SwitchyardError('SY_SECRET_UNRESOLVED', `${key}: cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { field: key, cause: err });
  }
}

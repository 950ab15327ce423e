// Env files as names and salted digests. A value is read, hashed and dropped inside this module:
// nothing it returns, notes or throws contains one, so facts can travel and be logged safely.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { EnvFileConfig } from '../config.js';
import type { EnvFileUnreadable } from '../../shared/proto-gen/switchyard/v1/EnvFileUnreadable.js';
import type { EnvVarDigest } from '../../shared/proto-gen/switchyard/v1/EnvVarDigest.js';
import { envUnreadableNote } from '../../shared/env-note.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { Collected } from './collected.js';

/** HMAC-SHA256 of a value keyed with the comparison's salt, hex. */
export function envDigest(salt: string, value: string): string {
  return createHmac('sha256', salt).update(value, 'utf8').digest('hex');
}

const NAME = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;
const DOUBLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/**
 * dotenv syntax: `KEY=VALUE`, optional `export`, `#` comments (inline only after whitespace
 * when unquoted), single/double/backtick quotes that may span lines; double quotes take
 * escapes. `${VAR}` is kept literally: what we compare is what the file says.
 */
function parse(text: string, file: string): { entries: Map<string, string>; notes: string[] } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const entries = new Map<string, string>();
  const notes: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trimStart(); // trailing blanks may belong to a quoted value
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = NAME.exec(trimmed);
    if (!m) {
      // Never echo the line: it may be a value that lost its key.
      notes.push(`env: ${file}:${i + 1}: not a KEY=VALUE line, skipped`);
      continue;
    }
    const name = m[1]!;
    let rest = trimmed.slice(m[0].length);
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      const startLine = i;
      let body = rest.slice(1);
      let close = findClose(body, quote);
      while (close < 0 && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i]!}`;
        close = findClose(body, quote);
      }
      if (close < 0) {
        notes.push(`env: ${file}:${startLine + 1}: ${name} has an unterminated ${quote} quote, skipped`);
        continue;
      }
      const raw = body.slice(0, close);
      entries.delete(name); // last assignment wins and keeps its own position
      entries.set(name, quote === '"' ? raw.replace(/\\(.)/g, (all, c: string) => DOUBLE_ESCAPES[c] ?? all) : raw);
      continue;
    }
    const comment = /\s#/.exec(rest);
    if (comment) rest = rest.slice(0, comment.index);
    entries.delete(name);
    entries.set(name, rest.trim());
  }
  return { entries, notes };
}

function findClose(body: string, quote: string): number {
  for (let j = 0; j < body.length; j++) {
    if (quote === '"' && body[j] === '\\') {
      j++;
      continue;
    }
    if (body[j] === quote) return j;
  }
  return -1;
}

/** Digests of every variable in one env file's text, in file order; `label` is its configured name, if any. */
export function digestEnvText(text: string, file: string, salt: string, label = ''): Collected<EnvVarDigest[]> {
  const { entries, notes } = parse(text, file);
  const facts = [...entries].map(([name, value]): EnvVarDigest => ({ file, name, digest: envDigest(salt, value), label }));
  return { facts, notes };
}

export function requireEnvSalt(salt: string): void {
  // Unsalted digests of short secrets are found by trying every short string.
  if (salt === '') throw new SwitchyardError('SY_VALIDATION', 'env_salt is required to digest env values', { field: 'env_salt' });
}

export interface EnvFacts {
  env: EnvVarDigest[];
  unreadable: EnvFileUnreadable[];
}

/** Who the agent reads as: what the advice for an unreadable file must name. */
export function agentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the number is what chown/setfacl take then.
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export async function collectEnvFacts(files: EnvFileConfig[], salt: string, user = agentUser()): Promise<Collected<EnvFacts>> {
  requireEnvSalt(salt);
  const perFile = await Promise.all(
    files.map(async (entry): Promise<Collected<EnvFacts>> => {
      const { path: file, name: label = '' } = typeof entry === 'string' ? { path: entry } : entry;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        // The note too: for a person reading the facts, and for controllers older than the field.
        return { facts: { env: [], unreadable: [{ file, code, label, user }] }, notes: [envUnreadableNote(file, code)] };
      }
      const { facts, notes } = digestEnvText(text, file, salt, label);
      return { facts: { env: facts, unreadable: [] }, notes };
    }),
  );
  return {
    facts: { env: perFile.flatMap((c) => c.facts.env), unreadable: perFile.flatMap((c) => c.facts.unreadable) },
    notes: perFile.flatMap((c) => c.notes),
  };
}

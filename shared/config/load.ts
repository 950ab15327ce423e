// Config files are YAML, or strict JSON when named `.json`, validated once at start-up against
// a TypeBox schema. The first problem is reported with the dotted key that holds it, so an operator
// can fix the file without reading code.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { TSchema, Static } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { SwitchyardError } from '../errors.js';
import { redactSecrets, SECRET_KEY } from '../logger.js';
import { closest } from '../suggest.js';
import { jsonFault } from './json-error.js';
import { duplicateKey } from './json-dup-keys.js';

/** `/grpc/listen/0/port` → `grpc.listen[0].port` */
export function pointerToKey(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let key = '';
  for (const p of parts) key += /^\d+$/.test(p) ? `[${p}]` : key === '' ? p : `.${p}`;
  return key === '' ? '(top level)' : key;
}

/** What was found, for the message: never a secret's value (a config error goes to stderr and logs). */
function shown(key: string, value: unknown): string {
  if (value === undefined) return 'missing';
  const secretKey = SECRET_KEY.test(key.split(/[.[\]]/).filter((part) => part !== '').at(-1) ?? '');
  // A REST token pasted where its hash belongs (tokens[].hash): a secret in the wrong place.
  if (typeof value === 'string' && /^sy_[A-Za-z0-9_-]{16,}$/.test(value.trim())) return 'got the token itself (sy_…); put its hash there, as `switchyard token new` prints it';
  if (secretKey) {
    // Only the shape: a mistyped reference ({plain: …}, [ … ], an extra key next to env) holds
    // the secret itself as often as not. Its keys say what was written wrong.
    if (Array.isArray(value)) return 'got an array';
    if (value !== null && typeof value === 'object') return `got an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
    return `got a ${value === null ? 'null' : typeof value}`;
  }
  const text = JSON.stringify(typeof value === 'object' && value !== null ? redactSecrets(value) : value) ?? String(value);
  // user:password@ in a URL-like string
  return `got ${text.replace(/(\/\/[^/:@\s"]*):[^@\s"]*@/g, '$1:[redacted]@').slice(0, 60)}`;
}

function describe(err: ValueError): { key: string; why: string } {
  if (/unexpected property/i.test(err.message)) {
    const known = Object.keys((err.schema as { properties?: Record<string, unknown> }).properties ?? {});
    const guess = closest(err.path.split('/').at(-1)?.replace(/~1/g, '/').replace(/~0/g, '~') ?? '', known);
    return { key: pointerToKey(err.path), why: guess === undefined ? 'unknown key' : `unknown key (did you mean ${guess}?)` };
  }
  const key = pointerToKey(err.path);
  // Lower-case the first letter only: a pattern such as ^[A-Za-z]+$ must read as written.
  return { key, why: `${err.message.charAt(0).toLowerCase()}${err.message.slice(1)} (${shown(key, err.value)})` };
}

interface UnionNode {
  anyOf?: Array<{ properties?: Record<string, { const?: unknown }> }>;
}

/**
 * A union (a DNS provider: cloudflare | powerdns) reports one vague error at itself. Where the
 * value says which member it means (its `type`), that member's own error names the key.
 */
function sharpen(err: ValueError): ValueError {
  const members = (err.schema as UnionNode).anyOf;
  // A union of literals (dns.type: A | AAAA) says only "expected union value": name the choices.
  const literals = (members as Array<{ const?: unknown }> | undefined)?.map((m) => m.const);
  if (literals !== undefined && literals.length > 0 && literals.every((c) => typeof c === 'string' || typeof c === 'number')) {
    return { ...err, message: `Expected one of ${literals.map((c) => JSON.stringify(c)).join(', ')}` };
  }
  const v = err.value as { type?: unknown } | null;
  if (members === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return err;
  const kinds = members.map((m) => m.properties?.type?.const).filter((k): k is string => typeof k === 'string');
  // A value or an object (envFiles: a path or {path, name}): an object means the one object member.
  const objects = members.filter((m) => m.properties !== undefined);
  if (kinds.length === 0 && objects.length !== 1) return err;
  const member = kinds.length === 0 ? objects[0] : members.find((m) => m.properties?.type?.const === v.type);
  if (member === undefined) {
    return { ...err, path: `${err.path}/type`, value: v.type, message: `Expected one of ${kinds.join(', ')}` };
  }
  const inner = [...Value.Errors(member as unknown as TSchema, Value.Default(member as unknown as TSchema, structuredClone(v)))];
  if (inner.length === 0) return err;
  const deepest = inner.reduce((a, b) => (b.path.length > a.path.length ? b : a));
  return sharpen({ ...deepest, path: `${err.path}${deepest.path}` });
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

// Value.Default does not descend into Record values; fill those in so `assets: {x: {path}}`
// gets its per-entry defaults like any other object.
function fillNestedDefaults(schema: SchemaNode, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return schema.items ? value.map((v) => fillNestedDefaults(schema.items!, v)) : value;
  const obj = value as Record<string, unknown>;
  if (schema.patternProperties) {
    const inner = Object.values(schema.patternProperties)[0];
    if (inner) for (const k of Object.keys(obj)) obj[k] = fillNestedDefaults(inner, Value.Default(inner as TSchema, obj[k]));
  }
  if (schema.properties) {
    for (const [k, s] of Object.entries(schema.properties)) if (k in obj) obj[k] = fillNestedDefaults(s, obj[k]);
  }
  return obj;
}

function parentOf(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

function lastKey(pointer: string): string {
  return (pointer.split('/').at(-1) ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * A mistyped required key (`agnet:` for `agent:`) fails twice: the key it was meant to be is
 * missing, and the typo is unknown. "agent is missing" sends the operator looking for a line
 * that is there; the typo, with its guess, is the finding to show.
 */
function typoBehind(missing: ValueError, errors: readonly ValueError[]): ValueError | undefined {
  if (missing.value !== undefined || !/required property/i.test(missing.message)) return undefined;
  const parent = parentOf(missing.path);
  const meant = lastKey(missing.path);
  return errors.find((e) => {
    if (!/unexpected property/i.test(e.message) || parentOf(e.path) !== parent) return false;
    const known = Object.keys((e.schema as { properties?: Record<string, unknown> }).properties ?? {});
    return closest(lastKey(e.path), known) === meant;
  });
}

/** How many keys down `pointer` goes: `/staging/origin` is 2, however long the names. */
function depth(pointer: string): number {
  return pointer.split('/').length - 1;
}

const isMissing = (e: ValueError): boolean => e.value === undefined && /required property/i.test(e.message);

/**
 * The other keys missing beside `first` under the same parent, in schema order: an empty plan is
 * told every key it lacks at once, not one per attempt.
 */
function missingBeside(first: ValueError, errors: readonly ValueError[], asPointers = false): string[] {
  if (!isMissing(first)) return [];
  const parent = parentOf(first.path);
  const seen = new Set([first.path]);
  const out: string[] = [];
  for (const e of errors) {
    if (!isMissing(e) || parentOf(e.path) !== parent || seen.has(e.path)) continue;
    seen.add(e.path);
    out.push(asPointers ? e.path : pointerToKey(e.path));
  }
  return out;
}

/** Other findings named in the message after the first; every one is in `details.problems` up to MAX_PROBLEMS. */
const ALSO_SHOWN = 10;
const MAX_PROBLEMS = 100;

/** What is wrong at one key: `field` as a person writes the key (checks.pages[0]), `detail` why. */
export interface KeyFinding {
  field: string;
  detail: string;
}

/**
 * One error for every finding at once, worded alike wherever a document is checked: the first
 * named in full (`field` is its key), up to ALSO_SHOWN more after `also`, every one up to
 * MAX_PROBLEMS in `details.problems` ({field, detail}, the first included). A single finding
 * reads as it always did, without a list. `firstMore` follows the first finding's own words.
 */
export function keyFindingsError(code: 'SY_CONFIG_INVALID' | 'SY_VALIDATION', what: string, findings: readonly [KeyFinding, ...KeyFinding[]], firstMore = ''): SwitchyardError {
  const [first, ...more] = findings;
  const also = more.slice(0, ALSO_SHOWN).map((m) => `key ${m.field}: ${m.detail}`);
  const beyond = more.length - also.length;
  return new SwitchyardError(
    code,
    `${what}: key ${first.field}: ${first.detail}${firstMore}${also.length === 0 ? '' : `; also ${also.join('; ')}${beyond > 0 ? `; and ${beyond} more` : ''}`}`,
    // `field` stays the first key, as before; `details.problems` has every one, the first included.
    { field: first.field, ...(more.length === 0 ? {} : { details: { problems: findings.slice(0, MAX_PROBLEMS).map((f) => ({ field: f.field, detail: f.detail })) } }) },
  );
}

/**
 * The findings at keys other than those already said (`said`: pointers), one per key, in the
 * schema's order: a plan with three values of the wrong type is told all three at once, not one
 * per attempt. A missing key that a typo beside it explains is left to the typo's own finding.
 */
function elsewhere(errors: readonly ValueError[], said: readonly string[]): Array<{ key: string; why: string }> {
  const seen = new Set(said);
  const out: Array<{ key: string; why: string }> = [];
  for (const e of errors) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    if (typoBehind(e, errors) !== undefined) continue;
    const sharp = sharpen(e);
    if (sharp.path !== e.path && seen.has(sharp.path)) continue;
    seen.add(sharp.path);
    out.push(describe(sharp));
  }
  return out;
}

/** Deeper than any plan or config nests (a plan's deepest key is about five levels down). */
export const MAX_NESTING = 64;

/**
 * The path to the first array or object nested deeper than `max`, or undefined. Iterative on
 * purpose: structuredClone and the schema walk below recurse, and a request body of 100,000
 * nested brackets (JSON.parse takes it) overflowed the stack there, answered as a 500.
 */
export function tooDeep(data: unknown, max = MAX_NESTING): string[] | undefined {
  interface Node { value: unknown; depth: number; key: string; parent: Node | undefined }
  const stack: Node[] = [{ value: data, depth: 0, key: '', parent: undefined }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { value, depth: level } = node;
    if (value === null || typeof value !== 'object') continue;
    if (level > max) {
      const path: string[] = [];
      for (let n: Node | undefined = node; n?.parent !== undefined; n = n.parent) path.push(n.key);
      return path.reverse();
    }
    for (const [key, child] of Object.entries(value)) {
      // Only what can nest: a 16 MiB plan's redirect rows are mostly strings.
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: level + 1, key, parent: node });
    }
  }
  return undefined;
}

/** Validates `data` against `schema` (defaults applied first) or throws naming the bad key. */
export function validate<S extends TSchema>(schema: S, data: unknown, what: string, code: 'SY_CONFIG_INVALID' | 'SY_VALIDATION' = 'SY_CONFIG_INVALID'): Static<S> {
  const deep = tooDeep(data);
  if (deep !== undefined) {
    // Named by where it starts, as far as a person reads: the whole path is 64 brackets long.
    const keyOf = (parts: string[]): string => pointerToKey(`/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
    const key = keyOf(deep.slice(0, 3));
    throw new SwitchyardError(code, `${what}: key ${key}: nested more than ${MAX_NESTING} levels deep (${keyOf(deep.slice(0, 6))}…); no key of a ${what} nests that far`, { field: key });
  }
  const withDefaults = fillNestedDefaults(schema as SchemaNode, Value.Default(schema, structuredClone(data ?? {})));
  // Unions report a vague error at the union itself; prefer the deepest error. Deepest in keys,
  // not in characters, and the first of equals, so errors at one level come in the schema's
  // order: an empty plan was told about `production` (the longest name) before `site`.
  const errors = [...Value.Errors(schema, withDefaults)];
  if (errors.length > 0) {
    const deepest = sharpen(errors.reduce((a, b) => (depth(b.path) > depth(a.path) ? b : a)));
    const shown = typoBehind(deepest, errors) ?? deepest;
    const { key, why } = describe(shown);
    const others = shown === deepest ? missingBeside(deepest, errors) : [];
    const more = elsewhere(errors, [shown.path, deepest.path, ...(shown === deepest ? missingBeside(deepest, errors, true) : [])]);
    throw keyFindingsError(code, what, [{ field: key, detail: why }, ...more.map((m) => ({ field: m.key, detail: m.why }))], others.length === 0 ? '' : `; missing too: ${others.join(', ')}`);
  }
  return withDefaults as Static<S>;
}

export function parseYaml(text: string, what: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new SwitchyardError('SY_CONFIG_INVALID', `${what}: not valid YAML at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS();
}

/**
 * A `.json` file as strict JSON. Read as YAML (JSON is YAML), `{"a": 1,}` with its trailing
 * comma was taken without a word, so a file the author meant as JSON was never checked as JSON.
 */
export function parseJson(text: string, what: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    const f = jsonFault(body);
    const want = f.expected === '' ? '' : `: expected ${f.expected}`;
    throw new SwitchyardError('SY_CONFIG_INVALID', `${what}: not valid JSON at line ${f.line}, column ${f.column}${want}${f.trailingComma ? '; a trailing comma? JSON allows none' : ''}`);
  }
  const dup = duplicateKeyFinding(body);
  if (dup !== undefined) throw new SwitchyardError('SY_CONFIG_INVALID', `${what}: ${dup.why}`, { field: dup.field });
  return value;
}

/**
 * A key written twice in one object of `text` (JSON that parses), as a finding: the key path and
 * where both are. JSON.parse keeps the last silently; a YAML file with the same slip is refused,
 * so a `.json` plan or config and a REST body are too. Undefined when every key is written once.
 */
export function duplicateKeyFinding(text: string): { field: string; why: string } | undefined {
  const dup = duplicateKey(text);
  if (dup === undefined) return undefined;
  const toKey = (parts: Array<string | number>): string => pointerToKey(`/${parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
  // Deeper than any key nests, named by where it starts (a whole path could run to megabytes).
  const deep = dup.path.length - 1 > MAX_NESTING;
  const field = deep ? toKey(dup.path.slice(0, 3)) : toKey(dup.path);
  const shownKey = deep ? `${toKey(dup.path.slice(0, 6))}… (${dup.path.length} levels down)` : field;
  return {
    field,
    why: `key ${shownKey}: written twice in one object, at line ${dup.first.line}, column ${dup.first.column} and at line ${dup.second.line}, column ${dup.second.column}; JSON would keep only the last silently, so remove one`,
  };
}

/** A config or plan file's text as its name says: a `.json` file must be JSON, anything else is YAML. */
export function parseConfigText(text: string, path: string): unknown {
  return /\.json$/i.test(path) ? parseJson(text, path) : parseYaml(text, path);
}

/** Why a file could not be read, in words a person acts on ("Error: EISDIR: illegal operation …" is not). */
export function unreadableWhy(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

/** A config file's text, or SY_CONFIG_UNREADABLE saying why not. */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SwitchyardError('SY_CONFIG_UNREADABLE', `${path}: ${unreadableWhy(err)}`, { cause: err });
  }
}

/** A controller or agent config file, parsed as its name says (a `.json` one must be JSON, like a plan) and validated. */
export function loadConfigFile<S extends TSchema>(path: string, schema: S): Static<S> {
  return validate(schema, parseConfigText(readConfigText(path), path), path);
}

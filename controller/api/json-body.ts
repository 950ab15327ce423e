// A request body as the cutover routes read it, whatever its Content-Type says: an empty one is
// no body, anything else must be JSON. Every refusal is a 400 on `body` that says what is wrong
// with it, in the controller's words rather than a parser library's.
import type { FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../shared/errors.js';
import { jsonFault } from '../../shared/config/json-error.js';
import { MAX_NESTING, duplicateKeyFinding, pointerToKey } from '../../shared/config/load.js';

/** Methods whose body Fastify does not read. */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

const SEND_JSON = "send JSON with -H 'Content-Type: application/json'";

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the body holds on a route that cannot do without one ("a plan"): its refusals then
     * say it is required, and never suggest sending no body, as the action routes' do.
     */
    requiredBody?: string;
  }
}

/** The 400 for a route's body left out, or empty, where one is required. */
export function requiredBodyFault(what: string): SwitchyardError {
  return new SwitchyardError('SY_VALIDATION', `body: required: ${what} as JSON; ${SEND_JSON}`, { field: 'body' });
}

/** The hint after a refused body: "or no body" only where no body is taken. */
function sendHint(request: FastifyRequest): string {
  return request.routeOptions.config.requiredBody === undefined ? `${SEND_JSON}, or no body` : SEND_JSON;
}

/**
 * The path to the first key anywhere in `value` that reaches an object's prototype once the object
 * is copied or merged elsewhere, or undefined: a `__proto__` key, or a `constructor` holding a
 * `prototype` key (the path ends at `prototype`), which a deep merge follows from any object to
 * Object.prototype itself (target.constructor.prototype) and writes the keys below it there.
 * JSON.parse makes either an own key, harmless where it stays, and nothing here merges a body
 * today; but fastify's own parser refuses both (its __proto__ and constructor poisoning checks),
 * and this one, which replaces it on the cutover routes, is not to be the weaker. No field of this
 * API is named either way, so nothing a client means is refused. Iterative: a body may nest
 * 100,000 brackets deep (see tooDeep).
 */
export function poisonedKeyPath(value: unknown): string[] | undefined {
  interface Node { value: unknown; key: string; parent: Node | undefined }
  const stack: Node[] = [{ value, key: '', parent: undefined }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.value === null || typeof node.value !== 'object') continue;
    const own = Object.keys(node.value);
    for (let i = own.length - 1; i >= 0; i--) {
      const key = own[i]!;
      const child: unknown = (node.value as Record<string, unknown>)[key];
      const poisoned = key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'));
      if (poisoned) {
        const path: string[] = key === '__proto__' ? [key] : ['prototype', key];
        for (let n: Node | undefined = node; n?.parent !== undefined; n = n.parent) path.push(n.key);
        return path.reverse();
      }
      // Only what can hold keys: a 16 MiB plan's redirect rows are mostly strings.
      if (child !== null && typeof child === 'object') stack.push({ value: child, key, parent: node });
    }
  }
  return undefined;
}

function keyOf(path: string[]): string {
  return pointerToKey(`/${path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
}

/** Content-Encoding as sent, or undefined when the body is as it is (absent, empty or identity). */
function encodingOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['content-encoding'];
  const text = (Array.isArray(raw) ? raw.join(', ') : raw ?? '').trim();
  return text === '' || text.toLowerCase() === 'identity' ? undefined : text;
}

/** Whether the request carries a body at all, by its headers: Transfer-Encoding, or a Content-Length above 0. */
export function sentBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * A SwitchyardError (400, field `body`) for a body sent compressed, else undefined. Asked from the
 * headers alone, before the body is read (or, with Expect: 100-continue, asked for): nothing here
 * undoes a compression, and read as text a gzip'd plan was "not JSON", which sent the sender
 * looking for a fault in JSON that had none. A body of 16 MiB needs none. No body (Content-Length
 * 0, neither it nor Transfer-Encoding) is no body, whatever its Content-Encoding says, and nor is
 * one under GET or HEAD, which Fastify never reads.
 */
export function compressedBodyFault(request: FastifyRequest): SwitchyardError | undefined {
  const encoding = encodingOf(request);
  if (encoding === undefined || BODYLESS.has(request.method)) return undefined;
  if (!sentBody(request)) return undefined;
  return new SwitchyardError(
    'SY_VALIDATION',
    `body: compressed (Content-Encoding ${JSON.stringify(encoding)}), and compressed bodies are not taken here; send the JSON as it is, without Content-Encoding`,
    { field: 'body' },
  );
}

/** The body's value, undefined for none; a SwitchyardError (400, field `body`) for one that is not taken. */
export function readJsonBody(request: FastifyRequest, body: string | Buffer): unknown {
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  // A UTF-8 byte order mark, as Notepad or PowerShell's Out-File writes a plan.json: RFC 8259
  // lets a parser ignore it, and `--plan FILE` already does; refused, it was "not JSON at line 1,
  // column 1" for a file that reads as JSON in every editor.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === '') return undefined;
  const label = JSON.stringify(request.headers['content-type'] ?? '');
  // A body sent with Content-Encoding never gets here: the cutover routes, the only callers, refuse
  // it by its headers in their preParsing hook (compressedBodyFault), before it is read.
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    // gzip's magic bytes (1f 8b; 8b is no UTF-8 on its own, so decoded as U+FFFD): a compressed
    // file sent without Content-Encoding (curl --data-binary @plan.json.gz).
    if (text.charCodeAt(0) === 0x1f && (text.charCodeAt(1) === 0xfffd || text.charCodeAt(1) === 0x8b)) {
      throw new SwitchyardError('SY_VALIDATION', `body: gzip data, not JSON (it starts with gzip's bytes 1f 8b), and compressed bodies are not taken here; send the JSON as it is (gunzip it first)`, { field: 'body' });
    }
    const f = jsonFault(text);
    const where = `at line ${f.line}, column ${f.column}${f.expected === '' ? '' : `: expected ${f.expected}`}${f.trailingComma ? ' (a trailing comma? JSON allows none)' : ''}`;
    throw new SwitchyardError('SY_VALIDATION', `body: not JSON (Content-Type ${label}) ${where}; ${sendHint(request)}`, { field: 'body' });
  }
  // Before __proto__ and constructor: a body holding one twice is told of the duplicate, which it must fix anyway.
  const dup = duplicateKeyFinding(text);
  if (dup !== undefined) throw new SwitchyardError('SY_VALIDATION', `body: ${dup.why}`, { field: dup.field });
  // The keys can only be spelled with the words themselves or a \u escape: most bodies need no walk.
  const poisoned = text.includes('__proto__') || text.includes('prototype') || text.includes('\\u') ? poisonedKeyPath(value) : undefined;
  if (poisoned !== undefined) {
    const proto = poisoned.at(-1) === '__proto__';
    const named = proto ? 'a key named __proto__' : 'a key named constructor holding prototype';
    // Deeper than any field nests, the path is named by where it starts, as a plan nested too deep
    // is (validate): whole, a 16 MiB body's path ran to megabytes in the answer, its field and the log.
    if (poisoned.length - 1 > MAX_NESTING) {
      const start = keyOf(poisoned.slice(0, 3));
      throw new SwitchyardError(
        'SY_VALIDATION',
        `body: key ${start}: nested more than ${MAX_NESTING} levels deep (${keyOf(poisoned.slice(0, 6))}…, ${named} ${poisoned.length - (proto ? 1 : 2)} levels down); no field of this API nests that far`,
        { field: start },
      );
    }
    const key = keyOf(poisoned);
    const why = proto
      ? 'a key named __proto__ would set the prototype of the object that holds it once that object is copied'
      : 'a key named constructor holding prototype would reach Object.prototype, the prototype of every object, once the object that holds it is merged into another';
    throw new SwitchyardError('SY_VALIDATION', `body: key \`${key}\` is not taken: ${why}, and no field of this API is named so; remove it`, { field: key });
  }
  return value;
}

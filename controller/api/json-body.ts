// A request body as the cutover routes read it, whatever its Content-Type says: an empty one is
// no body, anything else must be JSON. Every refusal is a 400 on `body` that says what is wrong
// with it, in the controller's words rather than a parser library's.
import type { FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../shared/errors.js';
import { jsonFault } from '../../shared/config/json-error.js';
import { MAX_NESTING, duplicateKeyFinding, pointerToKey } from '../../shared/config/load.js';

/** Methods whose body Fastify does not read. */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

const SEND_JSON = "send JSON with -H 'Content-Type: application/json', or no body";

/**
 * The path to the first `__proto__` key anywhere in `value`, or undefined. JSON.parse makes it an
 * own key, harmless where it stays, but a merge or spread of the object elsewhere sets the
 * prototype from it; fastify's own parser refused it with "Body is not valid JSON", naming
 * neither the key nor why. Iterative: a body may nest 100,000 brackets deep (see tooDeep).
 */
export function protoKeyPath(value: unknown): string[] | undefined {
  interface Node { value: unknown; key: string; parent: Node | undefined }
  const stack: Node[] = [{ value, key: '', parent: undefined }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.value === null || typeof node.value !== 'object') continue;
    const own = Object.keys(node.value);
    for (let i = own.length - 1; i >= 0; i--) {
      const key = own[i]!;
      const child: unknown = (node.value as Record<string, unknown>)[key];
      if (key === '__proto__') {
        const path: string[] = [key];
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
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
  if (!hasBody) return undefined;
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
    throw new SwitchyardError('SY_VALIDATION', `body: not JSON (Content-Type ${label}) ${where}; ${SEND_JSON}`, { field: 'body' });
  }
  // Before __proto__: a body holding it twice is told of the duplicate, which it must fix anyway.
  const dup = duplicateKeyFinding(text);
  if (dup !== undefined) throw new SwitchyardError('SY_VALIDATION', `body: ${dup.why}`, { field: dup.field });
  // The key can only be spelled with the word itself or a \u escape: most bodies need no walk.
  const proto = text.includes('__proto__') || text.includes('\\u') ? protoKeyPath(value) : undefined;
  if (proto !== undefined) {
    // Deeper than any field nests, the path is named by where it starts, as a plan nested too deep
    // is (validate): whole, a 16 MiB body's path ran to megabytes in the answer, its field and the log.
    if (proto.length - 1 > MAX_NESTING) {
      const start = keyOf(proto.slice(0, 3));
      throw new SwitchyardError(
        'SY_VALIDATION',
        `body: key ${start}: nested more than ${MAX_NESTING} levels deep (${keyOf(proto.slice(0, 6))}…, a key named __proto__ ${proto.length - 1} levels down); no field of this API nests that far`,
        { field: start },
      );
    }
    const key = keyOf(proto);
    throw new SwitchyardError(
      'SY_VALIDATION',
      `body: key \`${key}\` is not taken: a key named __proto__ would set the prototype of the object that holds it once that object is copied, and no field of this API is named so; remove it`,
      { field: key },
    );
  }
  return value;
}

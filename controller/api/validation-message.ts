// Ajv's findings in the words of the request: which key, in which part, and what is wrong with
// it. Ajv's own text ("must NOT have additional properties") reads as if the named key had
// keys of its own; a person with curl needs "unknown key `forc` in body (did you mean `force`?)".
import type { FastifySchemaValidationError } from 'fastify';
import { pointerToKey } from '../../shared/config/load.js';
import { closest } from '../../shared/suggest.js';

const PART: Record<string, string> = { querystring: 'query parameter', body: 'body field', params: 'path parameter', headers: 'header' };
const PLACE: Record<string, string> = { querystring: 'the query', body: 'body', params: 'the path', headers: 'the headers' };

/** With Ajv's `verbose` option an error also carries the schema it failed and the value it saw. */
type Finding = FastifySchemaValidationError & { parentSchema?: { properties?: Record<string, unknown> }; data?: unknown };

/** The request field an Ajv error is about: a missing property is named, not its parent. */
export function fieldOf(v: FastifySchemaValidationError, context: string | undefined): string {
  const p = v.params;
  const child = p.missingProperty ?? p.additionalProperty ?? p.propertyName;
  const pointer = typeof child === 'string' ? `${v.instancePath}/${child}` : v.instancePath;
  return pointer === '' ? (context ?? 'request') : pointerToKey(pointer);
}

/** The JSON type of a value, as a person would say it ("an array", not "object"). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : t === 'number' || t === 'boolean' || t === 'string' ? `a ${t}` : t;
}

function typeNames(type: unknown): string {
  const names = (Array.isArray(type) ? type : [type]).map((t) => (t === 'null' ? 'null' : t === 'integer' ? 'an integer' : t === 'object' || t === 'array' ? `an ${t}` : `a ${String(t)}`));
  return names.join(' or ');
}

function unknownKey(v: Finding, field: string, context: string | undefined): string {
  const key = String(v.params.additionalProperty);
  const known = Object.keys(v.parentSchema?.properties ?? {});
  const guess = closest(key, known);
  const name = context === 'querystring' && v.instancePath === '' ? `unknown query parameter \`${key}\`` : `unknown key \`${field}\` in ${PLACE[context ?? ''] ?? 'the request'}`;
  if (guess !== undefined) return `${name} (did you mean \`${guess}\`?)`;
  return known.length === 0 ? `${name}; none are taken here` : `${name}; known: ${known.join(', ')}`;
}

/** One line naming the field and what is wrong with it. */
export function describeFinding(v: FastifySchemaValidationError, context: string | undefined): { field: string; message: string } {
  const finding = v as Finding;
  const field = fieldOf(v, context);
  if (v.keyword === 'additionalProperties') return { field, message: unknownKey(finding, field, context) };
  // `curl -X POST …/advance` with no -d: "body must be an object, not null" reads as if the
  // caller had sent null. Say that a body is needed and which keys it must carry.
  const required = (finding.parentSchema as { required?: unknown } | undefined)?.required;
  if (v.keyword === 'type' && context === 'body' && v.instancePath === '' && finding.data == null && Array.isArray(required) && required.length > 0) {
    return { field, message: `body is required: a JSON object with ${required.map((k) => `\`${String(k)}\``).join(', ')} (none came, or null)` };
  }
  const subject = field === context ? field : `${PART[context ?? ''] ?? 'field'} ${field}`;
  // `?staging=a&staging=b` arrives as an array: "must be a string" hides that it came twice.
  if (v.keyword === 'type' && context === 'querystring' && Array.isArray(finding.data)) {
    return { field, message: `${subject} is given ${finding.data.length} times; give it once` };
  }
  let why: string;
  switch (v.keyword) {
    case 'required':
      why = 'is required';
      break;
    case 'type':
      // The kind only, never the value: it may be anything the caller pasted.
      // A query or path value is always text: the type it came as says nothing there.
      why = `must be ${typeNames(v.params.type)}${context === 'body' && 'data' in finding ? `, not ${kindOf(finding.data)}` : v.params.type === 'boolean' ? ' (true or false)' : ''}`;
      break;
    case 'enum':
      why = `must be one of ${(v.params.allowedValues as unknown[] | undefined)?.map((x) => JSON.stringify(x)).join(', ') ?? 'the allowed values'}`;
      break;
    case 'maxLength':
      why = `must be at most ${String(v.params.limit)} characters long`;
      break;
    case 'minLength':
      why = v.params.limit === 1 ? 'must not be empty' : `must be at least ${String(v.params.limit)} characters long`;
      break;
    default:
      why = v.message ?? v.keyword;
  }
  return { field, message: `${subject} ${why}` };
}

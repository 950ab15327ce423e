// JSON Schema for a proto message as the controller holds it after proto-loader
// (keepCase, longs and enums as strings, defaults on): the REST response schema of anything
// relayed from an agent. Derived from the loaded descriptors rather than written by hand, so
// a field added to proto/ shows up in responses and in the OpenAPI document without a
// second edit — a hand copy would make fast-json-stringify silently drop it.
import { Type, type TUnsafe } from '@sinclair/typebox';
import { SwitchyardError } from '../../../shared/errors.js';

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}

interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  options: { mapEntry?: boolean } | null;
}

interface EnumDescriptor {
  value: { name: string }[];
}

interface TypeDefinition {
  format: string;
  type: object;
}

type JsonSchema = Record<string, unknown>;

const SCALARS: Record<string, JsonSchema> = {
  TYPE_STRING: { type: 'string' },
  TYPE_BOOL: { type: 'boolean' },
  TYPE_INT32: { type: 'integer' },
  TYPE_UINT32: { type: 'integer', minimum: 0 },
  TYPE_SINT32: { type: 'integer' },
  TYPE_FIXED32: { type: 'integer', minimum: 0 },
  TYPE_SFIXED32: { type: 'integer' },
  // longs: String in PROTO_LOADER_OPTIONS, so 64-bit integers travel as decimal strings.
  TYPE_INT64: { type: 'string', pattern: '^-?[0-9]+$' },
  TYPE_SINT64: { type: 'string', pattern: '^-?[0-9]+$' },
  TYPE_SFIXED64: { type: 'string', pattern: '^-?[0-9]+$' },
  TYPE_UINT64: { type: 'string', pattern: '^[0-9]+$' },
  TYPE_FIXED64: { type: 'string', pattern: '^[0-9]+$' },
  TYPE_DOUBLE: { type: 'number' },
  TYPE_FLOAT: { type: 'number' },
};

function isDefinition(v: unknown): v is TypeDefinition {
  return typeof v === 'object' && v !== null && typeof (v as TypeDefinition).format === 'string' && typeof (v as TypeDefinition).type === 'object';
}

/**
 * Resolves `typeName` as protoc does: nested in the message, then outward through the
 * enclosing packages, e.g. `OsFacts` inside `switchyard.v1` is `switchyard.v1.OsFacts`.
 */
function resolve(root: Record<string, unknown>, scope: string[], nested: MessageDescriptor[], typeName: string): MessageDescriptor | TypeDefinition {
  const local = nested.find((n) => n.name === typeName);
  if (local !== undefined) return local;
  const parts = typeName.replace(/^\./, '').split('.');
  const scopes = typeName.startsWith('.') ? [[]] : scope.map((_, i) => scope.slice(0, scope.length - i)).concat([[]]);
  for (const s of scopes) {
    let node: unknown = root;
    for (const p of [...s, ...parts]) node = node === undefined || node === null ? undefined : (node as Record<string, unknown>)[p];
    if (isDefinition(node)) return node;
  }
  throw new SwitchyardError('SY_INTERNAL', `proto type ${typeName} not found from ${scope.join('.')}`);
}

function messageSchema(root: Record<string, unknown>, scope: string[], msg: MessageDescriptor, depth: number): JsonSchema {
  if (depth > 16) return {};
  const properties: Record<string, JsonSchema> = {};
  for (const f of msg.field) {
    let item: JsonSchema;
    let isMap = false;
    if (f.type === 'TYPE_MESSAGE') {
      const target = resolve(root, scope, msg.nestedType, f.typeName);
      const desc = (isDefinition(target) ? target.type : target) as MessageDescriptor;
      if (desc.options?.mapEntry === true) {
        const value = desc.field.find((x) => x.name === 'value')!;
        isMap = true;
        item = { type: 'object', additionalProperties: fieldSchema(root, scope, desc, value, depth + 1) };
      } else {
        item = messageSchema(root, scope, desc, depth + 1);
      }
    } else {
      item = fieldSchema(root, scope, msg, f, depth);
    }
    if (isMap) properties[f.name] = item;
    else if (f.label === 'LABEL_REPEATED') properties[f.name] = { type: 'array', items: item };
    // Unset singular messages come out as null (defaults: true only fills scalars).
    else if (f.type === 'TYPE_MESSAGE') properties[f.name] = { anyOf: [item, { type: 'null' }] };
    else properties[f.name] = item;
  }
  return { type: 'object', properties };
}

function fieldSchema(root: Record<string, unknown>, scope: string[], owner: MessageDescriptor, f: FieldDescriptor, depth: number): JsonSchema {
  const scalar = SCALARS[f.type];
  if (scalar !== undefined) return { ...scalar };
  if (f.type === 'TYPE_ENUM') {
    const target = resolve(root, scope, owner.nestedType, f.typeName);
    const values = isDefinition(target) ? (target.type as EnumDescriptor).value.map((v) => v.name) : [];
    return { type: 'string', enum: values };
  }
  if (f.type === 'TYPE_MESSAGE') {
    const target = resolve(root, scope, owner.nestedType, f.typeName);
    return messageSchema(root, scope, (isDefinition(target) ? target.type : target) as MessageDescriptor, depth + 1);
  }
  // bytes and anything newer: no constraint, serialized as JSON.stringify would.
  return {};
}

/**
 * The schema of message `fullName` (e.g. `switchyard.v1.Facts`) from a loaded proto package
 * object, typed as `T` for the Fastify type provider.
 */
export function protoMessageSchema<T>(root: object, fullName: string, description?: string): TUnsafe<T> {
  const parts = fullName.split('.');
  const def = resolve(root as Record<string, unknown>, [], [], '.' + fullName);
  if (!isDefinition(def) || !def.format.includes('DescriptorProto') || def.format.includes('Enum')) {
    throw new SwitchyardError('SY_INTERNAL', `${fullName} is not a proto message`);
  }
  const schema = messageSchema(root as Record<string, unknown>, parts.slice(0, -1), def.type as MessageDescriptor, 0);
  return Type.Unsafe<T>(description === undefined ? schema : { ...schema, description });
}

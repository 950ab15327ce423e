// Lists every key a config schema accepts, as dotted paths (`assets.<name>.path`,
// `tokens[].role`), so documentation can be checked against the schema that enforces it.
import type { TSchema } from '@sinclair/typebox';

interface Node {
  properties?: Record<string, Node>;
  patternProperties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  type?: string;
}

export function configKeys(schema: TSchema, prefix = ''): string[] {
  const node = schema as unknown as Node;
  const out = new Set<string>();
  const walk = (n: Node, p: string) => {
    if (n.anyOf) {
      // A union with a scalar member (a secret: string | {env} | {file}) is one key.
      if (n.anyOf.some((m) => !m.properties)) return void out.add(p);
      return n.anyOf.forEach((m) => walk(m, p));
    }
    if (n.properties) {
      for (const [k, v] of Object.entries(n.properties)) {
        const key = p === '' ? k : `${p}.${k}`;
        const before = out.size;
        walk(v, key);
        if (out.size === before) out.add(key);
      }
      return;
    }
    if (n.patternProperties) {
      const inner = Object.values(n.patternProperties)[0];
      if (inner) walk(inner, `${p}.<name>`);
      return;
    }
    if (n.type === 'array' && n.items && (n.items.properties || n.items.anyOf)) walk(n.items, `${p}[]`);
  };
  walk(node, prefix);
  return [...out].sort();
}

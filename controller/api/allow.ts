// Which methods a path answers, for OPTIONS and for a 405 on a method it does not have. The
// router is asked, not a list kept beside it, so the answer cannot drift from what is served.
import type { FastifyInstance } from 'fastify';

/** The methods routes here may use; OPTIONS is answered for every path that has one of them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The `Allow` list of a concrete path (OPTIONS included), or empty when no route has it. */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  const found = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
  return found.length === 0 ? [] : [...found, 'OPTIONS'];
}

/** The path parameters (`id`, `name`) of a concrete path as the routes that have it read them; empty when none does. */
export function pathParams(app: FastifyInstance, path: string): Record<string, string | undefined> {
  for (const method of METHODS) {
    const found = app.findRoute({ method, url: path });
    if (found !== null) return { ...(found.params as Record<string, string | undefined>) };
  }
  return {};
}

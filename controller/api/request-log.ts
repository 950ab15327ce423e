// One log line per answered request, built from plain fields. Fastify's own request logging
// hands pino the request object itself, and the shared logger's scrubber copies objects
// before pino's serializers run, which empties it to `req: {}`; plain fields also let us
// leave out the query string and name the caller.
import type { FastifyInstance } from 'fastify';

export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const line = {
      method: request.method,
      // As the client sent it (`/v1/cutovers/`), like a problem's `instance`, not as rewriteUrl trimmed it for routing.
      path: request.originalUrl.split('?')[0],
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      principal: request.principal?.name ?? null,
    };
    // Liveness probes and scrapes arrive every few seconds; at info they would drown the rest.
    if (request.routeOptions.config.public === true && reply.statusCode < 400) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
  });
}

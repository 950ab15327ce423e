// Builds the controller's REST app; never listens. The server entry owns config loading,
// listening and shutdown; tests call app.inject() on what this returns. Cross-cutting
// concerns (auth, metrics, problem documents, the OpenAPI generator) are installed on the
// root instance so they cover every route; routes are plugins, one per resource.
import { fastify, LogController, type FastifyInstance, type FastifyBaseLogger, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Registry } from 'prom-client';
import type { ControllerConfig } from '../config.js';
import type { Logger } from '../../shared/logger.js';
import { packageVersion } from '../../shared/paths.js';
import { installAuth } from './auth.js';
import { installMetrics } from './metrics.js';
import { installProblemHandlers, problemResponses } from './problem.js';
import { missingResource } from './missing-resource.js';
import { installRequestLog } from './request-log.js';
import { installExpectContinue } from './expect-continue.js';
import { installPublicPath } from './public-path.js';
import { withoutTrailingSlash } from './trailing-slash.js';
import type { AgentsPort, RuntimeParityPort } from './ports.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { agentsRoutes } from './routes/agents.js';
import { parityRoutes } from './routes/parity.js';
import { cutoverRoutes, type CutoversPort } from './routes/cutovers/index.js';
import { ttlLimitsByProvider } from '../dns/ttl-limits.js';
import { cachePurgerNames } from '../dns/registry.js';

export interface ApiDeps {
  config: ControllerConfig;
  logger: Logger;
  agents: AgentsPort;
  parity: RuntimeParityPort;
  /** The cutover engine; without it the /v1/cutovers routes are not registered. */
  cutovers?: CutoversPort;
  /** Time between keep-alive comments on event streams (default 15 s). */
  sseHeartbeatMs?: number;
  /** Where metrics go; a fresh registry when absent (tests build many apps). */
  registry?: Registry;
}

export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The API version prefix; later resources (cutovers) register under it too. */
export const API_PREFIX = '/v1';

/**
 * Fastify's own Ajv compiler, twice over the same options: query, path and header values arrive
 * as text, so "300" must read as 300 and "false" as false there; a JSON body already carries its
 * types, and coercing them made {"force": 1} a forced re-run of a step that is not idempotent and
 * {"reason": ["x"]} a reason. A body field of the wrong type is a 400 naming it instead.
 * Fastify counts this as a custom compiler and so stops lower-casing header schema keys; no
 * route validates headers today, and one that does must write its keys in lower case.
 */
function bodyStrictValidator(): ValidatorFactory {
  const build = AjvCompiler();
  return (externalSchemas, options) => {
    const coercing = build(externalSchemas, options);
    // JTD mode has no coercion to turn off.
    const strict = options?.mode === 'JTD' ? coercing : build(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } });
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
}

export function buildApp(deps: ApiDeps): ApiApp {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'api' });
  const app = fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    // removeAdditional off: a schema that says additionalProperties: false refuses an unknown key
    // (a typo such as "froce") with a 400 naming it, instead of Ajv dropping it without a word.
    // verbose: an error carries the schema it failed, so an unknown key can be answered with the
    // known ones ("did you mean `force`?") and a wrong type with the type that came.
    ajv: { customOptions: { removeAdditional: false, verbose: true } },
    schemaController: { compilersFactory: { buildValidator: bodyStrictValidator() } },
    rewriteUrl: (req) => withoutTrailingSlash(req.url ?? '/'),
  }).withTypeProvider<TypeBoxTypeProvider>();
  const registry = deps.registry ?? new Registry();

  const missing = missingResource(API_PREFIX, deps.agents, deps.cutovers);
  installProblemHandlers(app, missing);
  installAuth(app, deps.config.tokens);
  installMetrics(app, registry);
  installRequestLog(app);
  installPublicPath(app, deps.config.trustedProxies ?? []);
  installExpectContinue(app, missing);

  // Route auth lives in route config; mirror it into the document so it cannot disagree.
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ??= {}) as { security?: unknown[]; description?: string; querystring?: unknown; body?: unknown; hide?: boolean; response?: Record<string | number, unknown> };
    if (route.config?.public === true) schema.security = [];
    else if (route.config?.role === 'operator') schema.description = [schema.description, 'Requires the operator role.'].filter(Boolean).join(' ');
    // A route that takes no query still refuses one: `POST …/rollback?reason=DNS+broken` must
    // not roll back having dropped the reason in silence. Probes (/healthz, /metrics) keep
    // taking whatever a load balancer or scraper appends.
    if (route.config?.public !== true && schema.hide !== true && schema.querystring === undefined) {
      schema.querystring = Type.Object({}, { additionalProperties: false });
      schema.response = { ...problemResponses(400), ...schema.response };
    }
    // Every body has a size limit (1 MiB unless the route sets its own): its 413 is an answer too.
    if (schema.body !== undefined) schema.response = { ...problemResponses(413), ...schema.response };
  });

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchyard controller',
        version: packageVersion(),
        description: 'Errors are application/problem+json (RFC 9457) with a `code` and the `field` at fault.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a token from `switchyard token new`; viewer reads, operator also acts' },
        },
      },
      security: [{ bearer: [] }],
    },
  });

  void app.register(healthRoutes);
  void app.register(metricsRoutes, { registry });
  void app.register(openapiRoutes);
  void app.register(agentsRoutes, { prefix: API_PREFIX, agents: deps.agents });
  void app.register(parityRoutes, { prefix: API_PREFIX, agents: deps.agents, parity: deps.parity });
  if (deps.cutovers !== undefined) {
    const { identity, rootPaths, address, instance } = deps.agents;
    // A plan's own roots compared as the exclusivity check compares them (one agent under two
    // names, where each root lies); a fake directory without these leaves names alone.
    const agentView =
      identity === undefined || rootPaths === undefined
        ? undefined
        : { identity: (n: string) => identity.call(deps.agents, n), rootPaths: (n: string) => rootPaths.call(deps.agents, n), ...(address === undefined ? {} : { address: (n: string) => address.call(deps.agents, n) }), ...(instance === undefined ? {} : { instance: (n: string) => instance.call(deps.agents, n) }) };
    const planContext = () => ({
      agentNames: deps.agents.list().map((a) => a.name),
      dnsProviders: Object.keys(deps.config.dnsProviders),
      dnsTtlLimits: ttlLimitsByProvider(deps.config.dnsProviders),
      cachePurgers: cachePurgerNames(deps.config.dnsProviders),
      ...(agentView === undefined ? {} : { agents: agentView }),
    });
    void app.register(cutoverRoutes, {
      prefix: API_PREFIX,
      cutovers: deps.cutovers,
      planContext,
      ...(deps.sseHeartbeatMs === undefined ? {} : { heartbeatMs: deps.sseHeartbeatMs }),
    });
  }
  return app;
}

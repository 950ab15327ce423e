// The one place where the REST edge turns errors into RFC 9457 problem documents. Every
// error response — ours, Fastify's validation and parser errors, unknown routes and bugs —
// leaves through here, so clients see one shape with a `code` and, where it can be named,
// the `field` of the request that is wrong.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, SwitchyardError, toProblem, type ErrorCode, type Problem } from '../../shared/errors.js';
import { describeFinding } from './validation-message.js';
import { allowedMethods, pathParams } from './allow.js';
import type { MissingResource } from './missing-resource.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(ERRORS), description: 'see the README error table' }),
    field: Type.Optional(Type.String({ description: 'the request field at fault, e.g. staging or plan.site' })),
    instance: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true, description: 'RFC 9457 problem document' },
);

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid; `field` names the part',
  401: 'No or unknown bearer token',
  403: 'The token\'s role may not do this',
  404: 'Not found',
  405: 'The path does not take this method; `Allow` lists those it does',
  409: 'Conflict with the current state',
  413: 'The request body is over the route\'s size limit',
  500: 'Internal error',
  502: 'An agent or provider failed',
  504: 'An agent did not answer in time',
};

type ProblemResponse = { description: string; content: Record<string, { schema: typeof ProblemSchema }> };

/** Problem responses for a route schema, so the OpenAPI document lists them with their media type. */
export function problemResponses(...statuses: number[]): Record<number, ProblemResponse> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse(s)]));
}

/** One problem response, with a description of what it means on this route where the generic one says too little. */
export function problemResponse(status: number, description = STATUS_TEXT[status] ?? 'Error'): ProblemResponse {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}

/**
 * What is wrong with the query, if anything. Fastify validates the body before the query, so
 * `POST …/advance?until=lock` with no body was told a body is required, when the parameter it
 * did send is the mistake (the README: an unknown query parameter is a 400 naming it).
 */
function queryFinding(request: FastifyRequest): { field: string; message: string } | undefined {
  const check = request.getValidationFunction('querystring');
  if (check === undefined || check(request.query) !== false) return undefined;
  const finding = check.errors?.[0];
  return finding === undefined || finding === null ? undefined : describeFinding(finding, 'querystring');
}

/** Errors about a body found while reading it, before the query was validated (see asBodyFault). */
const BODY_FAULTS = new WeakSet<Error>();

/**
 * Marks `err` as found reading or parsing the body, before Fastify validates the query: when the
 * query is wrong too, the answer names the query (README: the query is named first).
 */
export function asBodyFault<E extends Error>(err: E): E {
  BODY_FAULTS.add(err);
  return err;
}

/** The query's fault as the answer, if it has one. */
function queryFault(request: FastifyRequest): SwitchyardError | undefined {
  const q = queryFinding(request);
  return q === undefined ? undefined : new SwitchyardError('SY_VALIDATION', q.message, { field: q.field });
}

/** Fastify's own errors (validation, body parsing) are the client's fault when they carry a 4xx. */
function fromFastifyError(err: FastifyError, request: FastifyRequest): SwitchyardError | undefined {
  // Fastify's parser errors (bad media type, …) come before query validation too, and the query
  // is named first. Not a body over the limit: refused by its Content-Length unread (or cut off
  // part-way), it is a 413 whatever the query, the status a client, proxy or curl acts on (shrink
  // the body); a 400 naming the query sent the caller to fix it, only to be refused again for size.
  if (typeof err.code === 'string' && err.code.startsWith('FST_ERR_CTP_') && err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const query = queryFault(request);
    if (query !== undefined) return query;
  }
  const first = err.validation?.[0];
  if (first !== undefined) {
    const { field, message } = (err.validationContext === 'body' ? queryFinding(request) : undefined) ?? describeFinding(first, err.validationContext);
    return new SwitchyardError('SY_VALIDATION', message, { field });
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    return new SwitchyardError('SY_TOO_LARGE', `body: larger than this route's limit of ${limit === undefined ? 'the server' : bytes(limit)}`, { field: 'body' });
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Content-type parser errors (bad JSON, wrong media type, too large) are about the body.
    const field = typeof err.code === 'string' && err.code.startsWith('FST_ERR_CTP_') ? 'body' : undefined;
    return new SwitchyardError('SY_VALIDATION', err.message, field === undefined ? {} : { field });
  }
  return undefined;
}

function bytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** The path of `url`: the query string cut off, since it may carry values nobody asked to see echoed. */
function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/** The request's path as the controller routes it (a trailing slash already trimmed by rewriteUrl). */
function routedPath(request: FastifyRequest): string {
  return pathOf(request.url);
}

/**
 * `instance`: the path as the client addressed it, with a trusted proxy's prefix in front, so it
 * names the resource the client can ask for again, like Location does. The URL from before
 * rewriteUrl: `GET /v1/cutovers/nope/` is answered for `/v1/cutovers/nope/`, not the routed path.
 */
function instanceOf(request: FastifyRequest): string {
  const path = pathOf(request.originalUrl);
  // An app built without installPublicPath (the decorator is absent) has no prefix to add.
  return typeof request.publicPath === 'function' ? request.publicPath(path) : path;
}

export function installProblemHandlers(app: FastifyInstance, missing: MissingResource = () => undefined): void {
  app.setErrorHandler((err: FastifyError | SwitchyardError | Error, request, reply) => {
    const known = err instanceof SwitchyardError ? ((BODY_FAULTS.has(err) ? queryFault(request) : undefined) ?? err) : fromFastifyError(err as FastifyError, request);
    if (known !== undefined) {
      const problem = toProblem(known, instanceOf(request));
      if (problem.status >= 500) request.log.error({ err: known }, known.message);
      else request.log.info({ code: known.code, field: known.field }, known.message);
      return sendProblem(reply, problem);
    }
    // A bug: log everything, answer nothing the client could use to probe internals.
    request.log.error({ err }, 'unhandled error');
    const internal = new SwitchyardError('SY_INTERNAL', `internal error; the controller log has the details under request id ${request.id}`);
    return sendProblem(reply, toProblem(internal, instanceOf(request)));
  });

  const unrouted = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = routedPath(request);
    const instance = instanceOf(request);
    // A path that exists with other methods: say which (RFC 9110 OPTIONS and 405), not "no route".
    const allow = allowedMethods(app, path);
    if (allow.length > 0) {
      // `/v1/cutovers/co_typo/advance` has the shape of a route, not a cutover behind it.
      const absent = missing(path, pathParams(app, path));
      if (absent !== undefined) {
        request.log.info({ code: absent.code, field: absent.field }, absent.message);
        return sendProblem(reply, toProblem(absent, instance));
      }
      void reply.header('allow', allow.join(', '));
      if (request.method === 'OPTIONS') return reply.code(204).send();
      // The detail names the path as the client addressed it, like `instance`: behind a proxy the bare one is not theirs.
      const err = new SwitchyardError('SY_METHOD_NOT_ALLOWED', `${instance} does not take ${request.method}; it takes ${allow.join(', ')}`);
      return sendProblem(reply, toProblem(err, instance));
    }
    const err = new SwitchyardError('SY_NOT_FOUND', `no route ${request.method} ${instance}`);
    return sendProblem(reply, toProblem(err, instance));
  };
  app.setNotFoundHandler(unrouted);
  // A path or method no route has is answered before its body is read, after auth (onRequest):
  // Fastify's 404 route reads and parses a body as a route does, so a POST to a typo'd path was
  // told its body was not JSON (or its media type unknown) instead of 404, and under
  // `Expect: 100-continue`, which no route here answers for it, the 404 or 405 waited for a body
  // the client held back — curl's second of waiting, a client that waits for the 100 hung — and
  // then closed the connection, the body read for nothing. Now the answer goes at once; a body
  // sent along is discarded by Node, and one held back under Expect is never asked for, so that
  // answer says `Connection: close` (expect-continue).
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!request.is404) {
      done(null, payload);
      return;
    }
    // Answered here, so `done` is not called: nothing after this hook runs.
    unrouted(request, reply);
  });
}

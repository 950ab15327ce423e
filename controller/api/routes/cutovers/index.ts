// Cutovers over REST: create from a plan, read, advance, roll back, release, lower the TTL
// ahead, watch as Server-Sent Events, and the report. Reads need a viewer token, everything
// that acts an operator token; the engine writes every action to the audit log under the
// token's name.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyContextConfig, FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../auth.js';
import { asBodyFault, problemResponse, problemResponses } from '../../problem.js';
import type { CutoverEngine } from '../../../cutover/machine.js';
import { parsePlan, PlanSchema, type PlanContext } from '../../../cutover/plan.js';
import { FINAL_STATES, STEP_NAMES } from '../../../cutover/states.js';
import { CutoverViewSchema } from '../../../cutover/view.js';
import { resumeAfter, streamEvents } from './sse.js';
import { reportHtmlRoutes } from './report-html.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { compressedBodyFault, readJsonBody, requiredBodyFault, sentBody } from '../../json-body.js';

/** What these routes need of the engine; tests may pass a fake with the same shape. */
export type CutoversPort = Pick<CutoverEngine, 'create' | 'get' | 'list' | 'advance' | 'rollback' | 'release' | 'prepare' | 'report' | 'history' | 'events' | 'idle'>;

export interface CutoverRoutesOptions {
  cutovers: CutoversPort;
  /** Agent and DNS provider names a plan may use, read per request so a reload is seen. */
  planContext: () => PlanContext;
  /** Time between SSE keep-alive comments (default 15 s). */
  heartbeatMs?: number;
}

/** Most cutovers on one page of GET /v1/cutovers; the rest are a `next` away. */
const MAX_PAGE = 500;

/** Largest plan body: ~100k redirect rows. */
export const PLAN_BODY_LIMIT = 16 * 1024 * 1024;

// Query schemas refuse unknown parameters: `?folow=false` taken for a follow would keep a
// script's stream open forever, `?limt=5` would answer fifty without a word.
const operator: FastifyContextConfig = { role: 'operator' };
const PLAN_BODY = 'the plan (site, staging, production, dns, checks, …)';
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'cutover id, e.g. co_3f9a…' }) });

const AdvanceBody = Type.Object(
  {
    until: Type.String({ description: `the last step to run: ${STEP_NAMES.join(', ')}` }),
    force: Type.Optional(Type.Boolean({ description: 're-run an interrupted step that is not idempotent, after checking it by hand' })),
  },
  { additionalProperties: false },
);

const RollbackBody = Type.Union(
  [Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }), Type.Null()],
  { description: 'optional; a bare POST with no body rolls back too' },
);

const PrepareResultSchema = Type.Object({
  previousTtl: Type.Union([Type.Integer(), Type.Null()]),
  ttl: Type.Integer(),
  changed: Type.Boolean(),
  lowSince: Type.Union([Type.String(), Type.Null()], { description: 'since when the controller has seen the TTL at or below checks.maxTtl' }),
  switchNotBefore: Type.Union([Type.String(), Type.Null()], { description: 'lowSince + checks.ttlLeadHours' }),
});

const ReportSchema = Type.Object(
  {
    generatedAt: Type.String(),
    cutover: Type.Unknown(),
    timings: Type.Unknown(),
    steps: Type.Unknown(),
    parity: Type.Unknown({ description: 'runtime, database and assets parity tables' }),
    preflightChecks: Type.Unknown(),
    validation: Type.Unknown(),
    postSwitchValidation: Type.Unknown({ description: 'the validation checks re-run after propagation, through the address DNS answered' }),
    dns: Type.Unknown({ description: 'the change and the record sets as they were before it' }),
    propagation: Type.Unknown({ description: 'answer, remaining TTL and latency per resolver' }),
    monitor: Type.Unknown(),
    fallback: Type.Unknown({ description: '{until, expired, ended: {by: rollback|release, at} or null, open, note?}: open while staging is held read-only and ready to go back to; note says why it is not when the window holds nothing (a plan with neither database nor assets)' }),
    audit: Type.Unknown(),
  },
  { additionalProperties: true },
);

export const cutoverRoutes: FastifyPluginAsyncTypebox<CutoverRoutesOptions> = async (app, opts) => {
  const { cutovers, planContext } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const streams = new Set<() => void>();
  // Before the server waits for open connections to finish: event streams only end when told.
  app.addHook('preClose', async () => {
    for (const stop of streams) stop();
  });

  // `curl -X POST -H 'Content-Type: application/json' URL` with no data must still roll back,
  // and curl sends -d data as application/x-www-form-urlencoded unless told otherwise (-d '' is a
  // body of that type too): at 3 a.m. neither may stand between an operator and a rollback. An
  // empty body of any type is no body; any other body must be JSON, whatever its label says, and
  // is read by one parser so every label is refused in the same words (readJsonBody).
  const anyType = (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void => {
    let value: unknown;
    try {
      value = readJsonBody(request, body);
    } catch (err) {
      done(asBodyFault(err as Error), undefined);
      return;
    }
    done(null, value);
  };
  // A compressed body is refused by its headers, before a byte of it is read or, under
  // `Expect: 100-continue`, asked for (expect-continue answers 100 Continue after this hook).
  app.addHook('preParsing', async (request, _reply, payload) => {
    const fault = compressedBodyFault(request);
    if (fault !== undefined) throw asBodyFault(fault);
    return payload;
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, anyType);
  app.addContentTypeParser('*', { parseAs: 'string' }, anyType);
  // Fastify's own text/plain parser would hand the route a string ("body must be an object, not
  // a string" for '{"reason": …}', and for an empty body too): text/plain is any type here.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, anyType);

  app.post(
    '/cutovers',
    {
      config: { ...operator, requiredBody: PLAN_BODY },
      // A plan carries its redirect map as rows: an SEO map of tens of thousands of URLs is
      // several MiB, well past the 1 MiB every other body is held to.
      bodyLimit: PLAN_BODY_LIMIT,
      schema: {
        tags: ['cutovers'],
        summary: 'Create a cutover from a plan',
        body: PlanSchema,
        response: { 201: CutoverViewSchema, ...problemResponses(400, 401, 403, 413) },
      },
      // The plan is checked by parsePlan, which fills defaults, refuses unknown keys instead of
      // dropping them, and knows the configured agents; the schema above documents it.
      validatorCompiler: () => (data) => ({ value: data }),
    },
    async (request, reply) => {
      // No body at all was "key site: expected required property": true, but it read as if one
      // key were missing from a plan that was never sent.
      // Fastify leaves a body never sent as null, which a body `null` also is: the headers tell.
      if (request.body === undefined || (request.body === null && !sentBody(request))) throw requiredBodyFault(PLAN_BODY);
      const plan = parsePlan(request.body, planContext());
      const created = cutovers.create(plan, requirePrincipal(request).name);
      return reply.code(201).header('location', request.publicPath(`${request.url.split('?')[0]}/${created.id}`)).send(created);
    },
  );

  app.get(
    '/cutovers',
    {
      schema: {
        tags: ['cutovers'],
        summary: 'Cutovers, newest first, a page at a time',
        description: 'When more follow, `next` (also a `Link: <…>; rel="next"` header) is the URL of the next page; a cutover created meanwhile does not shift the pages after the first.',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50, description: 'cutovers per page' }),
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            cutovers: Type.Array(CutoverViewSchema),
            next: Type.Union([Type.String(), Type.Null()], { description: 'path and query of the next page as the client addresses it (a trusted proxy\'s X-Forwarded-Prefix in front); null on the last' }),
            nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'the cursor in `next`, for a client that builds its own URLs' }),
          }),
          ...problemResponses(400, 401),
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      // One more than asked: whether it comes back says if there is a next page, without a count.
      const rows = cutovers.list(limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      if (rows.length <= limit || last === undefined) return { cutovers: page, next: null, nextCursor: null };
      const nextCursor = encodeCursor({ createdAt: last.createdAt, id: last.id });
      const next = request.publicPath(`${request.url.split('?')[0]}?limit=${limit}&cursor=${nextCursor}`);
      void reply.header('link', `<${next}>; rel="next"`);
      return { cutovers: page, next, nextCursor };
    },
  );

  app.get(
    '/cutovers/:id',
    {
      schema: {
        tags: ['cutovers'],
        summary: 'A cutover: state, every step with state, timings, result and error, and its rollback',
        params: IdParams,
        response: { 200: CutoverViewSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => cutovers.get(request.params.id),
  );

  app.post(
    '/cutovers/:id/advance',
    {
      config: operator,
      schema: {
        tags: ['cutovers'],
        summary: 'Run the next steps up to and including `until`; returns at once',
        params: IdParams,
        body: AdvanceBody,
        response: {
          202: CutoverViewSchema,
          ...problemResponses(400, 401, 403, 404),
          409: problemResponse(
            409,
            'Conflict with the current state: a run or rollback of this cutover is in flight, its state forbids the step, or another cutover ' +
              'that has started and is not over (neither planned, completed nor rolled back) shares its staging or production schema (agent and schema), ' +
              'an asset root (agent and root), the staging agent\'s write freeze or the DNS record (provider, zone, name, type); `detail` names that cutover, ' +
              'its state and what they share (`details.blockedBy`): roll it back or release it, then advance again',
          ),
        },
      },
    },
    async (request, reply) => {
      const { until, force } = request.body;
      const started = cutovers.advance(request.params.id, until, requirePrincipal(request).name, force === true ? { force } : {});
      return reply.code(202).send(started.cutover);
    },
  );

  app.post(
    '/cutovers/:id/rollback',
    {
      config: operator,
      schema: {
        tags: ['cutovers'],
        summary: 'Revert DNS if switched, swap tables back if asked, unlock staging; idempotent, safe twice at once',
        params: IdParams,
        body: RollbackBody,
        response: { 202: CutoverViewSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const reason = request.body?.reason;
      const started = cutovers.rollback(request.params.id, reason, requirePrincipal(request).name);
      return reply.code(202).send(started.cutover);
    },
  );

  app.post(
    '/cutovers/:id/release',
    {
      config: operator,
      schema: {
        tags: ['cutovers'],
        summary: 'End the fallback window: fallback → completed',
        description: 'Safe to repeat: a cutover already completed (released) answers 200 as it is, audited as already released, so a script may retry after a lost answer. Any other state but fallback is a 409 saying why.',
        params: IdParams,
        body: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])),
        response: { 200: CutoverViewSchema, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request) => cutovers.release(request.params.id, requirePrincipal(request).name),
  );

  app.post(
    '/cutovers/:id/prepare',
    {
      config: operator,
      schema: {
        tags: ['cutovers'],
        summary: 'Lower the record TTL now, ahead of the switch, so preflight finds it low for ttlLeadHours',
        params: IdParams,
        body: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])),
        response: {
          200: PrepareResultSchema,
          ...problemResponses(401, 403, 404, 502),
          409: problemResponse(
            409,
            'Conflict with the current state: the cutover is over, rolling back or past the switch, or another cutover that has started and is not over ' +
              'holds the same DNS record (provider, zone, name, type); `detail` names that cutover and its state (`details.blockedBy`): roll it back or release it, then prepare again',
          ),
        },
      },
    },
    async (request) => cutovers.prepare(request.params.id, requirePrincipal(request).name),
  );

  app.get(
    '/cutovers/:id/events',
    {
      schema: {
        tags: ['cutovers'],
        summary: 'Server-Sent Events: state and step changes, progress (bytes, rows, files, rate, ETA), rollback',
        description: 'Each event has `id:` = its sequence number; reconnect with Last-Event-ID (or ?after=N) to resume. `?follow=false` sends the stored events and ends; a following stream ends after the cutover reaches a final state (completed, rolled_back).',
        params: IdParams,
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, description: 'send events after this sequence number' })),
          follow: Type.Boolean({ default: true, description: 'keep the stream open for live events' }),
        }, { additionalProperties: false }),
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // A bad header is named before a missing cutover, as a bad query is (validated before this runs).
      const after = resumeAfter(request, request.query.after);
      const current = cutovers.get(id); // 404 as problem+json before the stream starts
      // A cutover already over has only stored events: a client resuming after its last one
      // gets the end at once, not an open stream that will never carry anything — once what is
      // still under way has reported (a release's clean-up runs after `completed` is recorded).
      const over = FINAL_STATES.has(current.state);
      const stop = streamEvents(
        request,
        reply,
        { history: (seq) => cutovers.history(id, seq), live: (seq, signal) => cutovers.events(id, { after: seq, signal }), settled: () => cutovers.idle(id) },
        after,
        { heartbeatMs, follow: request.query.follow, over },
      );
      streams.add(stop);
      reply.raw.on('close', () => streams.delete(stop));
      return reply;
    },
  );

  app.get(
    '/cutovers/:id/report',
    {
      schema: {
        tags: ['cutovers'],
        summary: 'Parity tables, DNS change and propagation, validation, timings, rollback and audit trail',
        params: IdParams,
        response: { 200: ReportSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => cutovers.report(request.params.id),
  );

  await app.register(reportHtmlRoutes, { cutovers });
};

// `Expect: 100-continue` answered by the route, not by Node. curl sends it with any body over
// 1 KiB (`curl -d @big.json`); Node's default answers 100 Continue at once, the client starts
// uploading, and a body over the route's limit is then refused mid-upload: curl may print a
// broken pipe instead of the 413 problem. Here the request goes through routing, auth and the
// route's checks of the headers first, and only a body the route will take is asked for: one
// whose Content-Length is over the limit gets Fastify's 413 (our problem document), a compressed
// one its 400, a cutover that is not there its 404, before a byte of it is sent.
import type { FastifyInstance, preParsingAsyncHookHandler } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { MissingResource } from './missing-resource.js';

const EXPECTING = Symbol('switchyard.expectContinue');
type Marked = IncomingMessage & { [EXPECTING]?: boolean };

export function installExpectContinue(app: FastifyInstance, missing: MissingResource = () => undefined): void {
  // With a listener, Node leaves 100 Continue to us; the request is routed as any other.
  app.server.on('checkContinue', (req: Marked, res) => {
    req[EXPECTING] = true;
    app.routing(req, res);
  });

  // After onRequest (auth: a 401 asks for no body either) and after every other preParsing hook
  // (a route's refusal by the headers alone, such as a compressed body): a route's own hooks run
  // after all hooks added with addHook, so this one is made the last of each route's own.
  const askForBody: preParsingAsyncHookHandler = async (request, reply, payload) => {
    const raw = request.raw as Marked;
    if (raw[EXPECTING] !== true) return payload;
    // `POST /v1/cutovers/co_typo/rollback`: the handler's 404 came only after a 100 Continue and
    // the whole body, which the client uploaded for nothing. The path says what it needs.
    const absent = missing(request.routeOptions.url ?? request.url, request.params as Record<string, string | undefined>);
    if (absent !== undefined) throw absent;
    const length = Number(request.headers['content-length']);
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY;
    // Over the limit: no 100 Continue; Fastify's parser refuses it by its Content-Length before
    // reading anything, and closes the connection, so the body the client holds back is moot.
    if (length > limit) return payload;
    raw[EXPECTING] = false;
    reply.raw.writeContinue();
    return payload;
  };
  app.addHook('onRoute', (route) => {
    const own = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
    route.preParsing = [...own, askForBody];
  });

  // Any other answer given without asking for the body (401, 404, …): the client may still send
  // it, so the connection is not reused for a next request (RFC 9110 §10.1.1).
  app.addHook('onSend', async (request, reply, payload) => {
    if ((request.raw as Marked)[EXPECTING] === true) void reply.header('connection', 'close');
    return payload;
  });
}

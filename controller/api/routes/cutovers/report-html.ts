// GET /v1/cutovers/:id/report.html: the report as a page a person reads in a browser. Same
// data and the same viewer access as the JSON report; the page has no script, and its
// Content-Security-Policy forbids any, so text that came from a web page cannot run.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../../problem.js';
import type { CutoverEngine } from '../../../cutover/machine.js';
import { renderReportHtml } from '../../../report/html.js';

export interface ReportHtmlOptions {
  cutovers: Pick<CutoverEngine, 'report'>;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'cutover id, e.g. co_3f9a…' }) });

export const reportHtmlRoutes: FastifyPluginAsyncTypebox<ReportHtmlOptions> = async (app, opts) => {
  app.get(
    '/cutovers/:id/report.html',
    {
      schema: {
        tags: ['cutovers'],
        summary: 'The report as an HTML page: step timeline, parity tables, findings',
        params: IdParams,
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'text/html' }), ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const html = renderReportHtml(opts.cutovers.report(request.params.id));
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(html);
    },
  );
};

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';

export interface MetricsRoutesOptions {
  registry: Registry;
}

export const metricsRoutes: FastifyPluginAsyncTypebox<MetricsRoutesOptions> = async (app, { registry }) => {
  app.get(
    '/metrics',
    {
      // Public on purpose: Prometheus scrapers carry no bearer token, and the text holds only
      // request counters and process figures, nothing about sites, agents or tokens.
      config: { public: true },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        response: { 200: { description: 'Prometheus text', content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    },
  );
};

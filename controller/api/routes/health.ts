// Liveness: the process answers HTTP. It says nothing about agents (GET /v1/agents does), so
// a restart loop never starts because an agent is down.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['ops'],
        summary: 'Liveness',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'the process is up' }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
};

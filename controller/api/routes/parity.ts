// Runtime parity of two agents, as the preflight step will judge it.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ParityTableSchema } from '../../../shared/parity.js';
import type { AgentsPort, RuntimeParityPort } from '../ports.js';
import { problemResponses } from '../problem.js';
import { assertKnownAgent } from './agents.js';

export interface ParityRoutesOptions {
  agents: AgentsPort;
  parity: RuntimeParityPort;
}

const RuntimeQuery = Type.Object({
  staging: Type.String({ minLength: 1, description: 'staging agent name' }),
  production: Type.String({ minLength: 1, description: 'production agent name' }),
  allowDiffer: Type.Optional(
    Type.Array(Type.String(), {
      description: 'row keys allowed to differ, comma-separated or repeated, e.g. ENV:FOO,mysql.time_zone,php.module.*,php.version~patch',
    }),
  ),
}, { additionalProperties: false, description: 'an unknown parameter (a misspelt allowDiffer) is a 400 naming it, not a table judged without it' });

/** `a,b` and `?x=a&x=b` both mean [a, b]; blanks are dropped. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export const parityRoutes: FastifyPluginAsyncTypebox<ParityRoutesOptions> = async (app, { agents, parity }) => {
  app.get(
    '/parity/runtime',
    {
      schema: {
        tags: ['parity'],
        summary: 'Runtime parity table of a staging and a production agent',
        querystring: RuntimeQuery,
        response: { 200: ParityTableSchema, ...problemResponses(400, 401, 404, 502, 504) },
      },
    },
    async (request) => {
      const { staging, production, allowDiffer } = request.query;
      assertKnownAgent(agents, staging, 'staging');
      assertKnownAgent(agents, production, 'production');
      return parity.compare(staging, production, { allowDiffer: splitList(allowDiffer) });
    },
  );
};

// The configured agents: who they are, whether they answer, and what they run.
import { randomBytes } from 'node:crypto';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SwitchyardError } from '../../../shared/errors.js';
import { loadProto } from '../../../shared/grpc/load.js';
import type { Facts__Output } from '../../../shared/proto-gen/switchyard/v1/Facts.js';
import type { AgentsPort } from '../ports.js';
import { problemResponses } from '../problem.js';
import { protoMessageSchema } from '../schemas/proto-json-schema.js';

export interface AgentsRoutesOptions {
  agents: AgentsPort;
}

const AgentStatus = Type.Object({
  name: Type.String(),
  address: Type.String({ description: 'host:port of the agent gRPC server' }),
  reachable: Type.Boolean(),
  latencyMs: Type.Optional(Type.Number({ minimum: 0, description: 'round trip of the health check' })),
  error: Type.Optional(Type.String({ description: 'why the agent is not reachable' })),
});

/** Names a configured agent or throws 404 naming the request field that carried it. */
export function assertKnownAgent(agents: AgentsPort, name: string, field: string): void {
  if (!agents.list().some((a) => a.name === name)) {
    throw new SwitchyardError('SY_AGENT_UNKNOWN', `no agent named ${JSON.stringify(name)} in the controller config`, { field });
  }
}

export const agentsRoutes: FastifyPluginAsyncTypebox<AgentsRoutesOptions> = async (app, { agents }) => {
  const FactsSchema = protoMessageSchema<Facts__Output>(loadProto(), 'switchyard.v1.Facts', 'Runtime facts reported by the agent');

  app.get(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        summary: 'Configured agents and whether each answers now',
        response: { 200: Type.Object({ agents: Type.Array(AgentStatus) }, { description: 'every configured agent, in config order' }), ...problemResponses(401, 500) },
      },
    },
    async () => {
      const list = agents.list();
      // One slow agent must not hide the others' state: ask all at once, and a failing check
      // is that agent's answer, not the request's.
      const health = await Promise.allSettled(list.map((a) => agents.health(a.name)));
      return {
        agents: list.map((a, i) => {
          const h = health[i]!;
          return h.status === 'fulfilled'
            ? { name: a.name, address: a.address, ...h.value }
            : { name: a.name, address: a.address, reachable: false, error: h.reason instanceof Error ? h.reason.message : String(h.reason) };
        }),
      };
    },
  );

  app.get(
    '/agents/:name/facts',
    {
      schema: {
        tags: ['agents'],
        summary: 'Runtime facts of one agent (env values only as salted digests)',
        params: Type.Object({ name: Type.String({ minLength: 1, description: 'agent name from the controller config' }) }),
        response: { 200: FactsSchema, ...problemResponses(401, 404, 502, 504) },
      },
    },
    async (request) => {
      const { name } = request.params;
      assertKnownAgent(agents, name, 'name');
      // A fresh salt per request: digests shown here can be compared within this answer but
      // not across answers, so they reveal nothing over time about low-entropy values.
      return agents.facts(name, randomBytes(16).toString('hex'));
    },
  );
};

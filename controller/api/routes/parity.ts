// Runtime parity of two agents, as the preflight step will judge it.
import { isIP } from 'node:net';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ParityTableSchema } from '../../../shared/parity.js';
import type { AgentsPort, RuntimeParityPort } from '../ports.js';
import { problemResponses } from '../problem.js';
import { assertKnownAgent } from './agents.js';
import { SwitchyardError } from '../../../shared/errors.js';

export interface ParityRoutesOptions {
  agents: AgentsPort;
  parity: RuntimeParityPort;
}

const RuntimeQuery = Type.Object({
  staging: Type.String({ minLength: 1, description: 'staging agent name' }),
  production: Type.String({ minLength: 1, description: 'production agent name' }),
  allowDiffer: Type.Optional(
    Type.Array(Type.String(), {
      description: 'row keys allowed to differ, comma-separated or repeated, e.g. ENV:FOO,mysql.time_zone,php.module.*,php.version~patch; a comma in a cron key\'s schedule (cron.job.root:backup@0,30 * * * *) stays in the key',
    }),
  ),
  stagingHost: Type.Optional(
    Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.-]+$', description: "staging's origin host name (staging.example.com): with productionHost, the nginx server block serving each side's host is compared as web.vhost.* rows" }),
  ),
  productionHost: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.-]+$', description: "production's origin host name (www.example.com); given with stagingHost" })),
  stagingIp: Type.Optional(
    Type.String({ minLength: 1, description: "staging's origin address (the plan's staging.ip, e.g. 127.0.0.2), only with stagingHost and productionHost: a listen on it compares as staging's own address, as in preflight, and it picks the default server nginx answers the host with; without it, a stagingHost that is an IP serves" }),
  ),
  productionIp: Type.Optional(Type.String({ minLength: 1, description: "production's origin address (the plan's production.ip), only with stagingHost and productionHost; as stagingIp" })),
}, { additionalProperties: false, description: 'an unknown parameter (a misspelt allowDiffer) is a 400 naming it, not a table judged without it' });

/** What follows a comma inside a cron schedule: a number, `*`, a month or day name, then schedule text only. */
const SCHEDULE_TAIL = /^\s*(?:\d|\*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)(?![a-z]))[\w*/ #-]*$/i;

/**
 * `a,b` and `?x=a&x=b` both mean [a, b]; blanks are dropped. A comma in the schedule of a cron key
 * (`cron.job.root:backup@0,30 * * * *`) is part of the key: a piece after such a key that reads as
 * the rest of a schedule (`30 * * * *`, `wed`), with no `.` or `:` a key has, joins it.
 */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => {
      const keys: string[] = [];
      for (const piece of v.split(',')) {
        const last = keys.at(-1);
        if (last !== undefined && /^\s*cron\.job\.[^@]*@/.test(last) && SCHEDULE_TAIL.test(piece)) keys[keys.length - 1] = `${last},${piece}`;
        else keys.push(piece);
      }
      return keys;
    })
    .map((v) => v.trim())
    .filter((v) => v !== '');
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
      const { staging, production, allowDiffer, stagingHost, productionHost, stagingIp, productionIp } = request.query;
      // Checked here, not by a schema format: the 400 then says what a bad value is, naming the parameter.
      for (const [field, ip] of [['stagingIp', stagingIp], ['productionIp', productionIp]] as const) {
        if (ip !== undefined && isIP(ip) === 0) throw new SwitchyardError('SY_VALIDATION', `${field}: ${JSON.stringify(ip)} is not an IP address`, { field });
      }
      assertKnownAgent(agents, staging, 'staging');
      assertKnownAgent(agents, production, 'production');
      // One host alone would compare a block with nothing: the table would look judged and not be.
      if ((stagingHost === undefined) !== (productionHost === undefined)) {
        const field = stagingHost === undefined ? 'stagingHost' : 'productionHost';
        throw new SwitchyardError('SY_VALIDATION', `${field} is required with ${field === 'stagingHost' ? 'productionHost' : 'stagingHost'}: server blocks are compared for both sides' hosts or not at all`, { field });
      }
      // An address only says something about a server block: without the hosts it would be dropped unread.
      if (stagingHost === undefined && (stagingIp !== undefined || productionIp !== undefined)) {
        const field = stagingIp !== undefined ? 'stagingIp' : 'productionIp';
        throw new SwitchyardError('SY_VALIDATION', `${field} is used only with stagingHost and productionHost: it is the address of a side's nginx server block, compared only for both hosts`, { field });
      }
      const addresses = { ...(stagingIp === undefined ? {} : { staging: stagingIp }), ...(productionIp === undefined ? {} : { production: productionIp }) };
      const hosts =
        stagingHost === undefined || productionHost === undefined
          ? undefined
          : { staging: stagingHost, production: productionHost, ...(Object.keys(addresses).length === 0 ? {} : { addresses }) };
      return parity.compare(staging, production, { allowDiffer: splitList(allowDiffer), ...(hosts === undefined ? {} : { hosts }) });
    },
  );
};

// The runtime parity table: produced by the controller's comparison, served by
// GET /v1/parity/runtime and printed by the CLI. One TypeBox schema is both the REST
// response schema and, through Static, the TypeScript type.
import { Type, type Static } from '@sinclair/typebox';

export const ParityStatusSchema = Type.Union(
  [Type.Literal('equal'), Type.Literal('differs'), Type.Literal('missing'), Type.Literal('allowed')],
  {
    description:
      'missing: present on one side only; allowed: differs or is on one side only, and the caller allowed it to (or the row is host-specific by nature: hostname, kernel, free space, …); a row a side could not read is differs (not proven equal) with `unreadable: true`',
  },
);
export type ParityStatus = Static<typeof ParityStatusSchema>;

export const ParityRowSchema = Type.Object({
  key: Type.String({ description: 'what is compared, e.g. mysql.time_zone or ENV:APP_KEY' }),
  category: Type.String({ description: 'group of the key, e.g. os, database, php, env, cron, timer, tls, disk' }),
  staging: Type.Union([Type.String(), Type.Null()], { description: 'value on staging; null when absent' }),
  production: Type.Union([Type.String(), Type.Null()], { description: 'value on production; null when absent' }),
  status: ParityStatusSchema,
  unreadable: Type.Optional(
    Type.Boolean({
      description:
        'a side could not read this key (its tool failed or timed out, its database was unreachable; see the table\'s `unreadable`): status is differs, the value shown there is `unknown`, and nothing was compared',
    }),
  ),
});
export type ParityRow = Static<typeof ParityRowSchema>;

export const ParityTableSchema = Type.Object(
  {
    staging: Type.String({ description: 'staging agent name' }),
    production: Type.String({ description: 'production agent name' }),
    rows: Type.Array(ParityRowSchema),
    summary: Type.Object({
      equal: Type.Integer({ minimum: 0 }),
      differs: Type.Integer({ minimum: 0 }),
      missing: Type.Integer({ minimum: 0 }),
      allowed: Type.Integer({ minimum: 0 }),
      unknown: Type.Optional(Type.Integer({ minimum: 0, description: 'rows a side could not read (`unreadable: true`), also counted in differs; absent from older tables' })),
    }),
    unreadable: Type.Optional(
      Type.Array(
        Type.Object({
          side: Type.Union([Type.Literal('staging'), Type.Literal('production')]),
          agent: Type.String(),
          what: Type.String({ description: 'what could not be read, e.g. "apache modules (/usr/sbin/apache2ctl)"' }),
          error: Type.String({ description: 'why, as the agent reported it' }),
        }),
        { description: 'sources a side could not read; their rows are differs with `unreadable: true`, not compared' },
      ),
    ),
  },
  { description: 'one row per compared key, with a count per status' },
);
export type ParityTable = Static<typeof ParityTableSchema>;

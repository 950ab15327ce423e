import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp } from '../helpers/api-app.js';
import { loadProto } from '../../shared/grpc/load.js';
import { protoMessageSchema } from '../../controller/api/schemas/proto-json-schema.js';

interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[];
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  security: Record<string, unknown[]>[];
};

test('the OpenAPI document is public and describes the routes, parameters and bearer auth', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as Doc;
  assert.match(doc.openapi, /^3\./);
  assert.equal(doc.components.securitySchemes.bearer?.type, 'http');
  assert.equal(doc.components.securitySchemes.bearer?.scheme, 'bearer');
  assert.deepEqual(doc.security, [{ bearer: [] }]);

  assert.ok(doc.paths['/v1/agents']?.get, 'GET /v1/agents is listed');
  assert.ok(doc.paths['/v1/agents/{name}/facts']?.get, 'GET /v1/agents/{name}/facts is listed');
  const parity = doc.paths['/v1/parity/runtime']?.get;
  assert.ok(parity, 'GET /v1/parity/runtime is listed');
  const query = Object.fromEntries((parity.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.required === true]));
  assert.deepEqual(query, { staging: true, production: true, allowDiffer: false, stagingHost: false, productionHost: false, stagingIp: false, productionIp: false });
  const table = parity.responses['200']?.content?.['application/json']?.schema as { properties: Record<string, unknown> };
  assert.deepEqual(Object.keys(table.properties).sort(), ['production', 'rows', 'staging', 'summary', 'unreadable']);
  assert.ok(parity.responses['400']?.content?.['application/problem+json'], 'errors are documented as problem+json');

  // Public routes say so; everything else inherits the bearer requirement.
  assert.deepEqual(doc.paths['/healthz']?.get?.security, []);
  assert.deepEqual(doc.paths['/metrics']?.get?.security, []);
  assert.equal(doc.paths['/v1/agents']?.get?.security, undefined);
  assert.equal(doc.paths['/openapi.json'], undefined, 'the document does not list itself');
});

test('the facts response schema follows the proto, 64-bit integers as strings and maps as objects', async (t) => {
  const schema = protoMessageSchema(loadProto(), 'switchyard.v1.Facts') as unknown as {
    properties: Record<string, { type?: string; anyOf?: { properties?: Record<string, Record<string, unknown>> }[]; items?: { properties: Record<string, Record<string, unknown>> } }>;
  };
  assert.deepEqual(Object.keys(schema.properties), ['agent_name', 'collected_at', 'os', 'database', 'php', 'web_servers', 'env', 'tls', 'disks', 'notes', 'env_unreadable', 'locale', 'php_fpm', 'cron', 'run_parts', 'timers']);
  assert.deepEqual(schema.properties.disks?.items?.properties.free_bytes, { type: 'string', pattern: '^[0-9]+$' });
  assert.deepEqual(schema.properties.env?.items?.properties.digest, { type: 'string' });
  const database = schema.properties.database?.anyOf?.[0]?.properties;
  assert.deepEqual(database?.variables, { type: 'object', additionalProperties: { type: 'string' } });
  assert.deepEqual(schema.properties.database?.anyOf?.[1], { type: 'null' });
  assert.throws(() => protoMessageSchema(loadProto(), 'switchyard.v1.NoSuchMessage'), /not found/);

  const app = await buildTestApp(t);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as Doc;
  const facts = doc.paths['/v1/agents/{name}/facts']?.get?.responses['200']?.content?.['application/json']?.schema as { properties: Record<string, unknown> };
  assert.ok(facts.properties.env, 'the document carries the derived facts schema');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ERRORS, SwitchyardError, toProblem, toGrpcError, fromGrpcError, type ErrorCode } from '../../shared/errors.js';
import { packageRoot } from '../../shared/paths.js';

test('every error code maps to problem+json with its HTTP status and the bad field', () => {
  const p = toProblem(new SwitchyardError('SY_VALIDATION', 'plan.site: required', { field: 'site' }), '/v1/cutovers');
  assert.equal(p.status, 400);
  assert.equal(p.code, 'SY_VALIDATION');
  assert.equal(p.field, 'site');
  assert.equal(p.detail, 'plan.site: required');
  assert.match(p.type, /sy-validation$/);
});

test('the error code survives a gRPC round trip through metadata, not message text', () => {
  const wire = toGrpcError(new SwitchyardError('SY_PATH_UNSAFE', 'path ../x escapes the root', { field: 'path' }));
  assert.equal(wire.code, GrpcStatus.INVALID_ARGUMENT);
  const back = fromGrpcError({ code: wire.code, details: 'anything at all', metadata: wire.metadata });
  assert.equal(back.code, 'SY_PATH_UNSAFE');
  assert.equal(back.field, 'path');
  const unavailable = fromGrpcError({ code: GrpcStatus.UNAVAILABLE, details: 'connect ECONNREFUSED' });
  assert.equal(unavailable.code, 'SY_AGENT_UNREACHABLE');
});

test('the details of an error survive the gRPC round trip (any text, as UTF-8); details too large for a header stay behind', () => {
  const details = { errno: 'ENOSPC', root: 'uploads', path: 'fotos/año 2024/日本.jpg' };
  const wire = toGrpcError(new SwitchyardError('SY_FILESYSTEM', 'no space left on device', { details }));
  const back = fromGrpcError({ code: wire.code, details: 'x', metadata: wire.metadata });
  assert.equal(back.code, 'SY_FILESYSTEM');
  assert.deepEqual(back.details, details);
  assert.deepEqual(toProblem(back).details, details);
  const big = toGrpcError(new SwitchyardError('SY_CONFLICT', 'collisions', { details: { collisions: Array.from({ length: 500 }, (_, i) => `row ${i}`) } }));
  const bigBack = fromGrpcError({ code: big.code, details: 'collisions', metadata: big.metadata });
  assert.equal(bigBack.code, 'SY_CONFLICT');
  assert.equal(bigBack.details, undefined);
});

test('every error code is documented in the README error table', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const missing = (Object.keys(ERRORS) as ErrorCode[]).filter((c) => !readme.includes(`\`${c}\``));
  assert.deepEqual(missing, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import { callerRole, guardControllerOnly } from '../../agent/caller-role.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const callFrom = (ekus: string[] | undefined) => ({ getAuthContext: () => ({ sslPeerCertificate: ekus === undefined ? {} : { ext_key_usage: ekus } }) });

test('only a certificate for client auth alone is the controller', () => {
  assert.equal(callerRole(callFrom([CLIENT_AUTH])), 'controller');
  assert.equal(callerRole(callFrom([SERVER_AUTH, CLIENT_AUTH])), 'agent');
  assert.equal(callerRole(callFrom(['2.5.29.37.0'])), 'agent');
  assert.equal(callerRole(callFrom(undefined)), 'agent');
  assert.equal(callerRole({}), 'agent');
});

test('a handler given under its camelCase name (which grpc-js also accepts) is guarded too', () => {
  const service = loadProto().switchyard.v1.Agent.service;
  let ran = 0;
  const handler = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
    ran++;
    cb(null, {});
  };
  const guarded = guardControllerOnly(service, { runCommand: handler } as unknown as grpc.UntypedServiceImplementation);
  // What grpc-js would serve for RunCommand: the exact name first, then the original (camelCase) one.
  const served = (guarded.RunCommand ?? guarded[service.RunCommand!.originalName as string]) as unknown as (call: unknown, cb: grpc.sendUnaryData<unknown>) => void;
  let refused: grpc.ServiceError | null = null;
  served(callFrom([SERVER_AUTH, CLIENT_AUTH]), (err) => {
    refused = err as grpc.ServiceError | null;
  });
  assert.equal(ran, 0, 'an agent caller ran a controller-only method');
  assert.equal((refused as grpc.ServiceError | null)?.code, grpc.status.PERMISSION_DENIED);
  served(callFrom([CLIENT_AUTH]), () => undefined);
  assert.equal(ran, 1, 'the controller still may');
});

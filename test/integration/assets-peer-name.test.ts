// Errors the production agent relays from the staging agent during an asset pull or proof name
// it the way people know it: by the name in the controller's config (the plan's staging.agent),
// with its address beside it; sent no name (an older controller), they read as before. A fake
// staging on loopback answers as the test says; the production agent is real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromGrpcError, SwitchyardError, toGrpcError } from '../../shared/errors.js';
import type { AssetManifestEntry } from '../../shared/proto-gen/switchyard/v1/AssetManifestEntry.js';
import { CHUNK_SIZE } from '../../agent/assets/chunking.js';
import { withAssetTransfer, type AssetPeer } from '../../controller/cutover/steps/data-agents.js';
import { call, pull } from '../helpers/tree-fixture.js';
import { fakeAssetsStaging, productionFacing } from '../helpers/fake-staging.js';
import { recordingAgents } from '../helpers/recording-agents.js';

const DATA = Buffer.from('hello\n');
const X: AssetManifestEntry = { path: 'x', type: 'file', mode: 0o644, size: DATA.length, mtime_ns: '1700000000000000000', sha256: createHash('sha256').update(DATA).digest(), chunks: Buffer.alloc(0), target: '' };
const UNREADABLE = 'permission denied (EACCES) — make the agent able to read it';

type Handlers = grpc.UntypedServiceImplementation;

/** A staging that lists x and answers its Fetch with "could not read" (EACCES). */
const unreadable: Handlers = {
  TreeDigest: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { digest: 'staging', files: 1 }),
  ListManifest: (c: grpc.ServerWritableStream<unknown, object>) => {
    c.write({ entries: [X], chunk_size: CHUNK_SIZE, summary: { digest: 'staging', files: 1 } });
    c.end();
  },
  Fetch: (c: grpc.ServerDuplexStream<{ request_id: string }, object>) => {
    c.on('data', (req) => c.write({ request_id: req.request_id, end: { status: 'error', error: UNREADABLE, errno: 'EACCES', host: 'stg-host' } }));
    c.on('end', () => c.end());
  },
};

/** A staging whose TreeDigest refuses the token, as one would after the transfer expired. */
const expired: Handlers = {
  TreeDigest: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(toGrpcError(new SwitchyardError('SY_UNAUTHENTICATED', 'transfer token is not valid for root uploads'))),
};

/** A staging whose digest differs and whose listing then fails with an untyped gRPC error. */
const brokenListing: Handlers = {
  TreeDigest: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { digest: 'staging', files: 1 }),
  ListManifest: (c: grpc.ServerWritableStream<unknown, object>) => c.emit('error', { code: grpc.status.INTERNAL, details: 'listing broke' }),
};

async function production(t: { after: (fn: () => Promise<void>) => void }, handlers: Handlers) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-peer-name-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const staging = await fakeAssetsStaging(handlers);
  const { production: p, req } = await productionFacing(t, dir, staging, { path: root });
  return { client: p.client, req, address: staging.address };
}

async function pullError(client: Awaited<ReturnType<typeof production>>['client'], req: object): Promise<SwitchyardError> {
  try {
    await pull(client, req);
  } catch (err) {
    return fromGrpcError(err);
  }
  assert.fail('the pull was expected to fail');
}

async function verifyError(client: Awaited<ReturnType<typeof production>>['client'], req: object): Promise<SwitchyardError> {
  try {
    await call(client.VerifyAssets.bind(client), { ...req, refresh: 'ASSET_REFRESH_STAT' });
  } catch (err) {
    return fromGrpcError(err);
  }
  assert.fail('the proof was expected to fail');
}

test('a file staging could not read: the pull names the staging agent by the name the controller sent, with its address', async (t) => {
  const { client, req, address } = await production(t, unreadable);
  const err = await pullError(client, { ...req, peer_name: 'staging-1' });
  assert.equal(err.message, `staging agent staging-1 (${address}) could not read x: ${UNREADABLE}`);
  assert.equal(err.code, 'SY_FILESYSTEM');
  assert.deepEqual(err.details, { errno: 'EACCES', host: 'stg-host', path: 'x', side: 'staging' }, 'the details cross as they were');
});

test('sent no name (an older controller), a file staging could not read reads as before', async (t) => {
  const { client, req } = await production(t, unreadable);
  for (const name of [undefined, '', '  ']) {
    const err = await pullError(client, name === undefined ? req : { ...req, peer_name: name });
    assert.equal(err.message, `staging could not read x: ${UNREADABLE}`, `peer_name ${JSON.stringify(name)}`);
  }
});

test("an error staging typed itself (its token refused) names it, on a pull and on the proof; the code crosses as it was", async (t) => {
  const { client, req, address } = await production(t, expired);
  const named = { ...req, peer_name: 'staging-1' };
  for (const err of [await pullError(client, named), await verifyError(client, named)]) {
    assert.equal(err.message, `staging agent staging-1 (${address}) TreeDigest: transfer token is not valid for root uploads`);
    assert.equal(err.code, 'SY_UNAUTHENTICATED');
  }
  // Without a name, as before: staging's own message alone.
  assert.equal((await pullError(client, req)).message, 'transfer token is not valid for root uploads');
});

test("staging's listing failing names it, on a pull and on the proof; without a name it says 'staging ListManifest' as before", async (t) => {
  const { client, req, address } = await production(t, brokenListing);
  const named = { ...req, peer_name: 'staging-1' };
  for (const err of [await pullError(client, named), await verifyError(client, named)]) {
    assert.equal(err.message, `staging agent staging-1 (${address}) ListManifest: listing broke`);
  }
  for (const err of [await pullError(client, req), await verifyError(client, req)]) {
    assert.equal(err.message, 'staging ListManifest: listing broke');
  }
});

test("the controller hands the production agent the plan's staging.agent as the asset peer's name", async () => {
  const { deps, asked } = recordingAgents('10.0.0.5:7701');
  const plan = { staging: { agent: 'staging-1' }, production: { agent: 'prod-1' }, assets: [{ staging: 'uploads', production: 'uploads', delete: true }] };
  const peer = await withAssetTransfer(deps, plan as never, plan.assets[0] as never, new AbortController().signal, async (p: AssetPeer) => p);
  assert.equal(peer.peer_name, 'staging-1');
  assert.equal(peer.peer_address, '10.0.0.5:7701');
  assert.deepEqual(asked, ['AuthorizeTransfer', 'RevokeTransfer']);
});

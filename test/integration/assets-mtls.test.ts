// The pull as production runs it: two agents, each with its own certificate from one CA, the
// production agent fetching from the staging agent over mutual TLS (every other asset test runs
// plaintext on loopback). Production's client announces 1 MiB HTTP/2 frames here as on plaintext
// (shared/grpc/large-frames.ts patches http2.connect whatever the scheme); this test checks the bytes, not the frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AssetsService } from '../../agent/assets/service.js';
import { loadProto } from '../../shared/grpc/load.js';
import { silentLogger } from '../../shared/logger.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { TlsFiles } from '../../shared/config/common.js';
import { startTestAgent } from '../helpers/agent-server.js';
import { makePki } from '../helpers/pki.js';
import { call, pull, snapshotTree, writeRandomFile } from '../helpers/tree-fixture.js';

const TOKEN = 'tok-0123456789abcdef-mtls';

test('a pull between two agents over mutual TLS copies every byte, and the delta after it only what changed', async (t) => {
  const pki = await makePki(t);
  const work = mkdtempSync(join(tmpdir(), 'sy-assets-mtls-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const stagingRoot = join(work, 'staging');
  const productionRoot = join(work, 'production');
  mkdirSync(join(stagingRoot, 'media'), { recursive: true });
  mkdirSync(productionRoot);
  writeRandomFile(join(stagingRoot, 'media', 'video.bin'), 24 * 1024 * 1024 + 4321);
  for (let d = 0; d < 4; d++) {
    mkdirSync(join(stagingRoot, `d${d}`));
    for (let f = 0; f < 50; f++) writeRandomFile(join(stagingRoot, `d${d}`, `f${f}.dat`), 100 + ((d * 50 + f) * 977) % 40000);
  }

  const agent = async (name: string, host: string, root: string, tls: TlsFiles) => {
    const assets = { uploads: { path: root, allowExternalSymlinks: false } };
    const service = new AssetsService({ config: { assets, stateFile: join(work, `${name}.sqlite`), tls }, logger: silentLogger(), watch: false });
    t.after(() => service.close());
    return startTestAgent(t, { name, host, tls, config: { assets }, services: [service] });
  };
  const staging = await agent('staging-1', '127.0.0.2', stagingRoot, await pki.issue('staging-1', ['127.0.0.2'], 'both'));
  const production = await agent('prod-1', '127.0.0.3', productionRoot, await pki.issue('prod-1', ['127.0.0.3'], 'both'));

  // The controller's certificate drives both, as a cutover does.
  const controller = await pki.issue('controller', [], 'client');
  const creds = grpc.credentials.createSsl(readFileSync(pki.caPath), readFileSync(controller.key), readFileSync(controller.cert));
  const Assets = loadProto<AssetsProto>().switchyard.v1.Assets;
  const toStaging = new Assets(staging.address, creds);
  const toProduction = new Assets(production.address, creds);
  t.after(() => {
    toStaging.close();
    toProduction.close();
  });
  await call((r, cb) => toStaging.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });
  const req = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', delete: true };

  const first = await pull(toProduction, req);
  assert.equal(first.result.equal, true, 'tree digests equal after the pull');
  assert.equal(Number(first.result.files_copied), 201);
  assert.ok(Number(first.result.bytes_wire) > 24 * 1024 * 1024, `the bytes crossed the TLS channel: ${first.result.bytes_wire}`);
  const a = snapshotTree(stagingRoot);
  const b = snapshotTree(productionRoot);
  assert.equal(b.files, a.files, 'sha256sum of every file');
  assert.equal(b.modes, a.modes, 'types and modes');

  writeRandomFile(join(stagingRoot, 'd1', 'f7.dat'), 3000);
  const second = await pull(toProduction, req);
  assert.equal(second.result.equal, true);
  assert.equal(Number(second.result.files_copied), 1);
  assert.ok(Number(second.result.bytes_wire) < 1024 * 1024, `only the changed file travels: ${second.result.bytes_wire}`);
  assert.equal(snapshotTree(productionRoot).files, snapshotTree(stagingRoot).files);
});

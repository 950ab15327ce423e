// Kill the production agent (SIGKILL, in a child process) in the middle of a pull; the rerun
// must fetch only what is missing, leave no partial file, and end identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { AssetPullEvent__Output } from '../../shared/proto-gen/switchyard/v1/AssetPullEvent.js';
import { ESCAPING_LINKS, call, makeTree, pull, snapshotTree, startAssetsAgent } from '../helpers/tree-fixture.js';

const CHILD = 'SY_ASSETS_RESUME_CHILD';
const TOKEN = 'resume-token-0123456789';

if (process.env[CHILD] !== undefined) {
  // Child: the production agent, until killed.
  const [stateFile, root] = JSON.parse(process.env[CHILD]) as [string, string];
  const agent = await startAssetsAgent('127.0.0.3', stateFile, { uploads: { path: root } });
  process.stdout.write(`${agent.address}\n`);
} else {
  test('production killed mid-pull resumes: no partial file at a final path, received chunks not fetched again', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-resume-'));
    const stagingRoot = join(dir, 'staging');
    const productionRoot = join(dir, 'production');
    makeTree(stagingRoot, { smallFiles: 300, largeFiles: [48 * 1024 * 1024] });
    for (const l of ESCAPING_LINKS) unlinkSync(join(stagingRoot, l));
    const staging = await startAssetsAgent('127.0.0.2', join(dir, 's.sqlite'), { uploads: { path: stagingRoot } });
    t.after(async () => {
      await staging.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });
    const req = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', delete: true, parallelism: 2 };

    const startChild = async () => {
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        env: { ...process.env, [CHILD]: JSON.stringify([join(dir, 'p.sqlite'), productionRoot]) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const proto = loadProto<AssetsProto>();
      return { child, client: new proto.switchyard.v1.Assets(line.trim(), grpc.credentials.createInsecure()) };
    };

    // First run, slowed down, killed once 16 MiB have arrived.
    const first = await startChild();
    const stream = first.client.PullAssets({ ...req, bandwidth_limit_bytes_per_second: 24 * 1024 * 1024 });
    let killedAt = 0;
    await new Promise<void>((resolve) => {
      stream.on('data', (ev: AssetPullEvent__Output) => {
        if (ev.progress && Number(ev.progress.bytes_done) > 16 * 1024 * 1024 && killedAt === 0) {
          killedAt = Number(ev.progress.bytes_done);
          first.child.kill('SIGKILL');
        }
      });
      stream.on('error', () => resolve());
      stream.on('end', () => resolve());
    });
    first.client.close();
    assert.ok(killedAt > 0, 'the pull was killed mid-way');
    // The child may already be gone (and its 'exit' long emitted) by the time the stream ends.
    if (first.child.exitCode === null && first.child.signalCode === null) await once(first.child, 'exit').catch(() => undefined);

    // No partial file at a final path: every regular file is either complete or a .sy-part- temp.
    const stagingSums = new Map(snapshotTree(stagingRoot).files.split('\n').map((l) => [l.slice(66), l.slice(0, 64)]));
    for (const line of snapshotTree(productionRoot).files.split('\n').filter((l) => l !== '')) {
      const path = line.slice(66);
      if (path.split('/').pop()!.startsWith('.sy-part-')) continue;
      assert.equal(line.slice(0, 64), stagingSums.get(path), `${path} is complete or absent`);
    }

    const second = await startChild();
    t.after(() => {
      second.client.close();
      second.child.kill('SIGKILL');
    });
    const { result } = await pull(second.client, req);
    assert.equal(result.equal, true);
    assert.ok(Number(result.bytes_resumed) > 0, 'chunks written before the kill were kept');
    const total = Number(result.staging?.bytes);
    assert.ok(Number(result.bytes_wire) + killedAt / 2 <= total, `rerun fetched ${result.bytes_wire} of ${total} bytes after ${killedAt} had arrived`);
    const a = snapshotTree(stagingRoot);
    const b = snapshotTree(productionRoot);
    assert.equal(b.files, a.files);
    assert.equal(b.modes, a.modes);
    assert.equal(b.links, a.links);
    assert.equal(execFileSync('bash', ['-c', "find . -name '.sy-part-*'"], { cwd: productionRoot, encoding: 'utf8' }).trim(), '');
  });
}

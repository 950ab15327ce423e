// Where an agent's asset roots lie, as its Hello says, kept by the controller's agent directory
// for the one-cutover-per-resource check: two root names for one directory, or a root inside
// another, share files. A real agent over a socket on 127.0.0.1; an "older agent" is a bare
// Agent service whose Hello has no asset_root_paths.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';

function tempTree(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-root-paths-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return realpathSync(dir);
}

test('Hello gives each asset root its real path (through a symlink, a trailing slash, a root not created yet under its nearest existing parent) and the directory keeps it for every name of that address', async (t) => {
  const tree = tempTree(t);
  mkdirSync(join(tree, 'site', 'uploads'), { recursive: true });
  symlinkSync(join(tree, 'site'), join(tree, 'link'));
  const agent = await startTestAgent(t, {
    name: 'prod-1',
    insecure: true,
    config: {
      assets: {
        uploads: { path: join(tree, 'site', 'uploads') },
        viaLink: { path: `${join(tree, 'link', 'uploads')}/` },
        fresh: { path: join(tree, 'link', 'uploads', 'new', 'media') },
      },
    },
  });
  const dir = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: agent.address }, { name: 'prod-1b', address: agent.address }] });
  assert.equal(dir.rootPaths('prod-1'), undefined, 'nothing known before a Hello');

  const hello = await dir.hello('prod-1');
  assert.deepEqual(hello.asset_root_paths, [
    { name: 'fresh', path: join(tree, 'site', 'uploads', 'new', 'media') },
    { name: 'uploads', path: join(tree, 'site', 'uploads') },
    { name: 'viaLink', path: join(tree, 'site', 'uploads') },
  ]);
  const expected = new Map([['fresh', join(tree, 'site', 'uploads', 'new', 'media')], ['uploads', join(tree, 'site', 'uploads')], ['viaLink', join(tree, 'site', 'uploads')]]);
  assert.deepEqual(dir.rootPaths('prod-1'), expected);
  assert.deepEqual(dir.rootPaths('prod-1b'), expected, 'another name for the same address is the same agent');

  // Created later (production's first copy), the root is reported where it now is: asked afresh.
  mkdirSync(join(tree, 'elsewhere'));
  rmSync(join(tree, 'link'));
  symlinkSync(join(tree, 'elsewhere'), join(tree, 'link'));
  mkdirSync(join(tree, 'elsewhere', 'uploads'));
  await dir.hello('prod-1b');
  assert.equal(dir.rootPaths('prod-1')!.get('viaLink'), join(tree, 'elsewhere', 'uploads'));
});

test('an agent before asset_root_paths: the directory knows no paths for it (its roots compare by name, as before)', async (t) => {
  const server = new grpc.Server();
  const handlers = {
    Hello: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, { name: 'old', version: '0.0.9', started_at: new Date().toISOString(), asset_roots: ['uploads', 'media'], commands: [], database_configured: false }),
  };
  server.addService(loadProto().switchyard.v1.Agent.service, handlers as never);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  t.after(() => new Promise<void>((r) => server.tryShutdown(() => r())));
  const dir = testDirectory(t, { insecure: true, agents: [{ name: 'old', address: `127.0.0.1:${port}` }] });
  const hello = await dir.hello('old');
  assert.deepEqual(hello.asset_roots, ['uploads', 'media']);
  assert.deepEqual(hello.asset_root_paths, []);
  assert.equal(dir.rootPaths('old'), undefined);
});

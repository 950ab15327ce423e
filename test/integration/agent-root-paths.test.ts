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
import { FakeWorld, PLAN_CONTEXT, fakeRollback, fakeSteps, newEngine, planInput, tempStore } from '../helpers/cutover-fakes.js';
import { parsePlan } from '../../controller/cutover/plan.js';
import { preflightExecutor } from '../../controller/cutover/steps/preflight.js';
import { SwitchyardError } from '../../shared/errors.js';

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

test("preflight asks its agents Hello, so a later cutover writing into a root inside one of this cutover's roots is refused, naming both roots and their paths", async (t) => {
  const tree = tempTree(t);
  mkdirSync(join(tree, 'site', 'uploads', 'media'), { recursive: true });
  const agent = await startTestAgent(t, {
    name: 'prod-1',
    insecure: true,
    config: { assets: { uploads: { path: join(tree, 'site', 'uploads') }, media: { path: join(tree, 'site', 'uploads', 'media') } } },
  });
  // staging-1 and staging-2 answer nothing (ports 1 and 2): its Hello fails, which preflight's own checks report, not this.
  const dir = testDirectory(t, {
    insecure: true,
    agentTimeoutMs: 1000,
    agents: [{ name: 'staging-1', address: '127.0.0.1:1' }, { name: 'prod-1', address: agent.address }, { name: 'staging-2', address: '127.0.0.1:2' }],
  });
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const preflight = preflightExecutor({ agents: dir, dns: new Map() }, { checks: [] });
  const engine = newEngine(store, { executors: fakeSteps(world, { preflight }), rollback: fakeRollback(world), agents: dir });
  t.after(() => engine.close());

  const context = { ...PLAN_CONTEXT, agentNames: ['staging-1', 'prod-1', 'staging-2'] };
  const a = engine.create(parsePlan(planInput(), context), 'alice');
  assert.equal(dir.rootPaths('prod-1'), undefined);
  assert.equal((await engine.advance(a.id, 'preflight', 'alice').done).state, 'paused');
  assert.equal(dir.rootPaths('prod-1')?.get('media'), join(tree, 'site', 'uploads', 'media'), "A's preflight asked prod-1 where its roots lie");

  const other = planInput();
  other.staging = { agent: 'staging-2', origin: 'https://staging.shop.example.com', ip: '203.0.113.30' };
  other.database = { staging: 'shop_staging', production: 'shop_production' };
  other.assets = [{ staging: 'media', production: 'media', delete: true }];
  other.dns = { provider: 'cf-main', zone: 'example.com', name: 'shop.example.com' };
  const b = engine.create(parsePlan(other, context), 'bob');
  const description = `asset root media (${join(tree, 'site', 'uploads', 'media')}) on agent prod-1 and its asset root uploads (${join(tree, 'site', 'uploads')}) in the other plan: media lies inside uploads`;
  assert.throws(
    () => engine.advance(b.id, 'preflight', 'bob'),
    (err: unknown) => {
      assert.ok(err instanceof SwitchyardError, String(err));
      assert.equal(err.code, 'SY_CONFLICT');
      assert.ok(err.message.includes(`shares ${description} with cutover ${b.id}`), err.message);
      assert.deepEqual(err.details, { blockedBy: [{ id: a.id, state: 'paused', shared: [{ kind: 'assets', description }] }] });
      return true;
    },
  );
  assert.equal(engine.get(b.id).state, 'planned');
});

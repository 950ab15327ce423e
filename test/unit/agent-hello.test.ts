// Hello's asset root paths under a root whose realpath never returns (a hung NFS mount): Hello
// answers within its bound with what it knows, and the hung resolution is not started again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentRpcService } from '../../agent/agent-service.js';
import { AgentConfigSchema } from '../../agent/config.js';
import { validate } from '../../shared/config/load.js';
import { createLogger, silentLogger } from '../../shared/logger.js';

test('a root whose path does not resolve (a hung mount) does not hold Hello past its bound: it is sent without a path, then with one once resolved', async () => {
  const config = validate(AgentConfigSchema, {
    name: 'prod-1',
    listen: { host: '127.0.0.1', port: 0 },
    insecure: true,
    assets: { local: { path: '/srv/site/uploads' }, nfs: { path: '/mnt/nfs/media' } },
  }, 'test agent config');
  let release: (path: string) => void = () => undefined;
  const hung = new Promise<string>((r) => {
    release = r;
  });
  const asked: string[] = [];
  const service = new AgentRpcService({
    config,
    logger: silentLogger(),
    getFacts: async () => ({}),
    rootPathWaitMs: 100,
    resolveRootPath: async (configured) => {
      asked.push(configured);
      return configured.startsWith('/mnt/nfs') ? hung : `/real${configured}`;
    },
  });

  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const hello = await Promise.race([service.hello(), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 1_500).unref())]);
    if (hello === 'hung') assert.fail('Hello did not answer within 1.5 s');
    assert.ok(Date.now() - started < 1_000, `Hello took ${Date.now() - started} ms`);
    assert.deepEqual(hello.asset_root_paths, [{ name: 'local', path: '/real/srv/site/uploads' }], 'the hung root is sent without a path');
    assert.deepEqual(hello.asset_roots, ['local', 'nfs'], 'its name is still there');
  }
  assert.equal(asked.filter((p) => p === '/mnt/nfs/media').length, 1, 'the hung resolution is not started again while it runs');

  // Resolved at last: the next Hello has it.
  release('/real/mnt/nfs/media');
  await new Promise((r) => setImmediate(r));
  const later = await service.hello();
  assert.deepEqual(later.asset_root_paths, [{ name: 'local', path: '/real/srv/site/uploads' }, { name: 'nfs', path: '/real/mnt/nfs/media' }]);
});

test('a hung root is warned about once while it stays hung, not on every Hello; resolved it is logged once, and hung again it is warned about again', async () => {
  const config = validate(AgentConfigSchema, {
    name: 'prod-1',
    listen: { host: '127.0.0.1', port: 0 },
    insecure: true,
    assets: { local: { path: '/srv/site/uploads' }, nfs: { path: '/mnt/nfs/media' }, nfs2: { path: '/mnt/nfs/docs' } },
  }, 'test agent config');
  const out: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void out.push(s) } });
  const lines = (): Array<Record<string, unknown>> => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const warnings = (): Array<Record<string, unknown>> => lines().filter((l) => l.level === 40 && /not resolved in time/.test(String(l.msg)));
  const hangs = new Map<string, (path: string) => void>();
  const service = new AgentRpcService({
    config,
    logger,
    getFacts: async () => ({}),
    rootPathWaitMs: 50,
    resolveRootPath: (configured) =>
      configured.startsWith('/mnt/nfs') ? new Promise<string>((r) => void hangs.set(configured, r)) : Promise.resolve(`/real${configured}`),
  });

  for (let i = 0; i < 4; i++) await service.hello();
  assert.equal(warnings().length, 1, `one warning for four Hellos: ${JSON.stringify(warnings())}`);
  assert.deepEqual(warnings()[0]!.roots, ['nfs', 'nfs2'], 'it names each hung root');

  // nfs comes back; nfs2 stays hung and is still not warned about again.
  hangs.get('/mnt/nfs/media')!('/real/mnt/nfs/media');
  await new Promise((r) => setImmediate(r));
  const resolved = lines().filter((l) => /resolved after all/.test(String(l.msg)));
  assert.deepEqual(resolved.map((l) => [l.root, l.path]), [['nfs', '/real/mnt/nfs/media']]);
  await service.hello();
  assert.equal(warnings().length, 2, 'nfs hangs again on the next Hello: a new warning');
  assert.deepEqual(warnings()[1]!.roots, ['nfs'], 'only the root that hung anew, not nfs2 again');
  await service.hello();
  assert.equal(warnings().length, 2);
});

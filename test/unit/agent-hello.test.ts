// Hello's asset root paths under a root whose realpath never returns (a hung NFS mount): Hello
// answers within its bound with what it knows, and the hung resolution is not started again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentRpcService } from '../../agent/agent-service.js';
import { AgentConfigSchema } from '../../agent/config.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/logger.js';

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

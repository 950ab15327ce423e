// A controller start refused for a mistake in its config leaves nothing behind and says which key
// to fix: the sysadmin's next start must not find a lock from it, nor a bare Node error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SwitchyardError } from '../../shared/errors.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { startController } from '../../controller/run.js';
import type { ControllerConfig } from '../../controller/config.js';
import { tempDir } from '../helpers/cutover-fakes.js';

function configFor(stateFile: string, more: Partial<ControllerConfig> = {}): ControllerConfig {
  return { listen: { host: '127.0.0.1', port: 0 }, stateFile, logLevel: 'silent', insecure: false, agents: [], tokens: [], dnsProviders: {}, resolvers: [], agentTimeoutMs: 1000, ...more };
}

test('a start refused for an unset DNS provider secret leaves no state file and no lock; the next start takes nothing over', async (t) => {
  const file = join(tempDir(t), 'controller.sqlite');
  const unset = `SY_TEST_UNSET_${process.pid}`;
  delete process.env[unset];
  const cf = configFor(file, { dnsProviders: { 'cf-main': { type: 'cloudflare', apiToken: { env: unset }, baseUrl: 'https://api.cloudflare.com/client/v4' } } });
  await assert.rejects(startController(cf, { logger: silentLogger() }), (e: unknown) => e instanceof SwitchyardError && e.code === 'SY_SECRET_UNRESOLVED' && e.message.includes('dnsProviders.cf-main.apiToken'));
  assert.equal(existsSync(file), false, 'no state file made by a start that was refused for its config');

  const out: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void out.push(s) } });
  const next = await startController(configFor(file), { logger });
  t.after(() => next.close());
  assert.doesNotMatch(out.join(''), /took over the state file/, 'the refused start is not taken for a crashed controller');
});

test('a port in use is refused naming listen.port and what to do, and frees the state file', async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const file = join(tempDir(t), 'controller.sqlite');
  await assert.rejects(startController(configFor(file, { listen: { host: '127.0.0.1', port } }), { logger: silentLogger() }), (e: unknown) => {
    assert.ok(e instanceof SwitchyardError, String(e));
    assert.equal(e.code, 'SY_CONFIG_INVALID');
    assert.equal(e.field, 'listen.port');
    assert.equal(e.message, `listen.port: cannot listen: 127.0.0.1:${port} is in use by another process (EADDRINUSE; another controller?); stop it or choose another listen.port`);
    return true;
  });
  const next = await startController(configFor(file), { logger: silentLogger() });
  await next.close();
});

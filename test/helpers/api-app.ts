// Builds the controller REST app for a test with fake ports and two tokens, and closes it
// when the test ends. Requests go through app.inject(): no sockets.
import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { buildApp, type ApiApp } from '../../controller/api/app.js';
import { generateToken, hashToken } from '../../controller/api/auth.js';
import type { AgentsPort, RuntimeParityPort } from '../../controller/api/ports.js';
import { ControllerConfigSchema } from '../../controller/config.js';
import { validate } from '../../shared/config/load.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { fakeAgents, fakeParity } from './api-fakes.js';

export const VIEWER_TOKEN = generateToken();
export const OPERATOR_TOKEN = generateToken();

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export interface TestAppOptions {
  agents?: AgentsPort;
  parity?: RuntimeParityPort;
  logger?: Logger;
  registry?: Registry;
  /** Extra test-only routes, added before the app is ready. */
  extend?: (app: ApiApp) => void;
}

export async function buildTestApp(t: TestContext, opts: TestAppOptions = {}): Promise<ApiApp> {
  const config = validate(
    ControllerConfigSchema,
    {
      tokens: [
        { name: 'alice-viewer', role: 'viewer', hash: hashToken(VIEWER_TOKEN) },
        { name: 'ci-operator', role: 'operator', hash: hashToken(OPERATOR_TOKEN) },
      ],
    },
    'test controller config',
  );
  const app = buildApp({
    config,
    logger: opts.logger ?? silentLogger(),
    agents: opts.agents ?? fakeAgents(),
    parity: opts.parity ?? fakeParity(),
    registry: opts.registry ?? new Registry(),
  });
  opts.extend?.(app);
  t.after(() => app.close());
  await app.ready();
  return app;
}

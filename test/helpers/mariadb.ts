import type { TestContext } from 'node:test';
import { startMariaDb, type MariaDbInstance, type MariaDbOptions } from '../../cli/devenv/mariadb.js';

export type { MariaDbInstance } from '../../cli/devenv/mariadb.js';

/**
 * Starts a private mariadbd for this test (or suite) and stops it afterwards.
 * `ctx` is anything with an `after` hook: a TestContext, or the suite-level `after` wrapped.
 */
export async function withMariaDb(ctx: Pick<TestContext, 'after'> | ((fn: () => Promise<void>) => void), opts: MariaDbOptions): Promise<MariaDbInstance> {
  const db = await startMariaDb(opts);
  const register = typeof ctx === 'function' ? ctx : (fn: () => Promise<void>) => ctx.after(fn);
  register(() => db.stop());
  return db;
}

/** Staging on 127.0.0.2 and production on 127.0.0.3, as two separate servers. */
export async function withTwoMariaDbs(ctx: Pick<TestContext, 'after'> | ((fn: () => Promise<void>) => void), databases: { staging: string[]; production: string[] }, extra?: { staging?: string[]; production?: string[] }) {
  const [staging, production] = await Promise.all([
    withMariaDb(ctx, { host: '127.0.0.2', databases: databases.staging, extraArgs: extra?.staging ?? [] }),
    withMariaDb(ctx, { host: '127.0.0.3', databases: databases.production, extraArgs: extra?.production ?? [] }),
  ]);
  return { staging, production };
}

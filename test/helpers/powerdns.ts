import type { TestContext } from 'node:test';
import { startPowerDns, type PowerDnsInstance, type PowerDnsOptions } from '../../cli/devenv/powerdns.js';

export type { PowerDnsInstance } from '../../cli/devenv/powerdns.js';

/**
 * Starts a private pdns_server for this test (or suite) and stops it afterwards.
 * `ctx` is anything with an `after` hook: a TestContext, or the suite-level `after` wrapped.
 */
export async function withPowerDns(ctx: Pick<TestContext, 'after'> | ((fn: () => Promise<void>) => void), opts: PowerDnsOptions): Promise<PowerDnsInstance> {
  const pdns = await startPowerDns(opts);
  const register = typeof ctx === 'function' ? ctx : (fn: () => Promise<void>) => ctx.after(fn);
  register(() => pdns.stop());
  return pdns;
}

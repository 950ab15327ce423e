// What the database steps tell the operator from the production agent's answers: the agent's
// notes and object lines must reach the step's summary or detail, not stop at the controller.
// The agents are stand-ins answering as a real one would; the steps' own code runs unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/logger.js';
import { syncExecutor } from '../../controller/cutover/steps/sync.js';
import { databaseRollbackPart } from '../../controller/cutover/steps/data-rollback.js';
import type { DataStepDeps } from '../../controller/cutover/steps/data-agents.js';

const logger = createLogger({ level: 'silent' });
const plan = { staging: { agent: 'staging-1' }, production: { agent: 'prod-1' }, database: { staging: 'shop', production: 'shop', rollbackSwap: true } };

/** Agents whose unary calls answer `unary(rpc)` and whose streams send `stream(rpc)`. */
function fakeDeps(answers: { unary?: (rpc: string) => unknown; stream?: (rpc: string) => unknown[] }): DataStepDeps {
  const client = new Proxy({}, {
    get: (_t, rpc: string) => {
      const method = () => Object.assign([...(answers.stream?.(rpc) ?? [])], { cancel: () => undefined });
      return Object.assign(method, { rpcName: rpc });
    },
  });
  const agents = {
    makeClient: () => client,
    get: () => ({ address: '127.0.0.1:1', serverName: '' }),
    call: async (_agent: string, _client: unknown, method: { rpcName: string }) => answers.unary?.(method.rpcName) ?? {},
  };
  return { agents, logger } as unknown as DataStepDeps;
}

test("sync's summary names the objects only production had that it dropped, and where their definitions are kept", async () => {
  const kept = 'its definition kept in shop__sy_last.__sy_kept until release, to re-create by hand (nothing is kept aside for a DB rollback)';
  const parity = {
    equal: false,
    seconds: 1,
    mode: 'guarded',
    objects_differing: ['TRIGGER orders_stamp: extra', `TRIGGER orders_upper: extra — only production had it: dropped, ${kept}`, `VIEW big_orders: extra — only production had it: dropped, ${kept}`],
    tables: [],
    staging_chunks_checked: 0,
    production_chunks_checked: 0,
  };
  const deps = fakeDeps({ stream: (rpc) => (rpc === 'SyncDatabase' ? [{ parity }] : []) });
  const put = new Map<string, unknown>();
  const ctx = { plan, signal: new AbortController().signal, emit: () => undefined, step: () => undefined, record: { put: (k: string, v: unknown) => put.set(k, v) }, logger };
  const res = await syncExecutor(deps).run(ctx as never);
  assert.match(String(res.summary), new RegExp(`; objects only production had, dropped: TRIGGER orders_upper \\[${kept.replace(/[()]/g, '\\$&')}\\], VIEW big_orders \\[`));
  assert.doesNotMatch(String(res.summary), /orders_stamp/, "staging's own object, dropped there, is not production's");
  assert.deepEqual((put.get('database') as { objectsDiffering: string[] }).objectsDiffering, parity.objects_differing);
});

test("the rollback's detail keeps the agent's notes when an older agent reports no served copy", async () => {
  const notes = ["TRIGGER reviews_cap: production's trigger could not be re-created in shop: its definition is kept in shop__sy_last.__sy_kept until release"];
  const deps = fakeDeps({ unary: (rpc) => (rpc === 'RollbackDatabase' ? { tables: ['orders'], served_schema: '', served_tables: [], notes } : {}) });
  const ctx = {
    plan,
    cutover: { id: 'co_1' },
    step: (name: string) => (name === 'presync' ? { state: 'succeeded', result: {} } : undefined),
    // DNS was switched: the agent was asked to keep the live copy.
    store: { dnsSnapshots: { forCutover: () => [{}] } },
    emit: () => undefined,
    logger,
  };
  const res = await databaseRollbackPart(deps).run(ctx as never);
  const detail = (res as { detail: Record<string, unknown> }).detail;
  assert.match(String(detail.liveCopy), /predates keep_live_copy/);
  assert.deepEqual(detail.notes, notes);
});

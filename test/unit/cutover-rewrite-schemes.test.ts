// The rewrite step against a production agent older than rewrite[].schemes: such an agent drops the
// unknown field and rewrites every rule only as written. The agent here is a REAL gRPC server whose
// Database service answers RewriteUrls as that older agent did (its report has no schemes_applied).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { parsePlan } from '../../controller/cutover/plan.js';
import { rewriteExecutor } from '../../controller/cutover/steps/rewrite.js';
import type { StepContext } from '../../controller/cutover/executor.js';
import { SwitchyardError } from '../../shared/errors.js';
import { loadProto } from '../../shared/grpc/load.js';
import { silentLogger } from '../../shared/logger.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import type { RewriteRequest__Output } from '../../shared/proto-gen/switchyard/v1/RewriteRequest.js';
import type { RewriteReport } from '../../shared/proto-gen/switchyard/v1/RewriteReport.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import { stepContextFor } from '../helpers/cutover-fakes.js';

/** A production agent whose RewriteUrls answers `answer(req)`; the requests it got are kept. */
async function productionAgent(t: TestContext, answer: (req: RewriteRequest__Output) => RewriteReport) {
  const requests: RewriteRequest__Output[] = [];
  const service = {
    addToServer(server: grpc.Server): void {
      server.addService(loadProto<DatabaseProto>().switchyard.v1.Database.service, {
        RewriteUrls: (call: grpc.ServerUnaryCall<RewriteRequest__Output, RewriteReport>, cb: grpc.sendUnaryData<RewriteReport>) => {
          requests.push(call.request);
          cb(null, answer(call.request));
        },
      });
    },
  };
  const agent = await startTestAgent(t, { name: 'prod-1', insecure: true, services: [service] });
  const agents = testDirectory(t, { insecure: true, agents: [{ name: 'prod-1', address: agent.address }, { name: 'staging-1', address: agent.address }] });
  return { agents, requests };
}

const report = (dryRun: boolean): RewriteReport => ({ dry_run: dryRun, columns: [], broken: [], values_changed: 0, origins_left: 0, structure_changed: 0, problems: [] });
const older = (req: RewriteRequest__Output) => report(req.dry_run);
const current = (req: RewriteRequest__Output) => ({ ...report(req.dry_run), schemes_applied: req.rules.map((r) => r.schemes || 'all') });

function ctxFor(rewrite: Array<Record<string, unknown>>): StepContext {
  const plan = parsePlan(
    {
      site: 'www.example.test',
      staging: { agent: 'staging-1', origin: 'https://staging.example.test', ip: '127.0.0.2' },
      production: { agent: 'prod-1', origin: 'https://www.example.test', ip: '127.0.0.1' },
      database: { staging: 'shop', production: 'shop' },
      rewrite,
      dns: { provider: 'pdns-test', zone: 'example.test', name: 'www.example.test' },
      checks: { pages: ['/'] },
      fallbackHours: 1,
    },
    { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['pdns-test'] },
  );
  return stepContextFor(plan, 'rewrite');
}

const S = 'https://staging.example.test';
const P = 'https://www.example.test';

test('an agent that ignores schemes is refused on the dry run where a rule asks for all: nothing is rewritten', async (t) => {
  const { agents, requests } = await productionAgent(t, older);
  await assert.rejects(rewriteExecutor({ agents, logger: silentLogger() }).run(ctxFor([{ from: S, to: P }])), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_PRECONDITION');
    assert.equal(err.field, 'rewrite[0].schemes');
    assert.match(err.message, /production agent prod-1 is older than this controller/);
    assert.match(err.message, /https:\/\/staging\.example\.test only as written/);
    assert.match(err.message, /upgrade the agent, or set schemes: exact/);
    return true;
  });
  assert.deepEqual(requests.map((r) => [r.dry_run, r.rules[0]!.schemes]), [[true, 'all']], 'only the dry run was sent');
});

test('the same agent runs a plan whose rules say schemes: exact (what it does) or have no web origin; a current agent runs any', async (t) => {
  const old = await productionAgent(t, older);
  const exact = await rewriteExecutor({ agents: old.agents, logger: silentLogger() }).run(ctxFor([{ from: S, to: P, schemes: 'exact' }, { from: 'mailto:info@staging.example.test', to: 'mailto:info@example.test' }]));
  assert.equal(exact.outcome, undefined, exact.error);
  assert.deepEqual(old.requests.map((r) => r.dry_run), [true, false]);
  const now = await productionAgent(t, current);
  const all = await rewriteExecutor({ agents: now.agents, logger: silentLogger() }).run(ctxFor([{ from: S, to: P }]));
  assert.equal(all.outcome, undefined, all.error);
  assert.deepEqual(now.requests.map((r) => [r.dry_run, r.rules[0]!.schemes]), [[true, 'all'], [false, 'all']]);
});

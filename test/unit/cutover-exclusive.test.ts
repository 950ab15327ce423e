// Two cutovers that share a schema, an asset root, the staging freeze or the DNS record must not
// interleave: advancing one while the other has started and is not over is a 409 naming the
// other, its state and what they share. Creating and rolling back are never refused.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../shared/errors.js';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { sharedResources, type AgentView } from '../../controller/cutover/exclusive.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';
import { makePki } from '../helpers/pki.js';
import { lockedBy } from '../../controller/cutover/steps/lock.js';
import { FakeWorld, PLAN_CONTEXT, fakeRollback, fakeStep, fakeSteps, gate, newEngine, planInput, tempStore, until } from '../helpers/cutover-fakes.js';

// prod-1b, staging-1b and local: other names for agents' addresses (the test of two names for one agent).
const CONTEXT = { ...PLAN_CONTEXT, agentNames: ['staging-1', 'prod-1', 'staging-2', 'prod-2', 'prod-1b', 'staging-1b', 'local'] };

/** Plan A: the helpers' plan (staging-1/staging_db, prod-1/production_db, uploads, www.example.com A). */
const planA = (): Plan => parsePlan(planInput(), CONTEXT);

/** A plan on other agents, schemas, roots and record; `change` puts back what a test wants shared. */
function planB(change: (p: Record<string, unknown>) => void = () => undefined): Plan {
  const p = planInput();
  p.site = 'shop.example.com';
  p.staging = { agent: 'staging-2', origin: 'https://staging.shop.example.com', ip: '203.0.113.30' };
  p.production = { agent: 'prod-2', origin: 'https://shop.example.com', ip: '203.0.113.40' };
  p.database = { staging: 'shop_staging', production: 'shop_production' };
  p.assets = [{ staging: 'media', production: 'media', delete: false }];
  p.rewrite = [{ from: 'https://staging.shop.example.com', to: 'https://shop.example.com' }];
  p.dns = { provider: 'cf-main', zone: 'example.com', name: 'shop.example.com' };
  p.checks = { pages: ['/'], regression: ['prod-2:smoke'] };
  change(p);
  return parsePlan(p, CONTEXT);
}

const refusedFor = (a: string, state: string, resource: RegExp) => (err: unknown) => {
  assert.ok(err instanceof SwitchyardError, String(err));
  assert.equal(err.code, 'SY_CONFLICT');
  assert.equal(err.httpStatus, 409);
  assert.match(err.message, new RegExp(`^cutover ${a} is ${state} and shares `));
  assert.match(err.message, resource);
  assert.ok(
    err.message.endsWith(`roll back cutover ${a} (POST /v1/cutovers/${a}/rollback) or release it (POST /v1/cutovers/${a}/release, once it is in its fallback window), then advance again`),
    err.message,
  );
  return true;
};

/** An engine on fake steps in which A (plan A, by alice) has run up to `step` and paused there. */
async function pausedA(t: TestContext, step: string, agents?: AgentView) {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world), agents });
  t.after(() => engine.close());
  const a = engine.create(planA(), 'alice');
  assert.equal((await engine.advance(a.id, step, 'alice').done).state, 'paused');
  return { store, world, engine, a };
}

/** Creates B from `plan` (by bob): its advance to preflight is refused as `refused` checks, runs no step and leaves it planned. */
function refusedB({ world, engine }: Awaited<ReturnType<typeof pausedA>>, plan: Plan, refused: (err: unknown) => boolean): void {
  const b = engine.create(plan, 'bob');
  const calls = world.calls.length;
  assert.throws(() => engine.advance(b.id, 'preflight', 'bob'), refused);
  assert.equal(world.calls.length, calls, 'no step of B ran');
  assert.equal(engine.get(b.id).state, 'planned');
}

test('sharing only the production schema: B is refused while A is paused past lock, naming A, its state and the schema; B can still be created and rolled back', async (t) => {
  const { store, world, engine, a } = await pausedA(t, 'lock');
  const plan = planB((p) => {
    p.production = { agent: 'prod-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.database = { staging: 'shop_staging', production: 'production_db' };
  });
  assert.deepEqual(sharedResources(planA(), plan).map((r) => r.description), ['database production_db on agent prod-1']);

  const b = engine.create(plan, 'bob');
  assert.equal(b.state, 'planned', 'creating is never refused: planned does nothing');
  const calls = world.calls.length;
  assert.throws(() => engine.advance(b.id, 'preflight', 'bob'), refusedFor(a.id, 'paused', /shares database production_db on agent prod-1 with cutover co_\w+; only one cutover at a time may hold them/));
  assert.equal(world.calls.length, calls, 'no step of B ran');
  assert.equal(engine.get(b.id).state, 'planned');
  assert.equal(engine.get(b.id).running, false);

  const audit = store.audit.forCutover(b.id).filter((r) => r.action === 'advance');
  assert.equal(audit.length, 1);
  assert.equal(audit[0]!.tokenName, 'bob');
  assert.match(String(audit[0]!.detail?.refused), new RegExp(`^cutover ${a.id} is paused`));
  assert.deepEqual(audit[0]!.detail?.blockedBy, [{ id: a.id, state: 'paused', shared: [{ kind: 'database', description: 'database production_db on agent prod-1' }] }]);

  // Rolling B back is never blocked (here it only cancels).
  assert.equal((await engine.rollback(b.id, 'wrong night', 'bob').done).state, 'rolled_back');
  assert.equal(engine.get(a.id).state, 'paused', "A's run is untouched");
});

test('schema names that differ only in case are one schema (lower_case_table_names=1 or 2 makes them so and the controller cannot know the setting): B is refused, naming both spellings', async (t) => {
  const withA = await pausedA(t, 'presync');
  const { a } = withA;
  // B copies into A's production schema written another way, and from A's staging schema (as its production) too.
  const plan = planB((p) => {
    p.production = { agent: 'prod-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.database = { staging: 'shop_staging', production: 'Production_DB' };
  });
  const note = 'schema names that differ only in case are taken as one schema, as lower_case_table_names=1 or 2 makes them';
  const description = `database Production_DB on agent prod-1 (production_db in the other plan: ${note})`;
  assert.deepEqual(sharedResources(plan, planA()), [{ kind: 'database', description }]);
  assert.deepEqual(sharedResources(planA(), plan).map((r) => r.description), [`database production_db on agent prod-1 (Production_DB in the other plan: ${note})`]);
  const crossed = planB((p) => {
    p.production = { agent: 'staging-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.database = { staging: 'shop_staging', production: 'STAGING_db' };
    delete p.assets;
  });
  assert.deepEqual(sharedResources(crossed, planA()).map((r) => r.kind), ['database', 'staging-freeze']);
  assert.match(sharedResources(crossed, planA())[0]!.description, /^database STAGING_db on agent staging-1 \(staging_db in the other plan: /);
  // Another agent's schema of the same name is still another schema.
  assert.deepEqual(sharedResources(planA(), planB((p) => void (p.database = { staging: 'STAGING_DB', production: 'production_db' }))), []);

  refusedB(withA, plan, (err: unknown) => {
    assert.ok(refusedFor(a.id, 'paused', /shares database Production_DB on agent prod-1 \(production_db in the other plan: /)(err));
    assert.deepEqual((err as SwitchyardError).details, { blockedBy: [{ id: a.id, state: 'paused', shared: [{ kind: 'database', description }] }] });
    return true;
  });
});

test('sharing only the DNS record (written another way): B is refused while A has only run preflight', async (t) => {
  const { world, engine, a } = await pausedA(t, 'preflight');
  const plan = planB((p) => {
    p.dns = { provider: 'cf-main', zone: 'Example.COM.', name: 'WWW.example.com.' };
  });
  assert.deepEqual(sharedResources(planA(), plan).map((r) => r.kind), ['dns']);
  const b = engine.create(plan, 'bob');
  assert.throws(() => engine.advance(b.id, 'fallback', 'bob'), refusedFor(a.id, 'paused', /shares DNS record www\.example\.com A in zone example\.com at provider cf-main with cutover /));
  assert.equal(engine.get(b.id).state, 'planned');
  assert.deepEqual(world.calls, ['preflight'], 'only A ran');
});

test("prepare (lowering the TTL ahead) of B is refused while A, which holds the same DNS record, is under way; a schema shared alone does not stop it, and A released it goes ahead", async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const lowered: string[] = [];
  const ttl = { lower: async (dns: Plan['dns'], ttl: number) => (lowered.push(`${dns.name} ${ttl}`), { previousTtl: 3600, ttl, changed: true }) };
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world), ttl });
  t.after(() => engine.close());

  const a = engine.create(planA(), 'alice');
  assert.equal((await engine.advance(a.id, 'fallback', 'alice').done).state, 'fallback');
  const b = engine.create(planB((p) => void (p.dns = { provider: 'cf-main', zone: 'Example.COM.', name: 'WWW.example.com.' })), 'bob');
  await assert.rejects(engine.prepare(b.id, 'bob'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError, String(err));
    assert.equal(err.code, 'SY_CONFLICT');
    assert.equal(err.httpStatus, 409);
    assert.match(err.message, new RegExp(`^cutover ${a.id} is fallback and shares DNS record www\\.example\\.com A in zone example\\.com at provider cf-main with cutover ${b.id}; `));
    assert.ok(err.message.endsWith(`release it (POST /v1/cutovers/${a.id}/release, once it is in its fallback window), then prepare again`), err.message);
    assert.deepEqual(err.details, { blockedBy: [{ id: a.id, state: 'fallback', shared: [{ kind: 'dns', description: 'DNS record www.example.com A in zone example.com at provider cf-main' }] }] });
    return true;
  });
  assert.deepEqual(lowered, [], 'the record was not touched');
  const refused = store.audit.forCutover(b.id).filter((r) => r.action === 'prepare');
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.tokenName, 'bob');
  assert.deepEqual((refused[0]!.detail?.blockedBy as Array<{ id: string }>).map((x) => x.id), [a.id]);

  // Another record, sharing only the production schema with A: prepare touches the record only.
  const c = engine.create(planB((p) => {
    p.production = { agent: 'prod-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.database = { staging: 'shop_staging', production: 'production_db' };
  }), 'carol');
  assert.equal((await engine.prepare(c.id, 'carol')).ttl, 300);

  engine.release(a.id, 'alice');
  assert.equal((await engine.prepare(b.id, 'bob')).ttl, 300);
  assert.deepEqual(lowered, ['shop.example.com 300', 'WWW.example.com. 300']);
});

test('sharing nothing: both advance and interleave freely, each to its fallback window', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world) });
  t.after(() => engine.close());

  const a = engine.create(planA(), 'alice');
  const b = engine.create(planB(), 'bob');
  assert.deepEqual(sharedResources(planA(), planB()), []);
  assert.equal((await engine.advance(a.id, 'lock', 'alice').done).state, 'paused');
  assert.equal((await engine.advance(b.id, 'fallback', 'bob').done).state, 'fallback');
  assert.equal((await engine.advance(a.id, 'fallback', 'alice').done).state, 'fallback');
  assert.ok(store.audit.forCutover(b.id).every((r) => r.detail?.refused === undefined), 'nothing was refused');
});

test("A failed mid-transition with staging frozen: B's lock is refused (it would record the freeze as staging's prior state) until A is rolled back; then B advances and records staging writable", async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const lock = fakeStep(world, 'lock', {
    run: (ctx, w) => {
      ctx.record.put('prior', { readOnly: w.stagingLocked });
      w.stagingLocked = true;
    },
  });
  let failSync = true;
  const sync = fakeStep(world, 'sync', {
    run: () => {
      if (failSync) throw new SwitchyardError('SY_AGENT_UNREACHABLE', 'agent prod-1 did not answer');
    },
  });
  const engine = newEngine(store, { executors: fakeSteps(world, { lock, sync }), rollback: fakeRollback(world) });
  t.after(() => engine.close());

  const a = engine.create(planA(), 'alice');
  assert.equal((await engine.advance(a.id, 'verify', 'alice').done).state, 'failed');
  assert.equal(world.stagingLocked, true, 'A left staging frozen');

  // Someone starts over with a new cutover of the same site instead of rolling A back.
  failSync = false;
  const b = engine.create(planA(), 'bob');
  assert.throws(() => engine.advance(b.id, 'lock', 'bob'), refusedFor(a.id, 'failed', /the write freeze of staging agent staging-1 \(maintenance flag and read_only\)/));
  assert.equal(store.steps.get(b.id, 'lock')!.state, 'pending');

  assert.equal((await engine.rollback(a.id, 'start over', 'alice').done).state, 'rolled_back');
  assert.equal(world.stagingLocked, false);
  const done = await engine.advance(b.id, 'lock', 'bob').done;
  assert.equal(done.state, 'paused', JSON.stringify(done.error));
  assert.deepEqual((done.steps.find((s) => s.name === 'lock')!.result as { evidence: { prior: unknown } }).evidence.prior, { readOnly: false }, "B's rollback will leave staging writable");
  const advances = store.audit.forCutover(b.id).filter((r) => r.action === 'advance');
  assert.deepEqual(advances.map((r) => r.detail?.refused === undefined), [false, true], 'the refusal and then the run are both audited');
});

test('a cutover in its fallback window blocks too, and released (completed) it no longer does', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const engine = newEngine(store, { executors: fakeSteps(world), rollback: fakeRollback(world) });
  t.after(() => engine.close());
  const a = engine.create(planA(), 'alice');
  assert.equal((await engine.advance(a.id, 'fallback', 'alice').done).state, 'fallback');
  const b = engine.create(planA(), 'bob');
  assert.throws(() => engine.advance(b.id, 'preflight', 'bob'), refusedFor(a.id, 'fallback', /asset root uploads on agent prod-1/));
  engine.release(a.id, 'alice');
  assert.equal((await engine.advance(b.id, 'preflight', 'bob').done).state, 'paused');
});

test('a run in flight holds its resources: a second cutover is refused while it runs', async (t) => {
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const hold = gate();
  const engine = newEngine(store, { executors: fakeSteps(world, { presync: fakeStep(world, 'presync', { run: () => hold.promise }) }), rollback: fakeRollback(world) });
  t.after(() => engine.close());
  const a = engine.create(planA(), 'alice');
  const run = engine.advance(a.id, 'presync', 'alice');
  const b = engine.create(planA(), 'bob');
  assert.throws(() => engine.advance(b.id, 'preflight', 'bob'), refusedFor(a.id, 'running', /database staging_db on agent staging-1/));
  hold.open();
  await run.done;
});

test('a watch the restart would resume is not, while another cutover holds a shared resource: it stays interrupted, with a warning and an audited refusal', async (t) => {
  const { store, file } = tempStore(t);
  const world = new FakeWorld();
  const never = gate();
  const first = newEngine(store, { executors: fakeSteps(world, { monitor: fakeStep(world, 'monitor', { run: () => never.promise }) }) });
  const { id } = first.create(planB(), 'bob');
  void first.advance(id, 'fallback', 'bob');
  await until(() => store.steps.get(id, 'monitor')?.state === 'running');
  // A store from before this rule: another cutover of the same record got past preflight meanwhile.
  const other = first.create(planB((p) => void (p.staging = { agent: 'staging-1', origin: 'https://staging.shop.example.com', ip: '203.0.113.30' })), 'alice');
  const at = new Date().toISOString();
  store.steps.finish(other.id, 'preflight', 'succeeded', at, null, null);
  store.cutovers.update(other.id, { state: 'paused' }, at);

  const store2 = CutoverStore.open(file);
  t.after(() => store2.close());
  const world2 = new FakeWorld();
  const second = newEngine(store2, { executors: fakeSteps(world2), rollback: fakeRollback(world2) });
  t.after(() => second.close());
  second.resumeAfterRestart();
  await second.idle();

  assert.equal(world2.count('monitor'), 0, 'the watch did not run next to the other cutover');
  const view = second.get(id);
  assert.equal(view.state, 'interrupted');
  assert.match(view.warnings?.[0]?.message ?? '', new RegExp(`^the watch \\(monitor\\) was not resumed after the restart: cutover ${other.id} is paused and shares database shop_production on agent prod-2`));
  const refused = store2.audit.forCutover(id).filter((r) => r.action === 'advance').at(-1)!;
  assert.equal(refused.tokenName, 'system:recovery');
  assert.match(String(refused.detail?.refused), new RegExp(`roll back cutover ${other.id}`));

  // The way out: roll the other one back; rolling this one back is never refused either.
  assert.equal((await second.rollback(other.id, 'not now', 'alice').done).state, 'rolled_back');
  assert.equal((await second.advance(id, 'fallback', 'bob').done).state, 'fallback');
});

test('what two plans share: schemas and asset roots by agent on either side, the staging freeze, the DNS record', () => {
  const a = planA();
  // The same schema on the same agent is one schema, whichever side each plan has it on.
  const crossed = planB((p) => {
    p.production = { agent: 'staging-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.database = { staging: 'shop_staging', production: 'staging_db' };
    p.assets = [{ staging: 'media', production: 'uploads', delete: false }];
  });
  assert.deepEqual(sharedResources(a, crossed).map((r) => r.description), ['database staging_db on agent staging-1', 'asset root uploads on agent staging-1', 'the write freeze of agent staging-1 (staging of one cutover, production of the other)']);
  // One staging agent is one freeze (its flag file and its server's read_only), whatever the schemas.
  const sameStaging = planB((p) => void (p.staging = { agent: 'staging-1', origin: 'https://staging.shop.example.com', ip: '203.0.113.30' }));
  assert.deepEqual(sharedResources(a, sameStaging).map((r) => r.kind), ['staging-freeze']);
  // ...but a plan that freezes nothing (no database, no assets) does not share it.
  const nothingToFreeze = planB((p) => {
    p.staging = { agent: 'staging-1', origin: 'https://staging.shop.example.com', ip: '203.0.113.30' };
    delete p.database;
    delete p.assets;
    delete p.productionOnlyRows;
  });
  assert.deepEqual(sharedResources(a, nothingToFreeze), []);
  // One plan's staging agent is the other's production agent (other schemas, other roots): the
  // freeze of that agent sets read_only on the server the other copies into.
  const stagingIsProduction = planB((p) => void (p.production = { agent: 'staging-1', origin: 'https://shop.example.com', ip: '203.0.113.40' }));
  assert.deepEqual(sharedResources(a, stagingIsProduction).map((r) => r.description), ['the write freeze of agent staging-1 (staging of one cutover, production of the other)']);
  assert.deepEqual(sharedResources(stagingIsProduction, a).map((r) => r.kind), ['staging-freeze']);
  // The record is the provider, zone, name and type: the AAAA of the same name is another record.
  const aaaa = planB((p) => {
    p.staging = { agent: 'staging-2', origin: 'https://staging.shop.example.com', ip: '2001:db8::30' };
    p.production = { agent: 'prod-2', origin: 'https://shop.example.com', ip: '2001:db8::40' };
    p.dns = { provider: 'cf-main', zone: 'example.com', name: 'www.example.com', type: 'AAAA' };
  });
  assert.deepEqual(sharedResources(a, aaaa), []);
  assert.deepEqual(sharedResources(a, planB()), []);
});

/** Where the agents' roots lie, as their Hello says (`undefined`: an agent before that field). */
function rootsAt(paths: Record<string, Record<string, string> | undefined>): AgentView {
  return { identity: (agent) => agent, rootPaths: (agent) => (paths[agent] === undefined ? undefined : new Map(Object.entries(paths[agent]!))) };
}

test("asset roots on one agent whose directories are one, or one inside the other (by the agent's Hello), are shared under other names: B is refused naming both roots and paths; without paths (an older agent) names alone count", async (t) => {
  const W = '/srv/site/wp-content';
  const agents = rootsAt({
    'prod-1': { uploads: `${W}/uploads`, media: `${W}/uploads/media`, again: `${W}/uploads`, up: `${W}/up`, root: '/' },
    // Another agent with the same directories is another host.
    'prod-2': { uploads: `${W}/uploads`, media: `${W}/uploads/media` },
  });
  const onProd1 = (root: string): Plan => planB((p) => {
    p.production = { agent: 'prod-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.assets = [{ staging: 'media', production: root, delete: true }];
  });
  const inside = `asset root media (${W}/uploads/media) on agent prod-1 and its asset root uploads (${W}/uploads) in the other plan: media lies inside uploads`;
  assert.deepEqual(sharedResources(onProd1('media'), planA(), agents), [{ kind: 'assets', description: inside }]);
  assert.deepEqual(sharedResources(planA(), onProd1('media'), agents).map((r) => r.description), [`asset root uploads (${W}/uploads) on agent prod-1 and its asset root media (${W}/uploads/media) in the other plan: media lies inside uploads`]);
  assert.deepEqual(sharedResources(onProd1('again'), planA(), agents).map((r) => r.description), [`asset root again (${W}/uploads) on agent prod-1 and its asset root uploads (${W}/uploads) in the other plan: one directory`]);
  assert.deepEqual(sharedResources(onProd1('root'), planA(), agents).map((r) => r.description), [`asset root root (/) on agent prod-1 and its asset root uploads (${W}/uploads) in the other plan: uploads lies inside root`]);
  // A shared beginning is not a shared directory: /srv/site/wp-content/up does not hold .../uploads.
  assert.deepEqual(sharedResources(onProd1('up'), planA(), agents), []);
  assert.deepEqual(sharedResources(planB(), planA(), agents), [], 'media on prod-2 and uploads on prod-1 are on two hosts');
  // Without the paths (no Hello yet, or an agent before asset_root_paths): names alone, as before.
  assert.deepEqual(sharedResources(onProd1('media'), planA()), []);
  assert.deepEqual(sharedResources(onProd1('media'), planA(), rootsAt({ 'prod-1': undefined })), []);

  const withA = await pausedA(t, 'presync', agents);
  const { a } = withA;
  refusedB(withA, onProd1('media'), (err: unknown) => {
    assert.ok(refusedFor(a.id, 'paused', new RegExp(`shares asset root media \\(${W}/uploads/media\\) on agent prod-1 and its asset root uploads \\(${W}/uploads\\) in the other plan: media lies inside uploads with cutover `))(err));
    assert.deepEqual((err as SwitchyardError).details, { blockedBy: [{ id: a.id, state: 'paused', shared: [{ kind: 'assets', description: inside }] }] });
    return true;
  });
});

test('two agent names the controller config gives one address are one agent: its schemas, roots and freeze are shared under either name, and the description gives both names and the address', async (t) => {
  const dir = testDirectory(t, {
    insecure: true,
    agents: [
      { name: 'staging-1', address: '127.0.0.1:7701' },
      { name: 'prod-1', address: '127.0.0.2:7701' },
      { name: 'staging-2', address: '127.0.0.3:7701' },
      { name: 'prod-2', address: '127.0.0.4:7701' },
      // Another name for prod-1's host, and one for staging-1's written another way.
      { name: 'prod-1b', address: '127.0.0.2:7701' },
      { name: 'staging-1b', address: 'LocalHost:7701' },
      { name: 'local', address: 'localhost:7701' },
      { name: 'v6', address: '[::1]:7702' },
      { name: 'v6-long', address: '[0:0:0:0:0:0:0:1]:7702' },
    ],
  });
  assert.equal(dir.identity('prod-1b'), dir.identity('prod-1'));
  assert.equal(dir.identity('staging-1b'), dir.identity('local'));
  assert.equal(dir.identity('v6'), dir.identity('v6-long'));
  assert.equal(dir.identity('v6'), 'localhost:7702', '::1 is one of the loopback spellings');
  assert.notEqual(dir.identity('prod-1'), dir.identity('staging-1'));
  // Another port is another agent process: only an address compares, never a host alone.
  assert.notEqual(dir.identity('v6'), dir.identity('local'));

  const viaAlias = parsePlan({ ...planInput(), production: { agent: 'prod-1b', origin: 'https://www.example.com', ip: '203.0.113.20' }, dns: { provider: 'cf-main', zone: 'example.com', name: 'shop.example.com' }, database: { staging: 'other_db', production: 'production_db' }, staging: { agent: 'staging-2', origin: 'https://staging.example.com', ip: '203.0.113.10' } }, CONTEXT);
  const also = '(prod-1 in the other plan: the controller config gives both the address 127.0.0.2:7701)';
  assert.deepEqual(sharedResources(viaAlias, planA(), dir), [
    { kind: 'database', description: `database production_db on agent prod-1b ${also}` },
    { kind: 'assets', description: `asset root uploads on agent prod-1b ${also}` },
  ]);
  assert.deepEqual(sharedResources(viaAlias, planA()), [], 'by name alone they are two agents');
  // One staging host under two names is one freeze.
  const a = parsePlan({ ...planInput(), staging: { agent: 'local', origin: 'https://staging.example.com', ip: '203.0.113.10' } }, CONTEXT);
  const sameStaging = planB((p) => void (p.staging = { agent: 'staging-1b', origin: 'https://staging.shop.example.com', ip: '203.0.113.30' }));
  assert.deepEqual(sharedResources(sameStaging, a, dir).map((r) => r.description), ['the write freeze of staging agent staging-1b (local in the other plan: the controller config gives them LocalHost:7701 and localhost:7701, one address (localhost:7701)) (maintenance flag and read_only)']);

  const withA = await pausedA(t, 'lock', dir);
  refusedB(withA, viaAlias, refusedFor(withA.a.id, 'paused', /shares database production_db on agent prod-1b \(prod-1 in the other plan: the controller config gives both the address 127\.0\.0\.2:7701\), asset root uploads on agent prod-1b /));
});

test('the loopback spellings of one address are one agent (localhost, 127.0.0.1, ::1, ::ffff:127.0.0.1, LOCALHOST): B from localhost:7701 is refused while A froze staging at 127.0.0.1:7701; another port or 127.0.0.2 is another agent', async (t) => {
  const dir = testDirectory(t, {
    insecure: true,
    agents: [
      { name: 'staging-1', address: '127.0.0.1:7701' },
      { name: 'prod-1', address: '127.0.0.2:7702' },
      { name: 'staging-2', address: 'localhost:7701' },
      { name: 'prod-2', address: '127.0.0.3:7703' },
      { name: 'v6', address: '[::1]:7701' },
      { name: 'mapped', address: '[::ffff:127.0.0.1]:7701' },
      { name: 'upper', address: 'LOCALHOST:7701' },
      { name: 'other-port', address: 'localhost:7799' },
      { name: 'other-host', address: '127.0.0.2:7701' },
    ],
  });
  for (const name of ['staging-2', 'v6', 'mapped', 'upper']) assert.equal(dir.identity(name), dir.identity('staging-1'), `${name} is staging-1's agent`);
  assert.notEqual(dir.identity('other-port'), dir.identity('staging-1'));
  assert.notEqual(dir.identity('other-host'), dir.identity('staging-1'));

  const description = 'the write freeze of staging agent staging-2 (staging-1 in the other plan: the controller config gives them localhost:7701 and 127.0.0.1:7701, one address (localhost:7701)) (maintenance flag and read_only)';
  assert.deepEqual(sharedResources(planB(), planA(), dir), [{ kind: 'staging-freeze', description }]);

  const withA = await pausedA(t, 'lock', dir);
  refusedB(withA, planB(), refusedFor(withA.a.id, 'paused', /shares the write freeze of staging agent staging-2 \(staging-1 in the other plan: the controller config gives them localhost:7701 and 127\.0\.0\.1:7701, one address/));
});

test("one agent under two addresses that are not one spelling (on 0.0.0.0, configured as 127.0.0.1 and 127.0.0.2) is one agent once its Hellos report one instance: B is refused naming both names and the instance; before the Hellos, and for an agent before instance_id, the addresses alone count", async (t) => {
  const pki = await makePki(t);
  const agentTls = await pki.issue('agent', ['127.0.0.1', '127.0.0.2'], 'both');
  const controllerTls = await pki.issue('controller', [], 'client');
  const staging = await startTestAgent(t, { name: 'staging-1', host: '0.0.0.0', tls: agentTls, instanceId: '5b0e3c1e-staging' });
  // An agent before instance_id: its Hello reports none.
  const older = await startTestAgent(t, { name: 'prod-1', host: '0.0.0.0', tls: agentTls });
  const dir = testDirectory(t, {
    tls: controllerTls,
    agents: [
      { name: 'staging-1', address: `127.0.0.1:${staging.port}` },
      { name: 'staging-2', address: `127.0.0.2:${staging.port}` },
      { name: 'prod-1', address: `127.0.0.1:${older.port}` },
      { name: 'prod-2', address: `127.0.0.2:${older.port}` },
    ],
  });
  const sharesRoot = planB((p) => void (p.assets = [{ staging: 'media', production: 'uploads', delete: false }]));
  assert.deepEqual(sharedResources(sharesRoot, planA(), dir), [], 'before any Hello: two addresses, two agents');

  await dir.helloAll();
  const freeze = `the write freeze of staging agent staging-2 (staging-1 in the other plan: the controller config gives them 127.0.0.2:${staging.port} and 127.0.0.1:${staging.port}, and both answer Hello as one agent (instance 5b0e3c1e-staging)) (maintenance flag and read_only)`;
  // prod-1 and prod-2 are one process too, but its Hello cannot say so: uploads on each stays two roots.
  assert.deepEqual(sharedResources(sharesRoot, planA(), dir), [{ kind: 'staging-freeze', description: freeze }]);
  assert.equal(dir.instance('staging-1'), '5b0e3c1e-staging');
  assert.equal(dir.instance('staging-2'), '5b0e3c1e-staging');
  assert.equal(dir.instance('prod-1'), undefined, 'an agent before the field reports none');

  const withA = await pausedA(t, 'lock', dir);
  refusedB(
    withA,
    sharesRoot,
    refusedFor(withA.a.id, 'paused', /shares the write freeze of staging agent staging-2 \(staging-1 in the other plan: the controller config gives them 127\.0\.0\.2:\d+ and 127\.0\.0\.1:\d+, and both answer Hello as one agent \(instance 5b0e3c1e-staging\)\)/),
  );
});

/** A view whose root paths a test sets as an agent's Hello would (none known at first). */
function learningView(): AgentView & { learn(agent: string, paths: Record<string, string>): void } {
  const known = new Map<string, Map<string, string>>();
  return {
    identity: (agent) => agent,
    rootPaths: (agent) => known.get(agent),
    learn: (agent, paths) => void known.set(agent, new Map(Object.entries(paths))),
  };
}

const invalidAt = (field: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof SwitchyardError, String(err));
  assert.equal(err.code, 'SY_VALIDATION');
  assert.equal(err.httpStatus, 400);
  assert.equal(err.field, field);
  assert.match(err.message, message);
  return true;
};

test("one plan's own roots that share files are refused naming both: the same root twice (either side), one root on both sides of one agent, and (once the agent said where they lie) one directory or one inside the other", () => {
  const withAssets = (assets: unknown[], change: (p: Record<string, unknown>) => void = () => undefined) => {
    const p = planInput();
    p.assets = assets;
    change(p);
    return p;
  };
  assert.throws(
    () => parsePlan(withAssets([{ staging: 'uploads', production: 'uploads' }, { staging: 'media', production: 'uploads' }]), CONTEXT),
    invalidAt('assets[1].production', /^plan: key assets\[1\]\.production: assets\[0\]\.production and assets\[1\]\.production both name asset root uploads on agent prod-1; each entry of assets needs roots of its own/),
  );
  assert.throws(
    () => parsePlan(withAssets([{ staging: 'uploads', production: 'uploads' }, { staging: 'uploads', production: 'media' }]), CONTEXT),
    invalidAt('assets[1].staging', /assets\[0\]\.staging and assets\[1\]\.staging both name asset root uploads on agent staging-1/),
  );
  // Staging and production under two names of one address: the copy would write into its own source.
  const oneHost: AgentView = { identity: (agent) => (agent === 'prod-1b' ? 'staging-1' : agent), rootPaths: () => undefined, address: () => '127.0.0.1:7701' };
  assert.throws(
    () => parsePlan(withAssets([{ staging: 'uploads', production: 'uploads' }], (p) => void (p.production = { agent: 'prod-1b', origin: 'https://www.example.com', ip: '203.0.113.20' })), { ...CONTEXT, agents: oneHost }),
    invalidAt('assets[0].production', /assets\[0\]\.staging and assets\[0\]\.production both name asset root uploads on agent staging-1 \(prod-1b for assets\[0\]\.production: the controller config gives both the address 127\.0\.0\.1:7701\)/),
  );

  const view = learningView();
  const nested = withAssets([{ staging: 'uploads', production: 'uploads' }, { staging: 'media', production: 'media' }]);
  assert.equal(parsePlan(nested, { ...CONTEXT, agents: view }).assets?.length, 2, 'names alone: two roots');
  view.learn('prod-1', { uploads: '/srv/site/uploads', media: '/srv/site/uploads/media', again: '/srv/site/uploads', up: '/srv/site/up' });
  assert.throws(
    () => parsePlan(nested, { ...CONTEXT, agents: view }),
    invalidAt('assets[1].production', /^plan: key assets\[1\]\.production: asset root media \(\/srv\/site\/uploads\/media\) and asset root uploads \(\/srv\/site\/uploads\) of assets\[0\]\.production, on agent prod-1, lie one inside the other \(media inside uploads\), as the agent's Hello says/),
  );
  assert.throws(
    () => parsePlan(withAssets([{ staging: 'media', production: 'again' }, { staging: 'uploads', production: 'uploads' }]), { ...CONTEXT, agents: view }),
    invalidAt('assets[1].production', /asset root uploads \(\/srv\/site\/uploads\) and asset root again \(\/srv\/site\/uploads\) of assets\[0\]\.production, on agent prod-1, are one directory/),
  );
  // A shared beginning is not a shared directory, and staging-1's roots are on another host.
  assert.equal(parsePlan(withAssets([{ staging: 'uploads', production: 'uploads' }, { staging: 'media', production: 'up' }]), { ...CONTEXT, agents: view }).assets?.length, 2);
});

test("a plan accepted while its agent had not said where its roots lie is checked again when it has: advance is refused (400) once they are known to overlap, and a run that learns it in its preflight stops before presync", async (t) => {
  const view = learningView();
  const nested = planInput();
  nested.assets = [{ staging: 'uploads', production: 'uploads', delete: true }, { staging: 'media', production: 'media', delete: true }];
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const preflight = fakeStep(world, 'preflight', { run: () => view.learn('prod-1', { uploads: '/srv/site/uploads', media: '/srv/site/uploads/media' }) });
  const engine = newEngine(store, { executors: fakeSteps(world, { preflight }), rollback: fakeRollback(world), agents: view });
  t.after(() => engine.close());

  const a = engine.create(parsePlan(nested, { ...CONTEXT, agents: view }), 'alice');
  const done = await engine.advance(a.id, 'sync', 'alice').done;
  assert.deepEqual(world.calls, ['preflight'], 'nothing was copied into the nested roots');
  assert.equal(done.state, 'paused');
  assert.equal(done.error?.code, 'SY_VALIDATION');
  assert.match(done.error?.message ?? '', /^plan: key assets\[1\]\.production: asset root media \(\/srv\/site\/uploads\/media\) and asset root uploads \(\/srv\/site\/uploads\) of assets\[0\]\.production, on agent prod-1, lie one inside the other .*\. Found before step presync/);
  assert.equal(store.steps.get(a.id, 'presync')!.state, 'pending');
  const stopped = store.audit.forCutover(a.id).filter((r) => r.action === 'advance').at(-1)!;
  assert.equal(stopped.tokenName, 'alice');
  assert.equal(stopped.detail?.stoppedBefore, 'presync');

  // Advanced again, it is refused before anything runs.
  assert.throws(() => engine.advance(a.id, 'sync', 'alice'), invalidAt('assets[1].production', /lie one inside the other \(media inside uploads\)/));
  assert.deepEqual(world.calls, ['preflight']);
});

test("a run started while the agent had not said where its roots lie (roots compared by name) is checked again once its preflight has asked: B stops before presync, naming A, the roots and their paths; advanced again it is refused", async (t) => {
  const view = learningView();
  const { store } = tempStore(t);
  const world = new FakeWorld();
  const preflight = fakeStep(world, 'preflight', { run: (ctx) => void (ctx.plan.site === 'shop.example.com' && view.learn('prod-1', { uploads: '/srv/site/uploads', media: '/srv/site/uploads/media' })) });
  const engine = newEngine(store, { executors: fakeSteps(world, { preflight }), rollback: fakeRollback(world), agents: view });
  t.after(() => engine.close());

  const a = engine.create(planA(), 'alice');
  assert.equal((await engine.advance(a.id, 'presync', 'alice').done).state, 'paused');
  // B copies into media on prod-1, which lies inside A's uploads: by name they are two roots.
  const b = engine.create(planB((p) => {
    p.production = { agent: 'prod-1', origin: 'https://shop.example.com', ip: '203.0.113.40' };
    p.assets = [{ staging: 'media', production: 'media', delete: true }];
  }), 'bob');
  const calls = world.calls.length;
  const done = await engine.advance(b.id, 'sync', 'bob').done;
  assert.deepEqual(world.calls.slice(calls), ['preflight'], "B's presync did not copy into A's root");
  assert.equal(done.state, 'paused');
  assert.equal(done.error?.code, 'SY_CONFLICT');
  const shared = 'asset root media (/srv/site/uploads/media) on agent prod-1 and its asset root uploads (/srv/site/uploads) in the other plan: media lies inside uploads';
  assert.ok(done.error?.message.startsWith(`cutover ${a.id} is paused and shares ${shared} with cutover ${b.id}; `), done.error?.message);
  assert.match(done.error?.message ?? '', /Found before step presync/);
  assert.deepEqual((done.error?.details as { blockedBy: unknown }).blockedBy, [{ id: a.id, state: 'paused', shared: [{ kind: 'assets', description: shared }] }]);
  assert.equal(store.steps.get(b.id, 'presync')!.state, 'pending');

  assert.throws(() => engine.advance(b.id, 'sync', 'bob'), refusedFor(a.id, 'paused', /shares asset root media \(\/srv\/site\/uploads\/media\) on agent prod-1 and its asset root uploads/));
  // A started before B: it is not stopped for B's sake once B is out of the way.
  assert.equal((await engine.rollback(b.id, 'shares a root', 'bob').done).state, 'rolled_back');
  assert.equal((await engine.advance(a.id, 'sync', 'alice').done).state, 'paused');
});

test("own roots learnt to overlap only after the DNS switch do not stop the watch: a run that learns them in propagate still runs monitor, and an advance past the switch is not refused", async (t) => {
  const nested = planInput();
  nested.assets = [{ staging: 'uploads', production: 'uploads', delete: true }, { staging: 'media', production: 'media', delete: true }];
  const learnIn = (view: ReturnType<typeof learningView>) => fakeStep(new FakeWorld(), 'propagate', { run: () => view.learn('prod-1', { uploads: '/srv/site/uploads', media: '/srv/site/uploads/media' }) });

  // One run through the switch: the paths arrive while propagate runs, and monitor must still watch.
  {
    const view = learningView();
    const { store } = tempStore(t);
    const world = new FakeWorld();
    const engine = newEngine(store, { executors: fakeSteps(world, { propagate: learnIn(view) }), rollback: fakeRollback(world), agents: view });
    t.after(() => engine.close());
    const a = engine.create(parsePlan(nested, { ...CONTEXT, agents: view }), 'alice');
    const done = await engine.advance(a.id, 'monitor', 'alice').done;
    assert.equal(done.error, null, JSON.stringify(done.error));
    assert.equal(done.state, 'paused');
    assert.equal(world.count('monitor'), 1, 'production was watched after the switch');
    assert.equal(store.steps.get(a.id, 'monitor')!.state, 'succeeded');
  }
  // A run that ended at propagate, advanced again once the paths are known: the watch is not refused.
  {
    const view = learningView();
    const { store } = tempStore(t);
    const world = new FakeWorld();
    const engine = newEngine(store, { executors: fakeSteps(world, { propagate: learnIn(view) }), rollback: fakeRollback(world), agents: view });
    t.after(() => engine.close());
    const a = engine.create(parsePlan(nested, { ...CONTEXT, agents: view }), 'alice');
    assert.equal((await engine.advance(a.id, 'propagate', 'alice').done).state, 'paused');
    const done = await engine.advance(a.id, 'monitor', 'alice').done;
    assert.equal(done.error, null, JSON.stringify(done.error));
    assert.equal(world.count('monitor'), 1);
  }
});

test("the lock's look-up of which cutover recorded a freeze takes two names whose Hellos report one instance for one staging agent; without the instance, two addresses are two agents", async (t) => {
  const { store } = tempStore(t);
  const engine = newEngine(store);
  t.after(() => engine.close());
  const a = engine.create(planA(), 'alice');
  store.steps.setResult(a.id, 'lock', { evidence: { prior: { lockedAt: '2026-01-02T03:04:05.000Z' } } });
  const byAddress: AgentView = { identity: (agent) => `${agent}:7701`, rootPaths: () => undefined };
  const oneInstance: AgentView = { ...byAddress, instance: (agent) => (agent === 'staging-1' || agent === 'staging-2' ? '5b0e3c1e-staging' : undefined) };
  assert.deepEqual(lockedBy(store, byAddress, 'staging-2', '2026-01-02T03:04:05.000Z', 'co_other'), []);
  assert.deepEqual(lockedBy(store, oneInstance, 'staging-2', '2026-01-02T03:04:05.000Z', 'co_other'), [a.id]);
  assert.deepEqual(lockedBy(store, oneInstance, 'prod-2', '2026-01-02T03:04:05.000Z', 'co_other'), [], 'another agent');
});

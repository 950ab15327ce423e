// Fakes for the cutover engine: a tiny simulated world (staging lock, DNS record, swapped
// tables) that fake step executors and fake rollback parts act on, so tests can assert what
// the engine made happen, plus a temporary store file that is removed after the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { CutoverEngine, type CutoverEngineOptions } from '../../controller/cutover/machine.js';
import { parsePlan, type Plan } from '../../controller/cutover/plan.js';
import { STEP_NAMES, type StepName } from '../../controller/cutover/states.js';
import type { RollbackExecutor, RollbackPart, StepContext, StepExecutor, StepExecutors, StepResult } from '../../controller/cutover/executor.js';
import { silentLogger } from '../../shared/logger.js';

export const PLAN_CONTEXT = { agentNames: ['staging-1', 'prod-1'], dnsProviders: ['cf-main'] };

export function planInput(): Record<string, unknown> {
  return {
    site: 'example.com',
    staging: { agent: 'staging-1', origin: 'https://staging.example.com', ip: '203.0.113.10' },
    production: { agent: 'prod-1', origin: 'https://www.example.com', ip: '203.0.113.20' },
    database: { staging: 'staging_db', production: 'production_db' },
    assets: [{ staging: 'uploads', production: 'uploads', delete: true }],
    rewrite: [{ from: 'https://staging.example.com', to: 'https://www.example.com' }],
    dns: { provider: 'cf-main', zone: 'example.com', name: 'www.example.com' },
    checks: { pages: ['/', '/about/'], regression: ['prod-1:smoke'] },
    productionOnlyRows: 'keep',
    fallbackHours: 24,
  };
}

export function fakePlan(): Plan {
  return parsePlan(planInput(), PLAN_CONTEXT);
}

export function tempDir(t: TestContext, prefix = 'sy-cutover-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a fresh file; closed after the test. */
export function tempStore(t: TestContext): { store: CutoverStore; file: string } {
  const file = join(tempDir(t), 'controller.sqlite');
  const store = CutoverStore.open(file);
  t.after(() => {
    if (store.db.open) store.close();
  });
  return { store, file };
}

/** What the fakes changed: the engine's effects made visible. */
export class FakeWorld {
  stagingLocked = false;
  dnsValue = '203.0.113.10';
  tablesSwapped = false;
  /** Every executor and rollback-part call, in order. */
  readonly calls: string[] = [];

  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }
}

type RunFn = (ctx: StepContext, world: FakeWorld) => Promise<StepResult | void> | StepResult | void;

/** A fake step that records its call and does the step's effect on the world. */
export function fakeStep(world: FakeWorld, name: StepName, opts: { idempotent?: boolean; run?: RunFn } = {}): StepExecutor {
  return {
    idempotent: opts.idempotent ?? !['presync', 'lock', 'sync', 'rewrite', 'switch'].includes(name),
    async run(ctx) {
      world.calls.push(name);
      if (opts.run !== undefined) return (await opts.run(ctx, world)) ?? {};
      if (name === 'lock') {
        ctx.record.put('prior', { readOnly: false, maintenance: false });
        world.stagingLocked = true;
      }
      if (name === 'switch') {
        const snap = ctx.store.dnsSnapshots.take({
          cutoverId: ctx.cutover.id,
          provider: ctx.plan.dns.provider,
          zone: ctx.plan.dns.zone,
          name: ctx.plan.dns.name,
          type: ctx.plan.dns.type,
          rrsetBefore: { records: [world.dnsValue], ttl: 300 },
          at: ctx.clock.now().toISOString(),
        });
        world.dnsValue = ctx.plan.production.ip;
        ctx.store.dnsSnapshots.markApplied(snap, ctx.clock.now().toISOString(), { records: [world.dnsValue], ttl: 300 });
      }
      if (name === 'sync') ctx.emit({ phase: 'wp_posts', rows: 10, rowsTotal: 20, bytes: 1000, rate: 500, etaSeconds: 2 });
      return { summary: `${name} ok`, evidence: { fake: name } };
    },
  };
}

/** Fake executors for every step that needs agents; `overrides` replaces some. */
export function fakeSteps(world: FakeWorld, overrides: StepExecutors = {}): StepExecutors {
  const all: StepExecutors = {};
  // fallback is left to the engine's built-in executor.
  for (const name of STEP_NAMES) if (name !== 'fallback') all[name] = fakeStep(world, name);
  return { ...all, ...overrides };
}

/** Fake rollback: DNS back to the snapshot, tables back, staging unlocked — each part recorded. */
export function fakeRollback(world: FakeWorld, failOnce: Partial<Record<'dns' | 'database' | 'staging', Error>> = {}, delayMs = 0): RollbackExecutor {
  const part = (name: 'dns' | 'database' | 'staging', undo: (ctx: Parameters<RollbackPart['run']>[0]) => { outcome?: 'done' | 'skipped'; detail?: Record<string, unknown> }): RollbackPart => ({
    name,
    // As the real DNS part: the others wait for it.
    gate: name === 'dns',
    async run(ctx) {
      world.calls.push(`rollback:${name}`);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const err = failOnce[name];
      if (err !== undefined) {
        delete failOnce[name];
        throw err;
      }
      return undo(ctx);
    },
  });
  return {
    parts: [
      part('dns', (ctx) => {
        const snap = ctx.store.dnsSnapshots.original<{ records: string[] }>(ctx.cutover.id, ctx.plan.dns.zone, ctx.plan.dns.name, ctx.plan.dns.type);
        if (snap === undefined) return { outcome: 'skipped' };
        world.dnsValue = snap.rrsetBefore.records[0]!;
        ctx.store.dnsSnapshots.markRestored(snap.id, ctx.clock.now().toISOString());
        return {};
      }),
      part('database', () => {
        if (!world.tablesSwapped) return { outcome: 'skipped', detail: { reason: 'no tables were swapped' } };
        world.tablesSwapped = false;
        return {};
      }),
      part('staging', () => {
        world.stagingLocked = false;
        return {};
      }),
    ],
  };
}

export function newEngine(store: CutoverStore, opts: Partial<CutoverEngineOptions> = {}): CutoverEngine {
  return new CutoverEngine({ store, executors: {}, logger: silentLogger(), progressIntervalMs: 0, ...opts });
}

/** Resolves when `predicate` holds, polling; fails the test after `ms`. */
export async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A clock that stands still unless moved, so recorded times are exact. */
export class FakeClock {
  private t: number;
  constructor(start = '2030-01-01T00:00:00.000Z') {
    this.t = Date.parse(start);
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A promise with its resolve, for fakes that must wait until the test lets them go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/**
 * A StepContext for calling one executor directly (no engine): its evidence goes to a plain
 * object the test can read back, nothing is emitted, time is the wall clock.
 */
export function stepContextFor(plan: Plan, step: StepName, signal: AbortSignal = new AbortController().signal): StepContext {
  const evidence: Record<string, unknown> = {};
  return {
    plan,
    signal,
    step,
    attempt: 1,
    emit: () => undefined,
    record: { step: () => undefined, get: (k: string) => evidence[k], put: (k: string, v: unknown) => void (evidence[k] = v) },
    logger: silentLogger(),
    clock: { now: () => new Date() },
  } as unknown as StepContext;
}

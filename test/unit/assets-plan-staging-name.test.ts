// The plan's own checks of what staging sent name the staging agent as the pull's other errors
// do (stagingName): with several stagings, "staging manifest out of order" alone says not which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../shared/state/sqlite.js';
import { SwitchyardError } from '../../shared/errors.js';
import { ASSET_MIGRATIONS, ManifestStore, type Entry } from '../../agent/assets/manifest-store.js';
import { buildPartialPlan, buildPlan, Plan } from '../../agent/assets/plan.js';
import { stagingName } from '../../agent/assets/staging-name.js';

const WHO = stagingName('10.0.0.5:7701', 'staging-1');

function file(path: string): Entry {
  return { path, type: 'file', mode: 0o644, size: 1, mtimeNs: '1000000000', ctimeNs: '1000000000', ino: '1', sha256: Buffer.alloc(32, 1), chunks: null, target: null };
}

async function* listing(entries: Entry[]): AsyncGenerator<Entry> {
  yield* entries;
}

function setup() {
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  return { db, plan: new Plan(db), store: new ManifestStore(db) };
}

test('a staging listing out of path order is refused naming the staging agent and its address, or "staging" when the controller sent no name', async () => {
  const out = [file('b.txt'), file('a.txt')];
  const named = setup();
  try {
    await assert.rejects(buildPlan(named.plan, listing(out), named.store, 'site', false, WHO), (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.equal(err.code, 'SY_VALIDATION');
      assert.equal(err.message, 'staging agent staging-1 (10.0.0.5:7701) manifest out of order at "a.txt"');
      return true;
    });
  } finally {
    named.db.close();
  }
  const unnamed = setup();
  try {
    await assert.rejects(buildPlan(unnamed.plan, listing(out), unnamed.store, 'site', false), { message: 'staging manifest out of order at "a.txt"' });
  } finally {
    unnamed.db.close();
  }
});

test('a staging lookup answering for a path not asked for is refused naming the staging agent', async () => {
  const { db, plan, store } = setup();
  try {
    const changes = { staging: new Map<string, Entry>(), removed: new Set<string>(), local: new Set(['a.txt']) };
    const lookup = () => listing([file('z.txt')]);
    await assert.rejects(buildPartialPlan(plan, changes, lookup, store, 'site', false, undefined, WHO), (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.equal(err.code, 'SY_VALIDATION');
      assert.equal(err.message, 'staging agent staging-1 (10.0.0.5:7701) answered for "z.txt", which was not asked for');
      return true;
    });
  } finally {
    db.close();
  }
});

// A watched root computes its tree digest ahead of the next question once changes have settled,
// and that digest is the one a fresh computation gives (it covers the changes just applied);
// not while a peer is pulling from the root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../shared/logger.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { AssetRoots } from '../../agent/assets/roots.js';
import { AssetWatcher } from '../../agent/assets/watcher.js';
import { DigestBuilder } from '../../agent/assets/tree-digest.js';

test('watcher: after changes settle the cached tree digest is ready and current', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-warm-'));
  const db = openDatabase(':memory:', ASSET_MIGRATIONS);
  const store = new ManifestStore(db);
  const root = { name: 'site', path: dir, allowExternalSymlinks: false };
  const roots = new AssetRoots({ site: { path: dir, allowExternalSymlinks: false } }, store);
  const watcher = new AssetWatcher(roots, root, createLogger({ level: 'silent' }));
  const fresh = (): string => {
    const b = new DigestBuilder();
    for (const e of store.iterate('site')) b.add(e);
    return b.finish().digest;
  };
  const cached = (): string | undefined => {
    const d = store.rootState('site').digest;
    return d === null ? undefined : (JSON.parse(d) as { digest: string }).digest;
  };
  try {
    writeFileSync(join(dir, 'a.txt'), 'a');
    await watcher.start();
    for (let i = 0; i < 100 && cached() === undefined; i++) await sleep(20);
    assert.equal(cached(), fresh(), 'ready after the first scan');

    writeFileSync(join(dir, 'b.txt'), 'b');
    writeFileSync(join(dir, 'a.txt'), 'changed');
    // The change invalidates the cache as it is applied; the warm-up follows once it is quiet.
    for (let i = 0; i < 100 && store.get('site', 'b.txt') === undefined; i++) await sleep(20);
    assert.ok(store.get('site', 'b.txt') !== undefined, 'the watcher applied the new file');
    for (let i = 0; i < 100 && (cached() === undefined || store.get('site', 'a.txt')?.size !== 7); i++) await sleep(20);
    assert.equal(store.get('site', 'a.txt')?.size, 7);
    assert.notEqual(cached(), undefined, 'computed ahead, without anyone asking');
    assert.equal(cached(), fresh());

    // While a peer pulls from the root the warm-up waits, then runs once the pull is done.
    const release = roots.serve('site');
    writeFileSync(join(dir, 'c.txt'), 'c');
    for (let i = 0; i < 100 && store.get('site', 'c.txt') === undefined; i++) await sleep(20);
    assert.ok(store.get('site', 'c.txt') !== undefined);
    await sleep(900);
    assert.equal(cached(), undefined, 'not computed while serving');
    release();
    for (let i = 0; i < 100 && cached() === undefined; i++) await sleep(20);
    assert.equal(cached(), fresh());
  } finally {
    await watcher.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

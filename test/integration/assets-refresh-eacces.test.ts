// A directory staging's agent may no longer search (its mode or owner changed by a deploy) hides
// the files below it: lstat answers EACCES. Read as "gone", the manifest dropped them, and a pull
// with `delete: true` removed them from production while the tree proof agreed. The agent runs
// in a child process that is not root (root is never refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../shared/state/sqlite.js';
import { SwitchyardError } from '../../shared/errors.js';
import { ASSET_MIGRATIONS, ManifestStore } from '../../agent/assets/manifest-store.js';
import { refreshPath } from '../../agent/assets/scanner.js';

const CHILD = 'SY_REFRESH_EACCES_CHILD';
const NOBODY = 65534;

interface Outcome {
  results: Array<{ type?: string; code?: string; errno?: unknown; message?: string }>;
  kept: string | undefined;
}

if (process.env[CHILD] !== undefined) {
  const [stateFile, root, rel] = JSON.parse(process.env[CHILD]) as [string, string, string];
  const db = openDatabase(stateFile, ASSET_MIGRATIONS);
  const store = new ManifestStore(db);
  const out: Outcome = { results: [], kept: undefined };
  // The watcher's way (promise lstat) and staging's answer to a pull's lookup (blocking lstat).
  for (const blocking of [false, true]) {
    try {
      out.results.push({ type: (await refreshPath(store, 'uploads', root, rel, blocking))?.type ?? 'gone' });
    } catch (err) {
      const e = err as SwitchyardError;
      out.results.push({ code: e.code, errno: e.details?.errno, message: e.message });
    }
  }
  out.kept = store.get('uploads', rel)?.type;
  db.close();
  process.stdout.write(JSON.stringify(out));
} else {
  const asRoot = process.getuid?.() === 0;
  const asAgent = async (stateFile: string, root: string, rel: string): Promise<Outcome> => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CHILD]: JSON.stringify([stateFile, root, rel]) },
      stdio: ['ignore', 'pipe', 'inherit'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, text);
    return JSON.parse(text) as Outcome;
  };

  test('a file below a directory the agent may no longer search is not taken for deleted: refreshPath fails with SY_FILESYSTEM and the manifest keeps it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-refresh-eacces-'));
    t.after(() => {
      chmodSync(join(dir, 'root/docs'), 0o755);
      rmSync(dir, { recursive: true, force: true });
    });
    chmodSync(dir, 0o755);
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    if (asRoot) chownSync(stateDir, NOBODY, NOBODY);
    const root = join(dir, 'root');
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs/a.txt'), 'a');
    const stateFile = join(stateDir, 'agent.sqlite');

    const readable = await asAgent(stateFile, root, 'docs/a.txt');
    assert.deepEqual(readable.results.map((r) => r.type), ['file', 'file']);
    assert.equal(readable.kept, 'file');

    // Root's and closed to others (as root), or closed to its own user (otherwise).
    chmodSync(join(root, 'docs'), asRoot ? 0o700 : 0o000);
    const hidden = await asAgent(stateFile, root, 'docs/a.txt');
    for (const r of hidden.results) {
      assert.equal(r.code, 'SY_FILESYSTEM', JSON.stringify(r));
      assert.equal(r.errno, 'EACCES');
      assert.match(r.message!, /"docs\/a\.txt"/);
    }
    assert.equal(hidden.kept, 'file', 'the manifest still holds the file');
  });
}

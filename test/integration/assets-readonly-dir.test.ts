// A directory staging keeps read-only (mode 0555), and the production agent as an ordinary user
// (not root, whom no mode stops): files added to, changed in or removed from that directory
// on staging must reach production too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { fromGrpcError } from '../../shared/errors.js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import { call, pull, startAssetsAgent } from '../helpers/tree-fixture.js';

const CHILD = 'SY_ASSETS_READONLY_CHILD';
const TOKEN = 'readonly-token-0123456789';
const NOBODY = 65534;

if (process.env[CHILD] !== undefined) {
  // Child: the production agent, as an unprivileged user.
  const [stateFile, root] = JSON.parse(process.env[CHILD]) as [string, string];
  const agent = await startAssetsAgent('127.0.0.3', stateFile, { uploads: { path: root } });
  process.stdout.write(`${agent.address}\n`);
} else {
  // As root the child agent is started as nobody; run as anyone else, it already is not root.
  const asRoot = process.getuid?.() === 0;
  /** An agent serving `root` as `uploads` in a child process that is not root, its state file in `stateDir`; `dir` removed after. */
  const startChild = async (t: { after(fn: () => Promise<void>): void }, dir: string, stateDir: string, root: string) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CHILD]: JSON.stringify([join(stateDir, 'p.sqlite'), root]) },
      stdio: ['ignore', 'pipe', 'inherit'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const proto = loadProto<AssetsProto>();
    const client = new proto.switchyard.v1.Assets(line.trim(), grpc.credentials.createInsecure());
    t.after(async () => {
      client.close();
      child.kill('SIGKILL');
      // Read-only directories the test left: root can remove them, nobody could not.
      rmSync(dir, { recursive: true, force: true });
    });
    return { client, address: line.trim() };
  };

  /** A temporary directory the child agent (not root) may enter, with staging's root and production's directory named in it; removed by startChild's cleanup. */
  const testDirs = (): { dir: string; stagingRoot: string; productionDir: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-readonly-'));
    chmodSync(dir, 0o755);
    return { dir, stagingRoot: join(dir, 'staging'), productionDir: join(dir, 'p') };
  };

  /** Staging as this process, production as a child process that is not root; `dir` removed after. */
  const startPair = async (t: { after(fn: () => Promise<void>): void }, dir: string, stagingRoot: string, productionDir: string, productionRoot: string) => {
    const staging = await startAssetsAgent('127.0.0.2', join(dir, 's.sqlite'), { uploads: { path: stagingRoot } });
    t.after(() => staging.stop());
    const { client: production } = await startChild(t, dir, productionDir, productionRoot);
    await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });
    const req = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', delete: true };
    return { production, req };
  };

  test('a read-only directory on staging: later changes inside it still reach a production agent that is not root', async (t) => {
    const { dir, stagingRoot, productionDir } = testDirs();
    mkdirSync(join(stagingRoot, 'ro'), { recursive: true });
    writeFileSync(join(stagingRoot, 'ro/a'), 'a');
    writeFileSync(join(stagingRoot, 'ro/gone'), 'gone');
    chmodSync(join(stagingRoot, 'ro'), 0o555);
    mkdirSync(productionDir);
    if (asRoot) chownSync(productionDir, NOBODY, NOBODY);
    const productionRoot = join(productionDir, 'root');
    const { production, req } = await startPair(t, dir, stagingRoot, productionDir, productionRoot);
    const modeOf = (p: string): number => statSync(join(productionRoot, p)).mode & 0o7777;
    const first = await pull(production, req);
    assert.equal(first.result.equal, true);
    assert.equal(modeOf('ro'), 0o555);

    // On staging the directory is opened, changed and closed again.
    chmodSync(join(stagingRoot, 'ro'), 0o755);
    writeFileSync(join(stagingRoot, 'ro/a'), 'a, changed');
    writeFileSync(join(stagingRoot, 'ro/new'), 'new');
    rmSync(join(stagingRoot, 'ro/gone'));
    chmodSync(join(stagingRoot, 'ro'), 0o555);
    const second = await pull(production, { ...req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
    assert.equal(second.result.equal, true);
    assert.deepEqual(readdirSync(join(productionRoot, 'ro')).sort(), ['a', 'new']);
    assert.equal(readFileSync(join(productionRoot, 'ro/a'), 'utf8'), 'a, changed');
    assert.equal(modeOf('ro'), 0o555);

    // A file changed in place (the directory's own mtime stays), and a new directory inside.
    writeFileSync(join(stagingRoot, 'ro/a'), 'a, changed again');
    chmodSync(join(stagingRoot, 'ro'), 0o755);
    mkdirSync(join(stagingRoot, 'ro/sub'));
    writeFileSync(join(stagingRoot, 'ro/sub/x'), 'x');
    chmodSync(join(stagingRoot, 'ro/sub'), 0o555);
    chmodSync(join(stagingRoot, 'ro'), 0o555);
    const third = await pull(production, { ...req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
    assert.equal(third.result.equal, true);
    assert.equal(readFileSync(join(productionRoot, 'ro/a'), 'utf8'), 'a, changed again');
    assert.equal(readFileSync(join(productionRoot, 'ro/sub/x'), 'utf8'), 'x');
    assert.equal(modeOf('ro'), 0o555);
    assert.equal(modeOf('ro/sub'), 0o555);
    writeFileSync(join(stagingRoot, 'ro/sub/x'), 'x, changed in place');
    const fourth = await pull(production, { ...req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
    assert.equal(fourth.result.equal, true);
    assert.equal(readFileSync(join(productionRoot, 'ro/sub/x'), 'utf8'), 'x, changed in place');
    assert.equal(modeOf('ro/sub'), 0o555);

    // The whole read-only tree removed on staging.
    chmodSync(join(stagingRoot, 'ro'), 0o755);
    chmodSync(join(stagingRoot, 'ro/sub'), 0o755);
    rmSync(join(stagingRoot, 'ro'), { recursive: true });
    const fifth = await pull(production, { ...req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
    assert.equal(fifth.result.equal, true);
    assert.deepEqual(readdirSync(productionRoot), []);
  });
  test('a read-only directory on production replaced by a file or a link from staging, and removed with its read-only subdirectories, by an agent that is not root', async (t) => {
    const { dir, stagingRoot, productionDir } = testDirs();
    // Three read-only trees, each with a read-only subdirectory holding a file.
    for (const d of ['to-file', 'to-link', 'removed']) {
      mkdirSync(join(stagingRoot, d, 'sub'), { recursive: true });
      writeFileSync(join(stagingRoot, d, 'sub/x'), 'x');
      writeFileSync(join(stagingRoot, d, 'y'), 'y');
      chmodSync(join(stagingRoot, d, 'sub'), 0o555);
      chmodSync(join(stagingRoot, d), 0o555);
    }
    mkdirSync(productionDir);
    if (asRoot) chownSync(productionDir, NOBODY, NOBODY);
    const productionRoot = join(productionDir, 'root');
    const { production, req } = await startPair(t, dir, stagingRoot, productionDir, productionRoot);
    const first = await pull(production, req);
    assert.equal(first.result.equal, true);
    assert.equal(statSync(join(productionRoot, 'to-file/sub')).mode & 0o7777, 0o555);

    for (const d of ['to-file', 'to-link', 'removed']) {
      chmodSync(join(stagingRoot, d), 0o755);
      chmodSync(join(stagingRoot, d, 'sub'), 0o755);
      rmSync(join(stagingRoot, d), { recursive: true });
    }
    writeFileSync(join(stagingRoot, 'to-file'), 'now a file');
    symlinkSync('to-file', join(stagingRoot, 'to-link'));
    const second = await pull(production, { ...req, staging_refresh: 'ASSET_REFRESH_STAT', production_refresh: 'ASSET_REFRESH_STAT' });
    assert.equal(second.result.equal, true);
    assert.equal(readFileSync(join(productionRoot, 'to-file'), 'utf8'), 'now a file');
    assert.equal(readlinkSync(join(productionRoot, 'to-link')), 'to-file');
    assert.deepEqual(readdirSync(productionRoot).sort(), ['to-file', 'to-link']);
  });
  test('an asset root the agent may not write: SY_FILESYSTEM naming EACCES, the path and the user the agent runs as; the pull run again once it may ends equal', async (t) => {
    const { dir, stagingRoot, productionDir } = testDirs();
    mkdirSync(stagingRoot);
    writeFileSync(join(stagingRoot, 'a.txt'), 'a');
    mkdirSync(productionDir);
    const productionRoot = join(productionDir, 'root');
    // The root's mode is production's own: a pull never opens it.
    mkdirSync(productionRoot, { mode: 0o555 });
    chmodSync(productionRoot, 0o555);
    if (asRoot) {
      chownSync(productionDir, NOBODY, NOBODY);
      chownSync(productionRoot, NOBODY, NOBODY);
    }
    const { production, req } = await startPair(t, dir, stagingRoot, productionDir, productionRoot);
    const err = await pull(production, req).then(
      () => assert.fail('the pull succeeded'),
      (e: unknown) => fromGrpcError(e),
    );
    assert.equal(err.code, 'SY_FILESYSTEM', err.message);
    assert.match(err.message, /permission denied \(EACCES/);
    assert.match(err.message, /at "a\.txt"/);
    assert.match(err.message, new RegExp(`the agent runs as .*uid ${asRoot ? NOBODY : process.getuid!()}`));
    assert.deepEqual(err.details, { errno: 'EACCES', syscall: 'open', host: hostname(), root: 'uploads', path: 'a.txt' });
    assert.deepEqual(readdirSync(productionRoot), []);

    chmodSync(productionRoot, 0o755);
    const again = await pull(production, req);
    assert.equal(again.result.equal, true);
    assert.equal(readFileSync(join(productionRoot, 'a.txt'), 'utf8'), 'a');
  });
  test('a file the staging agent may not read: the pull fails with SY_FILESYSTEM naming EACCES and the path on staging; once readable, the pull ends equal', async (t) => {
    const { dir } = testDirs();
    const stagingDir = join(dir, 's');
    const stagingRoot = join(stagingDir, 'root');
    mkdirSync(join(stagingRoot, 'docs'), { recursive: true });
    writeFileSync(join(stagingRoot, 'docs/open.txt'), 'open');
    writeFileSync(join(stagingRoot, 'docs/secret.txt'), 'secret');
    // Readable by its owner only, and the agent is not its owner.
    chmodSync(join(stagingRoot, 'docs/secret.txt'), 0o600);
    if (asRoot) chownSync(stagingDir, NOBODY, NOBODY);
    else chmodSync(join(stagingRoot, 'docs/secret.txt'), 0o000);
    const productionRoot = join(dir, 'production');
    // The agent that is not root serves staging here; production runs in this process.
    const staging = await startChild(t, dir, stagingDir, stagingRoot);
    const production = await startAssetsAgent('127.0.0.2', join(dir, 'p.sqlite'), { uploads: { path: productionRoot } });
    t.after(() => production.stop());
    await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });
    const req = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', delete: true };
    const err = await pull(production.client, req).then(
      () => assert.fail('the pull succeeded'),
      (e: unknown) => fromGrpcError(e),
    );
    assert.equal(err.code, 'SY_FILESYSTEM', err.message);
    assert.match(err.message, /permission denied \(EACCES/);
    assert.match(err.message, /at "docs\/secret\.txt"/);
    assert.equal(err.details?.path, 'docs/secret.txt');

    chmodSync(join(stagingRoot, 'docs/secret.txt'), 0o644);
    const again = await pull(production.client, req);
    assert.equal(again.result.equal, true);
    assert.equal(readFileSync(join(productionRoot, 'docs/secret.txt'), 'utf8'), 'secret');
  });
  test('a file that becomes unreadable on staging after its scan: the pull fails with SY_FILESYSTEM naming EACCES, the staging host and the path, for a small and a large file', async (t) => {
    for (const [name, size] of [['small.txt', 1000], ['large.bin', 3 * 1024 * 1024]] as const) {
      const { dir } = testDirs();
      const stagingDir = join(dir, 's');
      const stagingRoot = join(stagingDir, 'root');
      mkdirSync(join(stagingRoot, 'docs'), { recursive: true });
      writeFileSync(join(stagingRoot, 'docs/open.txt'), 'open');
      writeFileSync(join(stagingRoot, 'docs', name), randomBytes(size));
      chmodSync(join(stagingRoot, 'docs', name), 0o644);
      if (asRoot) chownSync(stagingDir, NOBODY, NOBODY);
      const productionRoot = join(dir, 'production');
      const staging = await startChild(t, dir, stagingDir, stagingRoot);
      const production = await startAssetsAgent('127.0.0.2', join(dir, 'p.sqlite'), { uploads: { path: productionRoot } });
      t.after(() => production.stop());
      // Staging's manifest lists the file as readable; the pull below does not scan again.
      await call((r, cb) => staging.client.ScanRoot(r, cb), { root: 'uploads' });
      chmodSync(join(stagingRoot, 'docs', name), asRoot ? 0o600 : 0o000);
      await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token: TOKEN, root: 'uploads', ttl_seconds: 600 });
      const req = { peer_address: staging.address, transfer_token: TOKEN, staging_root: 'uploads', production_root: 'uploads', delete: true, staging_refresh: 'ASSET_REFRESH_NONE' as const };
      const err = await pull(production.client, req).then(
        () => assert.fail('the pull succeeded'),
        (e: unknown) => fromGrpcError(e),
      );
      assert.equal(err.code, 'SY_FILESYSTEM', `${name}: ${err.message}`);
      assert.match(err.message, /staging/);
      assert.match(err.message, /permission denied \(EACCES/);
      assert.ok(err.message.includes(`at ${JSON.stringify(`docs/${name}`)}`), err.message);
      assert.ok(err.message.includes(` on ${hostname()}`), err.message);
      assert.equal(err.details?.errno, 'EACCES');
      assert.equal(err.details?.path, `docs/${name}`);
      assert.equal(err.details?.host, hostname());
      assert.equal(err.details?.side, 'staging');

      chmodSync(join(stagingRoot, 'docs', name), 0o644);
      const again = await pull(production.client, { ...req, staging_refresh: 'ASSET_REFRESH_STAT' });
      assert.equal(again.result.equal, true);
      assert.ok(readFileSync(join(productionRoot, 'docs', name)).equals(readFileSync(join(stagingRoot, 'docs', name))));
    }
  });
  test('a read-only tree on production that cannot be removed (a directory in it the agent does not own): the pull fails with EACCES and the directories it opened get their modes back', async (t) => {
    if (!asRoot) throw new Error('this test makes a directory the production agent (nobody) does not own, and needs to run as root for it');
    const { dir, stagingRoot, productionDir } = testDirs();
    mkdirSync(join(stagingRoot, 'to-file/sub'), { recursive: true });
    writeFileSync(join(stagingRoot, 'to-file/sub/x'), 'x');
    chmodSync(join(stagingRoot, 'to-file/sub'), 0o555);
    chmodSync(join(stagingRoot, 'to-file'), 0o555);
    mkdirSync(productionDir);
    chownSync(productionDir, NOBODY, NOBODY);
    const productionRoot = join(productionDir, 'root');
    const { production, req } = await startPair(t, dir, stagingRoot, productionDir, productionRoot);
    assert.equal((await pull(production, req)).result.equal, true);
    // Root's, inside the agent's read-only tree: what the agent cannot remove.
    const foreign = join(productionRoot, 'to-file/sub/roots');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'f'), 'f');

    chmodSync(join(stagingRoot, 'to-file'), 0o755);
    chmodSync(join(stagingRoot, 'to-file/sub'), 0o755);
    rmSync(join(stagingRoot, 'to-file'), { recursive: true });
    writeFileSync(join(stagingRoot, 'to-file'), 'now a file');
    const stat = { ...req, staging_refresh: 'ASSET_REFRESH_STAT' as const, production_refresh: 'ASSET_REFRESH_STAT' as const };
    const err = await pull(production, stat).then(
      () => assert.fail('the pull succeeded'),
      (e: unknown) => fromGrpcError(e),
    );
    assert.equal(err.code, 'SY_FILESYSTEM', err.message);
    assert.equal(err.details?.errno, 'EACCES');
    assert.equal(statSync(join(productionRoot, 'to-file')).mode & 0o7777, 0o555);
    assert.equal(statSync(join(productionRoot, 'to-file/sub')).mode & 0o7777, 0o555);

    chownSync(foreign, NOBODY, NOBODY);
    chownSync(join(foreign, 'f'), NOBODY, NOBODY);
    assert.equal((await pull(production, stat)).result.equal, true);
    assert.equal(readFileSync(join(productionRoot, 'to-file'), 'utf8'), 'now a file');
  });
}

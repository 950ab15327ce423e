// Generated asset trees with the hard cases (empty files, unicode and spaces, deep directories,
// symlinks inside and escaping, modes, small and large files), and an independent snapshot of a
// tree taken with find/sha256sum, not with the agents' own code.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeOptions {
  /** Small files (0–16 KiB), 100 per directory. */
  smallFiles: number;
  /** Sizes in bytes of large files. */
  largeFiles: number[];
  /** Upper bound of a small file's size. */
  smallMax?: number;
}

export const ESCAPING_LINKS = ['link-escape', 'link-abs'];

export function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(4 * 1024 * 1024, size - done);
      writeSync(fd, randomBytes(n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

export function makeTree(root: string, opts: TreeOptions): void {
  mkdirSync(root, { recursive: true });
  const smallMax = opts.smallMax ?? 16 * 1024;
  writeFileSync(join(root, 'empty.txt'), '');
  mkdirSync(join(root, 'ünïcödé dir/日本語 サブ'), { recursive: true });
  writeFileSync(join(root, 'ünïcödé dir/日本語 サブ/ファイル 1.txt'), 'こんにちは\n');
  writeFileSync(join(root, 'ünïcödé dir/empty in unicode'), '');
  writeFileSync(join(root, 'with space.txt'), 'spaces are fine\n');
  writeFileSync(join(root, 'emoji 😀.bin'), randomBytes(3000));
  const deep = join(root, ...'deep/a/b/c/d/e/f/g/h/i/j/k/l'.split('/'));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'bottom.txt'), 'deep\n');
  writeFileSync(join(root, 'script.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'script.sh'), 0o755);
  writeFileSync(join(root, 'private.txt'), 'secret-ish\n');
  chmodSync(join(root, 'private.txt'), 0o600);
  mkdirSync(join(root, 'restricted'));
  writeFileSync(join(root, 'restricted/inner.txt'), 'x\n');
  chmodSync(join(root, 'restricted'), 0o750);
  mkdirSync(join(root, 'links'));
  symlinkSync('../with space.txt', join(root, 'links/up-inside'));
  symlinkSync('with space.txt', join(root, 'link-inside'));
  symlinkSync('deep/a/b', join(root, 'link-to-dir'));
  symlinkSync('no/such/target', join(root, 'link-dangling'));
  symlinkSync('../../etc/passwd', join(root, 'link-escape'));
  symlinkSync('/etc/hostname', join(root, 'link-abs'));
  mkdirSync(join(root, 'empty-dir'));
  for (let i = 0; i < opts.smallFiles; i++) {
    const dir = join(root, 'uploads', `d${String(Math.floor(i / 100)).padStart(4, '0')}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.dat`), randomBytes(Math.floor(Math.random() * smallMax)));
  }
  mkdirSync(join(root, 'media'), { recursive: true });
  opts.largeFiles.forEach((size, i) => writeRandomFile(join(root, 'media', `big-${i}.bin`), size));
}

export interface TreeSnapshot {
  /** `sha256sum` lines of every regular file, sorted by path. */
  files: string;
  /** `type mode path` of every entry (symlinks' modes left out: Linux ignores them). */
  modes: string;
  /**
   * `type mtime path` of every entry, the mtime in seconds cut to the microsecond production can
   * set (the text is cut, which for an mtime before 1970 rounds toward zero, not down: compare
   * those with lstat).
   */
  mtimes: string;
  /** `path -> target` of every symlink. */
  links: string;
}

function sh(cwd: string, script: string): string {
  try {
    return execFileSync('bash', ['-c', script], { cwd, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } });
  } catch (err) {
    throw new Error(`snapshot failed (needs findutils and coreutils): ${(err as Error).message}`);
  }
}

export function snapshotTree(root: string, exclude: string[] = []): TreeSnapshot {
  const drop = (text: string): string =>
    text
      .split('\n')
      .filter((l) => l !== '' && !exclude.some((e) => l.includes(`./${e}`)))
      .join('\n');
  return {
    files: drop(sh(root, 'find . -type f -print0 | sort -z | xargs -0 -r sha256sum')),
    modes: drop(sh(root, "find . -mindepth 1 \\( -type l -printf 'l - %p\\n' \\) -o \\( -printf '%y %m %p\\n' \\) | sort")),
    mtimes: drop(sh(root, "find . -mindepth 1 -printf '%y %T@ %p\\n' | sort -k3")).replace(/^(\S+ -?\d+\.\d{6})\d*/gm, '$1'),
    links: drop(sh(root, "find . -type l -printf '%p -> %l\\n' | sort")),
  };
}

// ---- agents serving the Assets service on loopback, for the asset tests ----
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import { silentLogger } from '../../shared/logger.js';
import { openDatabase } from '../../shared/state/sqlite.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { AssetPullEvent__Output } from '../../shared/proto-gen/switchyard/v1/AssetPullEvent.js';
import { ASSET_MIGRATIONS } from '../../agent/assets/manifest-store.js';
import { AssetsService } from '../../agent/assets/service.js';

export interface AssetsAgent {
  service: AssetsService;
  address: string;
  client: AssetsClient;
  stop(): Promise<void>;
}

export async function startAssetsAgent(
  host: string,
  stateFile: string,
  assets: Record<string, { path: string; allowExternalSymlinks?: boolean }>,
  watch = false,
  /** How this agent reaches its peer (the service's own client when not given). */
  connectPeer?: (address: string, serverName: string) => AssetsClient,
): Promise<AssetsAgent> {
  const db = openDatabase(stateFile, ASSET_MIGRATIONS);
  const config = {
    stateFile,
    tls: undefined,
    assets: Object.fromEntries(Object.entries(assets).map(([k, v]) => [k, { path: v.path, allowExternalSymlinks: v.allowExternalSymlinks ?? false }])),
  };
  const service = new AssetsService({ config, logger: silentLogger(), db, watch, ...(connectPeer ? { connectPeer } : {}) });
  await service.start();
  const server = new grpc.Server();
  service.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const address = `${host}:${port}`;
  const proto = loadProto<AssetsProto>();
  const client = new proto.switchyard.v1.Assets(address, grpc.credentials.createInsecure());
  return {
    service,
    address,
    client,
    async stop() {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await service.close();
      db.close();
    },
  };
}

export function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res as Res))));
}

/** Runs PullAssets to the end: every progress event, then the result (or the error). */
export async function pull(
  production: AssetsClient,
  req: Parameters<AssetsClient['PullAssets']>[0],
): Promise<{ progress: NonNullable<AssetPullEvent__Output['progress']>[]; result: NonNullable<AssetPullEvent__Output['result']> }> {
  const progress: NonNullable<AssetPullEvent__Output['progress']>[] = [];
  let result: AssetPullEvent__Output['result'];
  for await (const ev of production.PullAssets(req) as AsyncIterable<AssetPullEvent__Output>) {
    if (ev.progress) progress.push(ev.progress);
    if (ev.result) result = ev.result;
  }
  if (!result) throw new Error('PullAssets ended without a result');
  return { progress, result };
}

export interface AssetPair {
  staging: AssetsAgent;
  production: AssetsAgent;
  stagingState: string;
  productionState: string;
  /** PullAssets request for the `uploads` root, transfer authorized, `delete: true`. */
  req: { peer_address: string; transfer_token: string; staging_root: string; production_root: string; delete: boolean };
}

/**
 * A staging agent on 127.0.0.2 and a production agent on 127.0.0.3 serving root `uploads`, their
 * state files in `dir`, a transfer authorized with `token`; both stopped and `dir` removed after.
 */
export async function startAssetPair(t: { after(fn: () => Promise<void>): void }, dir: string, stagingRoot: string, productionRoot: string, token: string): Promise<AssetPair> {
  const stagingState = join(dir, 's.sqlite');
  const productionState = join(dir, 'p.sqlite');
  const staging = await startAssetsAgent('127.0.0.2', stagingState, { uploads: { path: stagingRoot } });
  const production = await startAssetsAgent('127.0.0.3', productionState, { uploads: { path: productionRoot } });
  t.after(async () => {
    await production.stop();
    await staging.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await call((r, cb) => staging.client.AuthorizeTransfer(r, cb), { token, root: 'uploads', ttl_seconds: 600 });
  const req = { peer_address: staging.address, transfer_token: token, staging_root: 'uploads', production_root: 'uploads', delete: true };
  return { staging, production, stagingState, productionState, req };
}

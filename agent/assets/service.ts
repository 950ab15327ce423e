// The Assets gRPC service of an agent: staging side (tokens, listing, chunks), production side
// (pull, verify) and either side (scan, digest). It never owns the server.
import { withEncodedFetch } from './chunk-message.js';
import type * as grpc from '@grpc/grpc-js';
import { toGrpcError } from '../../shared/errors.js';
import { loadProto } from '../../shared/grpc/load.js';
import { ClientCache } from '../../shared/grpc/client-cache.js';
import type { Logger } from '../../shared/logger.js';
import { applyMigrations, openDatabase, type Db } from '../../shared/state/sqlite.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { AssetsHandlers } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { AgentConfig } from '../config.js';
import type { AgentService } from '../service.js';
import { refreshFromWire, toWireSummary } from './convert.js';
import { ASSET_MIGRATIONS, ManifestStore } from './manifest-store.js';
import { connectAssetsPeer } from './peer-client.js';
import { stagingName } from './staging-name.js';
import { pullAssets } from './pull.js';
import { AssetRoots } from './roots.js';
import { AssetSource, writeWithBackpressure } from './source.js';
import { TransferTokens } from './transfer-tokens.js';
import { manifestDigest } from './tree-digest.js';
import { verifyAgainstPeer } from './verify.js';
import { AssetWatcher } from './watcher.js';

export interface AssetsServiceOptions {
  config: Pick<AgentConfig, 'assets' | 'stateFile' | 'tls'>;
  logger: Logger;
  /** The agent's state database; opened from config.stateFile when not given. */
  db?: Db;
  /** Keep manifests current with a file watcher (default true). */
  watch?: boolean;
  /** How to reach a peer; tests may swap it. */
  connectPeer?: (address: string, serverName: string) => AssetsClient;
}

function fail(call: { emit(event: 'error', err: unknown): boolean }, err: unknown): void {
  const s = toGrpcError(err);
  call.emit('error', Object.assign(new Error(s.details), s));
}

export class AssetsService implements AgentService {
  readonly roots: AssetRoots;
  readonly tokens = new TransferTokens();
  private readonly source: AssetSource;
  private readonly db: Db;
  private readonly ownsDb: boolean;
  private readonly watchers: AssetWatcher[] = [];
  private readonly logger: Logger;
  private readonly peers = new ClientCache<AssetsClient>();

  constructor(private readonly opts: AssetsServiceOptions) {
    this.logger = opts.logger.child({ component: 'assets' });
    this.ownsDb = opts.db === undefined;
    this.db = opts.db ?? openDatabase(opts.config.stateFile, ASSET_MIGRATIONS);
    // A database opened by the agent for every feature: make sure this feature's tables exist in it.
    if (!this.ownsDb) applyMigrations(this.db, ASSET_MIGRATIONS);
    this.roots = new AssetRoots(opts.config.assets, new ManifestStore(this.db));
    this.source = new AssetSource(this.roots, this.tokens, this.logger);
  }

  /** Starts the watchers (initial scan included); resolves when every root is watched. */
  async start(): Promise<void> {
    if (this.opts.watch === false) return;
    for (const name of this.roots.names()) {
      const root = await this.roots.get(name, 'assets').catch((err: unknown) => {
        this.logger.warn({ err, root: name }, 'asset root not watched');
        return undefined;
      });
      if (root === undefined) continue;
      const w = new AssetWatcher(this.roots, root, this.logger);
      this.watchers.push(w);
      await w.start();
    }
  }

  /** The peer's client and what to do with it after the call: kept for the next one, or closed. */
  private peer(address: string, serverName: string): { client: AssetsClient; release: () => void } {
    const injected = this.opts.connectPeer?.(address, serverName);
    if (injected !== undefined) return { client: injected, release: () => injected.close() };
    const client = this.peers.get(`${address}\0${serverName}`, () => connectAssetsPeer(address, { tls: this.opts.config.tls }, serverName));
    return { client, release: () => undefined };
  }

  readonly handlers: AssetsHandlers = {
    AuthorizeTransfer: (call, cb) => {
      void (async () => {
        await this.roots.get(call.request.root, 'root');
        const expires = this.tokens.authorize(call.request.token, call.request.root, call.request.ttl_seconds);
        return { expires_at: expires.toISOString() };
      })().then((r) => cb(null, r), (err: unknown) => cb(toGrpcError(err)));
    },
    RevokeTransfer: (call, cb) => {
      this.tokens.revoke(call.request.token);
      cb(null, {});
    },
    ListManifest: (call) => {
      void (async () => {
        const r = call.request;
        for await (const batch of this.source.listManifest(r.token, r.root, refreshFromWire(r.refresh), r.paths, r.since_epoch === '' ? undefined : { epoch: r.since_epoch, seq: Number(r.since_seq) })) {
          if (call.cancelled) return;
          await writeWithBackpressure(call, batch);
        }
        call.end();
      })().catch((err: unknown) => fail(call, err));
    },
    Fetch: (call) => {
      this.source.serveFetch(call).catch((err: unknown) => fail(call, err));
    },
    ScanRoot: (call, cb) => {
      void (async () => {
        const root = await this.roots.get(call.request.root, 'root');
        const mode = refreshFromWire(call.request.refresh);
        const stats = await this.roots.exclusive(root.name, () => this.roots.refresh(root, mode === 'watched' ? 'stat' : mode));
        return {
          summary: toWireSummary(manifestDigest(this.roots.store, root.name)),
          hashed_files: stats?.hashed ?? 0,
          hashed_bytes: stats?.hashedBytes ?? 0,
          seconds: stats?.seconds ?? 0,
        };
      })().then((r) => cb(null, r), (err: unknown) => cb(toGrpcError(err)));
    },
    TreeDigest: (call, cb) => {
      void (async () => {
        // The peer's question during a transfer, so under its token: without one anybody holding
        // a certificate could make this agent re-hash a whole tree, and learn its size.
        const root = await this.source.authorizedRoot(call.request.token, call.request.root);
        const t0 = performance.now();
        await this.roots.exclusive(root.name, () => this.roots.refresh(root, refreshFromWire(call.request.refresh)));
        const t1 = performance.now();
        const digest = manifestDigest(this.roots.store, root.name);
        // Read with the digest, nothing between: the journal position the digest stands for.
        const journal = this.roots.store.journal(root.name);
        // A pull's first question waits for this answer: where the wait goes, in the log.
        this.logger.info({ root: root.name, refresh: refreshFromWire(call.request.refresh), refreshSeconds: (t1 - t0) / 1000, digestSeconds: (performance.now() - t1) / 1000 }, 'tree digest answered');
        return { ...toWireSummary(digest), journal_epoch: journal.epoch, journal_seq: journal.seq };
      })().then((r) => cb(null, r), (err: unknown) => cb(toGrpcError(err)));
    },
    PullAssets: (call) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      void (async () => {
        const r = call.request;
        const root = await this.roots.get(r.production_root, 'production_root', true);
        const { client: peer, release } = this.peer(r.peer_address, r.peer_server_name);
        try {
          const res = await this.roots.exclusive(root.name, () => this.roots.writingTo(root.name, () =>
            pullAssets(this.roots, {
              peer,
              token: r.transfer_token,
              stagingRoot: r.staging_root,
              stagingAgent: stagingName(r.peer_address, r.peer_name),
              root,
              delete: r.delete,
              parallelism: r.parallelism,
              bandwidthLimit: Number(r.bandwidth_limit_bytes_per_second),
              stagingRefresh: refreshFromWire(r.staging_refresh),
              productionRefresh: refreshFromWire(r.production_refresh),
              logger: this.logger,
              signal: abort.signal,
              onProgress: (p) => {
                if (!call.cancelled) {
                  call.write({
                    progress: {
                      phase: p.phase, files_done: p.filesDone, files_total: p.filesTotal, bytes_done: p.bytesDone, bytes_total: p.bytesTotal,
                      bytes_wire: p.bytesWire, rate_bytes_per_second: p.rateBytesPerSecond, eta_seconds: p.etaSeconds,
                    },
                  });
                }
              },
            })),
          );
          this.logger.info({ root: root.name, copied: res.filesCopied, wire: res.bytesWire, equal: res.equal, seconds: res.seconds }, 'assets pulled');
          call.write({
            result: {
              files_copied: res.filesCopied, bytes_copied: res.bytesCopied, bytes_wire: res.bytesWire, bytes_reused: res.bytesReused,
              bytes_resumed: res.bytesResumed, entries_deleted: res.entriesDeleted, metadata_fixed: res.metadataFixed,
              files_changed_during_copy: res.filesChangedDuringCopy, files_vanished_during_copy: res.filesVanishedDuringCopy,
              refused: res.refused, staging: toWireSummary(res.staging), production: toWireSummary(res.production), equal: res.equal, seconds: res.seconds, from_journal: res.fromJournal,
            },
          });
          call.end();
        } finally {
          release();
        }
      })().catch((err: unknown) => fail(call, err));
    },
    VerifyAssets: (call, cb) => {
      void (async () => {
        const r = call.request;
        const root = await this.roots.get(r.production_root, 'production_root');
        const { client: peer, release } = this.peer(r.peer_address, r.peer_server_name);
        try {
          const rep = await verifyAgainstPeer(this.roots, {
            peer, token: r.transfer_token, stagingRoot: r.staging_root, stagingAgent: stagingName(r.peer_address, r.peer_name), root, refresh: refreshFromWire(r.refresh), maxDifferences: r.max_differences,
          });
          return {
            equal: rep.equal, staging: toWireSummary(rep.staging), production: toWireSummary(rep.production),
            differences: rep.differences, difference_count: rep.differenceCount,
          };
        } finally {
          release();
        }
      })().then((r) => cb(null, r), (err: unknown) => cb(toGrpcError(err)));
    },
  };

  addToServer(server: grpc.Server): void {
    const proto = loadProto<AssetsProto>();
    server.addService(withEncodedFetch(proto.switchyard.v1.Assets.service), this.handlers);
  }

  async close(): Promise<void> {
    this.peers.closeAll();
    await Promise.all(this.watchers.map((w) => w.close()));
    if (this.ownsDb) this.db.close();
  }
}

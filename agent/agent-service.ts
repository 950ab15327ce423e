// The base Agent service: Hello (who this agent is and what it offers) and GetFacts, whose
// gathering is injected so this file stays about the RPC edge.
import type * as grpc from '@grpc/grpc-js';
import { SwitchyardError, toGrpcError } from '../shared/errors.js';
import { loadProto } from '../shared/grpc/load.js';
import { packageVersion } from '../shared/paths.js';
import type { Logger } from '../shared/logger.js';
import type { AgentHandlers } from '../shared/proto-gen/switchyard/v1/Agent.js';
import type { Facts } from '../shared/proto-gen/switchyard/v1/Facts.js';
import type { SiteQuery__Output } from '../shared/proto-gen/switchyard/v1/SiteQuery.js';
import { DEFAULT_SITE_PORTS, type SiteQuery } from '../shared/nginx-site.js';
import type { HelloResponse } from '../shared/proto-gen/switchyard/v1/HelloResponse.js';
import type { AgentConfig } from './config.js';
import type { AgentService } from './service.js';
import { runDeclaredCommand } from './commands/run-command.js';
import { resolveSecret } from '../shared/config/secret.js';
import { accessLogPosition, DEFAULT_INTERVAL_MS, streamStatusCounts } from './monitor/access-log-stream.js';
import { scanText } from './scan/scan-text.js';
import { rootRealPath } from './assets/root-path.js';

export interface AgentRpcServiceOptions {
  config: AgentConfig;
  logger: Logger;
  /** Gathers runtime facts; `salt` keys the env value digests. */
  /** `site`: the request named one, whose nginx server blocks alone are sent. */
  getFacts: (salt: string, site?: SiteQuery) => Promise<Facts>;
  startedAt?: Date;
  /** Where an asset root lies (tests: one that hangs, as a dead NFS mount does). */
  resolveRootPath?: (configured: string) => Promise<string>;
  /** How long Hello waits for root paths before answering with what it knows (default 2 s). */
  rootPathWaitMs?: number;
  /** This agent's id from its state file (AgentState.instanceId); none: Hello sends it empty, as agents before it. */
  instanceId?: string;
}

export const ROOT_PATH_WAIT_MS = 2_000;

/** The site a GetFacts request names; none (every server block) when it names no host. */
function requestedSite(site: SiteQuery__Output | null | undefined): SiteQuery | undefined {
  if (site === null || site === undefined || site.host === '') return undefined;
  return { host: site.host, ...(site.address === '' ? {} : { address: site.address }), ports: site.ports.length > 0 ? site.ports : DEFAULT_SITE_PORTS };
}

export class AgentRpcService implements AgentService {
  readonly #opts: AgentRpcServiceOptions;
  readonly #hello: HelloResponse;
  /** Open access-log tails, ended on close so a shutdown is not held up by a stream. */
  readonly #streams = new Set<AbortController>();
  /** Each asset root's last resolved path, by name. */
  readonly #rootPaths = new Map<string, string>();
  /** Resolutions still running, by root name: at most one each, however many Hellos ask. */
  readonly #resolving = new Map<string, Promise<void>>();
  /** Roots whose hung resolution has been logged: once each until it ends, not on every Hello. */
  readonly #warnedLate = new Map<string, number>();

  constructor(opts: AgentRpcServiceOptions) {
    this.#opts = opts;
    const { config } = opts;
    this.#hello = {
      name: config.name,
      version: packageVersion(),
      started_at: (opts.startedAt ?? new Date()).toISOString(),
      asset_roots: Object.keys(config.assets).sort(),
      commands: Object.keys(config.commands).sort(),
      database_configured: config.database !== undefined,
      instance_id: opts.instanceId ?? '',
    };
  }

  async close(): Promise<void> {
    for (const s of this.#streams) s.abort();
  }

  /** This agent's own secrets, as they resolve now (a password file may have been rotated). */
  #secrets(): string[] {
    const password = this.#opts.config.database?.password;
    if (password === undefined) return [];
    try {
      return [resolveSecret(password, 'database.password')];
    } catch {
      // Unresolvable now: then the command cannot have been handed it either.
      return [];
    }
  }

  /**
   * Root paths are resolved on each call (production's roots appear with its first copy), but
   * Hello waits for them at most rootPathWaitMs: a realpath on a hung NFS mount never returns, and
   * a Hello that hung with it made the agent look down. A root not resolved in time is sent with
   * its last resolved path, or none (the controller then compares it by name); its resolution
   * goes on in the background and is not started again while it runs, so hung calls do not pile
   * up in libuv's threadpool.
   */
  async hello(): Promise<HelloResponse> {
    const assets = this.#opts.config.assets;
    const names = Object.keys(assets).sort();
    const resolving = names.map((name) => this.#resolveRoot(name, assets[name]!.path));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((done) => {
      timer = setTimeout(done, this.#opts.rootPathWaitMs ?? ROOT_PATH_WAIT_MS);
    });
    await Promise.race([Promise.all(resolving), waited]);
    clearTimeout(timer);
    // Each Hello (each preflight, each controller start) finds a hung root still hung; a warning
    // per Hello buried the one that said when it began.
    const late = names.filter((name) => this.#resolving.has(name) && !this.#warnedLate.has(name));
    for (const name of late) this.#warnedLate.set(name, Date.now());
    if (late.length > 0) this.#opts.logger.warn({ roots: late }, 'asset root paths not resolved in time (a hung mount?); Hello sends their last known paths, or none, until they resolve (logged once per root)');
    const asset_root_paths = names.flatMap((name) => {
      const path = this.#rootPaths.get(name);
      return path === undefined ? [] : [{ name, path }];
    });
    return { ...structuredClone(this.#hello), asset_root_paths };
  }

  /** The root's resolution under way, started if none is. */
  #resolveRoot(name: string, configured: string): Promise<void> {
    const running = this.#resolving.get(name);
    if (running !== undefined) return running;
    const resolve = this.#opts.resolveRootPath ?? rootRealPath;
    const started = resolve(configured).then(
      (path) => void this.#rootPaths.set(name, path),
      // rootRealPath never rejects; a path that cannot be told is better sent as none than stale.
      () => void this.#rootPaths.delete(name),
    ).finally(() => {
      this.#resolving.delete(name);
      const since = this.#warnedLate.get(name);
      if (since === undefined) return;
      // Hung again later, it is warned about again.
      this.#warnedLate.delete(name);
      this.#opts.logger.info({ root: name, path: this.#rootPaths.get(name) ?? null, ms: Date.now() - since }, 'asset root path resolved after all');
    });
    this.#resolving.set(name, started);
    return started;
  }

  addToServer(server: grpc.Server): void {
    const log = this.#opts.logger;
    const handlers: AgentHandlers = {
      Hello: (_call, callback) => {
        this.hello().then(
          (hello) => callback(null, hello),
          (err: unknown) => callback(toGrpcError(err)),
        );
      },
      GetFacts: (call, callback) => {
        const started = Date.now();
        this.#opts.getFacts(call.request.env_salt, requestedSite(call.request.site)).then(
          (facts) => {
            log.debug({ ms: Date.now() - started }, 'facts served');
            callback(null, facts);
          },
          (err: unknown) => {
            log.warn({ err }, 'facts failed');
            callback(toGrpcError(err));
          },
        );
      },
      TailAccessLog: (call) => {
        const path = this.#opts.config.accessLog;
        if (path === undefined) {
          call.emit('error', toGrpcError(new SwitchyardError('SY_PRECONDITION', `agent ${this.#hello.name} has no accessLog in its config`, { field: 'accessLog' })));
          return;
        }
        const abort = new AbortController();
        this.#streams.add(abort);
        call.on('cancelled', () => abort.abort());
        call.on('close', () => abort.abort());
        const { from_inode: inode, from_offset: offset, from_tail_sha256: tail, from_dev: dev } = call.request;
        const from = /^\d+$/.test(inode) && /^\d+$/.test(offset) ? { inode: BigInt(inode), offset: Number(offset), ...(/^[0-9a-f]{64}$/.test(tail ?? '') ? { tailSha256: tail } : {}), ...(/^\d+$/.test(dev ?? '') ? { dev: BigInt(dev) } : {}) } : undefined;
        log.info({ path, from: from === undefined ? 'end' : `${inode}:${offset}` }, 'access log tail started');
        streamStatusCounts({ path, intervalMs: call.request.interval_ms || DEFAULT_INTERVAL_MS, excludeUserAgent: call.request.exclude_user_agent, ...(from === undefined ? {} : { from }), send: (c) => call.write(c), signal: abort.signal }).then(
          () => {
            log.info({ path }, 'access log tail ended');
            call.end();
          },
          (err: unknown) => {
            log.warn({ err, path }, 'access log tail failed');
            call.emit('error', toGrpcError(err));
          },
        ).finally(() => this.#streams.delete(abort));
      },
      AccessLogPosition: (_call, callback) => {
        const path = this.#opts.config.accessLog;
        if (path === undefined) {
          callback(toGrpcError(new SwitchyardError('SY_PRECONDITION', `agent ${this.#hello.name} has no accessLog in its config`, { field: 'accessLog' })));
          return;
        }
        accessLogPosition(path).then(
          (p) => callback(null, p),
          (err: unknown) => callback(toGrpcError(err)),
        );
      },
      RunCommand: (call, callback) => {
        const name = call.request.name;
        const abort = new AbortController();
        call.on('cancelled', () => abort.abort());
        runDeclaredCommand(this.#opts.config.commands, name, { signal: abort.signal, secrets: this.#secrets() }).then(
          (res) => {
            log.info({ command: name, exitCode: res.exit_code, signal: res.signal || undefined, timedOut: res.timed_out, ms: res.duration_ms }, 'command ran');
            callback(null, res);
          },
          (err: unknown) => {
            log.warn({ err, command: name }, 'command refused or failed to start');
            callback(toGrpcError(err));
          },
        );
      },
      ScanText: (call, callback) => {
        const { root, needle, extensions, max_matches } = call.request;
        const cfg = Object.prototype.hasOwnProperty.call(this.#opts.config.assets, root) ? this.#opts.config.assets[root] : undefined;
        if (cfg === undefined) {
          callback(toGrpcError(new SwitchyardError('SY_NOT_FOUND', `root: no asset root named ${JSON.stringify(root)} in agent ${this.#hello.name}'s config`, { field: 'root' })));
          return;
        }
        const abort = new AbortController();
        call.on('cancelled', () => abort.abort());
        scanText(cfg.path, needle, { extensions, maxMatches: max_matches, signal: abort.signal }).then(
          (r) => {
            log.info({ root, files: r.filesScanned, matches: r.matches.length }, 'text scan done');
            callback(null, { matches: r.matches, files_scanned: r.filesScanned, truncated: r.truncated, skipped: r.skipped });
          },
          (err: unknown) => {
            log.warn({ err, root }, 'text scan failed');
            callback(toGrpcError(err));
          },
        );
      },
    };
    server.addService(loadProto().switchyard.v1.Agent.service, handlers);
  }
}

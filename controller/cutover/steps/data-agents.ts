// How the database and asset steps reach the agents: typed clients from the directory, unary and
// streaming calls that stop with the step's signal, and one-transfer tokens. A token is made per
// step, registered on the staging agent, handed to the production agent for the pull, and
// revoked when the step ends, so no authorisation outlives the work it was made for.
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { SwitchyardError } from '../../../shared/errors.js';
import { loadProto } from '../../../shared/grpc/load.js';
import type { Logger } from '../../../shared/logger.js';
import type { ProtoGrpcType as DatabaseProto } from '../../../shared/proto-gen/database.js';
import type { ProtoGrpcType as AssetsProto } from '../../../shared/proto-gen/assets.js';
import type { DatabaseClient } from '../../../shared/proto-gen/switchyard/v1/Database.js';
import type { AssetsClient } from '../../../shared/proto-gen/switchyard/v1/Assets.js';
import type { PeerTransfer } from '../../../shared/proto-gen/switchyard/v1/PeerTransfer.js';
import type { Progress__Output as DbProgress } from '../../../shared/proto-gen/switchyard/v1/Progress.js';
import type { AssetPullProgress__Output } from '../../../shared/proto-gen/switchyard/v1/AssetPullProgress.js';
import type { AgentDirectory } from '../../agents/agent-directory.js';
import type { UnaryMethod } from '../../agents/unary.js';
import { callServerStream, type ServerStreamMethod } from '../../agents/stream.js';
import type { Plan } from '../plan.js';
import type { Progress } from '../executor.js';

export interface DataStepOptions {
  /** Deadline of unary calls that do real work (rewrite, merge, preflight scans). Default 6 h. */
  longCallMs?: number;
  /** Parallel table/chunk streams the production agent runs; 0 lets the agent choose. */
  parallelism?: number;
  /** Time target per checksum chunk, ms; 0 lets the agent choose. */
  chunkTargetMs?: number;
  /** How `verify` re-reads asset trees: `stat` re-hashes what moved on disk, `full` every byte. Default stat. */
  assetVerify?: 'stat' | 'full';
  /** Lifetime of a transfer token on the staging agent. Default 6 h. */
  transferTtlSeconds?: number;
}

export interface DataStepDeps extends DataStepOptions {
  agents: AgentDirectory;
  logger: Logger;
}

const DEFAULT_LONG_CALL_MS = 6 * 3600_000;
const DEFAULT_TRANSFER_TTL_S = 6 * 3600;

export function longCallMs(deps: DataStepDeps): number {
  return deps.longCallMs ?? DEFAULT_LONG_CALL_MS;
}

export function databaseClient(deps: DataStepDeps, agent: string, field: string): DatabaseClient {
  return deps.agents.makeClient<DatabaseClient>(agent, loadProto<DatabaseProto>().switchyard.v1.Database, field);
}

export function assetsClient(deps: DataStepDeps, agent: string, field: string): AssetsClient {
  return deps.agents.makeClient<AssetsClient>(agent, loadProto<AssetsProto>().switchyard.v1.Assets, field);
}

/** A unary call by method name, so call sites read like the proto. */
export function unary<C extends grpc.Client, Req, Res>(
  deps: DataStepDeps,
  agent: string,
  client: C,
  rpc: keyof C & string,
  request: Req,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Res> {
  const method = client[rpc] as unknown as UnaryMethod<Req, Res>;
  return deps.agents.call(agent, client, method, request, opts).catch((err: unknown) => {
    throw prefixed(err, `${rpc} on agent ${agent}`);
  });
}

/** A server-streaming call by method name; the iterator ends with the stream. */
export function serverStream<C extends grpc.Client, Req, Res>(agent: string, client: C, rpc: keyof C & string, request: Req, signal: AbortSignal): AsyncGenerator<Res> {
  const method = client[rpc] as unknown as ServerStreamMethod<Req, Res>;
  return callServerStream(client, method, request, { context: `agent ${agent} ${rpc}`, signal });
}

/** Agent errors already carry a typed code; the step's error line should also say which call failed. */
function prefixed(err: unknown, what: string): unknown {
  if (!(err instanceof SwitchyardError) || err.message.includes(what)) return err;
  return new SwitchyardError(err.code, `${what}: ${err.message}`, { ...(err.field === undefined ? {} : { field: err.field }), ...(err.details === undefined ? {} : { details: err.details }), cause: err });
}

export function newTransferToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Where the production agent dials the staging agent: its address and certificate name in the controller config. */
export function stagingPeer(deps: DataStepDeps, plan: Plan): { address: string; serverName: string } {
  const entry = deps.agents.get(plan.staging.agent, 'staging.agent');
  return { address: entry.address, serverName: entry.serverName ?? '' };
}

/**
 * Runs `fn` with a database transfer from staging's schema into production's, authorised on
 * the staging agent for this call only.
 */
export async function withDatabaseTransfer<T>(deps: DataStepDeps, plan: Plan, signal: AbortSignal, fn: (peer: PeerTransfer) => Promise<T>): Promise<T> {
  const db = plan.database;
  if (db === undefined) throw new SwitchyardError('SY_PRECONDITION', 'the plan has no database section');
  const staging = databaseClient(deps, plan.staging.agent, 'staging.agent');
  const token = newTransferToken();
  await unary(deps, plan.staging.agent, staging, 'AuthorizeTransfer', { token, schema: db.staging, ttl_seconds: deps.transferTtlSeconds ?? DEFAULT_TRANSFER_TTL_S }, { signal });
  const peer = stagingPeer(deps, plan);
  try {
    return await fn({ peer_address: peer.address, peer_server_name: peer.serverName, peer_name: plan.staging.agent, transfer_token: token, source_schema: db.staging, target_schema: db.production });
  } finally {
    await unary(deps, plan.staging.agent, staging, 'RevokeTransfer', { token }).catch((err: unknown) => {
      // It expires by itself; a failed revoke must not turn a good step into a failed one.
      deps.logger.warn({ agent: plan.staging.agent, err: (err as Error).message }, 'could not revoke the database transfer token; it expires by itself');
    });
  }
}

export interface AssetPeer {
  peer_address: string;
  peer_server_name: string;
  /** The plan's staging.agent: the production agent's errors from staging name it so. */
  peer_name: string;
  transfer_token: string;
  staging_root: string;
  production_root: string;
}

export type AssetRootPlan = NonNullable<Plan['assets']>[number];

/** Runs `fn` with one asset root authorised for reading on the staging agent. */
export async function withAssetTransfer<T>(deps: DataStepDeps, plan: Plan, root: AssetRootPlan, signal: AbortSignal, fn: (peer: AssetPeer) => Promise<T>): Promise<T> {
  const staging = assetsClient(deps, plan.staging.agent, 'staging.agent');
  const token = newTransferToken();
  await unary(deps, plan.staging.agent, staging, 'AuthorizeTransfer', { token, root: root.staging, ttl_seconds: deps.transferTtlSeconds ?? DEFAULT_TRANSFER_TTL_S }, { signal });
  const peer = stagingPeer(deps, plan);
  try {
    return await fn({ peer_address: peer.address, peer_server_name: peer.serverName, peer_name: plan.staging.agent, transfer_token: token, staging_root: root.staging, production_root: root.production });
  } finally {
    await unary(deps, plan.staging.agent, staging, 'RevokeTransfer', { token }).catch((err: unknown) => {
      deps.logger.warn({ agent: plan.staging.agent, root: root.staging, err: (err as Error).message }, 'could not revoke the asset transfer token; it expires by itself');
    });
  }
}

export const hasAssets = (plan: Plan): boolean => (plan.assets?.length ?? 0) > 0;

/** A label for one asset root pair, `uploads` or `uploads→media` when the names differ. */
export const rootLabel = (root: AssetRootPlan): string => (root.staging === root.production ? root.staging : `${root.staging}→${root.production}`);

const num = (v: string | number | undefined): number => (v === undefined ? 0 : Number(v));

/**
 * A byte or file total is passed on only when it is one: known (above 0) and not below what is done.
 * An older agent's total can fall short — presync's guess from information_schema, an asset
 * pull's listed sizes before a file grew while it was copied, or its file count likewise — and
 * "955.5 KiB of 48.0 KiB" or "files 12/9" says nothing true to the API or the CLI; without it
 * they show what is done alone, as for a step whose total is unknown.
 */
function trueTotal(done: number, total: number): number | undefined {
  return total > 0 && total >= done ? total : undefined;
}

export function dbProgress(step: string, p: DbProgress): Progress {
  const bytes = num(p.bytes);
  const total = trueTotal(bytes, num(p.total_bytes_estimate));
  const rate = p.rate_bytes_per_second;
  const out: Progress = {
    phase: `database ${p.phase}${p.table === '' ? '' : ` ${p.table}`}`.trim(),
    bytes,
    rows: num(p.rows),
    rate,
    message: `${step}: tables ${p.tables_done}/${p.tables_total}`,
  };
  if (total !== undefined) out.bytesTotal = total;
  if (total !== undefined && total > bytes && rate > 0) out.etaSeconds = Math.round((total - bytes) / rate);
  return out;
}

export function assetProgress(step: string, root: AssetRootPlan, p: AssetPullProgress__Output): Progress {
  const bytes = num(p.bytes_done);
  // An empty pull's 0 of 0 is a true total (nothing to copy), kept as before.
  const total = bytes === 0 ? num(p.bytes_total) : trueTotal(bytes, num(p.bytes_total));
  const files = num(p.files_done);
  // Files as bytes: a count short of the files done is dropped, an empty pull's 0 of 0 kept.
  const filesTotal = files === 0 ? num(p.files_total) : trueTotal(files, num(p.files_total));
  const out: Progress = {
    phase: `assets ${rootLabel(root)} ${p.phase}`.trim(),
    files,
    ...(filesTotal === undefined ? {} : { filesTotal }),
    bytes,
    ...(total === undefined ? {} : { bytesTotal: total }),
    rate: p.rate_bytes_per_second,
    message: `${step}: ${num(p.bytes_wire)} bytes on the wire`,
  };
  // The agent's ETA is reckoned against its total: none where that total was not one.
  if (total !== undefined && p.eta_seconds > 0) out.etaSeconds = Math.round(p.eta_seconds);
  return out;
}

export const toNumber = num;

// The production agent's view of the staging agent during one transfer. The gRPC client uses
// the agent's own mTLS material (agent certificates carry clientAuth) or plaintext on loopback.
import * as grpc from '@grpc/grpc-js';
import { acceptLargeFrames } from '../../shared/grpc/large-frames.js';
import { loadProto } from '../../shared/grpc/load.js';
import { channelCredentials, channelOptions } from '../../shared/grpc/credentials.js';
import { plaintextAddress, splitHostPort } from '../../shared/grpc/address.js';
import { fromGrpcError, SwitchyardError } from '../../shared/errors.js';
import type { ProtoGrpcType as DatabaseProto } from '../../shared/proto-gen/database.js';
import type { DatabaseClient } from '../../shared/proto-gen/switchyard/v1/Database.js';
import type { ChunkChecksum__Output } from '../../shared/proto-gen/switchyard/v1/ChunkChecksum.js';
import type { PeerTransfer__Output } from '../../shared/proto-gen/switchyard/v1/PeerTransfer.js';
import type { TlsFiles } from '../../shared/config/common.js';
import { keyFromWire, keyToWire, rangeToWire, snapshotFromWire, type Key } from './convert.js';
import type { RangeBounds } from './sql.js';
import type { RowFormat } from './read-rows.js';

export type RemoteSnapshot = ReturnType<typeof snapshotFromWire>;

export interface TableChunksPlan {
  table: string;
  boundaries: Key[];
  /** Empty: every chunk. */
  only: number[];
}

export interface SourcePeer {
  openSnapshot(parallelism: number): Promise<RemoteSnapshot>;
  /** `onBoundaries`: chunk boundaries staging picked from a whole-table stream, in key order. */
  /**
   * `rows`: ask for the "rows" format (see TableData); `onFormat` hears the format the reader
   * chose (an older one always sends text) before the first chunk is yielded.
   */
  streamTable(snapshotId: string, table: string, range?: RangeBounds, onBoundaries?: (keys: Key[]) => void, chunkBytes?: number, rows?: { onFormat: (f: RowFormat) => void }): AsyncIterable<Buffer>;
  /** `plans`: tables whose chunk boundaries are known (see TableChunks); `tables`: chunked by staging. */
  checksumChunks(snapshotId: string, tables: string[], targetMs: number, plans?: TableChunksPlan[], algo?: string): AsyncIterable<ChunkChecksum__Output>;
  streamKeys(snapshotId: string, table: string, range?: RangeBounds): AsyncIterable<Key[]>;
  /** The table's rows as [row hash, rows with it] pairs, both decimal (see StreamKeysRequest.row_hashes). */
  streamRowHashes(snapshotId: string, table: string, algo: string): AsyncIterable<Key[]>;
  closeSnapshot(snapshotId: string): Promise<void>;
  close(): void;
}

export interface PeerTransport {
  tls?: TlsFiles | undefined;
  insecure: boolean;
}

export function createDatabaseClient(address: string, transport: PeerTransport, serverName?: string): DatabaseClient {
  const { host } = splitHostPort(address, 'peer.peer_address');
  const proto = loadProto<DatabaseProto>();
  acceptLargeFrames();
  // An agent with tls configured always presents it; plaintext only toward loopback.
  const creds = channelCredentials({ tls: transport.tls, insecure: transport.tls === undefined, targetHost: host, hostField: 'peer.peer_address' });
  const dial = transport.tls === undefined ? plaintextAddress(address, 'peer.peer_address') : address;
  return new proto.switchyard.v1.Database(dial, creds, {
    ...channelOptions(serverName),
    'grpc.max_receive_message_length': 256 << 20,
    // Row chunks are 1 MiB messages: in HTTP/2's default 64 KiB window each took 16 window
    // updates from two busy processes, and no table's first chunk reached production sooner
    // than 0.6-1.0 s after the streams opened (with this: the first 0.10-0.15 s after, the last
    // 0.4-0.8 s), production's server idle meanwhile. The connection's window is the same
    // 4 MiB: that much more in flight at most.
    'grpc-node.flow_control_window': 4 * 1024 * 1024,
  });
}

/**
 * An error the staging agent answered with, named as its: this agent relays it to the controller,
 * and a bare "schema x does not exist on this server" there read as production's own fault, so
 * the operator looked at the wrong host.
 */
export function stagingError(err: unknown, where: string): SwitchyardError {
  const e = fromGrpcError(err, where);
  if (e.message.startsWith(`${where}:`)) return e;
  return new SwitchyardError(e.code, `${where}: ${e.message}`, { ...(e.field === undefined ? {} : { field: e.field }), ...(e.details === undefined ? {} : { details: e.details }), cause: err });
}

/**
 * How errors name the staging agent: by the name the controller knows it by when it sent one
 * (`staging agent staging-1 (10.0.0.5:7701)`), by address alone otherwise (an older controller).
 */
export function stagingAgentLabel(peer: Pick<PeerTransfer__Output, 'peer_address' | 'peer_name'>): string {
  const name = (peer.peer_name ?? '').trim();
  return name === '' ? `staging agent at ${peer.peer_address}` : `staging agent ${name} (${peer.peer_address})`;
}

function unary<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: Req, where: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, (err, res) => (err !== null ? reject(stagingError(err, where)) : resolve(res as Res)));
  });
}

async function* streamOf<T>(call: grpc.ClientReadableStream<T>, where: string): AsyncGenerator<T> {
  try {
    for await (const m of call) yield m as T;
  } catch (err) {
    throw stagingError(err, where);
  } finally {
    call.cancel();
  }
}

export class GrpcSourcePeer implements SourcePeer {
  private readonly client: DatabaseClient;
  private readonly token: string;
  /** How its errors name the staging agent. */
  private readonly where: string;

  constructor(peer: PeerTransfer__Output, transport: PeerTransport) {
    if (peer.peer_address === '' || peer.transfer_token === '') throw new SwitchyardError('SY_VALIDATION', 'peer.peer_address and peer.transfer_token are required', { field: 'peer' });
    this.where = stagingAgentLabel(peer);
    this.client = createDatabaseClient(peer.peer_address, transport, peer.peer_server_name);
    this.token = peer.transfer_token;
  }

  async openSnapshot(parallelism: number): Promise<RemoteSnapshot> {
    const info = await unary(this.client.OpenSnapshot.bind(this.client), { token: this.token, parallelism }, this.where);
    return snapshotFromWire(info);
  }

  async *streamTable(snapshotId: string, table: string, range?: RangeBounds, onBoundaries?: (keys: Key[]) => void, chunkBytes = 0, rows?: { onFormat: (f: RowFormat) => void }): AsyncIterable<Buffer> {
    let told = false;
    for await (const m of streamOf(this.client.StreamTable({ token: this.token, snapshot_id: snapshotId, table, range: rangeToWire(range) ?? null, chunk_bytes: chunkBytes, format: rows === undefined ? '' : 'rows' }), this.where)) {
      const format: RowFormat = m.format === 'rows' ? 'rows' : 'tsv';
      if (!told) {
        rows?.onFormat(format);
        told = true;
      }
      if (format === 'rows' && rows === undefined) throw new SwitchyardError('SY_DB', `table ${table}: the staging agent sent rows in a format we did not ask for`);
      if (onBoundaries !== undefined && m.boundaries.length > 0) onBoundaries(m.boundaries.map((k) => keyFromWire(k)!));
      if (m.data.length > 0) yield m.data;
    }
  }

  checksumChunks(snapshotId: string, tables: string[], targetMs: number, plans: TableChunksPlan[] = [], algo = ''): AsyncIterable<ChunkChecksum__Output> {
    const wire = plans.map((p) => ({ table: p.table, boundaries: p.boundaries.map(keyToWire), only: p.only }));
    return streamOf(this.client.ChecksumChunks({ token: this.token, snapshot_id: snapshotId, tables, target_ms: targetMs, plans: wire, algo }), this.where);
  }

  async *streamKeys(snapshotId: string, table: string, range?: RangeBounds): AsyncIterable<Key[]> {
    for await (const b of streamOf(this.client.StreamKeys({ token: this.token, snapshot_id: snapshotId, table, range: rangeToWire(range) ?? null }), this.where)) {
      yield b.keys.map((k) => keyFromWire(k)!);
    }
  }

  async *streamRowHashes(snapshotId: string, table: string, algo: string): AsyncIterable<Key[]> {
    for await (const b of streamOf(this.client.StreamKeys({ token: this.token, snapshot_id: snapshotId, table, row_hashes: true, algo }), this.where)) {
      if (!b.row_hashes) throw new SwitchyardError('SY_PRECONDITION', `table ${table}: the staging agent sent keys, not row hashes; it is older than comparing tables without a key by their rows — upgrade it`);
      yield b.keys.map((k) => keyFromWire(k)!);
    }
  }

  async closeSnapshot(snapshotId: string): Promise<void> {
    await unary(this.client.CloseSnapshot.bind(this.client), { token: this.token, snapshot_id: snapshotId }, this.where);
  }

  close(): void {
    this.client.close();
  }
}

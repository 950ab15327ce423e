// The production agent's client to the staging agent: mutual TLS with the agent's own
// certificate when it has one; plaintext only towards a loopback address (tests, the demo).
import { channelCredentials, channelOptions } from '../../shared/grpc/credentials.js';
import { plaintextAddress, splitHostPort } from '../../shared/grpc/address.js';
import { acceptLargeFrames } from '../../shared/grpc/large-frames.js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import type { AssetsClient } from '../../shared/proto-gen/switchyard/v1/Assets.js';
import type { TlsFiles } from '../../shared/config/common.js';

export interface PeerTransport {
  tls?: TlsFiles | undefined;
}

export function connectAssetsPeer(address: string, transport: PeerTransport, serverName?: string): AssetsClient {
  const { host } = splitHostPort(address, 'peer_address');
  const creds = channelCredentials({ tls: transport.tls, insecure: transport.tls === undefined, targetHost: host, hostField: 'peer_address' });
  const proto = loadProto<AssetsProto>();
  acceptLargeFrames();
  const dial = transport.tls === undefined ? plaintextAddress(address, 'peer_address') : address;
  return new proto.switchyard.v1.Assets(dial, creds, {
    ...channelOptions(serverName),
    // A listing batch of a huge file carries its chunk list; chunks themselves are 256 KiB.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // HTTP/2's default window of 64 KiB let staging send a quarter of a chunk per round trip:
    // the copy waited on window updates, both agents idle. A few chunks' worth per stream keeps
    // loopback and LAN links busy; backpressure still holds (the reader pauses, the window fills).
    'grpc-node.flow_control_window': 4 * 1024 * 1024,
  });
}

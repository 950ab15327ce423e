// Original file: proto/switchyard/v1/database.proto

import type { PeerTransfer as _switchyard_v1_PeerTransfer, PeerTransfer__Output as _switchyard_v1_PeerTransfer__Output } from '../../switchyard/v1/PeerTransfer.js';

export interface SyncDatabaseRequest {
  'peer'?: (_switchyard_v1_PeerTransfer | null);
  'parallelism'?: (number);
  'target_ms'?: (number);
  'full'?: (boolean);
}

export interface SyncDatabaseRequest__Output {
  'peer': (_switchyard_v1_PeerTransfer__Output | null);
  'parallelism': (number);
  'target_ms': (number);
  'full': (boolean);
}

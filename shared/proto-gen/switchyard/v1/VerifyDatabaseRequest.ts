// Original file: proto/switchyard/v1/database.proto

import type { PeerTransfer as _switchyard_v1_PeerTransfer, PeerTransfer__Output as _switchyard_v1_PeerTransfer__Output } from '../../switchyard/v1/PeerTransfer.js';

export interface VerifyDatabaseRequest {
  'peer'?: (_switchyard_v1_PeerTransfer | null);
  'target_ms'?: (number);
  'full'?: (boolean);
  'parallelism'?: (number);
}

export interface VerifyDatabaseRequest__Output {
  'peer': (_switchyard_v1_PeerTransfer__Output | null);
  'target_ms': (number);
  'full': (boolean);
  'parallelism': (number);
}

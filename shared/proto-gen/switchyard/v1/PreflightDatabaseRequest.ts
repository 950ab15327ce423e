// Original file: proto/switchyard/v1/database.proto

import type { PeerTransfer as _switchyard_v1_PeerTransfer, PeerTransfer__Output as _switchyard_v1_PeerTransfer__Output } from '../../switchyard/v1/PeerTransfer.js';

export interface PreflightDatabaseRequest {
  'peer'?: (_switchyard_v1_PeerTransfer | null);
}

export interface PreflightDatabaseRequest__Output {
  'peer': (_switchyard_v1_PeerTransfer__Output | null);
}

// Original file: proto/switchyard/v1/database.proto

import type { FreezeState as _switchyard_v1_FreezeState, FreezeState__Output as _switchyard_v1_FreezeState__Output } from '../../switchyard/v1/FreezeState.js';

export interface UnlockWritesResponse {
  'restored'?: (_switchyard_v1_FreezeState | null);
  'was_locked'?: (boolean);
  'held_by'?: (string);
  'held_locked_at'?: (string);
}

export interface UnlockWritesResponse__Output {
  'restored': (_switchyard_v1_FreezeState__Output | null);
  'was_locked': (boolean);
  'held_by': (string);
  'held_locked_at': (string);
}

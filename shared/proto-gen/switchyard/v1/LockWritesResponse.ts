// Original file: proto/switchyard/v1/database.proto

import type { FreezeState as _switchyard_v1_FreezeState, FreezeState__Output as _switchyard_v1_FreezeState__Output } from '../../switchyard/v1/FreezeState.js';

export interface LockWritesResponse {
  'prior'?: (_switchyard_v1_FreezeState | null);
  'already_locked'?: (boolean);
  'took_over_from'?: (string);
}

export interface LockWritesResponse__Output {
  'prior': (_switchyard_v1_FreezeState__Output | null);
  'already_locked': (boolean);
  'took_over_from': (string);
}

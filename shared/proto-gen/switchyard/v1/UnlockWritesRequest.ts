// Original file: proto/switchyard/v1/database.proto

import type { FreezeState as _switchyard_v1_FreezeState, FreezeState__Output as _switchyard_v1_FreezeState__Output } from '../../switchyard/v1/FreezeState.js';

export interface UnlockWritesRequest {
  'prior'?: (_switchyard_v1_FreezeState | null);
  'cutover_id'?: (string);
}

export interface UnlockWritesRequest__Output {
  'prior': (_switchyard_v1_FreezeState__Output | null);
  'cutover_id': (string);
}

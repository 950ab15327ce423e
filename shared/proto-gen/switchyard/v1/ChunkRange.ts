// Original file: proto/switchyard/v1/database.proto

import type { KeyValue as _switchyard_v1_KeyValue, KeyValue__Output as _switchyard_v1_KeyValue__Output } from '../../switchyard/v1/KeyValue.js';

export interface ChunkRange {
  'lower'?: (_switchyard_v1_KeyValue | null);
  'upper'?: (_switchyard_v1_KeyValue | null);
}

export interface ChunkRange__Output {
  'lower': (_switchyard_v1_KeyValue__Output | null);
  'upper': (_switchyard_v1_KeyValue__Output | null);
}

// Original file: proto/switchyard/v1/database.proto

import type { KeyValue as _switchyard_v1_KeyValue, KeyValue__Output as _switchyard_v1_KeyValue__Output } from '../../switchyard/v1/KeyValue.js';

export interface KeyBatch {
  'keys'?: (_switchyard_v1_KeyValue)[];
  'row_hashes'?: (boolean);
}

export interface KeyBatch__Output {
  'keys': (_switchyard_v1_KeyValue__Output)[];
  'row_hashes': (boolean);
}

// Original file: proto/switchyard/v1/database.proto

import type { KeyValue as _switchyard_v1_KeyValue, KeyValue__Output as _switchyard_v1_KeyValue__Output } from '../../switchyard/v1/KeyValue.js';

export interface TableChunks {
  'table'?: (string);
  'boundaries'?: (_switchyard_v1_KeyValue)[];
  'only'?: (number)[];
}

export interface TableChunks__Output {
  'table': (string);
  'boundaries': (_switchyard_v1_KeyValue__Output)[];
  'only': (number)[];
}

// Original file: proto/switchyard/v1/database.proto

import type { TableChunks as _switchyard_v1_TableChunks, TableChunks__Output as _switchyard_v1_TableChunks__Output } from '../../switchyard/v1/TableChunks.js';

export interface ChecksumChunksRequest {
  'token'?: (string);
  'snapshot_id'?: (string);
  'tables'?: (string)[];
  'target_ms'?: (number);
  'plans'?: (_switchyard_v1_TableChunks)[];
  'algo'?: (string);
}

export interface ChecksumChunksRequest__Output {
  'token': (string);
  'snapshot_id': (string);
  'tables': (string)[];
  'target_ms': (number);
  'plans': (_switchyard_v1_TableChunks__Output)[];
  'algo': (string);
}

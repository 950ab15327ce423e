// Original file: proto/switchyard/v1/database.proto

import type { ChunkRange as _switchyard_v1_ChunkRange, ChunkRange__Output as _switchyard_v1_ChunkRange__Output } from '../../switchyard/v1/ChunkRange.js';

export interface StreamKeysRequest {
  'token'?: (string);
  'snapshot_id'?: (string);
  'table'?: (string);
  'range'?: (_switchyard_v1_ChunkRange | null);
  'row_hashes'?: (boolean);
  'algo'?: (string);
}

export interface StreamKeysRequest__Output {
  'token': (string);
  'snapshot_id': (string);
  'table': (string);
  'range': (_switchyard_v1_ChunkRange__Output | null);
  'row_hashes': (boolean);
  'algo': (string);
}

// Original file: proto/switchyard/v1/database.proto

import type { ChunkRange as _switchyard_v1_ChunkRange, ChunkRange__Output as _switchyard_v1_ChunkRange__Output } from '../../switchyard/v1/ChunkRange.js';

export interface StreamTableRequest {
  'token'?: (string);
  'snapshot_id'?: (string);
  'table'?: (string);
  'range'?: (_switchyard_v1_ChunkRange | null);
  'chunk_bytes'?: (number);
  'format'?: (string);
}

export interface StreamTableRequest__Output {
  'token': (string);
  'snapshot_id': (string);
  'table': (string);
  'range': (_switchyard_v1_ChunkRange__Output | null);
  'chunk_bytes': (number);
  'format': (string);
}

// Original file: proto/switchyard/v1/database.proto

import type { ChunkRange as _switchyard_v1_ChunkRange, ChunkRange__Output as _switchyard_v1_ChunkRange__Output } from '../../switchyard/v1/ChunkRange.js';
import type { Long } from '@grpc/proto-loader';

export interface ChunkChecksum {
  'table'?: (string);
  'index'?: (number);
  'range'?: (_switchyard_v1_ChunkRange | null);
  'rows'?: (number | string | Long);
  'checksum'?: (string);
  'last'?: (boolean);
}

export interface ChunkChecksum__Output {
  'table': (string);
  'index': (number);
  'range': (_switchyard_v1_ChunkRange__Output | null);
  'rows': (string);
  'checksum': (string);
  'last': (boolean);
}

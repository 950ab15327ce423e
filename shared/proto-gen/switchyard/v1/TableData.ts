// Original file: proto/switchyard/v1/database.proto

import type { KeyValue as _switchyard_v1_KeyValue, KeyValue__Output as _switchyard_v1_KeyValue__Output } from '../../switchyard/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

export interface TableData {
  'data'?: (Buffer | Uint8Array | string);
  'rows'?: (number | string | Long);
  'boundaries'?: (_switchyard_v1_KeyValue)[];
  'format'?: (string);
}

export interface TableData__Output {
  'data': (Buffer);
  'rows': (string);
  'boundaries': (_switchyard_v1_KeyValue__Output)[];
  'format': (string);
}

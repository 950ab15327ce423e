// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface TableData {
  'data'?: (Buffer | Uint8Array | string);
  'rows'?: (number | string | Long);
}

export interface TableData__Output {
  'data': (Buffer);
  'rows': (string);
}

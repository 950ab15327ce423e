// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface ServedTable {
  'table'?: (string);
  'rows'?: (number | string | Long);
}

export interface ServedTable__Output {
  'table': (string);
  'rows': (string);
}

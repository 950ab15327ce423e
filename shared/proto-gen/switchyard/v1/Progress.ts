// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface Progress {
  'phase'?: (string);
  'table'?: (string);
  'rows'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'tables_done'?: (number);
  'tables_total'?: (number);
  'rate_bytes_per_second'?: (number | string);
  'total_bytes_estimate'?: (number | string | Long);
}

export interface Progress__Output {
  'phase': (string);
  'table': (string);
  'rows': (string);
  'bytes': (string);
  'tables_done': (number);
  'tables_total': (number);
  'rate_bytes_per_second': (number);
  'total_bytes_estimate': (string);
}

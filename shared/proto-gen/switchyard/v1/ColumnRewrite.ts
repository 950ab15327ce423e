// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface ColumnRewrite {
  'table'?: (string);
  'column'?: (string);
  'values_changed'?: (number | string | Long);
  'serialized_values'?: (number | string | Long);
  'occurrences'?: (number | string | Long);
}

export interface ColumnRewrite__Output {
  'table': (string);
  'column': (string);
  'values_changed': (string);
  'serialized_values': (string);
  'occurrences': (string);
}

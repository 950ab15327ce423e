// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface MergeReport {
  'rows_merged'?: (number | string | Long);
  'tables'?: (string)[];
  'rows_not_found'?: (number | string | Long);
  'not_found'?: (string)[];
  'superseded'?: (string)[];
  'kept_with_table'?: (string)[];
  'merged_gone_live'?: (string)[];
}

export interface MergeReport__Output {
  'rows_merged': (string);
  'tables': (string)[];
  'rows_not_found': (string);
  'not_found': (string)[];
  'superseded': (string)[];
  'kept_with_table': (string)[];
  'merged_gone_live': (string)[];
}

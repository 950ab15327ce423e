// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface TableParity {
  'table'?: (string);
  'chunks'?: (number);
  'differing_chunks'?: (number);
  'staging_rows'?: (number | string | Long);
  'production_rows'?: (number | string | Long);
  'equal'?: (boolean);
  'note'?: (string);
  'rows_copied'?: (number | string | Long);
  'staging_check'?: (string);
  'production_check'?: (string);
  'staging_chunks_checked'?: (number);
  'production_chunks_checked'?: (number);
}

export interface TableParity__Output {
  'table': (string);
  'chunks': (number);
  'differing_chunks': (number);
  'staging_rows': (string);
  'production_rows': (string);
  'equal': (boolean);
  'note': (string);
  'rows_copied': (string);
  'staging_check': (string);
  'production_check': (string);
  'staging_chunks_checked': (number);
  'production_chunks_checked': (number);
}

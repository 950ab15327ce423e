// Original file: proto/switchyard/v1/database.proto

import type { Long } from '@grpc/proto-loader';

export interface CopyResult {
  'tables'?: (string)[];
  'rows'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'seconds'?: (number | string);
  'kept_aside_schema'?: (string);
  'load_methods'?: (string)[];
  'notes'?: (string)[];
}

export interface CopyResult__Output {
  'tables': (string)[];
  'rows': (string);
  'bytes': (string);
  'seconds': (number);
  'kept_aside_schema': (string);
  'load_methods': (string)[];
  'notes': (string)[];
}

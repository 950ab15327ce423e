// Original file: proto/switchyard/v1/database.proto

import type { ColumnInfo as _switchyard_v1_ColumnInfo, ColumnInfo__Output as _switchyard_v1_ColumnInfo__Output } from '../../switchyard/v1/ColumnInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface TableInfo {
  'name'?: (string);
  'create_sql'?: (string);
  'columns'?: (_switchyard_v1_ColumnInfo)[];
  'key_columns'?: (string)[];
  'key_name'?: (string);
  'approx_rows'?: (number | string | Long);
  'approx_bytes'?: (number | string | Long);
  'auto_increment'?: (string);
  'update_time'?: (number | string | Long);
  'create_time'?: (number | string | Long);
}

export interface TableInfo__Output {
  'name': (string);
  'create_sql': (string);
  'columns': (_switchyard_v1_ColumnInfo__Output)[];
  'key_columns': (string)[];
  'key_name': (string);
  'approx_rows': (string);
  'approx_bytes': (string);
  'auto_increment': (string);
  'update_time': (string);
  'create_time': (string);
}

// Original file: proto/switchyard/v1/database.proto

import type { TableInfo as _switchyard_v1_TableInfo, TableInfo__Output as _switchyard_v1_TableInfo__Output } from '../../switchyard/v1/TableInfo.js';
import type { SchemaObject as _switchyard_v1_SchemaObject, SchemaObject__Output as _switchyard_v1_SchemaObject__Output } from '../../switchyard/v1/SchemaObject.js';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotInfo {
  'snapshot_id'?: (string);
  'schema'?: (string);
  'tables'?: (_switchyard_v1_TableInfo)[];
  'objects'?: (_switchyard_v1_SchemaObject)[];
  'shared_view'?: (boolean);
  'parallelism'?: (number);
  'default_charset'?: (string);
  'default_collation'?: (string);
  'auto_increment_increment'?: (number);
  'auto_increment_offset'?: (number);
  'frozen_since'?: (string);
  'guard_mark'?: (number | string | Long);
  'checksum_algos'?: (string)[];
}

export interface SnapshotInfo__Output {
  'snapshot_id': (string);
  'schema': (string);
  'tables': (_switchyard_v1_TableInfo__Output)[];
  'objects': (_switchyard_v1_SchemaObject__Output)[];
  'shared_view': (boolean);
  'parallelism': (number);
  'default_charset': (string);
  'default_collation': (string);
  'auto_increment_increment': (number);
  'auto_increment_offset': (number);
  'frozen_since': (string);
  'guard_mark': (string);
  'checksum_algos': (string)[];
}

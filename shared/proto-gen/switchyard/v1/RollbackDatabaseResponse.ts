// Original file: proto/switchyard/v1/database.proto

import type { ServedTable as _switchyard_v1_ServedTable, ServedTable__Output as _switchyard_v1_ServedTable__Output } from '../../switchyard/v1/ServedTable.js';

export interface RollbackDatabaseResponse {
  'tables'?: (string)[];
  'served_schema'?: (string);
  'served_tables'?: (_switchyard_v1_ServedTable)[];
  'notes'?: (string)[];
}

export interface RollbackDatabaseResponse__Output {
  'tables': (string)[];
  'served_schema': (string);
  'served_tables': (_switchyard_v1_ServedTable__Output)[];
  'notes': (string)[];
}

// Original file: proto/switchyard/v1/database.proto

import type { KeyRange as _switchyard_v1_KeyRange, KeyRange__Output as _switchyard_v1_KeyRange__Output } from '../../switchyard/v1/KeyRange.js';
import type { Long } from '@grpc/proto-loader';

export interface ProductionOnlyTable {
  'table'?: (string);
  'rows'?: (number | string | Long);
  'ranges'?: (_switchyard_v1_KeyRange)[];
  'key_columns'?: (string)[];
  'too_many_to_keep'?: (boolean);
  'only_on_production'?: (boolean);
}

export interface ProductionOnlyTable__Output {
  'table': (string);
  'rows': (string);
  'ranges': (_switchyard_v1_KeyRange__Output)[];
  'key_columns': (string)[];
  'too_many_to_keep': (boolean);
  'only_on_production': (boolean);
}

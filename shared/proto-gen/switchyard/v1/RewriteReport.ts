// Original file: proto/switchyard/v1/database.proto

import type { ColumnRewrite as _switchyard_v1_ColumnRewrite, ColumnRewrite__Output as _switchyard_v1_ColumnRewrite__Output } from '../../switchyard/v1/ColumnRewrite.js';
import type { BrokenValue as _switchyard_v1_BrokenValue, BrokenValue__Output as _switchyard_v1_BrokenValue__Output } from '../../switchyard/v1/BrokenValue.js';
import type { Long } from '@grpc/proto-loader';

export interface RewriteReport {
  'dry_run'?: (boolean);
  'columns'?: (_switchyard_v1_ColumnRewrite)[];
  'broken'?: (_switchyard_v1_BrokenValue)[];
  'values_changed'?: (number | string | Long);
  'origins_left'?: (number | string | Long);
  'structure_changed'?: (number | string | Long);
  'problems'?: (string)[];
  'schemes_applied'?: (string)[];
}

export interface RewriteReport__Output {
  'dry_run': (boolean);
  'columns': (_switchyard_v1_ColumnRewrite__Output)[];
  'broken': (_switchyard_v1_BrokenValue__Output)[];
  'values_changed': (string);
  'origins_left': (string);
  'structure_changed': (string);
  'problems': (string)[];
  'schemes_applied': (string)[];
}

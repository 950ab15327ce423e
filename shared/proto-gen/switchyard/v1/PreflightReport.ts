// Original file: proto/switchyard/v1/database.proto

import type { AutoIncrementRow as _switchyard_v1_AutoIncrementRow, AutoIncrementRow__Output as _switchyard_v1_AutoIncrementRow__Output } from '../../switchyard/v1/AutoIncrementRow.js';
import type { ProductionOnlyTable as _switchyard_v1_ProductionOnlyTable, ProductionOnlyTable__Output as _switchyard_v1_ProductionOnlyTable__Output } from '../../switchyard/v1/ProductionOnlyTable.js';
import type { Long } from '@grpc/proto-loader';

export interface PreflightReport {
  'staging_auto_increment_increment'?: (number);
  'staging_auto_increment_offset'?: (number);
  'production_auto_increment_increment'?: (number);
  'production_auto_increment_offset'?: (number);
  'auto_increment'?: (_switchyard_v1_AutoIncrementRow)[];
  'production_only'?: (_switchyard_v1_ProductionOnlyTable)[];
  'production_only_rows'?: (number | string | Long);
  'notes'?: (string)[];
}

export interface PreflightReport__Output {
  'staging_auto_increment_increment': (number);
  'staging_auto_increment_offset': (number);
  'production_auto_increment_increment': (number);
  'production_auto_increment_offset': (number);
  'auto_increment': (_switchyard_v1_AutoIncrementRow__Output)[];
  'production_only': (_switchyard_v1_ProductionOnlyTable__Output)[];
  'production_only_rows': (string);
  'notes': (string)[];
}

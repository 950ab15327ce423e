// Original file: proto/switchyard/v1/database.proto

import type { TableParity as _switchyard_v1_TableParity, TableParity__Output as _switchyard_v1_TableParity__Output } from '../../switchyard/v1/TableParity.js';

export interface ParityReport {
  'equal'?: (boolean);
  'tables'?: (_switchyard_v1_TableParity)[];
  'objects_differing'?: (string)[];
  'seconds'?: (number | string);
  'staging_chunks_checked'?: (number);
  'production_chunks_checked'?: (number);
  'mode'?: (string);
}

export interface ParityReport__Output {
  'equal': (boolean);
  'tables': (_switchyard_v1_TableParity__Output)[];
  'objects_differing': (string)[];
  'seconds': (number);
  'staging_chunks_checked': (number);
  'production_chunks_checked': (number);
  'mode': (string);
}

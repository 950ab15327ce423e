// Original file: proto/switchyard/v1/agent.proto

import type { ScanTextMatch as _switchyard_v1_ScanTextMatch, ScanTextMatch__Output as _switchyard_v1_ScanTextMatch__Output } from '../../switchyard/v1/ScanTextMatch.js';

export interface ScanTextResponse {
  'matches'?: (_switchyard_v1_ScanTextMatch)[];
  'files_scanned'?: (number);
  'truncated'?: (boolean);
  'skipped'?: (string)[];
}

export interface ScanTextResponse__Output {
  'matches': (_switchyard_v1_ScanTextMatch__Output)[];
  'files_scanned': (number);
  'truncated': (boolean);
  'skipped': (string)[];
}

// Original file: proto/switchyard/v1/database.proto

import type { Progress as _switchyard_v1_Progress, Progress__Output as _switchyard_v1_Progress__Output } from '../../switchyard/v1/Progress.js';
import type { CopyResult as _switchyard_v1_CopyResult, CopyResult__Output as _switchyard_v1_CopyResult__Output } from '../../switchyard/v1/CopyResult.js';
import type { ParityReport as _switchyard_v1_ParityReport, ParityReport__Output as _switchyard_v1_ParityReport__Output } from '../../switchyard/v1/ParityReport.js';

export interface DbEvent {
  'progress'?: (_switchyard_v1_Progress | null);
  'copy'?: (_switchyard_v1_CopyResult | null);
  'parity'?: (_switchyard_v1_ParityReport | null);
  'event'?: "progress"|"copy"|"parity";
}

export interface DbEvent__Output {
  'progress'?: (_switchyard_v1_Progress__Output | null);
  'copy'?: (_switchyard_v1_CopyResult__Output | null);
  'parity'?: (_switchyard_v1_ParityReport__Output | null);
  'event'?: "progress"|"copy"|"parity";
}

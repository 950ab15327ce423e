// Original file: proto/switchyard/v1/agent.proto

import type { CronEntry as _switchyard_v1_CronEntry, CronEntry__Output as _switchyard_v1_CronEntry__Output } from '../../switchyard/v1/CronEntry.js';
import type { CronEnvVar as _switchyard_v1_CronEnvVar, CronEnvVar__Output as _switchyard_v1_CronEnvVar__Output } from '../../switchyard/v1/CronEnvVar.js';
import type { CronUnreadable as _switchyard_v1_CronUnreadable, CronUnreadable__Output as _switchyard_v1_CronUnreadable__Output } from '../../switchyard/v1/CronUnreadable.js';

export interface CronFacts {
  'files'?: (string)[];
  'entries'?: (_switchyard_v1_CronEntry)[];
  'env'?: (_switchyard_v1_CronEnvVar)[];
  'unreadable'?: (_switchyard_v1_CronUnreadable)[];
}

export interface CronFacts__Output {
  'files': (string)[];
  'entries': (_switchyard_v1_CronEntry__Output)[];
  'env': (_switchyard_v1_CronEnvVar__Output)[];
  'unreadable': (_switchyard_v1_CronUnreadable__Output)[];
}

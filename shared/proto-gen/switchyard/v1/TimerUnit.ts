// Original file: proto/switchyard/v1/agent.proto

import type { TimerSettings as _switchyard_v1_TimerSettings, TimerSettings__Output as _switchyard_v1_TimerSettings__Output } from '../../switchyard/v1/TimerSettings.js';

export interface TimerUnit {
  'name'?: (string);
  'schedule'?: (string)[];
  'service'?: (string);
  'service_digest'?: (string);
  'file'?: (string);
  'settings'?: (_switchyard_v1_TimerSettings | null);
}

export interface TimerUnit__Output {
  'name': (string);
  'schedule': (string)[];
  'service': (string);
  'service_digest': (string);
  'file': (string);
  'settings': (_switchyard_v1_TimerSettings__Output | null);
}

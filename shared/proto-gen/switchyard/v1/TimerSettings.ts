// Original file: proto/switchyard/v1/agent.proto

import type { TimerEnvVar as _switchyard_v1_TimerEnvVar, TimerEnvVar__Output as _switchyard_v1_TimerEnvVar__Output } from '../../switchyard/v1/TimerEnvVar.js';

export interface TimerSettings {
  'persistent'?: (string);
  'randomized_delay_sec'?: (string);
  'user'?: (string);
  'accuracy_sec'?: (string);
  'group'?: (string);
  'environment_files'?: (string)[];
  'environment'?: (_switchyard_v1_TimerEnvVar)[];
  'environment_error'?: (string);
}

export interface TimerSettings__Output {
  'persistent': (string);
  'randomized_delay_sec': (string);
  'user': (string);
  'accuracy_sec': (string);
  'group': (string);
  'environment_files': (string)[];
  'environment': (_switchyard_v1_TimerEnvVar__Output)[];
  'environment_error': (string);
}
